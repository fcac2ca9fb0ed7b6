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

#include "board/linux/accept_guard.h"
#include "board/linux/growing.h"
#include "board/linux/http_server.h"
#include "common/err.h"
#include "common/sanitize.h"
#include "http/http_conn.h"
#include "http/http_parse.h"

struct conn {
	struct bb_http_server *srv;
	struct conn *prev, *next; /* every open connection, for stop */
	int fd;
	uint32_t ip;
	uint16_t port;
	struct bb_timer timer;
	struct bb_http_conn hc;	  /* the protocol: services/http/http_conn.c */
	struct bb_http_head head; /* the view of the request being answered */
	int file_fd;
	/* or a file still being written, sent as it grows */
	struct bb_growing *grow;
	struct bb_growing_waiter gw;
	off_t grow_off;
	bool grow_head; /* its status line is still to be sent */
	bool grow_body; /* a GET: the body follows the head */
	const char *grow_ctype;
	uint64_t sent;
	bool bulk; /* counted in nbulk */
};

static void on_grow(struct bb_growing_waiter *w);

struct bb_http_server {
	struct bb_loop *loop;
	struct bb_http_server_opts o;
	struct bb_http_conn_cfg cfg;
	time_t date_sec;
	time_t lm_sec; /* lm: Last-Modified of that second */
	char lm[40];
	int lfd;
	struct bb_accept_guard guard;
	struct bb_http_stats st;
	struct conn *conns;
	size_t nbulk; /* connections sending a body, waiting for POLLOUT */
};

static void conn_close(struct conn *c)
{
	struct bb_http_server *srv = c->srv;

	if (c->bulk)
		srv->nbulk--;
	bb_timer_cancel(srv->loop, &c->timer);
	bb_loop_del_fd(srv->loop, c->fd);
	close(c->fd);
	if (c->file_fd >= 0)
		close(c->file_fd);
	if (c->grow) {
		bb_growing_unwait(c->grow, &c->gw);
		bb_growing_unref(c->grow);
	}
	bb_http_conn_free(&c->hc);
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

/* Date: changes once a second; formatting it per request is waste. */
static void update_date(struct bb_http_server *srv)
{
	time_t now = time(NULL);

	if (now != srv->date_sec) {
		srv->date_sec = now;
		http_date(srv->cfg.date, sizeof(srv->cfg.date), now);
	}
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

/* The file of a response, open, with its size and mtime: the handler's
 * descriptor when it opened one, else the path. */
static int open_file(const struct bb_http_response *resp, uint64_t *size,
		     uint64_t *mtime_ns)
{
	struct stat st;
	int fd;

	if (resp->file_open) {
		*size = resp->file_size;
		*mtime_ns = resp->file_mtime_ns;
		return resp->file_fd;
	}
	fd = open(resp->file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1; /* errno as open left it */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = ENOENT;
		return -1;
	}
	*size = (uint64_t)st.st_size;
	*mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
		    (uint64_t)st.st_mtim.tv_nsec;
	return fd;
}

/* Last-Modified: most requests are for the file of the one before */
static const char *last_modified(struct bb_http_server *srv, uint64_t mtime_ns)
{
	time_t sec = (time_t)(mtime_ns / 1000000000ull);

	if (!srv->lm[0] || srv->lm_sec != sec) {
		srv->lm_sec = sec;
		http_date(srv->lm, sizeof(srv->lm), sec);
	}
	return srv->lm;
}

#define SMALL_FILE 16384

/* A file response: conditional, Range, then sendfile from the file. */
static int serve_file(struct conn *c, const struct bb_http_response *resp,
		      bool head_only, int *status)
{
	char etag[64], extra[700], crange[96];
	const char *v, *lm;
	size_t vl;
	uint64_t a = 0, b = 0, len, size, mtime_ns;
	int fd = open_file(resp, &size, &mtime_ns), r;

	if (fd < 0)
		return -1;
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)size,
		 (unsigned long long)mtime_ns);
	lm = last_modified(c->srv, mtime_ns);
	if ((v = hdr(&c->head, "if-none-match", &vl)) &&
	    bb_http_etag_match(v, vl, etag)) {
		close(fd);
		snprintf(extra, sizeof(extra), "ETag: %s\r\n", etag);
		*status = 304;
		/* RFC 9110 15.4.5: no body, and no Content-Length of one */
		bb_http_conn_status(&c->hc, 304, NULL, 0, extra);
		return 0;
	}
	crange[0] = 0;
	r = 0;
	if ((v = hdr(&c->head, "range", &vl))) {
		size_t il;
		const char *ir = hdr(&c->head, "if-range", &il);

		/* If-Range with another validator: send the whole file */
		if (!ir || (il == strlen(etag) && !memcmp(ir, etag, il)))
			r = bb_http_range(v, vl, size, &a, &b);
	}
	if (r < 0) {
		close(fd);
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
		close(fd);
		return 0;
	}
	/* a small file goes out with its head in one send: a read and a
	 * copy cost less than sendfile's page-cache splice, and the peer
	 * gets one segment */
	if (len <= SMALL_FILE) {
		char body[SMALL_FILE];
		ssize_t n = pread(fd, body, (size_t)len, (off_t)a);

		close(fd);
		if (n != (ssize_t)len) {
			c->hc.keep_alive = false; /* the head is out: cut it */
			c->hc.close_after = true;
			return 0;
		}
		bb_buf_append(&c->hc.out, body, (size_t)len);
		return 0;
	}
	c->file_fd = fd;
	bb_http_conn_file(&c->hc, a, len);
	return 0;
}

