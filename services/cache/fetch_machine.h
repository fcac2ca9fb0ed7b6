/* One artifact fetch as an I/O-free state machine: the board gives it the
 * events of its connection (connected, TLS up, bytes written, bytes read
 * in any split, end of stream) and the time; the machine answers with the
 * next thing to do (bb_fetchm_act): dial host:port (again after a
 * redirect), start TLS, write request bytes, read, take body bytes for a
 * file offset, hand the connection to a second part, done or fail. It
 * builds the requests (Range to resume, CONNECT through a proxy), judges
 * the reply heads (redirects with their limit and the https-only rule,
 * 200 to a Range restarts the file, 206 must be for the bytes we asked,
 * any other status fails), frames the body (Content-Length, chunked, or up
 * to the close), enforces the size limit and the connect and read
 * deadlines, and decides when a large TLS body is worth a second
 * connection for its second half. DNS, sockets, TLS, the file, the digest
 * and the threads stay on the board.
 *
 * Buffers are fixed arrays inside the struct; pending bytes are offsets
 * into them, and the pointers bb_fetchm_out/_rspace/_body return are valid
 * until the next call that changes the machine. */
#ifndef BB_FETCH_MACHINE_H
#define BB_FETCH_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/upstream.h"

struct bb_fetchm_cfg {
	uint32_t connect_ms; /* resolve + connect (+ handshake); 0: 10 s */
	uint32_t read_ms;    /* idle, 0: 30 s */
	int max_redirects;   /* 0: 5; < 0: none followed */
	uint64_t max_bytes;  /* 0: 4 GiB */
	/* a TLS body (direct, length known) with at least this many bytes
	 * left gets a second connection for its second half; 0: never */
	uint64_t split_min;
	/* of those bytes, the share (per 1024) the first connection keeps:
	 * less than half when its side also hashes the whole file in order;
	 * 0: half */
	uint32_t split_share;
	/* A general request (board.h's bb_board_fetch) instead of the GET
	 * for a file: method (a token), extra header lines each ending in
	 * CRLF, and a body sent after the head (Content-Type JSON and a
	 * Content-Length unless GET or HEAD), like the Linux board's
	 * http_client. Any status is the answer: no redirect, no Range; the
	 * body is framed as a file's, max_bytes its cap; each write that
	 * moves restarts the deadline. The strings and the body are the
	 * board's and must outlive the machine. NULL: the artifact GET. */
	const char *method;
	const char *headers;
	const uint8_t *body;
	size_t body_len;
};

enum bb_fetchm_act {
	BB_FM_WAIT,    /* nothing until the board reports an event */
	BB_FM_CONNECT, /* drop any connection; dial bb_fetchm_peer(), then
			  bb_fetchm_dialing() */
	BB_FM_TLS,     /* handshake for url.host, then bb_fetchm_tls_up() */
	BB_FM_WRITE,   /* send bb_fetchm_out(), report bb_fetchm_sent() */
	BB_FM_READ,    /* read into bb_fetchm_rspace(), bb_fetchm_received() */
	BB_FM_HEAD,    /* a body follows: total, restart, split are set;
			  answer bb_fetchm_body_start() */
	BB_FM_BODY,    /* bb_fetchm_body() bytes; report bb_fetchm_taken() */
	BB_FM_ADOPT,   /* a second part takes over this connection from
			  have to split: bb_fetchm_adopted() */
	BB_FM_DONE,    /* every byte delivered (have bytes in all) */
	BB_FM_FAIL,    /* err, msg, resumable */
};

enum bb_fetchm_step {
	BB_FMS_DIAL,
	BB_FMS_RESOLVING,
	BB_FMS_CONNECTING,
	BB_FMS_PROXY_SEND,
	BB_FMS_PROXY_HEAD,
	BB_FMS_TLS,
	BB_FMS_SEND,
	BB_FMS_HEAD,
	BB_FMS_HEADED, /* head accepted, the board sets the body up */
	BB_FMS_BODY,
	BB_FMS_TAIL, /* the parts read the body; the board counts */
	BB_FMS_DONE,
	BB_FMS_FAILED,
};

#define BB_FETCHM_IN  16384
#define BB_FETCHM_OUT (BB_URL_PATH_MAX + 512)

