#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

#include "board/linux/fetch_part.h"
#include "board/linux/spool.h"
#include "board/linux/tls_bio.h"
#include "board/linux/x509_ipsan.h"
#include "cache/fetch_machine.h"
#include "common/err.h"

/* plaintext gathered before one pwrite: fewer syscalls and wakeups */
#define WBUF (256 * 1024)

struct bb_fetch_part {
	struct bb_fetch_part_opts o;
	struct bb_url url;
	int efd;
	mbedtls_net_context net;
	pthread_t thread;
	pthread_mutex_t mu;
	/* the loop reads these without the lock: a thread at a lower
	 * priority holding it would stall the loop */
	_Atomic uint64_t written;
	_Atomic int state; /* changed under mu */
	_Atomic bool quit;
	/* under mu */
	uint64_t end;  /* o.end, or later if extended */
	char msg[160]; /* set before state turns negative */
	struct bb_tls_bio bio;
	mbedtls_ssl_session sess; /* to resume, when resume is set */
	bool resume;
	uint8_t buf[WBUF];
};

/* Decryption yields the CPU to a loop that serves DHCP whenever both want
 * it: a nice value is per thread on Linux. Not otherwise (`bootbox cache
 * fetch`): there it would only lose the CPU to the machine's other work. */
#define NICE_UP 3

static void lower_priority(const struct bb_fetch_part *p)
{
	id_t tid = (id_t)syscall(SYS_gettid);
	int now;

	if (!p->o.yield)
		return;
	errno = 0;
	now = getpriority(PRIO_PROCESS, tid);
	if (errno == 0 && setpriority(PRIO_PROCESS, tid, now + NICE_UP))
		errno = 0; /* not allowed: decrypt at the loop's priority */
}

