#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "board/linux/growing.h"
#include "board/linux/http_server.h"
#include "common/err.h"
#include "common/sanitize.h"
#include "http/http_parse.h"

#define RBUF 16384

struct conn {
	struct bb_http_server *srv;
	struct conn *prev, *next; /* every open connection, for stop */
	int fd;
	uint32_t ip;
	uint16_t port;
	struct bb_timer timer;
	char *rbuf;      /* NULL while idle */
	size_t rlen;
	bool reading_body;
	struct bb_http_head head;
	long head_len;
	bool keep_alive;
	bool closing;    /* close once the output is sent */
	/* output: head + memory body, then a file range */
	struct bb_buf out;
	size_t out_off;
	int file_fd;
	off_t file_off;
	uint64_t file_left;
	/* or a file still being written, sent as it grows */
	struct bb_growing *grow;
	struct bb_growing_waiter gw;
	bool grow_head;  /* its status line is still to be sent */
	bool grow_body;  /* a GET: the body follows the head */
	const char *grow_ctype;
	/* for the access log */
	char logline[400];
	uint64_t sent;
	uint64_t t0;
};

struct bb_http_server {
	struct bb_loop *loop;
	struct bb_http_server_opts o;
	int lfd;
	struct bb_http_stats st;
	struct conn *conns;
};

static void conn_close(struct conn *c)
{
	struct bb_http_server *srv = c->srv;

	bb_timer_cancel(srv->loop, &c->timer);
	bb_loop_del_fd(srv->loop, c->fd);
	close(c->fd);
	if (c->file_fd >= 0)
		close(c->file_fd);
	if (c->grow) {
		bb_growing_unwait(c->grow, &c->gw);
		bb_growing_unref(c->grow);
	}
	free(c->rbuf);
	bb_buf_free(&c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
	srv->st.open--;
}

static void http_date(char *buf, size_t cap, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "Status";
}

static void status_line(struct conn *c, int status, const char *ctype,
			uint64_t length, const char *extra)
{
	char date[64];

	http_date(date, sizeof(date), time(NULL));
	bb_buf_printf(&c->out,
		      "HTTP/1.1 %d %s\r\nServer: bootbox\r\nDate: %s\r\n"
		      "Content-Length: %llu\r\n%s%s%s%s",
		      status, reason(status), date, (unsigned long long)length,
		      ctype ? "Content-Type: " : "", ctype ? ctype : "",
		      ctype ? "\r\n" : "", extra ? extra : "");
	bb_buf_puts(&c->out, c->keep_alive ? "" : "Connection: close\r\n");
	bb_buf_puts(&c->out, "\r\n");
}

/* A short error response; closes for 4xx/5xx on malformed input. */
static void simple(struct conn *c, int status, bool head_only)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, reason(status));

	status_line(c, status, "text/plain", (uint64_t)n, NULL);
	if (!head_only)
		bb_buf_append(&c->out, body, (size_t)n);
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
	struct bb_http_request r = { 0 };

	r.headers = h->headers;
	r.nheaders = h->nheaders;
	return bb_http_header_get(&r, name, len);
}

