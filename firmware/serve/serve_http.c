/* The HTTP service, on board.h streams, for every board: the connection
 * engine of services/http (keep-alive, pipelining, head and body limits,
 * the absolute header deadline, the drain after an error answer) answered
 * by the routes, over plain streams (http.listen) and over TLS sessions
 * of services/http/tls_session on the same streams (http.tls_listen).
 * Here: the connection limit (an idle or unfinished connection is closed
 * to admit a new one before anyone gets 503), memory bodies or files
 * with Range, ETag/Last-Modified and conditional requests, a small file
 * in one write with its head, files still being written sent as they
 * grow, the access log (held, written once per turn of the loop), and
 * the certificate that renewal replaces, polled for new sessions. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board/board.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/parse.h"
#include "common/sanitize.h"
#include "firmware/serve/cert_client.h"
#include "firmware/serve/log.h"
#include "firmware/serve/routes.h"
#include "firmware/serve/serve.h"
#include "http/http_conn.h"
#include "http/http_parse.h"
#include "http/tls_session.h"

/* An HTTPS connection's session, and where the HTTP side is. */
struct tls {
	struct bb_tls_cred *cred; /* the pair this session started with */
	bool starved;	/* the stream holds bytes we had no room for */
	bool http_done; /* close_notify, then the stream goes */
	struct bb_tls_session s;
};

struct conn {
	struct bb_serve_http *h;
	struct conn *prev, *next;
	struct bb_stream *st;
	struct bb_board_timer *timer;
	uint32_t ip;
	uint16_t port;
	bool refused; /* over the limit, every one busy: a 503, then closed */
	bool gone;    /* freed at the end of the callback that ended it */
	unsigned depth;
	struct bb_http_conn hc; /* the protocol: services/http/http_conn.c */
	/* the view of the request being answered: dispatch()'s, during it */
	struct bb_http_head *head;
	struct bb_file *f; /* the file being sent, if any */
	/* or a file still being written, sent as it grows */
	struct bb_growing *grow;
	struct bb_growing_waiter gw;
	uint64_t grow_off;
	bool grow_head; /* its status line is still to be sent */
	bool grow_body; /* a GET: the body follows the head */
	const char *grow_ctype;
	struct tls *tls; /* NULL: plain HTTP */
};

struct side {
	struct bb_serve_http *h;
	struct bb_listener *l;
	uint32_t addr;
	uint16_t port;
	bool tls;
};

struct bb_serve_http {
	struct bb_serve *s;
	struct side plain, secure;
	struct bb_http_conn_cfg cfg;
	uint32_t max_conns, open, max_tls, ntls;
	uint32_t handshake_ms, tls_idle_ms;
	struct conn *conns;
	struct bb_board_timer *kick;  /* the 503s of refused connections */
	struct bb_board_timer *check; /* the certificate's poll */
	struct bb_tls_cred *cred;     /* NULL until a usable pair exists */
	struct bb_cert_paths paths;
	int last_err; /* not to repeat the same complaint every poll */
	struct bb_root *fsroot; /* "/": a handler's file given by path */
	bool access_log;
	int64_t date_sec, lm_sec; /* lm: Last-Modified of that second */
	char lm[40];
};

#define SMALL_FILE 16384
#define CHECK_MS   5000
/* bytes of a growing file per call (the board's share of a wakeup bounds
 * them all: a fetch's prefix can grow by many MiB at once) */
#define GROW_CHUNK (256u << 10)

static void step(struct conn *c);
static void tls_run(struct conn *c);

/* --- connections -------------------------------------------------- */