static void log_line(struct conn *c, const char *method, const char *target,
		     size_t tlen, int status)
{
	char path[200], line[400], ip[16];
	uint32_t i = c->ip;

	if (!c->srv->o.access_log)
		return;
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", i >> 24, (i >> 16) & 255,
		 (i >> 8) & 255, i & 255);
	bb_sanitize(path, sizeof(path), target, tlen > 150 ? 150 : tlen);
	snprintf(line, sizeof(line), "http: %s %.7s %s %d", ip, method, path,
		 status);
	c->srv->o.access_log(c->srv->o.ctx, line);
}

static void log_request(struct conn *c, int status)
{
	log_line(c,
		 c->head.method == BB_HTTP_GET	  ? "GET"
		 : c->head.method == BB_HTTP_HEAD ? "HEAD"
		 : c->head.method == BB_HTTP_POST ? "POST"
						  : "other",
		 c->head.target, c->head.target_len, status);
}

/* A descriptor the handler opened and the answer does not use. */
static void drop_fd(struct bb_http_response *resp)
{
	if (resp->file_open)
		close(resp->file_fd);
	resp->file_open = false;
}

/* Answers the request the engine holds (BB_HC_READY). */
static void dispatch(struct conn *c)
{
	struct bb_http_response *resp = calloc(1, sizeof(*resp));
	struct bb_http_request req = {0};
	char path[BB_HTTP_PATH_MAX];
	const uint8_t *body;
	size_t blen;
	bool head_only;
	int st, status;

	update_date(c->srv);
	bb_http_conn_request(&c->hc, &c->head, &body, &blen);
	head_only = c->head.method == BB_HTTP_HEAD;
	if (!resp) {
		c->hc.keep_alive = false;
		bb_http_conn_simple(&c->hc, 503, false);
		return;
	}
	c->srv->st.requests++;
	st = bb_http_request_from(&c->head, body, blen, c->ip, c->port, path,
				  sizeof(path), &req);
	if (st) {
		c->hc.keep_alive = false;
		bb_http_conn_simple(&c->hc, st, head_only);
		log_request(c, st);
		free(resp);
		return;
	}
	c->srv->o.handler(c->srv->o.ctx, &req, resp);
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
		if (c->head.method != BB_HTTP_GET && !head_only) {
			status = 405;
			bb_http_conn_status(&c->hc, 405, NULL, 0,
					    "Allow: GET, HEAD\r\n");
			drop_fd(resp);
		} else if (serve_file(c, resp, head_only, &status)) {
			/* out of fds is not "not found" */
			status = errno == EMFILE || errno == ENFILE ? 503 : 404;
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

static void grow_drop(struct conn *c)
{
	bb_growing_unwait(c->grow, &c->gw);
	bb_growing_unref(c->grow);
	c->grow = NULL;
	bb_http_conn_external_done(&c->hc, bb_loop_now_ms(c->srv->loop));
}

/* The head of a growing file's response once its length is known (or an
 * error when the fetch failed first): 0 when queued, 2 to wait. */
static int grow_head(struct conn *c)
{
	struct bb_growing *g = c->grow;

	c->grow_head = false;
	if (g->state < 0) {
		c->hc.keep_alive = false;
		c->hc.close_after = true;
		bb_http_conn_simple(&c->hc, 502, !c->grow_body);
		grow_drop(c);
		return 0;
	}
	if (!g->total && g->state != BB_GROWING_DONE) {
		c->grow_head = true;
		return 2;
	}
	bb_http_conn_status(&c->hc, 200, c->grow_ctype, g->total, "");
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

		if ((uint64_t)c->grow_off >= g->total && g->total &&
		    g->state == BB_GROWING_DONE) {
			grow_drop(c);
			return 0;
		}
		if (g->state < 0)
			return -1; /* the client sees a short body */
		if ((uint64_t)c->grow_off >= can)
			return 2;
		if (burst >= GROW_BURST)
			return 1; /* writable: epoll calls again, after the rest
				   */
		n = sendfile(c->fd, g->fd, &c->grow_off,
			     can - (uint64_t)c->grow_off > GROW_BURST / 4
				 ? GROW_BURST / 4
				 : (size_t)(can - (uint64_t)c->grow_off));
		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n < 0)
			return -1;
		if (n == 0)
			return 2; /* rewritten from the start: wait */
		c->sent += (uint64_t)n;
		burst += (uint64_t)n;
		bb_http_conn_progress(&c->hc, bb_loop_now_ms(c->srv->loop));
	}
}

