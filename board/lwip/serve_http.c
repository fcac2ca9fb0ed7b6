/* HTTP on the lwIP board: board.h TCP streams feeding the connection
 * engine of services/http (the one the Linux board runs: keep-alive,
 * pipelining, head and body limits, the absolute header deadline, the
 * drain after an error answer), answered by the firmware's routes, in a
 * connection table sized in lwipopts.h. A file goes out in pread chunks
 * as the send buffer drains (Range, ETag, If-None-Match honoured). Growing
 * files (artifacts still arriving) are not served here yet: 503. */
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
#include "http/http_conn.h"
#include "http/http_parse.h"

struct conn {
	bool used;
	bool refused; /* over the limit, all busy: a 503, then closed */
	struct bb_serve_http *h;
	struct bb_stream *st;
	uint32_t ip;
	uint16_t port;
	struct bb_http_conn hc;
	struct bb_http_head head;
	struct bb_file *f; /* the file being sent, if any */
};

struct bb_serve_http {
	struct bb_serve *s;
	struct bb_listener *l;
	struct bb_board_timer *sweep; /* the connections' deadlines */
	struct bb_board_timer *kick;  /* the 503s of refused connections */
	unsigned max_conns, open;
	struct bb_root *fsroot; /* "/": routes hand over absolute paths */
	struct bb_http_conn_cfg cfg;
	time_t date_sec;
	struct conn c[BB_LWIP_MAX_HTTP];
};

/* static, so that size(1) shows it with lwIP's pools */
static struct bb_serve_http the_http;

#define SWEEP_MS 100

static void conn_free(struct conn *c)
{
	if (c->used && c->h)
		c->h->open--;
	bb_http_conn_free(&c->hc);
	bb_file_close(c->f);
	memset(c, 0, sizeof(*c));
}

static void conn_close(struct conn *c)
{
	if (c->st)
		bb_stream_close(c->st);
	conn_free(c);
}

/* Date: changes once a second; formatting it per request is waste. */
static void update_date(struct bb_serve_http *h)
{
	time_t now = time(NULL);
	struct tm tm;

	if (now == h->date_sec)
		return;
	h->date_sec = now;
	gmtime_r(&now, &tm);
	strftime(h->cfg.date, sizeof(h->cfg.date), "%a, %d %b %Y %H:%M:%S GMT",
		 &tm);
}

static const char *method_name(enum bb_http_method m)
{
	return m == BB_HTTP_GET	   ? "GET"
	       : m == BB_HTTP_HEAD ? "HEAD"
	       : m == BB_HTTP_POST ? "POST"
				   : "other";
}

static void log_line(struct conn *c, const char *method, const char *target,
		     size_t len, int st)
{
	char path[200], ip[16];

	if (getenv("BOOTBOX_NO_ACCESS_LOG"))
		return;
	bb_sanitize(path, sizeof(path), target, len > 150 ? 150 : len);
	bb_info("http: %s %s %s %d", bb_fmt_ipv4(c->ip, ip), method, path, st);
}

/* A file response: the whole file or one Range; the status sent. */
static int serve_file(struct conn *c, const struct bb_http_request *req,
		      const struct bb_http_response *resp, bool head_only)
{
	uint64_t size, a = 0, b = 0;
	const char *rv, *ir;
	size_t rl, il;
	char extra[192], etag[48];
	int k;

	if (bb_file_open(c->h->fsroot, resp->file + 1, &c->f)) {
		bb_http_conn_simple(&c->hc, 404, head_only);
		return 404;
	}
	size = bb_file_size(c->f);
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)size,
		 (unsigned long long)bb_file_mtime(c->f));
	rv = bb_http_header_get(req, "if-none-match", &rl);
	if (rv && bb_http_etag_match(rv, rl, etag)) {
		snprintf(extra, sizeof(extra), "ETag: %s\r\n", etag);
		bb_http_conn_status(&c->hc, 304, NULL, 0, extra);
		return 304;
	}
	rv = bb_http_header_get(req, "range", &rl);
	ir = bb_http_header_get(req, "if-range", &il);
	/* If-Range with another validator: the whole file */
	if (ir && (il != strlen(etag) || memcmp(ir, etag, il)))
		rv = NULL;
	k = rv ? bb_http_range(rv, rl, size, &a, &b) : 0;
	if (k < 0) {
		snprintf(extra, sizeof(extra),
			 "Content-Range: bytes */%llu\r\n",
			 (unsigned long long)size);
		bb_http_conn_status(&c->hc, 416, NULL, 0, extra);
		return 416;
	}
	if (k == 0) {
		a = 0;
		b = size ? size - 1 : 0;
	}
	snprintf(extra, sizeof(extra),
		 k ? "ETag: %s\r\nAccept-Ranges: bytes\r\nContent-Range: "
		     "bytes %llu-%llu/%llu\r\n"
		   : "ETag: %s\r\nAccept-Ranges: bytes\r\n",
		 etag, (unsigned long long)a, (unsigned long long)b,
		 (unsigned long long)size);
	bb_http_conn_status(&c->hc, k ? 206 : 200,
			    resp->content_type ? resp->content_type
					       : "application/octet-stream",
			    size ? b - a + 1 : 0, extra);
	if (size && !head_only)
		bb_http_conn_file(&c->hc, a, b - a + 1);
	return k ? 206 : 200;
}