/* A file response: conditional, Range, then sendfile from the file. */
static int serve_file(struct conn *c, const struct bb_http_response *resp,
		      bool head_only, int *status)
{
	struct stat st;
	char etag[64], lm[64], extra[700], crange[96];
	const char *v;
	size_t vl;
	uint64_t a = 0, b = 0;
	int fd = open(resp->file, O_RDONLY | O_CLOEXEC | O_NONBLOCK), r;

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"",
		 (unsigned long long)st.st_size,
		 (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
			 (unsigned long long)st.st_mtim.tv_nsec);
	http_date(lm, sizeof(lm), st.st_mtime);
	if ((v = hdr(&c->head, "if-none-match", &vl)) &&
	    bb_http_etag_match(v, vl, etag)) {
		close(fd);
		snprintf(extra, sizeof(extra), "ETag: %s\r\n", etag);
		*status = 304;
		/* RFC 9110 15.4.5: no body, and no Content-Length of one */
		status_line(c, 304, NULL, 0, extra);
		return 0;
	}
	crange[0] = 0;
	r = 0;
	if ((v = hdr(&c->head, "range", &vl))) {
		size_t il;
		const char *ir = hdr(&c->head, "if-range", &il);

		/* If-Range with another validator: send the whole file */
		if (!ir || (il == strlen(etag) && !memcmp(ir, etag, il)))
			r = bb_http_range(v, vl, (uint64_t)st.st_size, &a, &b);
	}
	if (r < 0) {
		close(fd);
		snprintf(extra, sizeof(extra), "Content-Range: bytes */%llu\r\n",
			 (unsigned long long)st.st_size);
		*status = 416;
		status_line(c, 416, NULL, 0, extra);
		return 0;
	}
	if (r == 0) {
		a = 0;
		b = st.st_size ? (uint64_t)st.st_size - 1 : 0;
	} else {
		snprintf(crange, sizeof(crange),
			 "Content-Range: bytes %llu-%llu/%llu\r\n",
			 (unsigned long long)a, (unsigned long long)b,
			 (unsigned long long)st.st_size);
	}
	snprintf(extra, sizeof(extra),
		 "ETag: %s\r\nLast-Modified: %s\r\nAccept-Ranges: bytes\r\n%s%s",
		 etag, lm, crange, resp->extra_headers);
	*status = r ? 206 : 200;
	c->file_left = st.st_size ? b - a + 1 : 0;
	status_line(c, *status, resp->content_type ? resp->content_type
						     : mime(resp->file),
		    c->file_left, extra);
	if (head_only || !c->file_left) {
		close(fd);
		c->file_left = 0;
		return 0;
	}
	c->file_fd = fd;
	c->file_off = (off_t)a;
	return 0;
}

static void log_request(struct conn *c, int status)
{
	char path[200], line[400], ip[16];
	uint32_t i = c->ip;

	if (!c->srv->o.access_log)
		return;
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", i >> 24, (i >> 16) & 255,
		 (i >> 8) & 255, i & 255);
	bb_sanitize(path, sizeof(path), c->head.target,
		    c->head.target_len > 150 ? 150 : c->head.target_len);
	snprintf(line, sizeof(line), "http: %s %.7s %s %d", ip,
		 c->head.method == BB_HTTP_GET	  ? "GET"
		 : c->head.method == BB_HTTP_HEAD ? "HEAD"
		 : c->head.method == BB_HTTP_POST ? "POST"
						  : "other",
		 path, status);
	c->srv->o.access_log(c->srv->o.ctx, line);
}