static void conn_free(struct conn *c)
{
	struct bb_serve_http *h = c->h;

	bb_board_timer_free(c->timer);
	bb_file_close(c->f);
	if (c->grow) {
		bb_growing_unwait(c->grow, &c->gw);
		bb_growing_unref(c->grow);
	}
	bb_http_conn_free(&c->hc);
	if (c->tls) {
		bb_tls_session_free(&c->tls->s);
		bb_tls_cred_put(c->tls->cred);
		free(c->tls);
		h->ntls--;
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	h->open--;
	free(c);
}

/* Ends c: freed now, or when the callback running on it returns. */
static void conn_close(struct conn *c)
{
	if (c->gone)
		return;
	c->gone = true;
	if (c->st)
		bb_stream_close(c->st);
	c->st = NULL;
	if (!c->depth)
		conn_free(c);
}

static void enter(struct conn *c)
{
	c->depth++;
}

/* false when c is gone (and freed) */
static bool leave(struct conn *c)
{
	if (--c->depth || !c->gone)
		return !c->gone;
	conn_free(c);
	return false;
}

static void http_date(char *buf, size_t cap, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Date: changes once a second; formatting it per request is waste. */
static void update_date(struct bb_serve_http *h)
{
	int64_t now = bb_board_wall_now();

	if (now != h->date_sec) {
		h->date_sec = now;
		http_date(h->cfg.date, sizeof(h->cfg.date), now);
	}
}

/* Last-Modified: most requests are for the file of the one before */
static const char *last_modified(struct bb_serve_http *h, uint64_t mtime_ns)
{
	int64_t sec = (int64_t)(mtime_ns / 1000000000ull);

	if (!h->lm[0] || h->lm_sec != sec) {
		h->lm_sec = sec;
		http_date(h->lm, sizeof(h->lm), sec);
	}
	return h->lm;
}

static const char *mime(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot)
		return "application/octet-stream";
	if (!strcmp(dot, ".ipxe") || !strcmp(dot, ".txt") ||
	    !strcmp(dot, ".yaml") || !strcmp(dot, ".yml"))
		return "text/plain";
	if (!strcmp(dot, ".json") || !strcmp(dot, ".ign"))
		return "application/json";
	if (!strcmp(dot, ".html"))
		return "text/html";
	return "application/octet-stream";
}

static const char *hdr(const struct bb_http_head *h, const char *name,
		       size_t *len)
{
	struct bb_http_request r = {0};

	r.headers = h->headers;
	r.nheaders = h->nheaders;
	return bb_http_header_get(&r, name, len);
}

static void log_line(struct conn *c, const char *method, const char *target,
		     size_t tlen, int status)
{
	char path[200], ip[16];

	if (!c->h->access_log)
		return;
	bb_sanitize(path, sizeof(path), target, tlen > 150 ? 150 : tlen);
	/* held, and written once per turn of the loop */
	bb_log_held(BB_LOG_INFO, "http: %s %.7s %s %d", bb_fmt_ipv4(c->ip, ip),
		    method, path, status);
}

static void log_request(struct conn *c, int status)
{
	log_line(c,
		 c->head->method == BB_HTTP_GET	   ? "GET"
		 : c->head->method == BB_HTTP_HEAD ? "HEAD"
		 : c->head->method == BB_HTTP_POST ? "POST"
						   : "other",
		 c->head->target, c->head->target_len, status);
}

/* --- answers ------------------------------------------------------- */

/* The file of a response, open, with its size and mtime: the handler's
 * descriptor when it opened one, else its path. 0 or a BB_E*. */
static int open_file(struct conn *c, struct bb_http_response *resp,
		     uint64_t *size, uint64_t *mtime_ns)
{
	int rc;

	if (resp->fh) {
		c->f = resp->fh; /* ours now, whatever happens */
		resp->fh = NULL;
		*size = resp->file_size;
		*mtime_ns = resp->file_mtime_ns;
		return 0;
	}
	if (!c->h->fsroot || resp->file[0] != '/')
		return BB_ENOENT;
	rc = bb_file_open(c->h->fsroot, resp->file + 1, &c->f);
	if (rc)
		return rc;
	*size = bb_file_size(c->f);
	*mtime_ns = (uint64_t)bb_file_mtime(c->f) * 1000000000ull;
	return 0;
}

static void drop_file(struct conn *c)
{
	bb_file_close(c->f);
	c->f = NULL;
}

/* A file response: conditional, Range, then the file's bytes. 0 or the
 * BB_E* of opening it. */
static int serve_file(struct conn *c, struct bb_http_response *resp,
		      bool head_only, int *status)
{
	char etag[64], extra[700], crange[96];
	const char *v, *lm;
	size_t vl;
	uint64_t a = 0, b = 0, len, size = 0, mtime_ns = 0;
	int r = open_file(c, resp, &size, &mtime_ns);

	if (r)
		return r;
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)size,
		 (unsigned long long)mtime_ns);
	lm = last_modified(c->h, mtime_ns);
	if ((v = hdr(c->head, "if-none-match", &vl)) &&
	    bb_http_etag_match(v, vl, etag)) {
		drop_file(c);
		snprintf(extra, sizeof(extra), "ETag: %s\r\n", etag);
		*status = 304;
		/* RFC 9110 15.4.5: no body, and no Content-Length of one */
		bb_http_conn_status(&c->hc, 304, NULL, 0, extra);
		return 0;
	}
	crange[0] = 0;
	r = 0;
	if ((v = hdr(c->head, "range", &vl))) {
		size_t il;
		const char *ir = hdr(c->head, "if-range", &il);

		/* If-Range with another validator: send the whole file */
		if (!ir || (il == strlen(etag) && !memcmp(ir, etag, il)))
			r = bb_http_range(v, vl, size, &a, &b);
	}
	if (r < 0) {
		drop_file(c);
		snprintf(extra, sizeof(extra),
			 "Content-Range: bytes */%llu\r\n",
			 (unsigned long long)size);
		*status = 416;
		bb_http_conn_status(&c->hc, 416, NULL, 0, extra);
		return 0;
	}
	if (r == 0) {
		a = 0;
		b = size ? size - 1 : 0;
	} else {
		snprintf(crange, sizeof(crange),
			 "Content-Range: bytes %llu-%llu/%llu\r\n",
			 (unsigned long long)a, (unsigned long long)b,
			 (unsigned long long)size);
	}
	snprintf(
	    extra, sizeof(extra),
	    "ETag: %s\r\nLast-Modified: %s\r\nAccept-Ranges: bytes\r\n%s%s",
	    etag, lm, crange, resp->extra_headers);
	*status = r ? 206 : 200;
	len = size ? b - a + 1 : 0;
	bb_http_conn_status(&c->hc, *status,
			    resp->content_type ? resp->content_type
					       : mime(resp->file),
			    len, extra);
	if (head_only || !len) {
		drop_file(c);
		return 0;
	}
	/* a small file goes out with its head in one write: a read and a
	 * copy cost less than sendfile's page-cache splice, and the peer
	 * gets one segment */
	if (len <= SMALL_FILE) {
		char body[SMALL_FILE];
		long n = bb_file_pread(c->f, body, (size_t)len, a);

		drop_file(c);
		if (n != (long)len) {
			c->hc.keep_alive = false; /* the head is out: cut it */
			c->hc.close_after = true;
			return 0;
		}
		bb_buf_append(&c->hc.out, body, (size_t)len);
		return 0;
	}
	bb_http_conn_file(&c->hc, a, len);
	return 0;
}