struct bb_fetchm {
	struct bb_fetchm_cfg cfg;
	enum bb_fetchm_step step;
	uint64_t deadline;   /* absolute, the clock the board gives */
	struct bb_url url;   /* now (after redirects) */
	struct bb_url proxy; /* used when proxy.host[0] */
	int redirects;
	char out[BB_FETCHM_OUT];
	size_t out_len, out_off;
	size_t sbody_off; /* of cfg.body, sent after out[] */
	uint8_t in[BB_FETCHM_IN];
	size_t in_len;		   /* head bytes gathered */
	size_t body_off, body_len; /* body bytes in in[] not yet taken */
	struct bb_upstream_reply reply;
	struct bb_chunked chunk;
	uint64_t have;	/* body bytes framed (file offset after them) */
	uint64_t total; /* announced, 0 while unknown */
	uint64_t split; /* where the second part starts; 0: one connection */
	bool restart;	/* the server ignored our Range: the file starts
			   over at 0 (truncate it, reset the digest) */
	bool complete;	/* every body byte framed */
	/* result */
	int status; /* last HTTP status */
	int err;
	bool resumable; /* cut mid-body: retry from what the file holds */
	char msg[256];
};

/* Parses url and proxy (NULL: direct; an https proxy is refused) and
 * starts at offset body bytes already held: 0 or BB_EMALFORMED (also a
 * method that is not a token, headers that would end the head, or an
 * offset with a method). */
int bb_fetchm_init(struct bb_fetchm *m, const struct bb_fetchm_cfg *cfg,
		   const char *url, const char *proxy, uint64_t offset,
		   uint64_t now);

enum bb_fetchm_act bb_fetchm_act(const struct bb_fetchm *m);

/* Where to dial: the proxy, or the origin. */
const struct bb_url *bb_fetchm_peer(const struct bb_fetchm *m);
/* The board began to resolve (resolving) or connect: the connect deadline. */
void bb_fetchm_dialing(struct bb_fetchm *m, bool resolving, uint64_t now);
void bb_fetchm_connected(struct bb_fetchm *m, uint64_t now);
void bb_fetchm_tls_up(struct bb_fetchm *m, uint64_t now);

const char *bb_fetchm_out(const struct bb_fetchm *m, size_t *len);
void bb_fetchm_sent(struct bb_fetchm *m, size_t n, uint64_t now);

/* room is never 0 while the act is BB_FM_READ. */
uint8_t *bb_fetchm_rspace(struct bb_fetchm *m, size_t *room);
/* n bytes were stored at rspace; 0 is the end of the stream. */
void bb_fetchm_received(struct bb_fetchm *m, size_t n, uint64_t now);

/* split_ok false: the board could not start the second part. */
void bb_fetchm_body_start(struct bb_fetchm *m, bool split_ok);
/* The pending body bytes and the file offset of the first. */
const uint8_t *bb_fetchm_body(const struct bb_fetchm *m, size_t *len,
			      uint64_t *file_off);
void bb_fetchm_taken(struct bb_fetchm *m, size_t n);
/* ok: the parts read the rest (BB_FMS_TAIL); else this connection
 * reads it all. */
void bb_fetchm_adopted(struct bb_fetchm *m, bool ok);
/* The second part failed before it mattered: one connection. */
void bb_fetchm_unsplit(struct bb_fetchm *m);
/* In the tail: the parts made progress / wrote every byte. */
void bb_fetchm_alive(struct bb_fetchm *m, uint64_t now);
void bb_fetchm_parts_done(struct bb_fetchm *m);

/* Call at or after deadline: the timeout failure. Earlier: nothing. */
void bb_fetchm_tick(struct bb_fetchm *m, uint64_t now);
/* A failure the board saw (connect, TLS, file); resumable as given. */
void bb_fetchm_fail(struct bb_fetchm *m, int err, bool resumable,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Whether a cut connection now leaves a resumable file. */
bool bb_fetchm_in_body(const struct bb_fetchm *m);

/* A part's request for body bytes [start, end) of url: the length, or
 * BB_ENOSPC. */
int bb_fetch_range_request(const struct bb_url *u, uint64_t start, uint64_t end,
			   char *buf, size_t cap);
/* A part's reply head: its length (> 0) when it is a 206 for exactly
 * [start, end) of total bytes, BB_EPARTIAL, or BB_EMALFORMED. */
long bb_fetch_range_head(const char *buf, size_t len, uint64_t start,
			 uint64_t end, uint64_t total);

/* After a failed attempt (tries made so far, >= 1): ms to wait before the
 * next one (1 s, 2 s, 4 s ...), or 0 when there is none (not resumable,
 * or out of retries). */
uint32_t bb_fetch_retry_ms(bool resumable, int tries, int retries);

#endif
