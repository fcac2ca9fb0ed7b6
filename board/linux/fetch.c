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

#include "board/linux/ca_cache.h"
#include "board/linux/fetch.h"
#include "board/linux/fetch_part.h"
#include "board/linux/sha256.h"
#include "board/linux/spool.h"
#include "board/linux/tls_bio.h"
#include "board/linux/tls_rng.h"
#include "board/linux/x509_ipsan.h"
#include "cache/fetch_machine.h"
#include "common/err.h"

struct bb_fetch {
	struct bb_loop *loop;
	struct bb_fetch_opts o;
	struct bb_fetch_cb cb;
	struct bb_timer timer;
	struct bb_timer kick; /* starts the fetch from the loop, never inline */
	struct bb_timer more; /* goes on reading after a yield to the loop */
	struct bb_fetchm m;   /* the protocol: requests, heads, framing */
	int resolve_fd;	      /* read end of the resolver's pipe */
	mbedtls_net_context net;
	bool tls_on; /* ssl is set up for this connection */
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	const mbedtls_x509_crt *ca; /* shared: board/linux/ca_cache.h */
	struct bb_tls_host tls_host;
	struct bb_sha256 sha;
	struct bb_fetch_result res;
	/* the body is written and hashed by the spool's thread */
	struct bb_spool *spool;
	uint64_t written; /* in the file, as last reported */
	bool paused;	  /* not reading until the ring has room */
	/* a large body in two halves on two threads: part a goes on with
	 * this connection up to split, part b (its own connection) from
	 * split to the end; the loop only hashes, in order, via the spool */
	struct bb_fetch_part *part, *part_a; /* part: b */
	uint64_t split;		 /* 0: one connection for the whole body */
	uint64_t a_start;	 /* where part a began */
	uint64_t a_have, b_have; /* bytes of each half in the file */
	bool a_done;
	bool b_hashing; /* a is done: the spool hashes b's half */
	uint64_t fed;	/* the spool hashes the file up to here */
	bool tail;	/* the parts read the body: the loop does not */
	bool syncing;	/* all in: the spool syncs the file */
	bool parted;	/* a part ran: the file may hold bytes past ours */
	char suite[64]; /* the negotiated cipher suite */
	struct bb_tls_bio bio;
};

/* a body smaller than this is not worth a second handshake */
#define SPLIT_MIN (32ull << 20)
/* part a's share (per 1024): besides decrypting, it hashes its half, and
 * the spool hashes b's half while b still decrypts. SHA-256 costs about a
 * fifth of the decryption here: a at 0.4 (hash included) and the spool's
 * share of b end together with b (3/8 left b last by 60-300 ms). */
#define SPLIT_SHARE 416
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
	bb_ca_put(f->ca);
	bb_sha256_free(&f->sha);
	free(f);
}

void bb_fetch_cancel(struct bb_fetch *f)
{
	if (f)
		fetch_free(f);
}

/* The machine failed (its reason, or one the board gave it): what the
 * file holds is the result, a resume starts there. */
static void fail(struct bb_fetch *f)
{
	int err;

	f->res.err = f->m.err ? f->m.err : BB_EIO;
	f->res.resumable = f->m.resumable;
	f->res.status = f->m.status;
	snprintf(f->res.msg, sizeof(f->res.msg), "%s", f->m.msg);
	part_stop(f);
	f->res.length = f->m.have;
	if (f->spool) {
		bb_spool_drain(f->spool);
		f->res.length = bb_spool_written(f->spool, &err);
	}
	if (f->tail && !f->b_hashing) /* part a hashed its half itself */
		f->res.length = f->a_start + f->a_have;
	/* the part's bytes past the hashed prefix are dropped: a resume
	 * starts at the file's size */
	if (f->parted && ftruncate(f->o.fd, (off_t)f->res.length))
		f->res.resumable = false;
	f->cb.done(f->cb.arg, &f->res);
	fetch_free(f);
}

