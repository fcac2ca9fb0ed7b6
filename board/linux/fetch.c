#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "board/linux/fetch.h"
#include "board/linux/fetch_part.h"
#include "board/linux/sha256.h"
#include "board/linux/spool.h"
#include "board/linux/tls_bio.h"
#include "board/linux/tls_rng.h"
#include "board/linux/x509_ipsan.h"
#include "cache/upstream.h"
#include "common/err.h"

enum step {
	RESOLVING,
	CONNECTING,
	PROXY_SEND,
	PROXY_HEAD,
	HANDSHAKE,
	SEND,
	HEAD,
	BODY,
};

struct bb_fetch {
	struct bb_loop *loop;
	struct bb_fetch_opts o;
	struct bb_fetch_cb cb;
	struct bb_timer timer;
	struct bb_timer kick; /* starts the fetch from the loop, never inline */
	struct bb_timer more; /* goes on reading after a yield to the loop */
	enum step step;
	struct bb_url url;   /* what we fetch now (after redirects) */
	struct bb_url proxy; /* when proxy.host[0] */
	int redirects;
	int resolve_fd; /* read end of the resolver's pipe */
	mbedtls_net_context net;
	bool tls_on; /* ssl is set up for this connection */
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	struct bb_tls_host tls_host;
	struct bb_sha256 sha;
	char out[BB_URL_PATH_MAX + 512];
	size_t out_len, out_off;
	uint8_t in[16384];
	size_t in_len;
	struct bb_upstream_reply reply;
	struct bb_chunked chunk;
	uint64_t have, total; /* have: body bytes taken (spooled) */
	struct bb_fetch_result res;
	/* the body is written and hashed by the spool's thread */
	struct bb_spool *spool;
	uint64_t written;    /* in the file, as last reported */
	const uint8_t *pend; /* bytes the full ring did not take (in in[]) */
	size_t pend_n;
	bool paused;   /* not reading until the ring has room */
	bool complete; /* every body byte taken */
	/* a large body in two halves on two threads: part a goes on with
	 * this connection up to split, part b (its own connection) from
	 * split to the end; the loop only hashes, in order, via the spool */
	struct bb_fetch_part *part, *part_a; /* part: b */
	uint64_t split;		 /* 0: one connection for the whole body */
	uint64_t a_start;	 /* where part a began */
	uint64_t a_have, b_have; /* bytes of each half in the file */
	bool a_done;
	uint64_t fed;	/* the spool hashes the file up to here */
	bool tail;	/* the parts read the body: the loop does not */
	bool syncing;	/* all in: the spool syncs the file */
	bool parted;	/* a part ran: the file may hold bytes past ours */
	char suite[64]; /* the negotiated cipher suite */
	struct bb_tls_bio bio;
};

/* a body smaller than this is not worth a second handshake */
#define SPLIT_MIN (32ull << 20)
/* records decrypted per wakeup: the loop also serves DHCP and HTTP */
#define READ_BURST 16

/* --- resolution off the loop: getaddrinfo blocks --- */

struct resolve_job {
	char host[BB_URL_HOST_MAX + 1];
	int wfd;
};