static void dispatch(struct conn *c, const uint8_t *body, size_t blen)
{
	struct bb_http_response *resp = calloc(1, sizeof(*resp));
	struct bb_http_request req = { 0 };
	char path[BB_HTTP_PATH_MAX];
	bool head_only = c->head.method == BB_HTTP_HEAD;
	int st, status;

	if (!resp) {
		c->keep_alive = false;
		simple(c, 503, false);
		return;
	}
	c->srv->st.requests++;
	st = bb_http_normalize(c->head.target, c->head.target_len, path,
			       sizeof(path), &req.query, &req.query_len);
	if (st) {
		c->keep_alive = false;
		simple(c, st, head_only);
		log_request(c, st);
		free(resp);
		return;
	}
	req.method = c->head.method;
	req.path = path;
	req.path_len = strlen(path);
	req.headers = c->head.headers;
	req.nheaders = c->head.nheaders;
	req.body = body;
	req.body_len = blen;
	req.client_ip = c->ip;
	req.client_port = c->port;
	c->srv->o.handler(c->srv->o.ctx, &req, resp);
	status = resp->status ? resp->status : 404;
	if (resp->growing) {
		status = 200;
		c->grow = bb_growing_ref(resp->growing);
		c->grow_head = true;
		c->grow_body = !head_only;
		c->grow_ctype = resp->content_type ? resp->content_type
						   : "application/octet-stream";
		c->file_off = 0;
	} else if (resp->file[0]) {
		if (c->head.method != BB_HTTP_GET && !head_only) {
			status = 405;
			status_line(c, 405, NULL, 0, "Allow: GET, HEAD\r\n");
		} else if (serve_file(c, resp, head_only, &status)) {
			status = 404;
			simple(c, 404, head_only);
		}
	} else {
		status_line(c, status, resp->content_type ? resp->content_type
							  : "text/plain",
			    resp->body.len, resp->extra_headers);
		if (!head_only && resp->body.len)
			bb_buf_append(&c->out, resp->body.p, resp->body.len);
	}
	log_request(c, status);
	bb_buf_free(&resp->body);
	free(resp);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool output_pending(const struct conn *c)
{
	return c->out_off < c->out.len || c->file_left || c->grow;
}

static void grow_drop(struct conn *c)
{
	bb_growing_unwait(c->grow, &c->gw);
	bb_growing_unref(c->grow);
	c->grow = NULL;
}

/* The head of a growing file's response once its length is known (or an
 * error when the fetch failed first): 0 when queued, 2 to wait. */
static int grow_head(struct conn *c)
{
	struct bb_growing *g = c->grow;

	if (g->state < 0) {
		grow_drop(c);
		c->keep_alive = false;
		c->closing = true;
		simple(c, 502, !c->grow_body);
		return 0;
	}
	if (!g->total && g->state != BB_GROWING_DONE)
		return 2;
	status_line(c, 200, c->grow_ctype, g->total, "");
	c->grow_head = false;
	if (!c->grow_body || !g->total)
		grow_drop(c);
	return 0;
}

/* Sends what the growing file has; 0 when all of it is out, 1 on EAGAIN,
 * 2 to wait for more, -1 when the connection must go. */
/* bytes a growing body sends per wakeup: a fetch's prefix can grow by
 * many MiB at once, and the loop also answers DHCP */
#define GROW_BURST (1u << 20)

static int grow_flush(struct conn *c)
{
	struct bb_growing *g = c->grow;
	uint64_t burst = 0;

	for (;;) {
		uint64_t can = bb_growing_sendable(g);
		ssize_t n;

		if ((uint64_t)c->file_off >= g->total && g->total &&
		    g->state == BB_GROWING_DONE) {
			grow_drop(c);
			return 0;
		}
		if (g->state < 0)
			return -1; /* the client sees a short body */
		if ((uint64_t)c->file_off >= can)
			return 2;
		if (burst >= GROW_BURST)
			return 1; /* writable: epoll calls again, after the rest */
		n = sendfile(c->fd, g->fd, &c->file_off,
			     can - (uint64_t)c->file_off > GROW_BURST / 4
				     ? GROW_BURST / 4
				     : (size_t)(can - (uint64_t)c->file_off));
		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n < 0)
			return -1;
		if (n == 0)
			return 2; /* rewritten from the start: wait */
		c->sent += (uint64_t)n;
		burst += (uint64_t)n;
	}
}

static void process(struct conn *c);
static void write_and_continue(struct conn *c);

/* Sends what is queued; 0 when all is out, 1 when waiting for POLLOUT,
 * -1 when the connection is gone. */
static int flush(struct conn *c)
{
	int rc;

	if (c->grow && c->grow_head && (rc = grow_head(c)))
		return rc;
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->out_off,
				 c->out.len - c->out_off,
				 MSG_NOSIGNAL |
					 (c->file_left || c->grow ? MSG_MORE : 0));

		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n <= 0)
			return -1;
		c->out_off += (size_t)n;
		c->sent += (uint64_t)n;
	}
	while (c->file_left) {
		size_t chunk = c->file_left > (1u << 20) ? 1u << 20
							 : (size_t)c->file_left;
		ssize_t n = sendfile(c->fd, c->file_fd, &c->file_off, chunk);

		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n <= 0)
			return -1; /* the file shrank or the peer left */
		c->file_left -= (uint64_t)n;
		c->sent += (uint64_t)n;
	}
	bb_buf_reset(&c->out);
	c->out_off = 0;
	if (c->grow && (rc = grow_flush(c)))
		return rc;
	if (c->file_fd >= 0) {
		close(c->file_fd);
		c->file_fd = -1;
	}
	return 0;
}

