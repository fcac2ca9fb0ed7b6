/* HTTP on the lwIP board: board.h TCP streams, the request parser of
 * services/http and the firmware's routes (boot routes, assets, API), in
 * a connection table sized in lwipopts.h. Only board.h, services/ and
 * firmware/ headers: a stand-in until the connection machine lives in
 * services/http, when it shrinks to moving that machine's bytes.
 * Keep-alive and pipelining; a file is sent in pread chunks as the send
 * buffer drains (Range honoured). Growing files (artifacts still
 * arriving) are not served here yet: 503. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board/board.h"
#include "board/lwip/lwipopts.h"
#include "board/lwip/serve_lwip.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/parse.h"
#include "common/sanitize.h"
#include "firmware/serve/log.h"
#include "firmware/serve/routes.h"
#include "http/http_parse.h"

struct conn {
	bool used, keep_alive, sending, closing;
	struct bb_serve_http *h;
	struct bb_stream *st;
	uint32_t ip;
	uint16_t port;
	unsigned idle_s;
	size_t rlen;
	struct bb_buf out; /* response head and memory body */
	size_t out_off;
	struct bb_file *f;
	uint64_t foff, fend;
	char rbuf[BB_LWIP_HTTP_HEAD];
};

struct bb_serve_http {
	struct bb_serve *s;
	struct bb_listener *l;
	struct bb_board_timer *sweep; /* timeouts, once a second */
	struct bb_board_timer *kick;  /* 503s for connections over the limit */
	unsigned max_conns, open;
	struct bb_root *fsroot; /* "/": routes hand over absolute paths */
	unsigned idle_timeout_s, header_timeout_s;
	struct conn c[BB_LWIP_MAX_HTTP];
};

/* static, so that size(1) shows it with lwIP's pools */
static struct bb_serve_http the_http;

static const char *reason(int st)
{
	switch (st) {
	case 200: return "OK";
	case 304: return "Not Modified";
	case 206: return "Partial Content";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	}
	return "Status";
}

static void conn_free(struct conn *c)
{
	if (c->used && c->h)
		c->h->open--;
	bb_buf_free(&c->out);
	bb_file_close(c->f);
	memset(c, 0, sizeof(*c));
}

static void conn_close(struct conn *c)
{
	if (c->st)
		bb_stream_close(c->st);
	conn_free(c);
}

static void status_line(struct conn *c, int st, const char *ctype, uint64_t len,
			const char *extra)
{
	bb_buf_printf(&c->out,
		      "HTTP/1.1 %d %s\r\nServer: bootbox\r\n"
		      "Content-Length: %llu\r\nContent-Type: %s\r\n%s%s\r\n",
		      st, reason(st), (unsigned long long)len,
		      ctype ? ctype : "text/plain", extra ? extra : "",
		      c->keep_alive ? "" : "Connection: close\r\n");
}

static void simple(struct conn *c, int st, bool head_only)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", st, reason(st));

	status_line(c, st, NULL, (uint64_t)n, NULL);
	if (!head_only)
		bb_buf_append(&c->out, body, (size_t)n);
}

static void log_request(struct conn *c, const struct bb_http_head *hd, int st)
{
	char path[200], ip[16];

	if (getenv("BOOTBOX_NO_ACCESS_LOG"))
		return;
	bb_sanitize(path, sizeof(path), hd->target,
		    hd->target_len > 150 ? 150 : hd->target_len);
	bb_info("http: %s %s %s %d", bb_fmt_ipv4(c->ip, ip),
		hd->method == BB_HTTP_GET    ? "GET"
		: hd->method == BB_HTTP_HEAD ? "HEAD"
		: hd->method == BB_HTTP_POST ? "POST"
					     : "other",
		path, st);
}

