/* HTTP on the lwIP board: lwIP's raw TCP API, the request parser of
 * services/http and the firmware's routes (boot routes, assets, API), in
 * a connection table sized in lwipopts.h. A stand-in until the
 * connection machine lives in services/http: then this file only moves
 * its bytes. Keep-alive and pipelining; a file is sent from pread chunks
 * as the send buffer drains (Range honoured); bodies built in memory are
 * copied into lwIP's send buffer. Growing files (artifacts still
 * arriving) are not served here yet: 503. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board/board.h"
#include "board/lwip/board_lwip.h"
#include "board/lwip/lwipopts.h"
#include "board/lwip/serve_lwip.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/parse.h"
#include "common/sanitize.h"
#include "firmware/log.h"
#include "firmware/routes.h"
#include "http/http_parse.h"
#include "lwip/tcp.h"

#define POLL_TICKS 2 /* tcp_poll every second (TCP_SLOW_INTERVAL 500 ms) */
#define CHUNK	   16384

struct conn {
	bool used, keep_alive, sending, closing;
	struct bb_serve_http *h;
	struct tcp_pcb *pcb;
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
	struct tcp_pcb *lpcb;
	struct bb_root *fsroot; /* "/": routes hand over absolute paths */
	unsigned idle_timeout_s, header_timeout_s;
	struct conn c[BB_LWIP_MAX_HTTP];
	uint8_t chunk[CHUNK];
};

/* static, so that size(1) shows it with lwIP's pools */
static struct bb_serve_http the_http;

static const char *reason(int st)
{
	switch (st) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	}
	return "Status";
}

static void conn_free(struct conn *c)
{
	bb_buf_free(&c->out);
	bb_file_close(c->f);
	memset(c, 0, sizeof(*c));
}