/* A file the handler opened and the answer does not use. */
static void drop_fd(struct bb_http_response *resp)
{
	if (resp->fh)
		bb_file_close(resp->fh);
	resp->fh = NULL;
}

/* Answers the request the engine holds (BB_HC_READY). */
static void answer(struct conn *c)
{
	struct bb_http_response *resp = calloc(1, sizeof(*resp));
	struct bb_http_request req = {0};
	char path[BB_HTTP_PATH_MAX];
	const uint8_t *body;
	size_t blen;
	bool head_only;
	int st, status, rc;

	update_date(c->h);
	bb_http_conn_request(&c->hc, c->head, &body, &blen);
	head_only = c->head->method == BB_HTTP_HEAD;
	if (!resp) {
		c->hc.keep_alive = false;
		bb_http_conn_simple(&c->hc, 503, false);
		return;
	}
	st = bb_http_request_from(c->head, body, blen, c->ip, c->port, path,
				  sizeof(path), &req);
	if (st) {
		c->hc.keep_alive = false;
		bb_http_conn_simple(&c->hc, st, head_only);
		log_request(c, st);
		free(resp);
		return;
	}
	bb_routes_handle(c->h->s, &req, resp);
	status = resp->status ? resp->status : 404;
	if (resp->growing) {
		status = 200;
		c->grow = bb_growing_ref(resp->growing);
		c->grow_head = true;
		c->grow_body = !head_only;
		c->grow_ctype = resp->content_type ? resp->content_type
						   : "application/octet-stream";
		c->grow_off = 0;
		bb_http_conn_external(&c->hc);
		drop_fd(resp);
	} else if (resp->file[0]) {
		if (c->head->method != BB_HTTP_GET && !head_only) {
			status = 405;
			bb_http_conn_status(&c->hc, 405, NULL, 0,
					    "Allow: GET, HEAD\r\n");
			drop_fd(resp);
		} else if ((rc = serve_file(c, resp, head_only, &status))) {
			/* out of fds is not "not found" */
			status = rc == BB_EAGAIN ? 503 : 404;
			bb_http_conn_simple(&c->hc, status, head_only);
		}
	} else {
		bb_http_conn_status(&c->hc, status,
				    resp->content_type ? resp->content_type
						       : "text/plain",
				    resp->body.len, resp->extra_headers);
		if (!head_only && resp->body.len)
			bb_buf_append(&c->hc.out, resp->body.p, resp->body.len);
	}
	log_request(c, status);
	bb_buf_free(&resp->body);
	free(resp);
}

/* The parsed head (48 header views, 1.6 KiB) lives only while the request
 * is answered, not in every connection: 64 connections on the lwIP board
 * held 100 KiB of them. A request is answered whole before any other
 * connection's bytes are read, so one at a time is enough. */