/* A file response: the whole file or one Range; the status sent. */
static int serve_file(struct conn *c, const struct bb_http_head *hd,
		      const struct bb_http_request *req,
		      const struct bb_http_response *resp, bool head_only)
{
	struct bb_http_request r = *req;
	uint64_t size, a = 0, b = 0;
	const char *rv;
	size_t rl;
	char extra[192], etag[48];
	int k;

	(void)hd;
	if (bb_file_open(c->h->fsroot, resp->file + 1, &c->f)) {
		simple(c, 404, head_only);
		return 404;
	}
	size = bb_file_size(c->f);
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)size,
		 (unsigned long long)bb_file_mtime(c->f));
	rv = bb_http_header_get(&r, "if-none-match", &rl);
	if (rv && bb_http_etag_match(rv, rl, etag)) {
		snprintf(extra, sizeof(extra), "ETag: %s\r\n", etag);
		status_line(c, 304, NULL, 0, extra);
		bb_file_close(c->f);
		c->f = NULL;
		return 304;
	}
	rv = bb_http_header_get(&r, "range", &rl);
	{
		size_t il;
		const char *ir = bb_http_header_get(&r, "if-range", &il);

		/* If-Range with another validator: the whole file */
		if (ir && (il != strlen(etag) || memcmp(ir, etag, il)))
			rv = NULL;
	}
	k = rv ? bb_http_range(rv, rl, size, &a, &b) : 0;
	if (k < 0) {
		snprintf(extra, sizeof(extra),
			 "Content-Range: bytes */%llu\r\n",
			 (unsigned long long)size);
		status_line(c, 416, NULL, 0, extra);
		bb_file_close(c->f);
		c->f = NULL;
		return 416;
	}
	if (k == 0) {
		a = 0;
		b = size ? size - 1 : 0;
	}
	snprintf(extra, sizeof(extra),
		 k ? "ETag: %s\r\nAccept-Ranges: bytes\r\nContent-Range: bytes "
		     "%llu-%llu/%llu\r\n"
		   : "ETag: %s\r\nAccept-Ranges: bytes\r\n",
		 etag, (unsigned long long)a, (unsigned long long)b,
		 (unsigned long long)size);
	status_line(c, k ? 206 : 200,
		    resp->content_type ? resp->content_type
				       : "application/octet-stream",
		    size ? b - a + 1 : 0, extra);
	c->foff = a;
	c->fend = size && !head_only ? b + 1 : a;
	return k ? 206 : 200;
}

static void dispatch(struct conn *c, const struct bb_http_head *hd,
		     const uint8_t *body, size_t blen)
{
	struct bb_http_response *resp = calloc(1, sizeof(*resp));
	struct bb_http_request req = {0};
	char path[BB_HTTP_PATH_MAX];
	bool head_only = hd->method == BB_HTTP_HEAD;
	int st;

	if (!resp) {
		c->keep_alive = false;
		simple(c, 503, head_only);
		return;
	}
	st = bb_http_normalize(hd->target, hd->target_len, path, sizeof(path),
			       &req.query, &req.query_len);
	if (st) {
		c->keep_alive = false;
		simple(c, st, head_only);
		log_request(c, hd, st);
		free(resp);
		return;
	}
	req.method = hd->method;
	req.path = path;
	req.path_len = strlen(path);
	req.headers = hd->headers;
	req.nheaders = hd->nheaders;
	req.body = body;
	req.body_len = blen;
	req.client_ip = c->ip;
	req.client_port = c->port;
	bb_routes_handle(c->h->s, &req, resp);
	/* the routes open files on the host for the Linux board; this one
	 * opens by path from its own root */
	if (resp->file_open)
		close(resp->file_fd);
	st = resp->status ? resp->status : 404;
	if (resp->growing) {
		st = 503;
		simple(c, st, head_only);
	} else if (resp->file[0]) {
		if (hd->method != BB_HTTP_GET && !head_only) {
			st = 405;
			status_line(c, 405, NULL, 0, "Allow: GET, HEAD\r\n");
		} else {
			st = serve_file(c, hd, &req, resp, head_only);
		}
	} else {
		status_line(c, st, resp->content_type, resp->body.len,
			    resp->extra_headers);
		if (!head_only && resp->body.len)
			bb_buf_append(&c->out, resp->body.p, resp->body.len);
	}
	log_request(c, hd, st);
	bb_buf_free(&resp->body);
	free(resp);
}