/* A body's share of one wakeup: what a turn of bulk work may send, split
 * between the downloads in progress, within bounds. A thousand downloads
 * get the smallest share (a turn stays short for DHCP and for requests
 * waiting behind them); a few get large ones (fewer wakeups per byte). */
#define SHARE_MIN  (256u << 10)
#define SHARE_MAX  (2u << 20)
#define SHARE_TURN (16u << 20)

static size_t share(const struct bb_http_server *srv)
{
	size_t n = srv->nbulk ? SHARE_TURN / srv->nbulk : SHARE_MAX;

	return n < SHARE_MIN ? SHARE_MIN : n > SHARE_MAX ? SHARE_MAX : n;
}

/* Sends what the engine has queued; 0 when all is out, 1 when waiting for
 * POLLOUT, 2 waiting for a growing file, -1 when the connection is gone. */

static int flush(struct conn *c)
{
	uint64_t now = bb_loop_now_ms(c->srv->loop), left, off;
	const char *p;
	size_t len, budget;
	bool more;
	int rc;

	if (c->grow && c->grow_head && (rc = grow_head(c)))
		return rc;
	while ((len = bb_http_conn_out(&c->hc, &p, &more))) {
		ssize_t n =
		    send(c->fd, p, len,
			 MSG_NOSIGNAL | (more || c->grow ? MSG_MORE : 0));

		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n <= 0)
			return -1;
		c->sent += (uint64_t)n;
		bb_http_conn_sent(&c->hc, (size_t)n, now);
	}
	/* a bounded share per wakeup: with hundreds of downloads writable at
	 * once, one turn of the loop must not copy gigabytes while DHCP
	 * waits (level-triggered: a still writable socket comes back next
	 * turn) */
	for (budget = share(c->srv);
	     (left = bb_http_conn_file_left(&c->hc, &off));) {
		off_t o = (off_t)off;
		ssize_t n;

		if (!budget)
			return 1;
		n = sendfile(c->fd, c->file_fd, &o,
			     left > budget ? budget : (size_t)left);
		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n <= 0)
			return -1; /* the file shrank or the peer left */
		c->sent += (uint64_t)n;
		budget -= (size_t)n > budget ? budget : (size_t)n;
		bb_http_conn_file_sent(&c->hc, (uint64_t)n, now);
	}
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
	uint64_t now = bb_loop_now_ms(c->srv->loop);

	bb_timer_arm(c->srv->loop, &c->timer,
		     c->hc.deadline > now ? c->hc.deadline - now : 0);
}

/* Counts and logs an answer the engine made on its own. */
static void engine_error(struct conn *c)
{
	if (!c->hc.error)
		return;
	if (c->hc.error != 408)
		c->srv->st.bad_requests++;
	log_line(c, "-", "-", 1, c->hc.error);
	c->hc.error = 0;
}

/* Counted among the downloads in progress (their share, BB_EV_BULK). */
static void set_bulk(struct conn *c, bool on)
{
	if (c->bulk == on)
		return;
	c->bulk = on;
	if (on)
		c->srv->nbulk++;
	else
		c->srv->nbulk--;
}

/* Drives the connection until it waits for the peer, a file or a timer. */
static void step(struct conn *c)
{
	struct bb_loop *loop = c->srv->loop;
	int rc, i;

	for (i = 0; i < 100000; i++) {
		engine_error(c);
		switch (c->hc.st) {
		case BB_HC_DEAD: conn_close(c); return;
		case BB_HC_READY:
			dispatch(c);
			bb_http_conn_answered(&c->hc, bb_loop_now_ms(loop));
			continue;
		case BB_HC_SEND:
			rc = flush(c);
			if (rc < 0) {
				conn_close(c);
				return;
			}
			if (rc == 2) {
				/* nothing to send until the file grows: no
				 * events but errors */
				set_bulk(c, false);
				bb_loop_mod_fd(loop, c->fd, 0);
				c->gw.wake = on_grow;
				bb_growing_wait(c->grow, &c->gw);
				arm(c);
				return;
			}
			if (rc == 1) {
				/* a body's next share waits behind requests */
				set_bulk(c, c->file_fd >= 0 || c->grow);
				bb_loop_mod_fd(loop, c->fd,
					       BB_EV_WRITE |
						   (c->bulk ? BB_EV_BULK : 0));
				arm(c);
				return;
			}
			continue;
		case BB_HC_DRAIN:
			if (bb_http_conn_want_shut(&c->hc)) {
				shutdown(c->fd, SHUT_WR);
				c->hc.shut = true;
			}
			/* fall through */
		default:
			set_bulk(c, false);
			bb_loop_mod_fd(loop, c->fd, BB_EV_READ);
			arm(c);
			return;
		}
	}
	conn_close(c); /* cannot happen: each pass consumes a request */
}

