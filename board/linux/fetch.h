/* Fetches one URL into a file on the event loop, never blocking it: name
 * resolution on a helper thread, non-blocking connect, an optional HTTP
 * proxy (CONNECT), TLS verified against the system store plus an optional
 * bundle (fails closed on any certificate problem), up to max_redirects
 * redirects (an https fetch only follows https), Range to resume, connect
 * and read timeouts, chunked or length-delimited bodies. The body goes to
 * opts.fd at its offset, hashed (sha256) as it arrives, and fdatasync()ed
 * before done is called. The protocol (requests, heads, redirects, resume,
 * framing, limits, deadlines) is services/cache/fetch_machine; this board
 * side resolves, connects, runs TLS, spools and runs the Range parts. */
#ifndef BB_LINUX_FETCH_H
#define BB_LINUX_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "board/linux/loop.h"

struct bb_fetch;

struct bb_fetch_opts {
	const char *url;
	const char *ca_bundle; /* extra trusted CAs (PEM), NULL: none */
	const char *system_ca; /* NULL: /etc/ssl/certs/ca-certificates.crt */
	const char *proxy;     /* "http://host:port", NULL: direct */
	uint32_t connect_timeout_ms; /* default 10 s */
	uint32_t read_timeout_ms;    /* idle, default 30 s */
	int max_redirects;	     /* default 5; -1: none */
	int fd;		 /* destination, opened read-write by the caller */
	uint64_t offset; /* bytes already in fd (resume); they are re-hashed */
	uint64_t max_bytes; /* refuse bodies larger than this; 0: 4 GiB */
};

struct bb_fetch_result {
	int err;	    /* 0 or a negative BB_E* */
	char msg[256];	    /* one line, for logs and the CLI */
	int status;	    /* last HTTP status, 0 if none */
	uint64_t length;    /* bytes in the file */
	uint8_t sha256[32]; /* of the whole file, when err == 0 */
	bool resumable;	    /* the connection was cut: retry with offset */
};

struct bb_fetch_cb {
	/* total is 0 while unknown; called as bytes land */
	void (*progress)(void *arg, uint64_t have, uint64_t total);
	/* exactly once; the fetch is freed after it returns */
	void (*done)(void *arg, const struct bb_fetch_result *res);
	void *arg;
};

/* NULL (and no callback) when the URL is unusable or memory ran out. */
struct bb_fetch *bb_fetch_start(struct bb_loop *loop,
				const struct bb_fetch_opts *opts,
				const struct bb_fetch_cb *cb);
/* Stops without calling done. */
void bb_fetch_cancel(struct bb_fetch *f);

#endif