static void dispatch(struct conn *c)
{
	static struct bb_http_head head;

	c->head = &head;
	answer(c);
	c->head = NULL;
}

/* --- the transport: the stream, or TLS on it ------------------------ */

/* Moves the session's records into the stream as far as it takes them. */
static void tls_push(struct conn *c)
{
	struct bb_tls_session *t = &c->tls->s;
	uint64_t now = bb_board_now_ms();
	const uint8_t *p;
	size_t len, n;

	while (c->st && (len = bb_tls_session_out(t, &p))) {
		n = bb_stream_write(c->st, p, len);
		if (n)
			bb_tls_session_out_done(t, n, now);
		if (n < len)
			return; /* writable() goes on */
	}
}

/* Plaintext to the peer: bytes taken (0: wait for writable()). */
static size_t out_write(struct conn *c, const void *p, size_t len, bool more)
{
	size_t room;
	long n;

	if (!c->tls)
		return more ? bb_stream_write_more(c->st, p, len)
			    : bb_stream_write(c->st, p, len);
	if (c->tls->s.state != BB_TLS_OPEN)
		return 0;
	if (!(room = bb_tls_session_writable(&c->tls->s))) {
		tls_push(c);
		if (!(room = bb_tls_session_writable(&c->tls->s)))
			return 0;
	}
	n = bb_tls_session_write(&c->tls->s, p, len < room ? len : room,
				 bb_board_now_ms());
	if (n < 0)
		return 0; /* FAILED: tls_run ends it */
	tls_push(c);
	return (size_t)n;
}

/* A file's bytes to the peer, as out_write: sendfile on a plain stream
 * where the board has it, pread and encrypt under TLS. */
static size_t out_file(struct conn *c, struct bb_file *f, uint64_t off,
		       size_t len)
{
	static uint8_t chunk[MBEDTLS_SSL_OUT_CONTENT_LEN];
	long n;

	if (!c->tls)
		return bb_stream_send_file(c->st, f, off, len);
	if (c->tls->s.state != BB_TLS_OPEN)
		return 0;
	if (!bb_tls_session_writable(&c->tls->s))
		tls_push(c);
	len = len < bb_tls_session_writable(&c->tls->s)
		  ? len
		  : bb_tls_session_writable(&c->tls->s);
	len = len < sizeof(chunk) ? len : sizeof(chunk);
	if (!len)
		return 0;
	n = bb_file_pread(f, chunk, len, off);
	if (n <= 0)
		return 0;
	return out_write(c, chunk, (size_t)n, false);
}

/* The drain after an error: no more bytes from us, reading goes on. */
static void out_shutdown(struct conn *c)
{
	if (c->tls)
		bb_tls_session_shutdown(&c->tls->s, bb_board_now_ms());
	else
		bb_stream_shutdown(c->st);
}

/* --- sending -------------------------------------------------------- */

static void grow_drop(struct conn *c)
{
	bb_growing_unwait(c->grow, &c->gw);
	bb_growing_unref(c->grow);
	c->grow = NULL;
	bb_http_conn_external_done(&c->hc, bb_board_now_ms());
}

/* The head of a growing file's response once its length is known (or an
 * error when the fetch failed first): 0 when queued, 2 to wait. */
static int grow_head(struct conn *c)
{
	struct bb_growing *g = c->grow;
	uint64_t total = bb_growing_total(g);

	c->grow_head = false;
	if (bb_growing_state(g) < 0) {
		c->hc.keep_alive = false;
		c->hc.close_after = true;
		bb_http_conn_simple(&c->hc, 502, !c->grow_body);
		grow_drop(c);
		return 0;
	}
	if (!total && bb_growing_state(g) != BB_GROWING_DONE) {
		c->grow_head = true;
		return 2;
	}
	bb_http_conn_status(&c->hc, 200, c->grow_ctype, total, "");
	if (!c->grow_body || !total)
		grow_drop(c);
	return 0;
}

/* Sends what the growing file has; 0 when all of it is out, 1 to wait
 * for room (the board bounds a wakeup's bytes and says when to go on), 2
 * to wait for more, -1 when the connection must go. */
static int grow_flush(struct conn *c)
{
	struct bb_growing *g = c->grow;

	for (;;) {
		uint64_t can = bb_growing_sendable(g), total;
		size_t n;

		total = bb_growing_total(g);
		if (c->grow_off >= total && total &&
		    bb_growing_state(g) == BB_GROWING_DONE) {
			grow_drop(c);
			return 0;
		}
		if (bb_growing_state(g) < 0)
			return -1; /* the client sees a short body */
		if (c->grow_off >= can)
			return 2;
		n = out_file(c, bb_growing_file(g), c->grow_off,
			     can - c->grow_off > GROW_CHUNK
				 ? GROW_CHUNK
				 : (size_t)(can - c->grow_off));
		if (!n)
			return 1;
		c->grow_off += n;
		bb_http_conn_progress(&c->hc, bb_board_now_ms());
	}
}