static void conn_close(struct conn *c)
{
	struct tcp_pcb *pcb = c->pcb;

	if (pcb) {
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		tcp_sent(pcb, NULL);
		tcp_err(pcb, NULL);
		tcp_poll(pcb, NULL, 0);
		if (tcp_close(pcb) != ERR_OK)
			tcp_abort(pcb);
	}
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
	char extra[128];
	int k;

	(void)hd;
	if (bb_file_open(c->h->fsroot, resp->file + 1, &c->f)) {
		simple(c, 404, head_only);
		return 404;
	}
	size = bb_file_size(c->f);
	rv = bb_http_header_get(&r, "range", &rl);
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
		 k ? "Accept-Ranges: bytes\r\nContent-Range: bytes "
		     "%llu-%llu/%llu\r\n"
		   : "Accept-Ranges: bytes\r\n",
		 (unsigned long long)a, (unsigned long long)b,
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

/* Moves the response into lwIP's send buffer as far as it takes it. */
static void fill(struct conn *c)
{
	struct bb_serve_http *h = c->h;
	struct tcp_pcb *pcb = c->pcb;
	bool wrote = false;

	while (c->sending) {
		size_t room = tcp_sndbuf(pcb), n;
		err_t e;

		if (!room || tcp_sndqueuelen(pcb) + 4 > TCP_SND_QUEUELEN)
			break;
		if (c->out_off < c->out.len) {
			n = c->out.len - c->out_off;
			n = n < room ? n : room;
			e = tcp_write(pcb, c->out.p + c->out_off, (u16_t)n,
				      TCP_WRITE_FLAG_COPY |
					  (c->f ? TCP_WRITE_FLAG_MORE : 0));
			if (e != ERR_OK)
				break;
			c->out_off += n;
		} else if (c->f && c->foff < c->fend) {
			uint64_t left = c->fend - c->foff;
			long r;

			n = room < CHUNK ? room : CHUNK;
			n = left < n ? (size_t)left : n;
			r = bb_file_pread(c->f, h->chunk, n, c->foff);
			if (r <= 0) {
				conn_close(c); /* the length is promised */
				return;
			}
			e = tcp_write(pcb, h->chunk, (u16_t)r,
				      TCP_WRITE_FLAG_COPY);
			if (e != ERR_OK)
				break;
			c->foff += (uint64_t)r;
		} else {
			/* all of it is in lwIP's hands */
			c->sending = false;
			bb_buf_reset(&c->out);
			c->out_off = 0;
			bb_file_close(c->f);
			c->f = NULL;
		}
		wrote = true;
	}
	if (wrote)
		tcp_output(pcb);
	if (!c->sending) {
		if (!c->keep_alive)
			conn_close(c);
		else if (c->rlen)
			process(c); /* pipelined requests */
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
			simple(c, 431, false);
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

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct conn *c = arg;

	(void)err;
	if (!c)
		return ERR_OK;
	if (!p) { /* the peer closed */
		conn_close(c);
		return ERR_OK;
	}
	if (p->tot_len > sizeof(c->rbuf) - c->rlen) {
		if (!c->sending && c->rlen == sizeof(c->rbuf)) {
			pbuf_free(p);
			process(c);
			return ERR_OK;
		}
		/* lwIP holds it and offers it again: backpressure */
		return ERR_MEM;
	}
	pbuf_copy_partial(p, c->rbuf + c->rlen, p->tot_len, 0);
	c->rlen += p->tot_len;
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	c->idle_s = 0;
	process(c);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct conn *c = arg;

	(void)pcb;
	(void)len;
	if (c && c->sending)
		fill(c);
	return ERR_OK;
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	struct conn *c = arg;

	(void)pcb;
	if (!c)
		return ERR_OK;
	if (c->sending) {
		c->idle_s = 0;
		fill(c);
		return ERR_OK;
	}
	c->idle_s++;
	if (c->rlen && c->idle_s >= c->h->header_timeout_s) {
		c->keep_alive = false;
		c->sending = true;
		c->rlen = 0;
		simple(c, 408, false);
		fill(c);
	} else if (!c->rlen && c->idle_s >= c->h->idle_timeout_s) {
		conn_close(c);
	}
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	struct conn *c = arg;

	(void)err;
	if (c)
		conn_free(c); /* lwIP has freed the pcb */
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct bb_serve_http *h = arg;
	struct conn *c = NULL;
	size_t i;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	for (i = 0; i < BB_LWIP_MAX_HTTP && !c; i++)
		if (!h->c[i].used)
			c = &h->c[i];
	if (!c) {
		tcp_abort(pcb); /* full: a reset, the client retries */
		return ERR_ABRT;
	}
	c->used = true;
	c->h = h;
	c->pcb = pcb;
	c->ip = ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)));
	c->port = pcb->remote_port;
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_poll(pcb, on_poll, POLL_TICKS);
	tcp_nagle_disable(pcb);
	return ERR_OK;
}

int bb_lwip_http_start(struct bb_serve *s)
{
	const struct bb_config *cfg = s->cfg;
	struct bb_serve_http *h;
	struct tcp_pcb *pcb;
	ip_addr_t a;
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
	ip_addr_set_ip4_u32(&a, htonl(cfg->http.listen_addr));
	pcb = tcp_new();
	if (!h->fsroot || !pcb ||
	    tcp_bind(pcb, &a, cfg->http.listen_port) != ERR_OK) {
		if (pcb)
			tcp_close(pcb);
		bb_err("http: cannot listen on %s:%u over lwIP",
		       bb_fmt_ipv4(cfg->http.listen_addr, ip),
		       cfg->http.listen_port);
		return BB_EIO;
	}
	h->lpcb = tcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG);
	if (!h->lpcb) {
		tcp_close(pcb);
		return BB_ENOMEM;
	}
	tcp_arg(h->lpcb, h);
	tcp_accept(h->lpcb, on_accept);
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
	if (h->lpcb)
		tcp_close(h->lpcb);
	bb_root_close(h->fsroot);
	s->http = NULL;
}