static void process(struct conn *c);

/* Moves the response into the stream as far as it takes it. */
static void fill(struct conn *c)
{
	while (c->sending) {
		size_t n;

		if (c->out_off < c->out.len) {
			n = bb_stream_write(c->st, c->out.p + c->out_off,
					    c->out.len - c->out_off);
			c->out_off += n;
		} else if (c->f && c->foff < c->fend) {
			n = bb_stream_send_file(c->st, c->f, c->foff,
						(size_t)(c->fend - c->foff));
			c->foff += n;
		} else {
			/* all of it is in the board's hands */
			c->sending = false;
			bb_buf_reset(&c->out);
			c->out_off = 0;
			bb_file_close(c->f);
			c->f = NULL;
			break;
		}
		if (!n)
			return; /* writable() goes on */
	}
	if (!c->keep_alive) {
		conn_close(c);
	} else {
		struct bb_stream *st = c->st;

		if (c->rlen)
			process(c); /* pipelined requests */
		if (c->used && !c->sending && c->st == st)
			bb_stream_resume(st);
	}
}

/* Parses and answers the next request in rbuf, if it is whole. */
static void process(struct conn *c)
{
	struct bb_http_head hd;
	long n;
	size_t blen = 0;

	if (c->sending || !c->used)
		return;
	n = bb_http_parse_head(c->rbuf, c->rlen, &hd);
	if (n == BB_EPARTIAL) {
		if (c->rlen == sizeof(c->rbuf)) {
			c->keep_alive = false;
			c->sending = true;
			/* still in the request line: the target is too long */
			simple(c, memchr(c->rbuf, '\n', c->rlen) ? 431 : 414,
			       false);
			fill(c);
		}
		return;
	}
	c->sending = true;
	if (n < 0) {
		c->keep_alive = false;
		simple(c, hd.status ? hd.status : 400, false);
		c->rlen = 0;
		fill(c);
		return;
	}
	if (hd.has_length) {
		if (hd.content_length > sizeof(c->rbuf) - (size_t)n) {
			c->keep_alive = false;
			simple(c, 413, false);
			c->rlen = 0;
			fill(c);
			return;
		}
		blen = (size_t)hd.content_length;
		if (c->rlen < (size_t)n + blen) {
			c->sending = false; /* the body is on its way */
			return;
		}
	}
	c->keep_alive = hd.keep_alive;
	dispatch(c, &hd, (const uint8_t *)c->rbuf + n, blen);
	memmove(c->rbuf, c->rbuf + n + blen, c->rlen - (size_t)n - blen);
	c->rlen -= (size_t)n + blen;
	c->idle_s = 0;
	fill(c);
}

static size_t on_data(void *arg, struct bb_stream *st, const uint8_t *p,
		      size_t len)
{
	struct conn *c = arg;
	size_t room = sizeof(c->rbuf) - c->rlen;

	(void)st;
	if (!len) { /* the peer closed */
		conn_close(c);
		return 0;
	}
	if (c->sending)
		return 0; /* the board holds it until the response is out */
	len = len < room ? len : room;
	memcpy(c->rbuf + c->rlen, p, len);
	c->rlen += len;
	c->idle_s = 0;
	process(c);
	return len;
}

static void on_writable(void *arg, struct bb_stream *st)
{
	struct conn *c = arg;

	(void)st;
	if (c->sending)
		fill(c);
}

static void on_closed(void *arg, struct bb_stream *st)
{
	struct conn *c = arg;

	(void)st;
	c->st = NULL;
	conn_free(c);
}

static const struct bb_stream_ops conn_ops = {on_data, on_writable, on_closed};