__attribute__((format(printf, 4, 5))) static void
failf(struct bb_fetch *f, int err, bool resumable, const char *fmt, ...)
{
	char msg[sizeof(f->m.msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bb_fetchm_fail(&f->m, err, resumable, "%s", msg);
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
		failf(f, BB_EIO, false, "cannot sync the file: %s",
		      strerror(errno));
		fail(f);
		return;
	}
	finish(f);
}

static void finish(struct bb_fetch *f)
{
	bb_sha256_final(&f->sha, f->res.sha256);
	f->res.err = 0;
	f->res.status = f->m.status;
	f->res.length = f->m.have;
	snprintf(f->res.msg, sizeof(f->res.msg),
		 "%llu bytes from %.150s%s%.64s%s",
		 (unsigned long long)f->m.have, f->m.url.host,
		 f->suite[0] ? ", " : "", f->suite,
		 f->split ? ", 2 connections" : "");
	f->cb.done(f->cb.arg, &f->res);
	fetch_free(f);
}

static uint64_t now_ms(struct bb_fetch *f)
{
	return bb_loop_now_ms(f->loop);
}

/* the machine's deadline, on the loop's timer */
static void rearm(struct bb_fetch *f)
{
	uint64_t now = now_ms(f);

	bb_timer_arm(f->loop, &f->timer,
		     f->m.deadline > now ? f->m.deadline - now : 0);
}

static void drive(struct bb_fetch *f);

static void on_timeout(struct bb_loop *loop, void *arg)
{
	struct bb_fetch *f = arg;

	(void)loop;
	bb_fetchm_tick(&f->m, now_ms(f));
	if (bb_fetchm_act(&f->m) == BB_FM_FAIL)
		fail(f);
	else
		rearm(f);
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

/* (the CONNECT exchange with a proxy is plain text: TLS is set up after) */
static int io_send(struct bb_fetch *f, const uint8_t *p, size_t n)
{
	return f->tls_on ? mbedtls_ssl_write(&f->ssl, p, n)
			 : mbedtls_net_send(&f->net, p, n);
}

static int io_recv(struct bb_fetch *f, uint8_t *b, size_t n)
{
	return f->tls_on ? mbedtls_ssl_read(&f->ssl, b, n)
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
		failf(f, BB_ECRYPTO, false, "%s: certificate refused: %s",
		      f->m.url.host, why);
		return;
	}
	failf(f, BB_EIO, bb_fetchm_in_body(&f->m), "%s: %s: %s", f->m.url.host,
	      what, e);
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
	/* mbedTLS only reads the chain */
	mbedtls_ssl_conf_ca_chain(&f->conf, (mbedtls_x509_crt *)f->ca, NULL);
	mbedtls_ssl_conf_authmode(&f->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	if (mbedtls_ssl_setup(&f->ssl, &f->conf) ||
	    bb_tls_set_host(&f->conf, &f->ssl, &f->tls_host, f->m.url.host))
		return -1;
	bb_tls_bio_set(&f->ssl, &f->bio, &f->net);
	return 0;
}

static void on_spool(struct bb_loop *loop, int fd, uint32_t ev, void *arg);
static void on_part(struct bb_loop *loop, int fd, uint32_t ev, void *arg);
static void on_part_a(struct bb_loop *loop, int fd, uint32_t ev, void *arg);
static void on_io(struct bb_loop *loop, int fd, uint32_t ev, void *arg);

/* One core decrypts one record stream at mbedTLS's pace: a large TLS body
 * gets a second connection for its second half (part b, started with the
 * head, from where the machine split it). false: one connection reads it
 * all. */
static bool start_part_b(struct bb_fetch *f)
{
	struct bb_fetch_part_opts o = {0};
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (!f->m.split || getpeername(f->net.fd, (struct sockaddr *)&sa, &len))
		return false;
	o.url = &f->m.url;
	o.ip_be = sa.sin_addr.s_addr;
	o.ca = f->ca;
	o.fd = f->o.fd;
	o.start = f->m.split;
	o.end = o.total = f->m.total;
	o.timeout_ms = f->m.cfg.read_ms;
	o.yield = bb_loop_has_prio(f->loop);
	o.resume = f->tls_on ? &f->ssl : NULL;
	f->part = bb_fetch_part_start(&o);
	if (!f->part)
		return false;
	if (bb_loop_add_fd(f->loop, bb_fetch_part_fd(f->part), BB_EV_READ,
			   on_part, f)) {
		bb_fetch_part_free(f->part);
		f->part = NULL;
		return false;
	}
	f->split = o.start;
	f->parted = true;
	return true;
}

/* The bytes after the head are in: this connection goes on as part a, on
 * its own thread, so that the loop decrypts no bulk. false: the loop
 * reads it all, as without a split. */
static bool adopt(struct bb_fetch *f)
{
	struct bb_fetch_part_opts o = {0};

	o.url = &f->m.url;
	o.fd = f->o.fd;
	o.start = f->m.have;
	o.end = f->split;
	o.total = f->m.total;
	o.timeout_ms = f->m.cfg.read_ms;
	o.ssl = &f->ssl;
	o.sha = &f->sha;
	o.yield = bb_loop_has_prio(f->loop);
	o.adopt_fd = f->net.fd;
	bb_timer_cancel(f->loop, &f->more);
	bb_loop_del_fd(f->loop, f->net.fd);
	/* the digest passes to part a once the spool has hashed what came
	 * with the head (at most one read: this waits little) */
	if (!bb_spool_drain(f->spool))
		f->part_a = bb_fetch_part_start(&o);
	if (f->part_a && !bb_loop_add_fd(f->loop, bb_fetch_part_fd(f->part_a),
					 BB_EV_READ, on_part_a, f)) {
		f->a_start = f->fed = f->m.have;
		f->tail = true;
		return true;
	}
	if (f->part_a) {
		bb_fetch_part_free(f->part_a);
		f->part_a = NULL;
	}
	part_free(f, &f->part);
	f->split = 0;
	bb_loop_add_fd(f->loop, f->net.fd, BB_EV_READ, on_io, f);
	return false;
}

static void report(struct bb_fetch *f, uint64_t w)
{
	if (w > f->written) {
		f->written = w;
		if (f->cb.progress)
			f->cb.progress(f->cb.arg, w, f->m.total);
	}
}

/* The file is hashed in order as far as the parts have written it: part a
 * hashes its half as it decrypts it, then the spool reads b's half back
 * (its thread, while b may still decrypt); done when the last byte is
 * hashed. */
static void tail_feed(struct bb_fetch *f)
{
	uint64_t end = f->split + f->b_have;

	if (!f->a_done) {
		report(f, f->a_start + f->a_have);
		return;
	}
	if (!f->b_hashing) {
		report(f, f->split);
		if (bb_spool_seek(f->spool, f->split)) {
			failf(f, BB_EIO, false, "cannot write the file");
			fail(f);
			return;
		}
		f->b_hashing = true;
		f->fed = f->split;
	}
	while (f->fed < end) {
		size_t k = end - f->fed < BB_SPOOL_CHUNK
			       ? (size_t)(end - f->fed)
			       : BB_SPOOL_CHUNK;

		if (bb_spool_put(f->spool, NULL, k))
			return; /* on_spool comes back when there is room */
		f->fed += k;
	}
	if (f->fed == f->m.total) {
		bb_fetchm_parts_done(&f->m);
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
		if (f->part_a && !bb_fetch_part_extend(f->part_a, f->m.total)) {
			part_free(f, &f->part);
			f->split = f->m.total;
			f->b_have = 0;
			return;
		}
		if (f->tail) {
			failf(f, BB_EIO, true, "%s: %s", f->m.url.host, why);
			fail(f);
			return;
		}
		/* before a is started: the loop's connection reads it all */
		part_free(f, &f->part);
		f->split = 0;
		bb_fetchm_unsplit(&f->m);
		return;
	}
	f->b_have = w;
	if (f->tail) {
		bb_fetchm_alive(&f->m, now_ms(f));
		rearm(f);
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
		failf(f, BB_EIO, true, "%s: %s at %llu of %llu bytes",
		      f->m.url.host, why, (unsigned long long)(f->a_start + w),
		      (unsigned long long)f->m.total);
		fail(f);
		return;
	}
	f->a_have = w;
	/* split moves to the end when a took b's half over */
	f->a_done = state == BB_PART_DONE && f->a_start + w == f->split;
	bb_fetchm_alive(&f->m, now_ms(f));
	rearm(f);
	if (!f->paused)
		tail_feed(f);
}

/* The head is accepted: the file (from the start again when the server
 * ignored our Range), the spool, and maybe the second part. */
static void body_setup(struct bb_fetch *f)
{
	if (f->m.restart) {
		f->m.restart = false;
		bb_sha256_free(&f->sha);
		bb_sha256_init(&f->sha);
		if (ftruncate(f->o.fd, 0)) {
			failf(f, BB_EIO, false, "cannot truncate the file: %s",
			      strerror(errno));
			return;
		}
	}
	f->spool = bb_spool_new(f->o.fd, f->m.have, &f->sha);
	if (!f->spool || bb_loop_add_fd(f->loop, bb_spool_fd(f->spool),
					BB_EV_READ, on_spool, f)) {
		failf(f, BB_ENOMEM, false, "out of memory for the download");
		return;
	}
	f->written = f->m.have;
	bb_fetchm_body_start(&f->m, start_part_b(f));
}

/* Hands the pending body bytes to the spool: 0, or 1 when its ring is
 * full (the rest stays in the machine, reading stops until the spool has
 * room). */
static int deliver(struct bb_fetch *f)
{
	size_t n;
	uint64_t off;
	const uint8_t *p = bb_fetchm_body(&f->m, &n, &off);

	while (n) {
		size_t k = n < BB_SPOOL_CHUNK ? n : BB_SPOOL_CHUNK;

		if (bb_spool_put(f->spool, p, k)) {
			f->paused = true;
			if (f->net.fd >= 0)
				bb_loop_mod_fd(f->loop, f->net.fd, 0);
			return 1;
		}
		bb_fetchm_taken(&f->m, k);
		p += k;
		n -= k;
	}
	return 0;
}

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
		failf(f, BB_EIO, false, "cannot write the file");
		fail(f);
		return;
	}
	report(f, w);
	if (f->syncing) {
		if (!bb_spool_synced(f->spool, &err))
			return;
		if (err) {
			failf(f, BB_EIO, false,
			      "cannot write or sync the file");
			fail(f);
		} else {
			finish(f);
		}
		return;
	}
	if (f->tail && !f->paused) {
		tail_feed(f);
		return;
	}
	if (!f->paused)
		return;
	f->paused = false;
	if (f->net.fd >= 0)
		bb_loop_mod_fd(f->loop, f->net.fd, BB_EV_READ);
	drive(f);
}