static void on_grow(struct bb_growing_waiter *w)
{
	struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, gw));

	step(c);
}

static void on_conn(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct conn *c = arg;
	uint64_t now = bb_loop_now_ms(loop);
	char *p;
	size_t room;

	(void)fd;
	if (ev & BB_EV_WRITE) {
		step(c);
		return;
	}
	update_date(c->srv); /* for an answer the engine makes itself */
	while ((p = bb_http_conn_rspace(&c->hc, &room))) {
		ssize_t n = recv(c->fd, p, room, 0);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		bb_http_conn_received(&c->hc, n < 0 ? 0 : (size_t)n, now);
		/* a short read emptied the socket: no recv that ends in
		 * EAGAIN (epoll is level triggered, more data wakes us) */
		if (n <= 0 || (size_t)n < room)
			break;
	}
	step(c);
}

static void on_timer(struct bb_loop *loop, void *arg)
{
	struct conn *c = arg;

	if (bb_loop_now_ms(loop) >= c->hc.deadline)
		c->srv->st.timeouts++;
	bb_http_conn_tick(&c->hc, bb_loop_now_ms(loop));
	update_date(c->srv);
	step(c);
}

/* At the connection limit, the connection that costs least to lose: an
 * idle keep-alive one first, then one still sending its head, the one
 * that has waited longest (earliest deadline) of each kind. */
static struct conn *victim(struct bb_http_server *srv)
{
	struct conn *c, *best = NULL;
	int best_rank = 0;

	for (c = srv->conns; c; c = c->next) {
		int r = bb_http_conn_reclaim_rank(&c->hc);

		if (r > best_rank || (r && r == best_rank &&
				      c->hc.deadline < best->hc.deadline)) {
			best = c;
			best_rank = r;
		}
	}
	return best;
}

int bb_http_server_adopt(struct bb_http_server *srv, int fd, uint32_t ip,
			 uint16_t port)
{
	static const char busy[] =
	    "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n";
	struct conn *c, *v;
	int one = 1;

	if (srv->st.open >= srv->o.max_conns && (v = victim(srv))) {
		srv->st.reclaimed++;
		conn_close(v);
	}
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
	bb_http_conn_init(&c->hc, &srv->cfg, bb_loop_now_ms(srv->loop));
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
	(void)lfd;
	(void)ev;
	for (i = 0; i < 64; i++) {
		struct sockaddr_in sa;
		int fd = bb_accept_guard_accept(&srv->guard, &sa);

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
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1, e;

	if (!srv)
		return NULL;
	srv->loop = loop;
	srv->o = *o;
	if (!srv->o.max_conns)
		srv->o.max_conns = 1024;
	/* idle, a connection holds one fd, two while it sends a file: HTTP
	 * takes at most half of the process's fds for sockets; when files
	 * push it over, the accept guard and 503s take over */
	if (srv->o.max_conns > bb_fd_limit() / 2)
		srv->o.max_conns =
		    bb_fd_limit() / 2 ? (uint32_t)(bb_fd_limit() / 2) : 1;
	if (!srv->o.idle_timeout_ms)
		srv->o.idle_timeout_ms = 60000;
	if (!srv->o.header_timeout_ms)
		srv->o.header_timeout_ms = 10000;
	if (!srv->o.max_body)
		srv->o.max_body = 1 << 20;
	srv->cfg.max_body = srv->o.max_body;
	srv->cfg.header_ms = srv->o.header_timeout_ms;
	srv->cfg.idle_ms = srv->o.idle_timeout_ms;
	srv->cfg.drain_ms =
	    srv->o.header_timeout_ms < 2000 ? srv->o.header_timeout_ms : 2000;
	update_date(srv);
	srv->lfd =
	    socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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
	bb_accept_guard_init(&srv->guard, loop, srv->lfd);
	return srv;
}

void bb_http_server_stop(struct bb_http_server *srv)
{
	if (!srv)
		return;
	bb_accept_guard_free(&srv->guard);
	bb_loop_del_fd(srv->loop, srv->lfd);
	close(srv->lfd);
	while (srv->conns)
		conn_close(srv->conns);
	free(srv);
}

const struct bb_http_stats *
bb_http_server_stats(const struct bb_http_server *srv)
{
	return &srv->st;
}