/* Sends what the engine has queued; 0 when all is out, 1 when waiting
 * for room, 2 waiting for a growing file, -1 when the connection must go. */
static int flush(struct conn *c)
{
	uint64_t now = bb_board_now_ms(), left, off;
	const char *p;
	size_t len, n;
	bool more;
	int rc;

	if (c->grow && c->grow_head && (rc = grow_head(c)))
		return rc;
	while ((len = bb_http_conn_out(&c->hc, &p, &more))) {
		n = out_write(c, p, len, more || c->grow);
		bb_http_conn_sent(&c->hc, n, now);
		if (n < len)
			return 1; /* writable() goes on */
	}
	while (c->f && (left = bb_http_conn_file_left(&c->hc, &off))) {
		/* the board bounds one call by its share of the wakeup */
		n = out_file(c, c->f, off,
			     left > (1u << 30) ? (1u << 30) : (size_t)left);
		if (!n)
			return 1;
		bb_http_conn_file_sent(&c->hc, n, now);
	}
	if (c->grow && (rc = grow_flush(c)))
		return rc;
	if (!bb_http_conn_file_left(&c->hc, &off))
		drop_file(c);
	return 0;
}

static void arm(struct conn *c)
{
	uint64_t now = bb_board_now_ms(), when = c->hc.deadline;

	if (c->tls && (c->tls->http_done || c->tls->s.deadline_ms < when))
		when = c->tls->s.deadline_ms;
	bb_board_timer_arm(c->timer, when > now ? when - now : 0);
}

/* Counts and logs an answer the engine made on its own. */
static void engine_error(struct conn *c)
{
	if (!c->hc.error)
		return;
	log_line(c, "-", "-", 1, c->hc.error);
	c->hc.error = 0;
}

static void on_grow(struct bb_growing_waiter *w)
{
	struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, gw));

	enter(c);
	step(c);
	if (c->tls && !c->gone)
		tls_run(c);
	leave(c);
}

/* The HTTP side has ended: a plain stream goes, a TLS session sends its
 * close_notify first and goes when tls_run says it is over. */
static void http_over(struct conn *c)
{
	if (!c->tls) {
		conn_close(c);
		return;
	}
	if (!c->tls->http_done) {
		c->tls->http_done = true;
		bb_tls_session_shutdown(&c->tls->s, bb_board_now_ms());
	}
}

/* Drives the connection until it waits for the peer, room, a file or a
 * timer. */
static void step(struct conn *c)
{
	int rc, i;

	if (c->gone || (c->tls && c->tls->http_done))
		return;
	for (i = 0; i < 100000; i++) {
		engine_error(c);
		switch (c->hc.st) {
		case BB_HC_DEAD: http_over(c); return;
		case BB_HC_READY:
			dispatch(c);
			bb_http_conn_answered(&c->hc, bb_board_now_ms());
			continue;
		case BB_HC_SEND:
			rc = flush(c);
			if (rc < 0 || c->gone) {
				conn_close(c);
				return;
			}
			if (rc == 2) {
				/* nothing to send until the file grows */
				c->gw.wake = on_grow;
				bb_growing_wait(c->grow, &c->gw);
				arm(c);
				return;
			}
			if (rc == 1) {
				arm(c);
				return;
			}
			continue;
		case BB_HC_DRAIN:
			if (bb_http_conn_want_shut(&c->hc)) {
				out_shutdown(c);
				c->hc.shut = true;
			}
			/* fall through */
		default: arm(c); return;
		}
	}
	conn_close(c); /* cannot happen: each pass consumes a request */
}

/* Plaintext bytes in: as much as the engine takes, stepping between. */
static size_t feed(struct conn *c, const uint8_t *p, size_t len)
{
	uint64_t now = bb_board_now_ms();
	size_t taken = 0;

	update_date(c->h); /* for an answer the engine makes itself */
	if (!len) {	   /* the peer closed */
		bb_http_conn_received(&c->hc, 0, now);
		step(c);
		return 0;
	}
	while (taken < len && !c->gone) {
		size_t room, n;
		char *to = bb_http_conn_rspace(&c->hc, &room);

		if (!to || !room)
			break; /* the board holds the rest until we resume */
		n = len - taken < room ? len - taken : room;
		memcpy(to, p + taken, n);
		taken += n;
		bb_http_conn_received(&c->hc, n, now);
		step(c);
	}
	return taken;
}