static void dispatch(struct conn *c)
{
	struct bb_http_response *resp = calloc(1, sizeof(*resp));
	struct bb_http_request req = {0};
	char path[BB_HTTP_PATH_MAX];
	const uint8_t *body;
	size_t blen;
	bool head_only;
	int st;

	update_date(c->h);
	bb_http_conn_request(&c->hc, &c->head, &body, &blen);
	head_only = c->head.method == BB_HTTP_HEAD;
	if (!resp) {
		c->hc.keep_alive = false;
		bb_http_conn_simple(&c->hc, 503, false);
		return;
	}
	st = bb_http_request_from(&c->head, body, blen, c->ip, c->port, path,
				  sizeof(path), &req);
	if (!st) {
		bb_routes_handle(c->h->s, &req, resp);
		/* the routes open files on the host for the Linux board;
		 * this one opens by path from its own root */
		if (resp->file_open)
			close(resp->file_fd);
		st = resp->status ? resp->status : 404;
		if (resp->growing) {
			st = 503;
			bb_http_conn_simple(&c->hc, st, head_only);
		} else if (resp->file[0] && c->head.method != BB_HTTP_GET &&
			   !head_only) {
			st = 405;
			bb_http_conn_status(&c->hc, 405, NULL, 0,
					    "Allow: GET, HEAD\r\n");
		} else if (resp->file[0]) {
			st = serve_file(c, &req, resp, head_only);
		} else {
			bb_http_conn_status(
			    &c->hc, st,
			    resp->content_type ? resp->content_type
					       : "text/plain",
			    resp->body.len, resp->extra_headers);
			if (!head_only && resp->body.len)
				bb_buf_append(&c->hc.out, resp->body.p,
					      resp->body.len);
		}
	} else {
		c->hc.keep_alive = false;
		bb_http_conn_simple(&c->hc, st, head_only);
	}
	log_line(c, method_name(c->head.method), c->head.target,
		 c->head.target_len, st);
	bb_buf_free(&resp->body);
	free(resp);
}

/* Moves the answer into the stream as far as it takes it; false while
 * some of it waits for room. */
static bool flush(struct conn *c)
{
	uint64_t now = bb_board_now_ms(), off, left;
	const char *p;
	bool more;
	size_t len, n;

	while ((len = bb_http_conn_out(&c->hc, &p, &more))) {
		n = bb_stream_write(c->st, p, len);
		bb_http_conn_sent(&c->hc, n, now);
		if (n < len)
			return false; /* writable() goes on */
	}
	while (c->f && (left = bb_http_conn_file_left(&c->hc, &off))) {
		n = bb_stream_send_file(c->st, c->f, off,
					left > 65536 ? 65536 : (size_t)left);
		if (!n)
			return false;
		bb_http_conn_file_sent(&c->hc, n, now);
	}
	if (c->hc.st != BB_HC_SEND || !bb_http_conn_file_left(&c->hc, &off)) {
		bb_file_close(c->f);
		c->f = NULL;
	}
	return true;
}

/* Drives the connection until it waits for the peer, room or a deadline;
 * false when the connection is gone. */
static bool step(struct conn *c)
{
	int i;

	for (i = 0; i < 100000; i++) {
		if (c->hc.error) {
			log_line(c, "-", "-", 1, c->hc.error);
			c->hc.error = 0;
		}
		switch (c->hc.st) {
		case BB_HC_DEAD: conn_close(c); return false;
		case BB_HC_READY:
			dispatch(c);
			bb_http_conn_answered(&c->hc, bb_board_now_ms());
			continue;
		case BB_HC_SEND:
			if (!flush(c))
				return true;
			continue;
		case BB_HC_DRAIN:
			if (bb_http_conn_want_shut(&c->hc)) {
				bb_stream_shutdown(c->st);
				c->hc.shut = true;
			}
			return true;
		default: return true;
		}
	}
	conn_close(c); /* cannot happen: each pass consumes a request */
	return false;
}

static size_t on_data(void *arg, struct bb_stream *st, const uint8_t *p,
		      size_t len)
{
	struct conn *c = arg;
	uint64_t now = bb_board_now_ms();
	size_t taken = 0;

	(void)st;
	if (c->refused)
		return len; /* dropped: the 503 is on its way */
	if (!len) {	    /* the peer closed */
		bb_http_conn_received(&c->hc, 0, now);
		step(c);
		return 0;
	}
	while (taken < len) {
		size_t room, n;
		char *to = bb_http_conn_rspace(&c->hc, &room);

		if (!to || !room)
			break; /* the board holds the rest until we resume */
		n = len - taken < room ? len - taken : room;
		memcpy(to, p + taken, n);
		taken += n;
		bb_http_conn_received(&c->hc, n, now);
		if (!step(c))
			return taken;
	}
	return taken;
}