static void arm(struct conn *c)
{
	struct bb_http_server *srv = c->srv;

	bb_timer_arm(srv->loop, &c->timer,
		     c->rlen && !output_pending(c) ? srv->o.header_timeout_ms
						   : srv->o.idle_timeout_ms);
}

static void on_grow(struct bb_growing_waiter *w)
{
	struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, gw));

	write_and_continue(c);
}

static void write_and_continue(struct conn *c)
{
	int rc = flush(c);

	if (rc < 0 || (rc == 0 && c->closing)) {
		conn_close(c);
		return;
	}
	if (rc == 2) {
		/* nothing to send until the file grows: no events but errors */
		bb_loop_mod_fd(c->srv->loop, c->fd, 0);
		c->gw.wake = on_grow;
		bb_growing_wait(c->grow, &c->gw);
		arm(c);
		return;
	}
	if (rc == 1) {
		bb_loop_mod_fd(c->srv->loop, c->fd, BB_EV_WRITE);
		arm(c);
		return;
	}
	bb_loop_mod_fd(c->srv->loop, c->fd, BB_EV_READ);
	process(c); /* pipelined requests already read */
}

static bool ensure_buf(struct conn *c, size_t need)
{
	char *p;

	if (c->rbuf && need <= RBUF)
		return true;
	p = realloc(c->rbuf, need > RBUF ? need : RBUF);
	if (!p)
		return false;
	c->rbuf = p;
	return true;
}

static void process(struct conn *c)
{
	for (;;) {
		long n;
		size_t want;

		if (output_pending(c) || c->closing)
			break;
		if (!c->reading_body) {
			n = c->rlen ? bb_http_parse_head(c->rbuf, c->rlen,
							 &c->head)
				    : BB_EPARTIAL;
			if (n == BB_EPARTIAL)
				break;
			if (n < 0) {
				c->srv->st.bad_requests++;
				c->keep_alive = false;
				c->closing = true;
				simple(c, c->head.status, false);
				log_request(c, c->head.status);
				break;
			}
			c->head_len = n;
			c->keep_alive = c->head.keep_alive;
			c->t0 = mono_ms();
			if (c->head.content_length > c->srv->o.max_body) {
				c->keep_alive = false;
				c->closing = true;
				simple(c, 413, false);
				break;
			}
			c->reading_body = true;
		}
		want = (size_t)c->head_len + (size_t)c->head.content_length;
		if (!ensure_buf(c, want)) {
			c->closing = true;
			break;
		}
		if (c->rlen < want)
			break;
		dispatch(c, (const uint8_t *)c->rbuf + c->head_len,
			 (size_t)c->head.content_length);
		/* the head's pointers are not used after dispatch */
		memmove(c->rbuf, c->rbuf + want, c->rlen - want);
		c->rlen -= want;
		c->reading_body = false;
		if (!c->keep_alive)
			c->closing = true;
	}
	if (output_pending(c) || c->closing) {
		write_and_continue(c);
		return;
	}
	if (!c->rlen && c->rbuf && !c->reading_body) {
		free(c->rbuf); /* idle keep-alive holds no buffer */
		c->rbuf = NULL;
	}
	arm(c);
}