/* Room in the engine again after an answer went out: what the board held
 * back may come in now. */
static void maybe_resume(struct conn *c)
{
	size_t room;

	if (!c->gone && c->st && bb_http_conn_rspace(&c->hc, &room) && room)
		bb_stream_resume(c->st);
}

/* --- TLS ------------------------------------------------------------ */

/* Bounded, so one fast connection cannot hold the loop. */
#define TLS_TURNS 16

/* Runs the session as far as the input, the HTTP side and the stream's
 * room allow; ends the connection when the session is over. */
static void tls_run(struct conn *c)
{
	struct tls *t = c->tls;
	uint64_t now = bb_board_now_ms();
	uint8_t *q;
	int turns;

	for (turns = 0; turns < TLS_TURNS && !c->gone; turns++) {
		bool progress = false;

		bb_tls_session_step(&t->s, now);
		while (!t->http_done && t->s.state >= BB_TLS_OPEN && !c->gone) {
			size_t room;
			char *to = bb_http_conn_rspace(&c->hc, &room);
			long r;

			if (!to || !room)
				break;
			r = bb_tls_session_read(&t->s, (uint8_t *)to, room,
						now);
			if (r == BB_EAGAIN)
				break;
			update_date(c->h);
			/* close_notify, EOF or an error: the end of input */
			bb_http_conn_received(&c->hc, r > 0 ? (size_t)r : 0,
					      now);
			step(c);
			progress = true;
			if (r <= 0)
				break;
		}
		if (c->gone)
			return;
		if (!t->http_done && t->s.state == BB_TLS_OPEN &&
		    c->hc.st == BB_HC_SEND)
			step(c); /* room in the session again */
		if (c->gone)
			return;
		tls_push(c);
		if (t->starved && bb_tls_session_in_room(&t->s, &q)) {
			t->starved = false;
			bb_stream_resume(c->st); /* calls on_data again */
			progress = true;
		}
		if (c->gone)
			return;
		if (!progress)
			break;
	}
	if (bb_tls_session_over(&t->s)) {
		tls_push(c); /* an alert, if any, gets one try */
		conn_close(c);
		return;
	}
	/* our close_notify is out: half-close and read until the peer
	 * closes, so what it still sends does not reset our last records */
	if (bb_tls_session_want_shut(&t->s, now))
		bb_stream_shutdown(c->st);
	if (turns == TLS_TURNS && bb_tls_session_pending(&t->s))
		bb_board_timer_arm(c->timer, 0); /* a turn left over */
	else
		arm(c);
}

/* --- stream callbacks ------------------------------------------------ */

static size_t on_data(void *arg, struct bb_stream *st, const uint8_t *p,
		      size_t len)
{
	struct conn *c = arg;
	size_t taken;

	(void)st;
	if (c->refused || c->gone)
		return len; /* dropped: the 503 is on its way */
	enter(c);
	if (!c->tls) {
		taken = feed(c, p, len);
	} else if (!len) {
		bb_tls_session_net_eof(&c->tls->s);
		tls_run(c);
		taken = 0;
	} else {
		taken = bb_tls_session_net_in(&c->tls->s, p, len,
					      bb_board_now_ms());
		if (taken < len)
			c->tls->starved = true;
		tls_run(c);
	}
	leave(c);
	return taken;
}

/* After the stream moved (room to write, time passed): the engine goes
 * on, and so does TLS or the plain stream's held bytes. */
static void advance(struct conn *c)
{
	step(c);
	if (c->tls) {
		if (!c->gone)
			tls_run(c);
	} else {
		maybe_resume(c);
	}
}

static void on_writable(void *arg, struct bb_stream *st)
{
	struct conn *c = arg;

	(void)st;
	if (c->refused || c->gone)
		return;
	enter(c);
	if (c->tls)
		tls_push(c);
	advance(c);
	leave(c);
}

static void on_closed(void *arg, struct bb_stream *st)
{
	struct conn *c = arg;

	(void)st;
	c->st = NULL;
	conn_close(c);
}

static const struct bb_stream_ops conn_ops = {on_data, on_writable, on_closed};

static void on_timer(void *arg)
{
	struct conn *c = arg;
	uint64_t now = bb_board_now_ms();

	enter(c);
	update_date(c->h);
	if (!c->tls || !c->tls->http_done)
		bb_http_conn_tick(&c->hc, now);
	if (c->tls)
		bb_tls_session_tick(&c->tls->s, now);
	advance(c);
	leave(c);
}