static void *on_accept(void *arg, struct bb_stream *st,
		       const struct bb_udp_peer *from,
		       const struct bb_stream_ops **ops)
{
	struct bb_serve_http *h = arg;
	size_t i;

	for (i = 0; i < BB_LWIP_MAX_HTTP; i++) {
		struct conn *c = &h->c[i];

		if (c->used)
			continue;
		c->used = true;
		c->h = h;
		c->st = st;
		c->ip = from->ip;
		c->port = from->port;
		*ops = &conn_ops;
		if (++h->open > h->max_conns) {
			/* answered 503 once the board has set the stream up */
			c->keep_alive = false;
			c->sending = true;
			simple(c, 503, false);
			bb_board_timer_arm(h->kick, 0);
		}
		return c;
	}
	return NULL; /* full: refused */
}

/* Sends the 503s queued by on_accept. */
static void on_kick(void *arg)
{
	struct bb_serve_http *h = arg;
	size_t i;

	for (i = 0; i < BB_LWIP_MAX_HTTP; i++)
		if (h->c[i].used && h->c[i].sending && !h->c[i].keep_alive &&
		    h->c[i].out_off == 0 && h->c[i].out.len)
			fill(&h->c[i]);
}

/* Header and idle timeouts, once a second over the table. */
static void on_sweep(void *arg)
{
	struct bb_serve_http *h = arg;
	size_t i;

	for (i = 0; i < BB_LWIP_MAX_HTTP; i++) {
		struct conn *c = &h->c[i];

		if (!c->used)
			continue;
		if (c->sending) {
			c->idle_s = 0;
			continue;
		}
		c->idle_s++;
		if (c->rlen && c->idle_s >= h->header_timeout_s) {
			c->keep_alive = false;
			c->sending = true;
			c->rlen = 0;
			simple(c, 408, false);
			fill(c);
		} else if (!c->rlen && c->idle_s >= h->idle_timeout_s) {
			conn_close(c);
		}
	}
	bb_board_timer_arm(h->sweep, 1000);
}

int bb_lwip_http_start(struct bb_serve *s)
{
	const struct bb_config *cfg = s->cfg;
	struct bb_serve_http *h;
	char ip[16];

	if (!cfg->http.enabled)
		return 0;
	h = &the_http;
	memset(h, 0, sizeof(*h));
	s->http = h;
	h->s = s;
	h->idle_timeout_s =
	    cfg->http.idle_timeout ? cfg->http.idle_timeout : 60;
	h->header_timeout_s =
	    cfg->http.header_timeout ? cfg->http.header_timeout : 10;
	h->fsroot = bb_root_open("/");
	h->max_conns = cfg->http.max_connections ? cfg->http.max_connections
						 : BB_LWIP_MAX_HTTP;
	h->sweep = bb_board_timer_new(on_sweep, h);
	h->kick = bb_board_timer_new(on_kick, h);
	if (h->fsroot && h->sweep && h->kick)
		h->l = bb_tcp_listen(cfg->http.listen_addr,
				     cfg->http.listen_port, on_accept, h);
	if (!h->l) {
		bb_err("http: cannot listen on %s:%u over lwIP: %s",
		       bb_fmt_ipv4(cfg->http.listen_addr, ip),
		       cfg->http.listen_port, bb_board_errmsg());
		return BB_EIO;
	}
	bb_board_timer_arm(h->sweep, 1000);
	if (cfg->http.tls_enabled)
		bb_warn("https: not on the lwIP board yet; HTTP only");
	bb_info("http: listening on %s:%u over lwIP",
		bb_fmt_ipv4(cfg->http.listen_addr, ip), cfg->http.listen_port);
	return 0;
}

void bb_lwip_http_stop(struct bb_serve *s)
{
	struct bb_serve_http *h = s->http;
	size_t i;

	if (!h)
		return;
	for (i = 0; i < BB_LWIP_MAX_HTTP; i++)
		if (h->c[i].used)
			conn_close(&h->c[i]);
	bb_tcp_unlisten(h->l);
	bb_board_timer_free(h->sweep);
	bb_board_timer_free(h->kick);
	bb_root_close(h->fsroot);
	s->http = NULL;
}
