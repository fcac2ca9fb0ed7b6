/* The TFTP server of the Linux board: the sockets, files and timers around
 * the session engine (services/tftp/tftp_session.h). A listener on the
 * appliance's address for requests and one connected UDP socket per
 * transfer (the RFC 1350 TID), bound to the address the request came to,
 * so replies come from it; transfers of one file share its descriptor.
 * Files are opened beneath the root directory with openat2(RESOLVE_BENEATH
 * | RESOLVE_NO_MAGICLINKS): no name, symlink or ".." leaves it. Runs of
 * blocks go out as UDP GSO trains. */
#ifndef BB_LINUX_TFTP_SERVER_H
#define BB_LINUX_TFTP_SERVER_H

#include <stdint.h>

#include "board/linux/loop.h"
#include "tftp/tftp_session.h"

struct bb_tftp_server;

struct bb_tftp_server_opts {
	const char *root;
	const char *fallback; /* tried when root lacks a file; NULL: none */
	uint32_t addr; /* host byte order; 0: any (replies still leave from
			* the address each request came to) */
	uint16_t port;
	uint32_t max_xfers;   /* default 4096 */
	uint32_t per_source;  /* at once from one address; default 8 */
	uint32_t lifetime_ms; /* of one transfer; default 600 s */
	void (*log)(void *ctx, const char *line);
	void *ctx;
};

struct bb_tftp_server *
bb_tftp_server_start(struct bb_loop *loop, const struct bb_tftp_server_opts *o);
/* A new root for new transfers; 0 or a negative BB_E*. */
int bb_tftp_server_set_root(struct bb_tftp_server *s, const char *root);
void bb_tftp_server_stop(struct bb_tftp_server *s);

/* Since start: transfers ended well / otherwise, file bytes acknowledged,
 * timeouts that resent a window. */
const struct bb_tftp_server_stats *
bb_tftp_server_stats(const struct bb_tftp_server *s);

#endif