/* At the connection limit, the connection that costs least to lose: an
 * idle keep-alive one first, then one still sending its head, the one
 * that has waited longest (earliest deadline) of each kind. */
static struct conn *victim(struct bb_serve_http *h)
{
	struct conn *c, *best = NULL;
	int best_rank = 0;

	for (c = h->conns; c; c = c->next) {
		int r = c->refused || c->gone
			    ? 0
			    : bb_http_conn_reclaim_rank(&c->hc);

		if (r > best_rank || (r && r == best_rank &&
				      c->hc.deadline < best->hc.deadline)) {
			best = c;
			best_rank = r;
		}
	}
	return best;
}

static void *on_accept(void *arg, struct bb_stream *st,
		       const struct bb_udp_peer *from,
		       const struct bb_stream_ops **ops)
{
	struct side *sd = arg;
	struct bb_serve_http *h = sd->h;
	bool refuse = false;
	struct conn *c, *v;

	if (sd->tls && (!h->cred || (h->max_tls && h->ntls >= h->max_tls)))
		return NULL; /* no certificate yet, or no RAM for a session */
	if (h->open >= h->max_conns) {
		if ((v = victim(h)))
			conn_close(v);
		else if (sd->tls)
			return NULL;
		else
			refuse = true; /* every one is busy: it hears why */
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->timer = bb_board_timer_new(on_timer, c))) {
		free(c);
		return NULL;
	}
	if (sd->tls) {
		c->tls = calloc(1, sizeof(*c->tls));
		if (!c->tls ||
		    bb_tls_session_init(&c->tls->s, bb_tls_cred_conf(h->cred),
					bb_board_now_ms(), h->handshake_ms,
					h->tls_idle_ms)) {
			free(c->tls);
			bb_board_timer_free(c->timer);
			free(c);
			return NULL;
		}
		c->tls->cred = bb_tls_cred_get(h->cred);
		h->ntls++;
	}
	c->h = h;
	c->st = st;
	c->ip = from->ip;
	c->port = from->port;
	c->refused = refuse;
	bb_http_conn_init(&c->hc, &h->cfg, bb_board_now_ms());
	c->next = h->conns;
	if (c->next)
		c->next->prev = c;
	h->conns = c;
	h->open++;
	if (refuse) /* answered once the board has set the stream up */
		bb_board_timer_arm(h->kick, 0);
	else
		arm(c);
	*ops = &conn_ops;
	return c;
}

/* Tells the refused ones why, then lets them go. */
static void on_kick(void *arg)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
				   "Content-Length: 0\r\nConnection: close\r\n"
				   "\r\n";
	struct bb_serve_http *h = arg;
	struct conn *c, *next;

	for (c = h->conns; c; c = next) {
		next = c->next;
		if (!c->refused || c->gone)
			continue;
		if (c->st) /* best effort: the client learns why */
			bb_stream_write(c->st, busy, sizeof(busy) - 1);
		conn_close(c);
	}
}

/* --- the certificate ------------------------------------------------ */

/* 1 switched to a new pair, 0 nothing new, BB_ECRYPTO unusable files
 * (the pair in use stays). */
static int cred_refresh(struct bb_serve_http *h)
{
	struct bb_tls_cred *next;
	char msg[400], serial[80];

	if (!bb_tls_cred_changed(h->cred, h->paths.chain, h->paths.key))
		return 0;
	next = bb_tls_cred_load(h->paths.chain, h->paths.key, msg, sizeof(msg));
	if (!next) {
		/* once per distinct problem; renewal writes the key first, so
		 * a mismatch for one poll is normal */
		if (h->last_err++ == 1)
			bb_warn("https: keeping the current certificate: %s",
				msg);
		return BB_ECRYPTO;
	}
	h->last_err = 0;
	bb_tls_cred_put(h->cred);
	h->cred = next;
	bb_tls_cred_serial(next, serial, sizeof(serial));
	bb_info("https: serving certificate serial %s to new connections",
		serial);
	return 1;
}

static void on_check(void *arg)
{
	struct bb_serve_http *h = arg;

	cred_refresh(h);
	bb_board_timer_arm(h->check, CHECK_MS);
}

/* --- the service ---------------------------------------------------- */

static void set_limits(struct bb_serve_http *h, const struct bb_config *cfg)
{
	struct bb_stream_caps caps = {0};
	uint32_t hdr = cfg->http.header_timeout ? cfg->http.header_timeout : 10;
	uint32_t idle = cfg->http.idle_timeout ? cfg->http.idle_timeout : 60;

	bb_stream_caps(&caps);
	h->cfg.max_body = 1 << 20;
	h->cfg.header_ms = hdr * 1000;
	h->cfg.idle_ms = idle * 1000;
	h->cfg.drain_ms = hdr * 1000 < 2000 ? hdr * 1000 : 2000;
	h->max_conns =
	    cfg->http.max_connections ? cfg->http.max_connections : 1024;
	if (caps.streams && h->max_conns > caps.streams)
		h->max_conns = caps.streams;
	h->max_tls = caps.tls;
	h->handshake_ms = hdr * 1000;
	h->tls_idle_ms = idle * 2000;
}