static void on_writable(void *arg, struct bb_stream *st)
{
	struct conn *c = arg;
	char *to;
	size_t room;

	if (!step(c))
		return;
	/* the answer is out: what the board held back may come in now */
	to = bb_http_conn_rspace(&c->hc, &room);
	if (to && room)
		bb_stream_resume(st);
}

static void on_closed(void *arg, struct bb_stream *st)
{
	struct conn *c = arg;

	(void)st;
	c->st = NULL;
	conn_free(c);
}

static const struct bb_stream_ops conn_ops = {on_data, on_writable, on_closed};

/* Under pressure the connection that gives least up goes: idle keep-alive
 * or draining first, then one still reading its head; busy ones stay. */
static struct conn *victim(struct bb_serve_http *h)
{
	struct conn *best = NULL;
	int rank = 0;
	size_t i;

	for (i = 0; i < BB_LWIP_MAX_HTTP; i++) {
		struct conn *c = &h->c[i];
		int r = c->used ? bb_http_conn_reclaim_rank(&c->hc) : 0;

		if (r > rank) {
			rank = r;
			best = c;
		}
	}
	return best;
}

static void *on_accept(void *arg, struct bb_stream *st,
		       const struct bb_udp_peer *from,
		       const struct bb_stream_ops **ops)
{
	struct bb_serve_http *h = arg;
	struct conn *c = NULL;
	size_t i;

	bool refuse = false;

	if (h->open >= h->max_conns) {
		struct conn *v = victim(h);

		if (v)
			conn_close(v);
		else
			refuse = true; /* every one is busy */
	}
	for (i = 0; i < BB_LWIP_MAX_HTTP && !c; i++)
		if (!h->c[i].used)
			c = &h->c[i];
	if (!c)
		return NULL; /* the table is full: a reset */
	c->used = true;
	c->refused = refuse;
	if (refuse) /* answered once the board has set the stream up */
		bb_board_timer_arm(h->kick, 0);
	c->h = h;
	c->st = st;
	c->ip = from->ip;
	c->port = from->port;
	h->open++;
	bb_http_conn_init(&c->hc, &h->cfg, bb_board_now_ms());
	*ops = &conn_ops;
	return c;
}

/* Tells the refused ones why, then lets them go. */
static void on_kick(void *arg)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
				   "Server: bootbox\r\nContent-Length: 0\r\n"
				   "Connection: close\r\n\r\n";
	struct bb_serve_http *h = arg;
	size_t i;

	for (i = 0; i < BB_LWIP_MAX_HTTP; i++) {
		struct conn *c = &h->c[i];

		if (!c->used || !c->refused)
			continue;
		bb_stream_write(c->st, busy, sizeof(busy) - 1);
		conn_close(c);
	}
}

/* The connections' deadlines (header, idle, drain), a few times a
 * second over the table. */
static void on_sweep(void *arg)
{
	struct bb_serve_http *h = arg;
	uint64_t now = bb_board_now_ms();
	size_t i;

	for (i = 0; i < BB_LWIP_MAX_HTTP; i++) {
		struct conn *c = &h->c[i];

		if (c->used && !c->refused && now >= c->hc.deadline) {
			bb_http_conn_tick(&c->hc, now);
			step(c);
		}
	}
	bb_board_timer_arm(h->sweep, SWEEP_MS);
}

static void set_limits(struct bb_serve_http *h, const struct bb_config *cfg)
{
	uint32_t hdr = cfg->http.header_timeout ? cfg->http.header_timeout : 10;

	h->cfg.max_body = BB_LWIP_HTTP_BODY;
	h->cfg.header_ms = hdr * 1000;
	h->cfg.idle_ms =
	    (cfg->http.idle_timeout ? cfg->http.idle_timeout : 60) * 1000;
	h->cfg.drain_ms = hdr * 1000 < 2000 ? hdr * 1000 : 2000;
	h->max_conns = cfg->http.max_connections &&
			       cfg->http.max_connections < BB_LWIP_MAX_HTTP
			   ? cfg->http.max_connections
			   : BB_LWIP_MAX_HTTP;
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
	set_limits(h, cfg);
	update_date(h);
	h->fsroot = bb_root_open("/");
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
	bb_board_timer_arm(h->sweep, SWEEP_MS);
	if (cfg->http.tls_enabled)
		bb_warn("https: not on the lwIP board yet; HTTP only");
	bb_info("http: listening on %s:%u over lwIP",
		bb_fmt_ipv4(cfg->http.listen_addr, ip), cfg->http.listen_port);
	return 0;
}

/* Timeouts and the connection limit apply to what comes next; a new
 * listen address needs a restart. */
int bb_lwip_http_reload(struct bb_serve *s, const struct bb_config *next)
{
	struct bb_serve_http *h = s->http;

	if (!h)
		return 0;
	if (next->http.listen_addr != s->cfg->http.listen_addr ||
	    next->http.listen_port != s->cfg->http.listen_port)
		bb_warn("http: a new listen address takes effect at the next "
			"start");
	set_limits(h, next);
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
