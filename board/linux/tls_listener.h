/* The HTTPS listener (http.tls_listen): TLS on the event loop in front of
 * the plain HTTP server. Each TLS connection gets a socketpair whose other
 * end is handed to the HTTP server with the client's real address
 * (bb_http_server_adopt), so routes, per-machine privacy and the access
 * log see the same thing over both listeners, and http_server.c knows
 * nothing of TLS.
 *
 * The certificate (chain PEM, leaf first) and key are files that renewal
 * replaces; the listener polls them and a renewed pair is used for new
 * connections at once, while open connections keep the pair they started
 * with. A new pair is taken only when the key matches the certificate
 * (renewal writes the key first). Until a usable pair exists, connections
 * are accepted and closed. */
#ifndef BB_LINUX_TLS_LISTENER_H
#define BB_LINUX_TLS_LISTENER_H

#include <stdint.h>

#include "board/linux/http_server.h"
#include "board/linux/loop.h"

struct bb_tls_listener;

struct bb_tls_listener_opts {
	uint32_t addr; /* host byte order */
	uint16_t port;
	const char *cert_path; /* copied */
	const char *key_path;  /* copied */
	struct bb_http_server *http;
	uint32_t max_conns;	       /* default 1024 */
	uint32_t handshake_timeout_ms; /* default 10 s */
	uint32_t idle_timeout_ms;      /* default 120 s */
	uint32_t check_ms;	       /* certificate poll, default 5 s */
	void (*log)(void *ctx, int is_error, const char *line);
	void *ctx;
};

/* NULL with errno set when the socket cannot be set up. */
struct bb_tls_listener *
bb_tls_listener_start(struct bb_loop *loop,
		      const struct bb_tls_listener_opts *o);
void bb_tls_listener_stop(struct bb_tls_listener *l);

/* Checks the files now (the poll does it on its own): 1 switched to a new
 * pair, 0 nothing new, a negative BB_E* when the new files are unusable
 * (the pair in use stays). */
int bb_tls_listener_refresh(struct bb_tls_listener *l);

#endif