/* 0: go on; 1: wait for the socket. */
static int do_send(struct bb_fetch *f)
{
	size_t n;
	const char *p;

	while ((p = bb_fetchm_out(&f->m, &n)), n) {
		int rc = io_send(f, (const uint8_t *)p, n);

		if (would_block(rc)) {
			want(f, rc);
			return 1;
		}
		if (rc < 0) {
			io_error(f, "send", rc);
			return 0;
		}
		bb_fetchm_sent(&f->m, (size_t)rc, now_ms(f));
	}
	bb_loop_mod_fd(f->loop, f->net.fd, BB_EV_READ);
	return 0;
}

/* One read into the machine: 0, or 1 to wait (for the socket, or a turn
 * of the loop after a burst of records). */
static int do_read(struct bb_fetch *f, int *burst)
{
	size_t room;
	uint8_t *p;
	int rc;

	/* yield to the loop; epoll is level-triggered, but bytes already
	 * read off the socket need the timer to be seen */
	if (f->m.step == BB_FMS_BODY && ++*burst > READ_BURST && f->tls_on) {
		if (mbedtls_ssl_get_bytes_avail(&f->ssl) ||
		    mbedtls_ssl_check_pending(&f->ssl) ||
		    bb_tls_bio_pending(&f->bio))
			bb_timer_arm(f->loop, &f->more, 0);
		return 1;
	}
	p = bb_fetchm_rspace(&f->m, &room);
	rc = io_recv(f, p, room);
	if (would_block(rc)) {
		if (f->spool)
			bb_spool_kick(f->spool);
		want(f, rc);
		return 1;
	}
	if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		rc = 0;
	if (rc < 0) {
		io_error(f, "read", rc);
		return 0;
	}
	bb_fetchm_received(&f->m, (size_t)rc, now_ms(f));
	return 0;
}

