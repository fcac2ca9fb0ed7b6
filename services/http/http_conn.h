/* One HTTP/1.1 server connection as an I/O-free state machine: the board
 * gives it received bytes and the time, and gets back a parsed request to
 * answer, the bytes (and a file range) to send, the next deadline, and
 * whether to read, write, half-close or close. Keep-alive, pipelining,
 * limits (head size, max_body), the absolute header deadline (slowloris),
 * and the drain after an error answer all live here, so a fuzzer can drive
 * a whole connection with a fake clock.
 *
 * The read buffer moves (it grows for a body, shrinks to nothing while
 * idle), so the parsed head is kept as offsets into it; pointers exist only
 * in the view bb_http_conn_request() builds, valid until the next call that
 * takes bytes (rspace/received) or consumes the request (answered). */
#ifndef BB_HTTP_CONN_H
#define BB_HTTP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "http/http_parse.h"

struct bb_http_conn_cfg {
	uint64_t max_body;
	uint32_t header_ms; /* the whole head, from its first byte */
	uint32_t idle_ms;   /* keep-alive wait, a body, a stalled write */
	uint32_t drain_ms;  /* after an error: finish sending, then read */
	char date[40];	    /* for Date:, kept current by the board */
};

enum bb_http_conn_state {
	BB_HC_IDLE,  /* between requests, no byte yet */
	BB_HC_HEAD,  /* reading a head */
	BB_HC_BODY,  /* reading a body */
	BB_HC_READY, /* a whole request is here: answer it */
	BB_HC_SEND,  /* an answer is going out */
	BB_HC_DRAIN, /* half-closed after an error: read and drop */
	BB_HC_DEAD,  /* close the connection */
};

struct bb_http_span {
	uint32_t off, len;
};

struct bb_http_conn {
	const struct bb_http_conn_cfg *cfg;
	enum bb_http_conn_state st;
	uint64_t deadline; /* absolute, same clock as the "now" given */
	/* input */
	char *in;
	size_t in_len, in_cap;
	size_t drained;
	size_t scanned; /* in_len when the head was last parsed */
	/* the current request's head, as offsets into in */
	size_t head_len;
	uint64_t body_len;
	enum bb_http_method method;
	int minor;
	bool keep_alive;
	struct bb_http_span target;
	struct bb_http_span hname[BB_HTTP_MAX_HEADERS];
	struct bb_http_span hval[BB_HTTP_MAX_HEADERS];
	size_t nheaders;
	/* output: out[out_off..], then a file range, then what the board
	 * streams itself (external) */
	struct bb_buf out;
	size_t out_off;
	uint64_t file_off, file_left;
	bool external;
	bool close_after; /* close (or drain) once the answer is out */
	bool drain_after; /* the input was not read to its end */
	bool shut;	  /* the board has half-closed */
	int error;	  /* the status of the last error answered; the
			     board reads and clears it (stats, log) */
};

void bb_http_conn_init(struct bb_http_conn *c,
		       const struct bb_http_conn_cfg *cfg, uint64_t now);
void bb_http_conn_free(struct bb_http_conn *c);

/* Where the next received bytes go and how many fit; NULL when no bytes
 * are wanted now (an answer is pending, the buffer is full, or closed). */
char *bb_http_conn_rspace(struct bb_http_conn *c, size_t *room);
/* n bytes were stored at rspace; 0 is the peer's end of stream. */
void bb_http_conn_received(struct bb_http_conn *c, size_t n, uint64_t now);

/* In BB_HC_READY: the request (a view with pointers into the buffer) and
 * its body. The board answers with bb_http_conn_status/_simple/_file/
 * _external, then calls bb_http_conn_answered. */
void bb_http_conn_request(const struct bb_http_conn *c, struct bb_http_head *h,
			  const uint8_t **body, size_t *body_len);
void bb_http_conn_status(struct bb_http_conn *c, int status, const char *ctype,
			 uint64_t length, const char *extra);
void bb_http_conn_simple(struct bb_http_conn *c, int status, bool head_only);
void bb_http_conn_file(struct bb_http_conn *c, uint64_t off, uint64_t len);
void bb_http_conn_external(struct bb_http_conn *c);
void bb_http_conn_answered(struct bb_http_conn *c, uint64_t now);

/* Output: memory bytes first (*more: a file or stream follows), then the
 * file range. Report what the transport took. */
size_t bb_http_conn_out(const struct bb_http_conn *c, const char **p,
			bool *more);
void bb_http_conn_sent(struct bb_http_conn *c, size_t n, uint64_t now);
uint64_t bb_http_conn_file_left(const struct bb_http_conn *c, uint64_t *off);
void bb_http_conn_file_sent(struct bb_http_conn *c, uint64_t n, uint64_t now);
/* The board's own stream made progress / is over. */
void bb_http_conn_progress(struct bb_http_conn *c, uint64_t now);
void bb_http_conn_external_done(struct bb_http_conn *c, uint64_t now);

/* BB_HC_DRAIN starts with a half-close the board does once. */
static inline bool bb_http_conn_want_shut(const struct bb_http_conn *c)
{
	return c->st == BB_HC_DRAIN && !c->shut;
}

/* Call at or after c->deadline: 408 for an unfinished request, else the
 * connection ends. Earlier calls do nothing. */
void bb_http_conn_tick(struct bb_http_conn *c, uint64_t now);

/* Under pressure, which connection to give up first: 2 idle keep-alive or
 * draining, 1 still reading a head, 0 busy. */
int bb_http_conn_reclaim_rank(const struct bb_http_conn *c);

const char *bb_http_reason(int status);

#endif
