/* The HTTP/1.1 server of the Linux board: sockets, epoll, timers and
 * sendfile(2) around the I/O-free connection engine (services/http/
 * http_conn.c, which owns parsing, keep-alive, pipelining, limits and
 * timeouts). Here: the listener (with the accept guard for EMFILE), one
 * small object per connection, the connection limit (idle or unfinished
 * connections are closed to admit a new one before anyone gets 503),
 * memory bodies or files with Range, ETag/Last-Modified and conditional
 * requests, and files still being written, sent as they grow. */
#ifndef BB_LINUX_HTTP_SERVER_H
#define BB_LINUX_HTTP_SERVER_H

#include <stdint.h>

#include "board/linux/loop.h"
#include "http/http_handler.h"

struct bb_http_server;

struct bb_http_server_opts {
	uint32_t addr; /* host byte order */
	uint16_t port;
	uint32_t max_conns;
	uint32_t idle_timeout_ms;
	uint32_t header_timeout_ms;
	uint32_t max_body; /* request bodies, default 1 MiB */
	bb_http_handler_fn handler;
	void *ctx;
	/* one line per request, NULL: none */
	void (*access_log)(void *ctx, const char *line);
};

struct bb_http_stats {
	uint64_t accepted, refused, requests, bad_requests, timeouts;
	uint64_t reclaimed; /* idle or unfinished, closed to admit another */
	uint32_t open;
};

/* NULL with errno set when the listener cannot be set up. */
struct bb_http_server *
bb_http_server_start(struct bb_loop *loop, const struct bb_http_server_opts *o);
void bb_http_server_stop(struct bb_http_server *srv);

/* Serves an already connected, non-blocking stream fd as if it had been
 * accepted from ip:port (host byte order). The HTTPS listener hands over
 * its decrypted side this way, so per-machine files still see the real
 * client address. Takes fd in all cases; 0, or -1 when refused (limit). */
int bb_http_server_adopt(struct bb_http_server *srv, int fd, uint32_t ip,
			 uint16_t port);
const struct bb_http_stats *
bb_http_server_stats(const struct bb_http_server *srv);

#endif