static void on_conn(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct conn *c = arg;
	size_t cap;

	(void)loop;
	(void)fd;
	if (ev & BB_EV_WRITE) {
		write_and_continue(c);
		return;
	}
	for (;;) {
		ssize_t n;

		cap = c->reading_body
			      ? (size_t)c->head_len + (size_t)c->head.content_length
			      : RBUF;
		if (!ensure_buf(c, cap)) {
			conn_close(c);
			return;
		}
		if (c->rlen == cap)
			break; /* a full head buffer: the parser says 431 */
		n = recv(c->fd, c->rbuf + c->rlen, cap - c->rlen, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c);
			return;
		}
		if (n < 0)
			break;
		c->rlen += (size_t)n;
		/* a short read emptied the socket: no recv that ends in
		 * EAGAIN (epoll is level triggered, more data wakes us) */
		if ((size_t)n < cap - (c->rlen - (size_t)n))
			break;
	}
	process(c);
}

static void on_timer(struct bb_loop *loop, void *arg)
{
	struct conn *c = arg;

	(void)loop;
	c->srv->st.timeouts++;
	if (c->rlen && !output_pending(c)) {
		/* a request that never completed (slowloris) */
		c->keep_alive = false;
		c->closing = true;
		simple(c, 408, false);
		flush(c); /* best effort: the peer may not read either */
	}
	conn_close(c);
}

int bb_http_server_adopt(struct bb_http_server *srv, int fd, uint32_t ip,
			 uint16_t port)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
				   "Content-Length: 0\r\nConnection: close\r\n\r\n";
	struct conn *c;
	int one = 1;

	if (srv->st.open >= srv->o.max_conns || !(c = calloc(1, sizeof(*c)))) {
		srv->st.refused++;
		/* best effort: the client learns why */
		(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->srv = srv;
	c->fd = fd;
	c->file_fd = -1;
	c->ip = ip;
	c->port = port;
	bb_timer_init(&c->timer, on_timer, c);
	if (bb_loop_add_fd(srv->loop, fd, BB_EV_READ, on_conn, c)) {
		close(fd);
		free(c);
		return -1;
	}
	srv->st.accepted++;
	srv->st.open++;
	c->next = srv->conns;
	if (c->next)
		c->next->prev = c;
	srv->conns = c;
	arm(c);
	return 0;
}

static void on_accept(struct bb_loop *loop, int lfd, uint32_t ev, void *arg)
{
	struct bb_http_server *srv = arg;
	int i;

	(void)loop;
	(void)ev;
	for (i = 0; i < 64; i++) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		int fd = accept4(lfd, (struct sockaddr *)&sa, &sl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		bb_http_server_adopt(srv, fd, ntohl(sa.sin_addr.s_addr),
				     ntohs(sa.sin_port));
	}
}

struct bb_http_server *bb_http_server_start(struct bb_loop *loop,
					    const struct bb_http_server_opts *o)
{
	struct bb_http_server *srv = calloc(1, sizeof(*srv));
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, e;

	if (!srv)
		return NULL;
	srv->loop = loop;
	srv->o = *o;
	if (!srv->o.max_conns)
		srv->o.max_conns = 1024;
	if (!srv->o.idle_timeout_ms)
		srv->o.idle_timeout_ms = 60000;
	if (!srv->o.header_timeout_ms)
		srv->o.header_timeout_ms = 10000;
	if (!srv->o.max_body)
		srv->o.max_body = 1 << 20;
	srv->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(o->addr);
	sa.sin_port = htons(o->port);
	if (srv->lfd < 0 ||
	    setsockopt(srv->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(srv->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(srv->lfd, 1024) ||
	    bb_loop_add_fd(loop, srv->lfd, BB_EV_READ, on_accept, srv)) {
		e = errno;
		if (srv->lfd >= 0)
			close(srv->lfd);
		free(srv);
		errno = e;
		return NULL;
	}
	return srv;
}

void bb_http_server_stop(struct bb_http_server *srv)
{
	if (!srv)
		return;
	bb_loop_del_fd(srv->loop, srv->lfd);
	close(srv->lfd);
	while (srv->conns)
		conn_close(srv->conns);
	free(srv);
}

const struct bb_http_stats *bb_http_server_stats(
	const struct bb_http_server *srv)
{
	return &srv->st;
}