/* 0: go on; 1: wait for the socket. */
static int handshake(struct bb_fetch *f)
{
	int rc;

	if (!f->tls_on && tls_setup(f)) {
		failf(f, BB_ECRYPTO, false, "%s: TLS set-up failed",
		      f->m.url.host);
		return 0;
	}
	rc = mbedtls_ssl_handshake(&f->ssl);
	if (would_block(rc)) {
		want(f, rc);
		return 1;
	}
	if (rc) {
		io_error(f, "TLS handshake", rc);
		return 0;
	}
	snprintf(f->suite, sizeof(f->suite), "%s",
		 mbedtls_ssl_get_ciphersuite(&f->ssl));
	bb_fetchm_tls_up(&f->m, now_ms(f));
	return 0;
}

static void begin(struct bb_fetch *f);

/* Does what the machine asks until it waits for an event, then arms its
 * deadline; or ends the fetch (f is gone). */
static void drive(struct bb_fetch *f)
{
	int burst = 0, wait = 0;

	while (!wait) {
		switch (bb_fetchm_act(&f->m)) {
		case BB_FM_CONNECT:
			conn_close(f);
			begin(f);
			break;
		case BB_FM_TLS: wait = handshake(f); break;
		case BB_FM_WRITE: wait = do_send(f); break;
		case BB_FM_READ: wait = do_read(f, &burst); break;
		case BB_FM_HEAD: body_setup(f); break;
		case BB_FM_BODY: wait = deliver(f); break;
		case BB_FM_ADOPT: bb_fetchm_adopted(&f->m, adopt(f)); break;
		case BB_FM_DONE: succeed(f); return;
		case BB_FM_FAIL: fail(f); return;
		case BB_FM_WAIT: wait = 1; break;
		}
	}
	rearm(f);
}