static void publish(struct bb_fetch_part *p, uint64_t written, int state,
		    const char *msg)
{
	uint64_t one = 1;

	pthread_mutex_lock(&p->mu);
	if (state >= 0)
		p->written = written;
	if (msg && !p->msg[0])
		snprintf(p->msg, sizeof(p->msg), "%s", msg);
	if (p->state >= 0)
		p->state = state; /* after msg: the loop reads msg on < 0 */
	pthread_mutex_unlock(&p->mu);
	while (write(p->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static bool quitting(struct bb_fetch_part *p)
{
	return p->quit;
}

static int put(struct bb_fetch_part *p, size_t n, uint64_t off)
{
	const uint8_t *b = p->buf;

	while (n) {
		ssize_t w = pwrite(p->o.fd, b, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int dial(struct bb_fetch_part *p)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct timeval tv = {.tv_sec = p->o.timeout_ms / 1000,
			     .tv_usec = (p->o.timeout_ms % 1000) * 1000};
	int one = 1;

	sa.sin_addr.s_addr = p->o.ip_be;
	sa.sin_port = htons(p->url.port);
	/* blocking, bounded by the timeouts (connect obeys SO_SNDTIMEO) */
	setsockopt(p->net.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(p->net.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(p->net.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return connect(p->net.fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* 0 while bytes up to got + more are still ours to read, 1: the range is
 * complete (published as done, so that it can no longer be extended). */
static int range_end(struct bb_fetch_part *p, uint64_t got, uint64_t *want)
{
	int done;

	pthread_mutex_lock(&p->mu);
	*want = p->end - p->o.start;
	done = got == *want;
	if (done && p->state >= 0)
		p->state = BB_PART_DONE;
	pthread_mutex_unlock(&p->mu);
	return done;
}

/* The body from the session: have bytes of it in buf already. An adopted
 * connection was asked for more than our range: what lies past it is not
 * ours (the other part has it). */
static const char *body(struct bb_fetch_part *p, mbedtls_ssl_context *ssl,
			size_t have)
{
	uint64_t want, got = 0;
	int rc;

	for (;;) {
		range_end(p, got, &want);
		if (have > want - got) {
			if (!p->o.ssl)
				return "more bytes than the range";
			have = (size_t)(want - got);
		}
		/* the first MiB in records: waiting clients see bytes soon */
		if (have >= (got < (1u << 20) ? 16384 : sizeof(p->buf)) ||
		    got + have == want) {
			if (p->o.sha)
				bb_sha256_update(p->o.sha, p->buf, have);
			if (put(p, have, p->o.start + got))
				return "cannot write the file";
			bb_writeback_pace(p->o.fd, p->o.start + got,
					  p->o.start + got + have);
			got += have;
			have = 0;
			if (range_end(p, got, &want)) {
				publish(p, got, BB_PART_DONE, NULL);
				return NULL;
			}
			publish(p, got, BB_PART_STREAMING, NULL);
		}
		if (quitting(p))
			return "stopped";
		rc =
		    mbedtls_ssl_read(ssl, p->buf + have, sizeof(p->buf) - have);
		if (rc <= 0)
			return p->o.ssl ? "connection cut"
					: "range connection cut";
		have += (size_t)rc;
	}
}

/* The range, over an established TLS session: the head must be a 206 for
 * exactly our bytes, the body is written as it is decrypted. */
static const char *stream(struct bb_fetch_part *p, mbedtls_ssl_context *ssl)
{
	size_t have = 0;
	long used = BB_EPARTIAL;
	char req[BB_URL_PATH_MAX + 512];
	int n = bb_fetch_range_request(p->o.url, p->o.start, p->o.end, req,
				       sizeof(req));
	int off = 0, rc;

	if (n < 0)
		return "request too long";
	while (off < n) {
		rc = mbedtls_ssl_write(ssl, (unsigned char *)req + off,
				       (size_t)(n - off));
		if (rc <= 0)
			return "cannot send the range request";
		off += rc;
	}
	while (used == BB_EPARTIAL) {
		if (have == sizeof(p->buf))
			return "answer head too long";
		rc =
		    mbedtls_ssl_read(ssl, p->buf + have, sizeof(p->buf) - have);
		if (rc <= 0)
			return "no answer to the range request";
		have += (size_t)rc;
		used = bb_fetch_range_head((char *)p->buf, have, p->o.start,
					   p->o.end, p->o.total);
	}
	if (used < 0)
		return "the origin did not answer the range";
	publish(p, 0, BB_PART_STREAMING, NULL);
	have -= (size_t)used;
	memmove(p->buf, p->buf + used, have);
	return body(p, ssl, have);
}

/* A session the loop set up and read the head of: the body goes on here,
 * blocking, bounded by the read timeout. */
static void *adopt_thread(void *arg)
{
	struct bb_fetch_part *p = arg;
	struct timeval tv = {.tv_sec = p->o.timeout_ms / 1000,
			     .tv_usec = (p->o.timeout_ms % 1000) * 1000};
	int fl = fcntl(p->net.fd, F_GETFL);
	const char *why;

	lower_priority(p);
	if (fl < 0 || fcntl(p->net.fd, F_SETFL, fl & ~O_NONBLOCK) ||
	    setsockopt(p->net.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		why = "cannot set the connection up";
	else
		why = body(p, p->o.ssl, 0);
	if (why)
		publish(p, 0, BB_EIO, why);
	return NULL;
}

static void *part_thread(void *arg)
{
	static const unsigned char pers[] = "bootbox part";
	struct bb_fetch_part *p = arg;
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context rng;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	struct bb_tls_host host;
	const char *why = NULL;
	int rc;

	lower_priority(p);
	/* a generator of its own: mbedTLS's is not safe across threads */
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&rng);
	mbedtls_ssl_config_init(&conf);
	mbedtls_ssl_init(&ssl);
	if (mbedtls_ctr_drbg_seed(&rng, mbedtls_entropy_func, &ent, pers,
				  sizeof(pers) - 1) ||
	    mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
					MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT)) {
		why = "TLS set-up failed";
		goto out;
	}
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &rng);
	mbedtls_ssl_conf_ca_chain(&conf, (mbedtls_x509_crt *)p->o.ca, NULL);
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	if (mbedtls_ssl_setup(&ssl, &conf) ||
	    bb_tls_set_host(&conf, &ssl, &host, p->url.host)) {
		why = "TLS set-up failed";
		goto out;
	}
	bb_tls_bio_set(&ssl, &p->bio, &p->net);
	/* refused (a bad session): the full handshake */
	if (p->resume && mbedtls_ssl_set_session(&ssl, &p->sess))
		p->resume = false;
	if (dial(p)) {
		why = "range connection refused";
		goto out;
	}
	while ((rc = mbedtls_ssl_handshake(&ssl)) != 0) {
		if (rc != MBEDTLS_ERR_SSL_WANT_READ &&
		    rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
			why = "range connection: TLS handshake failed";
			goto out;
		}
	}
	why = stream(p, &ssl);
out:
	if (why)
		publish(p, 0, BB_EIO, why);
	mbedtls_ssl_free(&ssl);
	mbedtls_ssl_config_free(&conf);
	mbedtls_ctr_drbg_free(&rng);
	mbedtls_entropy_free(&ent);
	return NULL;
}

struct bb_fetch_part *bb_fetch_part_start(const struct bb_fetch_part_opts *o)
{
	struct bb_fetch_part *p = malloc(sizeof(*p));

	if (!p)
		return NULL;
	memset(p, 0, offsetof(struct bb_fetch_part, buf));
	p->o = *o;
	p->url = *o->url;
	p->o.url = &p->url;
	if (!p->o.timeout_ms)
		p->o.timeout_ms = 30000;
	p->end = o->end;
	mbedtls_ssl_session_init(&p->sess);
	p->resume = !o->ssl && o->resume &&
		    !mbedtls_ssl_get_session(o->resume, &p->sess);
	mbedtls_net_init(&p->net);
	p->net.fd = o->ssl ? o->adopt_fd
			   : socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->net.fd < 0 || p->efd < 0 || pthread_mutex_init(&p->mu, NULL))
		goto fail;
	if (pthread_create(&p->thread, NULL,
			   o->ssl ? adopt_thread : part_thread, p)) {
		pthread_mutex_destroy(&p->mu);
		goto fail;
	}
	return p;
fail:
	if (p->net.fd >= 0 && !o->ssl)
		close(p->net.fd);
	if (p->efd >= 0)
		close(p->efd);
	mbedtls_ssl_session_free(&p->sess);
	free(p);
	return NULL;
}

int bb_fetch_part_fd(const struct bb_fetch_part *p)
{
	return p->efd;
}

uint64_t bb_fetch_part_poll(struct bb_fetch_part *p, int *state,
			    const char **msg)
{
	uint64_t n, w;

	if (read(p->efd, &n, sizeof(n)) < 0)
		n = 0; /* nothing new */
	/* state first: when it says done, written is final */
	*state = p->state;
	w = p->written;
	if (msg)
		*msg = p->msg;
	return w;
}

void bb_fetch_part_free(struct bb_fetch_part *p)
{
	if (!p)
		return;
	p->quit = true;
	/* a read blocked in the thread returns at once */
	shutdown(p->net.fd, SHUT_RDWR);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->mu);
	if (!p->o.ssl)
		close(p->net.fd);
	close(p->efd);
	mbedtls_ssl_session_free(&p->sess);
	free(p);
}

int bb_fetch_part_extend(struct bb_fetch_part *p, uint64_t end)
{
	int rc = -1;

	pthread_mutex_lock(&p->mu);
	if (p->state >= 0 && p->state != BB_PART_DONE) {
		p->end = end;
		rc = 0;
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}