static void *resolve_thread(void *arg)
{
	struct resolve_job *j = arg;
	struct addrinfo hints = {.ai_family = AF_INET,
				 .ai_socktype = SOCK_STREAM},
			*ai = NULL;
	uint32_t ip = 0;

	if (!getaddrinfo(j->host, NULL, &hints, &ai) && ai)
		ip = ((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr;
	if (ai)
		freeaddrinfo(ai);
	/* the fetch may be gone: then the read end is closed (EPIPE) */
	if (write(j->wfd, &ip, sizeof(ip)) < 0)
		ip = 0;
	close(j->wfd);
	free(j);
	return NULL;
}

/* --- teardown --- */

static void conn_close(struct bb_fetch *f)
{
	if (f->net.fd >= 0) {
		bb_loop_del_fd(f->loop, f->net.fd);
		close(f->net.fd);
		f->net.fd = -1;
	}
	if (f->tls_on) {
		mbedtls_ssl_free(&f->ssl);
		mbedtls_ssl_config_free(&f->conf);
		f->tls_on = false;
	}
	if (f->resolve_fd >= 0) {
		bb_loop_del_fd(f->loop, f->resolve_fd);
		close(f->resolve_fd);
		f->resolve_fd = -1;
	}
}

static void spool_stop(struct bb_fetch *f)
{
	if (!f->spool)
		return;
	bb_loop_del_fd(f->loop, bb_spool_fd(f->spool));
	bb_spool_free(f->spool);
	f->spool = NULL;
}

static void part_free(struct bb_fetch *f, struct bb_fetch_part **p)
{
	if (!*p)
		return;
	bb_loop_del_fd(f->loop, bb_fetch_part_fd(*p));
	bb_fetch_part_free(*p);
	*p = NULL;
}

/* before the connection and the file are let go: the parts use them */
static void part_stop(struct bb_fetch *f)
{
	part_free(f, &f->part_a);
	part_free(f, &f->part);
}

static void fetch_free(struct bb_fetch *f)
{
	part_stop(f);
	conn_close(f);
	spool_stop(f);
	bb_timer_cancel(f->loop, &f->timer);
	bb_timer_cancel(f->loop, &f->kick);
	bb_timer_cancel(f->loop, &f->more);
	mbedtls_x509_crt_free(&f->ca);
	bb_sha256_free(&f->sha);
	free(f);
}

void bb_fetch_cancel(struct bb_fetch *f)
{
	if (f)
		fetch_free(f);
}

__attribute__((format(printf, 3, 4))) static void
fail(struct bb_fetch *f, int err, const char *fmt, ...)
{
	va_list ap;

	f->res.err = err;
	va_start(ap, fmt);
	vsnprintf(f->res.msg, sizeof(f->res.msg), fmt, ap);
	va_end(ap);
	part_stop(f);
	f->res.length = f->have;
	if (f->spool) {
		/* what the file really holds: a resume starts there */
		bb_spool_drain(f->spool);
		f->res.length = bb_spool_written(f->spool, &err);
	}
	/* the part's bytes past the hashed prefix are dropped: a resume
	 * starts at the file's size */
	if (f->parted && ftruncate(f->o.fd, (off_t)f->res.length))
		f->res.resumable = false;
	f->cb.done(f->cb.arg, &f->res);
	fetch_free(f);
}

/* Every byte is in: the spool writes the rest and syncs the file on its
 * thread; on_spool finishes when it has. */
static void finish(struct bb_fetch *f);

static void succeed(struct bb_fetch *f)
{
	part_stop(f);
	conn_close(f); /* nothing more to read: no EOF may come back here */
	bb_timer_cancel(f->loop, &f->timer);
	f->syncing = true;
	if (f->spool) {
		bb_spool_sync(f->spool);
		return;
	}
	if (fdatasync(f->o.fd)) {
		fail(f, BB_EIO, "cannot sync the file: %s", strerror(errno));
		return;
	}
	finish(f);
}

static void finish(struct bb_fetch *f)
{
	bb_sha256_final(&f->sha, f->res.sha256);
	f->res.err = 0;
	f->res.length = f->have;
	snprintf(f->res.msg, sizeof(f->res.msg),
		 "%llu bytes from %.150s%s%.64s%s", (unsigned long long)f->have,
		 f->url.host, f->suite[0] ? ", " : "", f->suite,
		 f->split ? ", 2 connections" : "");
	f->cb.done(f->cb.arg, &f->res);
	fetch_free(f);
}

static void on_timeout(struct bb_loop *loop, void *arg)
{
	struct bb_fetch *f = arg;

	(void)loop;
	f->res.resumable = f->step == BODY;
	if (f->step <= CONNECTING)
		fail(f, BB_ETIMEDOUT, "%s: %s timed out", f->url.host,
		     f->step == RESOLVING ? "name resolution" : "connect");
	else
		fail(f, BB_ETIMEDOUT, "%s: no data for %u ms (at %llu bytes)",
		     f->url.host, f->o.read_timeout_ms,
		     (unsigned long long)f->have);
}

static void touch(struct bb_fetch *f)
{
	bb_timer_arm(f->loop, &f->timer,
		     f->step <= CONNECTING ? f->o.connect_timeout_ms
					   : f->o.read_timeout_ms);
}

/* --- I/O helpers over plain TCP or TLS --- */

static bool would_block(int rc)
{
	return rc == MBEDTLS_ERR_SSL_WANT_READ ||
	       rc == MBEDTLS_ERR_SSL_WANT_WRITE;
}

static void want(struct bb_fetch *f, int rc)
{
	bb_loop_mod_fd(f->loop, f->net.fd,
		       rc == MBEDTLS_ERR_SSL_WANT_WRITE ? BB_EV_WRITE
							: BB_EV_READ);
}

static bool use_tls(const struct bb_fetch *f)
{
	/* the CONNECT exchange with the proxy is plain text */
	return f->tls_on && f->step >= HANDSHAKE;
}

static int io_send(struct bb_fetch *f)
{
	const uint8_t *p = (const uint8_t *)f->out + f->out_off;
	size_t n = f->out_len - f->out_off;

	return use_tls(f) ? mbedtls_ssl_write(&f->ssl, p, n)
			  : mbedtls_net_send(&f->net, p, n);
}

static int io_recv(struct bb_fetch *f, uint8_t *b, size_t n)
{
	return use_tls(f) ? mbedtls_ssl_read(&f->ssl, b, n)
			  : mbedtls_net_recv(&f->net, b, n);
}

static void io_error(struct bb_fetch *f, const char *what, int rc)
{
	char e[120];
	uint32_t flags;

	mbedtls_strerror(rc, e, sizeof(e));
	if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED &&
	    (flags = mbedtls_ssl_get_verify_result(&f->ssl)) != 0) {
		char why[160];

		mbedtls_x509_crt_verify_info(why, sizeof(why), "", flags);
		why[strcspn(why, "\n")] = 0;
		fail(f, BB_ECRYPTO, "%s: certificate refused: %s", f->url.host,
		     why);
		return;
	}
	f->res.resumable = f->step == BODY;
	fail(f, BB_EIO, "%s: %s: %s", f->url.host, what, e);
}

static int tls_setup(struct bb_fetch *f)
{
	mbedtls_ctr_drbg_context *rng = bb_tls_rng();

	mbedtls_ssl_init(&f->ssl);
	mbedtls_ssl_config_init(&f->conf);
	f->tls_on = true;
	if (!rng || mbedtls_ssl_config_defaults(&f->conf, MBEDTLS_SSL_IS_CLIENT,
						MBEDTLS_SSL_TRANSPORT_STREAM,
						MBEDTLS_SSL_PRESET_DEFAULT))
		return -1;
	mbedtls_ssl_conf_rng(&f->conf, mbedtls_ctr_drbg_random, rng);
	mbedtls_ssl_conf_ca_chain(&f->conf, &f->ca, NULL);
	mbedtls_ssl_conf_authmode(&f->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	if (mbedtls_ssl_setup(&f->ssl, &f->conf) ||
	    bb_tls_set_host(&f->conf, &f->ssl, &f->tls_host, f->url.host))
		return -1;
	bb_tls_bio_set(&f->ssl, &f->bio, &f->net);
	return 0;
}

static void build_request(struct bb_fetch *f)
{
	int n;

	if (f->have)
		n = snprintf(f->out, sizeof(f->out),
			     "GET %s HTTP/1.1\r\nHost: %s\r\n"
			     "User-Agent: bootbox\r\nAccept: */*\r\n"
			     "Range: bytes=%llu-\r\nConnection: close\r\n\r\n",
			     f->url.path, f->url.host,
			     (unsigned long long)f->have);
	else
		n = snprintf(f->out, sizeof(f->out),
			     "GET %s HTTP/1.1\r\nHost: %s\r\n"
			     "User-Agent: bootbox\r\nAccept: */*\r\n"
			     "Connection: close\r\n\r\n",
			     f->url.path, f->url.host);
	f->out_len = n > 0 && (size_t)n < sizeof(f->out) ? (size_t)n : 0;
	f->out_off = 0;
	f->in_len = 0;
}

static void restart_body(struct bb_fetch *f)
{
	/* the server ignored our Range: start the file over */
	f->have = 0;
	if (ftruncate(f->o.fd, 0))
		f->res.err = BB_EIO;
	bb_sha256_free(&f->sha);
	bb_sha256_init(&f->sha);
}

static void begin(struct bb_fetch *f);
static void advance(struct bb_fetch *f);
static void on_spool(struct bb_loop *loop, int fd, uint32_t ev, void *arg);
static void on_part(struct bb_loop *loop, int fd, uint32_t ev, void *arg);
static void on_part_a(struct bb_loop *loop, int fd, uint32_t ev, void *arg);
static void on_io(struct bb_loop *loop, int fd, uint32_t ev, void *arg);

/* TCP is up (to the origin, or through the proxy's tunnel). */
static void after_connect(struct bb_fetch *f)
{
	f->in_len = 0;
	if (f->url.tls) {
		f->step = HANDSHAKE;
	} else {
		f->step = SEND;
		build_request(f);
	}
	advance(f);
}

/* One core decrypts one record stream at mbedTLS's pace: a large TLS body
 * gets a second connection for its second half (part b, started with the
 * head). Without it (or when b fails before a is done) one connection
 * reads it all. */
static void maybe_split(struct bb_fetch *f)
{
	struct bb_fetch_part_opts o = {0};
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (!f->url.tls || f->proxy.host[0] || f->reply.chunked || !f->total ||
	    f->total - f->have < SPLIT_MIN ||
	    getpeername(f->net.fd, (struct sockaddr *)&sa, &len))
		return;
	o.url = &f->url;
	o.ip_be = sa.sin_addr.s_addr;
	o.ca = &f->ca;
	o.fd = f->o.fd;
	o.start = (f->have + (f->total - f->have) / 2) & ~(uint64_t)0xffff;
	o.end = o.total = f->total;
	o.timeout_ms = f->o.read_timeout_ms;
	f->part = bb_fetch_part_start(&o);
	if (!f->part)
		return;
	if (bb_loop_add_fd(f->loop, bb_fetch_part_fd(f->part), BB_EV_READ,
			   on_part, f)) {
		bb_fetch_part_free(f->part);
		f->part = NULL;
		return;
	}
	f->split = o.start;
	f->parted = true;
}

/* The bytes after the head are in: this connection goes on as part a, on
 * its own thread, so that the loop decrypts no bulk. 0, or -1 (then the
 * loop reads it all, as without a split). */
static int adopt(struct bb_fetch *f)
{
	struct bb_fetch_part_opts o = {0};

	o.url = &f->url;
	o.fd = f->o.fd;
	o.start = f->have;
	o.end = f->split;
	o.total = f->total;
	o.timeout_ms = f->o.read_timeout_ms;
	o.ssl = &f->ssl;
	o.adopt_fd = f->net.fd;
	bb_timer_cancel(f->loop, &f->more);
	bb_loop_del_fd(f->loop, f->net.fd);
	f->part_a = bb_fetch_part_start(&o);
	if (f->part_a && !bb_loop_add_fd(f->loop, bb_fetch_part_fd(f->part_a),
					 BB_EV_READ, on_part_a, f)) {
		f->a_start = f->fed = f->have;
		f->tail = true;
		return 0;
	}
	if (f->part_a) {
		bb_fetch_part_free(f->part_a);
		f->part_a = NULL;
	}
	part_free(f, &f->part);
	f->split = 0;
	bb_loop_add_fd(f->loop, f->net.fd, BB_EV_READ, on_io, f);
	return -1;
}

/* Hashes the file in order as far as the parts have written it: a's half,
 * then b's; done when the last byte is hashed. */
static void tail_feed(struct bb_fetch *f)
{
	uint64_t end =
	    f->a_done ? f->split + f->b_have : f->a_start + f->a_have;

	while (f->fed < end) {
		size_t k = end - f->fed < BB_SPOOL_CHUNK
			       ? (size_t)(end - f->fed)
			       : BB_SPOOL_CHUNK;

		if (bb_spool_put(f->spool, NULL, k))
			return; /* on_spool comes back when there is room */
		f->fed += k;
	}
	if (f->fed == f->total) {
		f->have = f->total;
		f->complete = true;
		succeed(f);
	} else {
		bb_spool_kick(f->spool);
	}
}

static void on_part(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_fetch *f = arg;
	const char *why;
	int state;
	uint64_t w = bb_fetch_part_poll(f->part, &state, &why);

	(void)loop;
	(void)fd;
	(void)ev;
	if (state < 0) {
		/* a, still reading, takes b's half too */
		if (f->part_a && !bb_fetch_part_extend(f->part_a, f->total)) {
			part_free(f, &f->part);
			f->split = f->total;
			f->b_have = 0;
			return;
		}
		if (f->tail) {
			f->res.resumable = true;
			fail(f, BB_EIO, "%s: %s", f->url.host, why);
			return;
		}
		/* before a is started: the loop's connection reads it all */
		part_free(f, &f->part);
		f->split = 0;
		return;
	}
	f->b_have = w;
	if (f->tail) {
		touch(f);
		if (!f->paused)
			tail_feed(f);
	}
}

static void on_part_a(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_fetch *f = arg;
	const char *why;
	int state;
	uint64_t w = bb_fetch_part_poll(f->part_a, &state, &why);

	(void)loop;
	(void)fd;
	(void)ev;
	if (state < 0) {
		f->res.resumable = true;
		fail(f, BB_EIO, "%s: %s at %llu of %llu bytes", f->url.host,
		     why, (unsigned long long)(f->a_start + w),
		     (unsigned long long)f->total);
		return;
	}
	f->a_have = w;
	/* split moves to the end when a took b's half over */
	f->a_done = state == BB_PART_DONE && f->a_start + w == f->split;
	touch(f);
	if (!f->paused)
		tail_feed(f);
}

/* Decides what the response head means. 0: read the body; 1: handled
 * (redirected or failed, f may be gone). */
static int on_head(struct bb_fetch *f)
{
	struct bb_upstream_reply *r = &f->reply;
	struct bb_url next;

	f->res.status = r->status;
	if (r->status >= 300 && r->status < 400 && r->location[0]) {
		if (f->redirects++ >= f->o.max_redirects) {
			fail(f, BB_EIO, "%s: too many redirects", f->url.host);
			return 1;
		}
		if (bb_url_resolve(&f->url, r->location, strlen(r->location),
				   &next) ||
		    (f->url.tls && !next.tls)) {
			fail(f, BB_EACCES, "%s: refused redirect to '%.100s'",
			     f->url.host, r->location);
			return 1;
		}
		f->url = next;
		conn_close(f);
		begin(f);
		return 1;
	}
	if (r->status == 200 && f->have)
		restart_body(f);
	else if (r->status == 206 &&
		 (!r->has_range || r->range_start != f->have)) {
		fail(f, BB_EMALFORMED, "%s: answered a range we did not ask",
		     f->url.host);
		return 1;
	} else if (r->status != 200 && r->status != 206) {
		fail(f, r->status == 404 ? BB_ENOENT : BB_EIO,
		     "%s: HTTP %d for %.120s", f->url.host, r->status,
		     f->url.path);
		return 1;
	}
	f->total = r->status == 206 ? r->range_total
		   : r->has_length  ? r->content_length
				    : 0;
	if (f->total > f->o.max_bytes) {
		fail(f, BB_ETOOBIG, "%s: %llu bytes is over the limit",
		     f->url.host, (unsigned long long)f->total);
		return 1;
	}
	f->spool = bb_spool_new(f->o.fd, f->have, &f->sha);
	if (!f->spool || bb_loop_add_fd(f->loop, bb_spool_fd(f->spool),
					BB_EV_READ, on_spool, f)) {
		fail(f, BB_ENOMEM, "out of memory for the download");
		return 1;
	}
	f->written = f->have;
	f->step = BODY;
	maybe_split(f);
	return 0;
}

/* Hands n body bytes to the spool: 0, or 1 when its ring is full (the
 * rest waits in pend, reading stops until the spool has room). */
static int deliver(struct bb_fetch *f, const uint8_t *p, size_t n)
{
	while (n) {
		size_t k = n < BB_SPOOL_CHUNK ? n : BB_SPOOL_CHUNK;

		if (bb_spool_put(f->spool, p, k)) {
			f->pend = p;
			f->pend_n = n;
			f->paused = true;
			if (f->net.fd >= 0)
				bb_loop_mod_fd(f->loop, f->net.fd, 0);
			return 1;
		}
		p += k;
		n -= k;
	}
	return 0;
}

/* 0: more to read; 1: finished (f is gone) or paused. */
static int on_body(struct bb_fetch *f, uint8_t *p, size_t n)
{
	if (f->reply.chunked && bb_chunked_decode(&f->chunk, p, n, &n)) {
		fail(f, BB_EMALFORMED, "%s: bad chunked encoding", f->url.host);
		return 1;
	}
	if (f->total && n > f->total - f->have) {
		fail(f, BB_EMALFORMED, "%s: more bytes than announced",
		     f->url.host);
		return 1;
	}
	if (f->have + n > f->o.max_bytes) {
		fail(f, BB_ETOOBIG, "%s: body over the limit", f->url.host);
		return 1;
	}
	if (f->split && !f->part_a && n < f->split - f->have) {
		/* these bytes came with the head (the ring, empty, takes
		 * them); part a reads the rest */
		f->have += n;
		deliver(f, p, n);
		return adopt(f) ? 0 : 1; /* failed: one connection after all */
	}
	f->have += n;
	f->complete = (f->reply.chunked && f->chunk.done) ||
		      (f->total && f->have == f->total);
	if (deliver(f, p, n))
		return 1;
	if (f->complete) {
		succeed(f);
		return 1;
	}
	return 0;
}

static void do_read(struct bb_fetch *f);

/* The spool wrote more: report it; take what waited for room. */
static void on_spool(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_fetch *f = arg;
	int err;
	uint64_t w = bb_spool_written(f->spool, &err);

	(void)loop;
	(void)fd;
	(void)ev;
	if (err) {
		fail(f, BB_EIO, "cannot write the file");
		return;
	}
	if (w > f->written) {
		f->written = w;
		if (f->cb.progress)
			f->cb.progress(f->cb.arg, w, f->total);
	}
	if (f->syncing) {
		if (!bb_spool_synced(f->spool, &err))
			return;
		if (err)
			fail(f, BB_EIO, "cannot write or sync the file");
		else
			finish(f);
		return;
	}
	if (f->tail && !f->paused) {
		tail_feed(f);
		return;
	}
	if (!f->paused || deliver(f, f->pend, f->pend_n))
		return;
	f->paused = false;
	if (f->tail) {
		tail_feed(f);
		return;
	}
	if (f->complete) {
		succeed(f);
		return;
	}
	bb_loop_mod_fd(f->loop, f->net.fd, BB_EV_READ);
	do_read(f);
}

static void on_eof(struct bb_fetch *f)
{
	if (f->step == BODY && !f->reply.chunked && !f->total) {
		succeed(f); /* length delimited by the close */
		return;
	}
	f->res.resumable = f->step == BODY;
	fail(f, BB_EIO, "%s: connection cut at %llu of %llu bytes", f->url.host,
	     (unsigned long long)f->have, (unsigned long long)f->total);
}

static void do_send(struct bb_fetch *f)
{
	while (f->out_off < f->out_len) {
		int rc = io_send(f);

		if (would_block(rc)) {
			want(f, rc);
			return;
		}
		if (rc < 0) {
			io_error(f, "send", rc);
			return;
		}
		f->out_off += (size_t)rc;
	}
	f->step = f->step == PROXY_SEND ? PROXY_HEAD : HEAD;
	bb_loop_mod_fd(f->loop, f->net.fd, BB_EV_READ);
	advance(f);
}

/* Reads what is there; heads are parsed from f->in, bodies streamed. */
static void do_read(struct bb_fetch *f)
{
	int burst = 0;

	for (;;) {
		int rc;
		long used;

		/* yield to the loop; epoll is level-triggered, but bytes
		 * already read off the socket need the timer to be seen */
		if (f->step == BODY && ++burst > READ_BURST && use_tls(f)) {
			if (mbedtls_ssl_get_bytes_avail(&f->ssl) ||
			    mbedtls_ssl_check_pending(&f->ssl) ||
			    bb_tls_bio_pending(&f->bio))
				bb_timer_arm(f->loop, &f->more, 0);
			return;
		}
		rc = io_recv(f, f->in + f->in_len, sizeof(f->in) - f->in_len);

		if (would_block(rc)) {
			if (f->spool)
				bb_spool_kick(f->spool);
			want(f, rc);
			return;
		}
		if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
			on_eof(f);
			return;
		}
		if (rc < 0) {
			io_error(f, "read", rc);
			return;
		}
		touch(f);
		if (f->step == BODY) {
			if (on_body(f, f->in, (size_t)rc))
				return;
			continue;
		}
		f->in_len += (size_t)rc;
		used = bb_upstream_reply_parse((char *)f->in, f->in_len,
					       &f->reply);
		if (used == BB_EPARTIAL && f->in_len < sizeof(f->in))
			continue;
		if (used < 0) {
			fail(f, BB_EMALFORMED, "%s: malformed HTTP answer",
			     f->step == PROXY_HEAD ? f->proxy.host
						   : f->url.host);
			return;
		}
		if (f->step == PROXY_HEAD) {
			if (f->reply.status != 200) {
				fail(f, BB_EIO, "proxy %s: CONNECT answered %d",
				     f->proxy.host, f->reply.status);
				return;
			}
			after_connect(f);
			return;
		}
		if (on_head(f))
			return;
		/* body bytes from here on are read to the start of in[] */
		rc = (int)(f->in_len - (size_t)used);
		f->in_len = 0;
		if (on_body(f, f->in + used, (size_t)rc))
			return;
	}
}

static void advance(struct bb_fetch *f)
{
	int rc;

	switch (f->step) {
	case HANDSHAKE:
		if (!f->tls_on && tls_setup(f)) {
			fail(f, BB_ECRYPTO, "%s: TLS set-up failed",
			     f->url.host);
			return;
		}
		rc = mbedtls_ssl_handshake(&f->ssl);
		if (would_block(rc)) {
			want(f, rc);
			return;
		}
		if (rc) {
			io_error(f, "TLS handshake", rc);
			return;
		}
		snprintf(f->suite, sizeof(f->suite), "%s",
			 mbedtls_ssl_get_ciphersuite(&f->ssl));
		f->step = SEND;
		build_request(f);
		do_send(f);
		return;
	case PROXY_SEND:
	case SEND: do_send(f); return;
	default: do_read(f); return;
	}
}

static void on_io(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_fetch *f = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)loop;
	(void)fd;
	(void)ev;
	if (f->step != CONNECTING) {
		advance(f);
		return;
	}
	getsockopt(f->net.fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		fail(f, BB_EIO, "%s: connect: %s",
		     f->proxy.host[0] ? f->proxy.host : f->url.host,
		     strerror(err));
		return;
	}
	touch(f);
	if (!f->proxy.host[0]) {
		after_connect(f);
		return;
	}
	f->out_len = (size_t)snprintf(f->out, sizeof(f->out),
				      "CONNECT %s:%u HTTP/1.1\r\nHost: %s:%u"
				      "\r\n\r\n",
				      f->url.host, f->url.port, f->url.host,
				      f->url.port);
	f->out_off = 0;
	f->step = PROXY_SEND;
	advance(f);
}