static void on_io(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_fetch *f = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)loop;
	(void)fd;
	(void)ev;
	if (f->m.step == BB_FMS_CONNECTING) {
		getsockopt(f->net.fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err)
			failf(f, BB_EIO, false, "%s: connect: %s",
			      bb_fetchm_peer(&f->m)->host, strerror(err));
		else
			bb_fetchm_connected(&f->m, now_ms(f));
	}
	drive(f);
}

static void connect_to(struct bb_fetch *f, uint32_t ip_be)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1;

	bb_fetchm_dialing(&f->m, false, now_ms(f));
	sa.sin_addr.s_addr = ip_be;
	sa.sin_port = htons(bb_fetchm_peer(&f->m)->port);
	f->net.fd =
	    socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->net.fd < 0) {
		failf(f, BB_EIO, false, "socket: %s", strerror(errno));
		return;
	}
	setsockopt(f->net.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((connect(f->net.fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	     errno != EINPROGRESS) ||
	    bb_loop_add_fd(f->loop, f->net.fd, BB_EV_WRITE, on_io, f)) {
		failf(f, BB_EIO, false, "%s: connect: %s", f->m.url.host,
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
	if (n != (ssize_t)sizeof(ip) || !ip)
		failf(f, BB_ENOENT, false, "cannot resolve %s",
		      bb_fetchm_peer(&f->m)->host);
	else
		connect_to(f, ip);
	drive(f);
}

/* Resolves (off the loop) and connects to the machine's peer; a failure
 * goes into the machine. */
static void begin(struct bb_fetch *f)
{
	const char *host = bb_fetchm_peer(&f->m)->host;
	struct resolve_job *j;
	struct in_addr a;
	pthread_t t;
	int p[2];

	if (inet_pton(AF_INET, host, &a) == 1) {
		connect_to(f, a.s_addr);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j || pipe2(p, O_CLOEXEC)) {
		free(j);
		failf(f, BB_ENOMEM, false, "cannot start name resolution");
		return;
	}
	snprintf(j->host, sizeof(j->host), "%s", host);
	j->wfd = p[1];
	f->resolve_fd = p[0];
	bb_fetchm_dialing(&f->m, true, now_ms(f));
	if (bb_loop_add_fd(f->loop, p[0], BB_EV_READ, on_resolved, f) ||
	    pthread_create(&t, NULL, resolve_thread, j)) {
		close(p[1]);
		free(j);
		failf(f, BB_ENOMEM, false, "cannot start name resolution");
		return;
	}
	pthread_detach(t);
}

static int load_cas(struct bb_fetch *f)
{
	f->ca = bb_ca_get(f->o.system_ca, f->o.ca_bundle, f->res.msg,
			  sizeof(f->res.msg));
	return f->ca ? 0 : -1;
}

static void on_kick(struct bb_loop *loop, void *arg)
{
	(void)loop;
	drive(arg);
}

static void on_more(struct bb_loop *loop, void *arg)
{
	struct bb_fetch *f = arg;

	(void)loop;
	if (f->m.step == BB_FMS_BODY && !f->paused && !f->tail &&
	    f->net.fd >= 0)
		drive(f);
}

struct bb_fetch *bb_fetch_start(struct bb_loop *loop,
				const struct bb_fetch_opts *opts,
				const struct bb_fetch_cb *cb)
{
	struct bb_fetch *f = calloc(1, sizeof(*f));
	struct bb_fetchm_cfg mc = {0};
	uint8_t buf[65536];
	uint64_t off = 0;

	if (!f)
		return NULL;
	f->loop = loop;
	f->o = *opts;
	f->cb = *cb;
	f->net.fd = -1;
	f->resolve_fd = -1;
	mc.connect_ms = opts->connect_timeout_ms;
	mc.read_ms = opts->read_timeout_ms;
	mc.max_redirects = opts->max_redirects;
	mc.max_bytes = opts->max_bytes;
	mc.split_min = SPLIT_MIN;
	mc.split_share = SPLIT_SHARE;
	bb_timer_init(&f->timer, on_timeout, f);
	bb_timer_init(&f->kick, on_kick, f);
	bb_timer_init(&f->more, on_more, f);
	bb_sha256_init(&f->sha);
	if (bb_fetchm_init(&f->m, &mc, opts->url, opts->proxy, opts->offset,
			   bb_loop_now_ms(loop)) ||
	    (f->m.url.tls && load_cas(f)))
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
	/* so that done is never called before the caller has f */
	bb_timer_arm(loop, &f->kick, 0);
	return f;
fail:
	fetch_free(f);
	return NULL;
}