static struct bb_listener *listen_side(struct side *sd, uint32_t addr,
				       uint16_t port)
{
	const char *what = sd->tls ? "https" : "http";
	struct bb_listener *l = bb_tcp_listen(addr, port, on_accept, sd);
	char ip[16];

	if (!l)
		bb_err("%s: cannot listen on %s:%u: %s", what,
		       bb_fmt_ipv4(addr, ip), port, bb_board_errmsg());
	else
		bb_info("%s: listening on %s:%u", what, bb_fmt_ipv4(addr, ip),
			port);
	return l;
}

/* Listens where cfg says, or keeps the old listener when it cannot. */
static int relisten(struct side *sd, bool on, uint32_t addr, uint16_t port)
{
	struct bb_listener *l;

	if (sd->l && on && sd->addr == addr && sd->port == port)
		return 0;
	l = on ? listen_side(sd, addr, port) : NULL;
	if (on && !l)
		return BB_EIO;
	bb_tcp_unlisten(sd->l);
	sd->l = l;
	sd->addr = addr;
	sd->port = port;
	return 0;
}

static void flush_log(void *arg)
{
	(void)arg;
	bb_log_flush();
}

static int start_tls(struct bb_serve_http *h, const struct bb_config *cfg)
{
	if (!cfg->http.tls_enabled)
		return relisten(&h->secure, false, 0, 0);
	bb_cert_paths(cfg, &h->paths);
	if (!h->check && !(h->check = bb_board_timer_new(on_check, h)))
		return BB_ENOMEM;
	if (relisten(&h->secure, true, cfg->http.tls_addr, cfg->http.tls_port))
		return BB_EIO;
	h->last_err = 1; /* the first problem is worth a line */
	if (cred_refresh(h) < 0 || !h->cred)
		bb_info("https: no usable certificate yet (%s); waiting for "
			"one",
			h->paths.chain);
	bb_board_timer_arm(h->check, CHECK_MS);
	return 0;
}

int bb_serve_http_start(struct bb_serve *s)
{
	static bool hooked;
	struct bb_serve_http *h;

	if (!s->cfg->http.enabled)
		return 0;
	h = calloc(1, sizeof(*h));
	if (!h)
		return BB_ENOMEM;
	s->http = h;
	h->s = s;
	h->plain.h = h->secure.h = h;
	h->secure.tls = true;
	h->access_log = !getenv("BOOTBOX_NO_ACCESS_LOG");
	set_limits(h, s->cfg);
	update_date(h);
	if (!hooked && bb_board_idle_add(flush_log, NULL))
		return BB_ENOMEM;
	hooked = true;
	h->fsroot = bb_root_open("/");
	h->kick = bb_board_timer_new(on_kick, h);
	if (!h->kick)
		return BB_ENOMEM;
	if (relisten(&h->plain, true, s->cfg->http.listen_addr,
		     s->cfg->http.listen_port))
		return BB_EIO;
	return start_tls(h, s->cfg);
}

/* A new address listens at once (the old one stays when it cannot);
 * timeouts and limits apply to what comes next; open connections stay. */
int bb_serve_http_reload(struct bb_serve *s, const struct bb_config *next)
{
	struct bb_serve_http *h = s->http;

	if (!h || !next->http.enabled)
		return 0;
	relisten(&h->plain, true, next->http.listen_addr,
		 next->http.listen_port);
	set_limits(h, next);
	if (!next->http.tls_enabled || !h->secure.l ||
	    h->secure.addr != next->http.tls_addr ||
	    h->secure.port != next->http.tls_port)
		start_tls(h, next);
	else
		bb_cert_paths(next, &h->paths);
	return 0;
}

void bb_serve_http_stop(struct bb_serve *s)
{
	struct bb_serve_http *h = s->http;

	if (!h)
		return;
	bb_tcp_unlisten(h->plain.l);
	bb_tcp_unlisten(h->secure.l);
	while (h->conns)
		conn_close(h->conns);
	bb_board_timer_free(h->kick);
	bb_board_timer_free(h->check);
	bb_tls_cred_put(h->cred);
	bb_root_close(h->fsroot);
	bb_log_flush();
	free(h);
	s->http = NULL;
}