static void connect_to(struct bb_fetch *f, uint32_t ip_be)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1;

	f->step = CONNECTING;
	touch(f);
	sa.sin_addr.s_addr = ip_be;
	sa.sin_port = htons(f->proxy.host[0] ? f->proxy.port : f->url.port);
	f->net.fd =
	    socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->net.fd < 0) {
		fail(f, BB_EIO, "socket: %s", strerror(errno));
		return;
	}
	setsockopt(f->net.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((connect(f->net.fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	     errno != EINPROGRESS) ||
	    bb_loop_add_fd(f->loop, f->net.fd, BB_EV_WRITE, on_io, f)) {
		fail(f, BB_EIO, "%s: connect: %s", f->url.host,
		     strerror(errno));
	}
}

static void on_resolved(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_fetch *f = arg;
	uint32_t ip = 0;
	ssize_t n = read(fd, &ip, sizeof(ip));

	(void)loop;
	(void)ev;
	bb_loop_del_fd(f->loop, f->resolve_fd);
	close(f->resolve_fd);
	f->resolve_fd = -1;
	if (n != (ssize_t)sizeof(ip) || !ip) {
		fail(f, BB_ENOENT, "cannot resolve %s",
		     f->proxy.host[0] ? f->proxy.host : f->url.host);
		return;
	}
	connect_to(f, ip);
}

static void begin(struct bb_fetch *f)
{
	const char *host = f->proxy.host[0] ? f->proxy.host : f->url.host;
	struct resolve_job *j;
	struct in_addr a;
	pthread_t t;
	int p[2];

	f->step = RESOLVING;
	memset(&f->reply, 0, sizeof(f->reply));
	memset(&f->chunk, 0, sizeof(f->chunk));
	if (inet_pton(AF_INET, host, &a) == 1) {
		connect_to(f, a.s_addr);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j || pipe2(p, O_CLOEXEC)) {
		free(j);
		fail(f, BB_ENOMEM, "cannot start name resolution");
		return;
	}
	snprintf(j->host, sizeof(j->host), "%s", host);
	j->wfd = p[1];
	f->resolve_fd = p[0];
	touch(f);
	if (bb_loop_add_fd(f->loop, p[0], BB_EV_READ, on_resolved, f) ||
	    pthread_create(&t, NULL, resolve_thread, j)) {
		close(p[1]);
		free(j);
		fail(f, BB_ENOMEM, "cannot start name resolution");
		return;
	}
	pthread_detach(t);
}

static int load_cas(struct bb_fetch *f)
{
	const char *sys = f->o.system_ca ? f->o.system_ca
					 : "/etc/ssl/certs/ca-certificates.crt";
	int rc = -1;

	/* either source may be absent, not both; a bad bundle is an error */
	if (mbedtls_x509_crt_parse_file(&f->ca, sys) >= 0)
		rc = 0;
	if (f->o.ca_bundle) {
		if (mbedtls_x509_crt_parse_file(&f->ca, f->o.ca_bundle) < 0) {
			snprintf(f->res.msg, sizeof(f->res.msg),
				 "cannot read CA bundle %s", f->o.ca_bundle);
			return -1;
		}
		rc = 0;
	}
	if (rc)
		snprintf(f->res.msg, sizeof(f->res.msg),
			 "no trusted CA: %s unreadable", sys);
	return rc;
}

static void on_kick(struct bb_loop *loop, void *arg)
{
	(void)loop;
	begin(arg);
}

static void on_more(struct bb_loop *loop, void *arg)
{
	struct bb_fetch *f = arg;

	(void)loop;
	if (f->step == BODY && !f->paused && !f->tail && f->net.fd >= 0)
		do_read(f);
}

struct bb_fetch *bb_fetch_start(struct bb_loop *loop,
				const struct bb_fetch_opts *opts,
				const struct bb_fetch_cb *cb)
{
	struct bb_fetch *f = calloc(1, sizeof(*f));
	uint8_t buf[65536];
	uint64_t off = 0;

	if (!f)
		return NULL;
	f->loop = loop;
	f->o = *opts;
	f->cb = *cb;
	f->net.fd = -1;
	f->resolve_fd = -1;
	if (!f->o.connect_timeout_ms)
		f->o.connect_timeout_ms = 10000;
	if (!f->o.read_timeout_ms)
		f->o.read_timeout_ms = 30000;
	if (!f->o.max_redirects)
		f->o.max_redirects = 5;
	if (f->o.max_redirects < 0)
		f->o.max_redirects = 0;
	if (!f->o.max_bytes)
		f->o.max_bytes = (uint64_t)4 << 30;
	bb_timer_init(&f->timer, on_timeout, f);
	bb_timer_init(&f->kick, on_kick, f);
	bb_timer_init(&f->more, on_more, f);
	mbedtls_x509_crt_init(&f->ca);
	bb_sha256_init(&f->sha);
	if (bb_url_parse(opts->url, strlen(opts->url), &f->url) ||
	    (opts->proxy &&
	     (bb_url_parse(opts->proxy, strlen(opts->proxy), &f->proxy) ||
	      f->proxy.tls)) ||
	    (f->url.tls && load_cas(f)))
		goto fail;
	/* resuming: the bytes already there are part of the digest */
	while (off < opts->offset) {
		size_t want_n = opts->offset - off < sizeof(buf)
				    ? (size_t)(opts->offset - off)
				    : sizeof(buf);
		ssize_t n = pread(opts->fd, buf, want_n, (off_t)off);

		if (n <= 0)
			goto fail;
		bb_sha256_update(&f->sha, buf, (size_t)n);
		off += (uint64_t)n;
	}
	f->have = off;
	/* so that done is never called before the caller has f */
	bb_timer_arm(loop, &f->kick, 0);
	return f;
fail:
	fetch_free(f);
	return NULL;
}
