#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "board/linux/probe.h"
#include "board/linux/tls_rng.h"
#include "handoff/probe_reply.h"

struct bb_probe_run {
	struct bb_loop *loop;
	struct bb_timer timer;
	struct bb_probe probe;
	bb_probe_cb cb;
	void *arg;
	struct bb_probe_reply x; /* the exchange and its verdict */
	mbedtls_net_context net;
	bool tls;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
};

static void run_free(struct bb_probe_run *r)
{
	bb_timer_cancel(r->loop, &r->timer);
	if (r->net.fd >= 0) {
		bb_loop_del_fd(r->loop, r->net.fd);
		close(r->net.fd);
	}
	if (r->tls) {
		mbedtls_ssl_free(&r->ssl);
		mbedtls_ssl_config_free(&r->conf);
		mbedtls_x509_crt_free(&r->ca);
	}
	free(r);
}

static void finish(struct bb_probe_run *r, const char *err)
{
	r->cb(r->arg, err == NULL, err);
	run_free(r);
}

void bb_probe_cancel(struct bb_probe_run *r)
{
	if (r)
		run_free(r);
}

static void on_timeout(struct bb_loop *loop, void *arg)
{
	struct bb_probe_run *r = arg;

	bb_probe_reply_tick(&r->x, bb_loop_now_ms(loop));
	if (bb_probe_reply_done(&r->x))
		finish(r, r->x.why);
	else /* early: the loop's clock and ours differ by rounding */
		bb_timer_arm(loop, &r->timer, 1);
}

/* The verdict is in: report it. */
static bool decided(struct bb_probe_run *r)
{
	if (!bb_probe_reply_done(&r->x))
		return false;
	finish(r, r->x.why);
	return true;
}

static int io_send(struct bb_probe_run *r, const void *b, size_t n)
{
	if (r->tls)
		return mbedtls_ssl_write(&r->ssl, b, n);
	return mbedtls_net_send(&r->net, b, n);
}

static int io_recv(struct bb_probe_run *r, void *b, size_t n)
{
	if (r->tls)
		return mbedtls_ssl_read(&r->ssl, b, n);
	return mbedtls_net_recv(&r->net, b, n);
}

static bool would_block(int rc)
{
	return rc == MBEDTLS_ERR_SSL_WANT_READ ||
	       rc == MBEDTLS_ERR_SSL_WANT_WRITE;
}

static void want(struct bb_probe_run *r, int rc)
{
	bb_loop_mod_fd(r->loop, r->net.fd,
		       rc == MBEDTLS_ERR_SSL_WANT_WRITE ? BB_EV_WRITE
							: BB_EV_READ);
}

static void tls_error(struct bb_probe_run *r, const char *what, int rc)
{
	char msg[160], e[100];
	uint32_t flags;

	mbedtls_strerror(rc, e, sizeof(e));
	if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED &&
	    (flags = mbedtls_ssl_get_verify_result(&r->ssl)) != 0)
		snprintf(e, sizeof(e), "certificate not trusted (flags 0x%x)",
			 flags);
	snprintf(msg, sizeof(msg), "%s: %s", what, e);
	finish(r, msg);
}

static void advance(struct bb_probe_run *r)
{
	uint8_t buf[BB_PROBE_REPLY_MAX];
	const uint8_t *out;
	size_t n;
	int rc;

	if (r->x.stage == BB_PS_HANDSHAKE) {
		rc = mbedtls_ssl_handshake(&r->ssl);
		if (would_block(rc)) {
			want(r, rc);
			return;
		}
		if (rc) {
			tls_error(r, "TLS handshake", rc);
			return;
		}
		bb_probe_reply_handshaken(&r->x);
	}
	while ((n = bb_probe_reply_out(&r->x, &out)) > 0) {
		rc = io_send(r, out, n);
		if (would_block(rc)) {
			want(r, rc);
			return;
		}
		if (rc < 0) {
			tls_error(r, "send", rc);
			return;
		}
		bb_probe_reply_sent(&r->x, (size_t)rc);
	}
	while ((n = bb_probe_reply_room(&r->x)) > 0) {
		rc = io_recv(r, buf, n);
		if (would_block(rc)) {
			want(r, rc);
			return;
		}
		if (rc < 0 && rc != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
			tls_error(r, "read", rc);
			return;
		}
		if (rc <= 0)
			bb_probe_reply_eof(&r->x);
		else
			bb_probe_reply_input(&r->x, buf, (size_t)rc);
	}
	decided(r);
}

static void on_connected(struct bb_probe_run *r)
{
	int err = 0;
	socklen_t len = sizeof(err);
	char msg[96];

	getsockopt(r->net.fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		snprintf(msg, sizeof(msg), "connect: %s", strerror(err));
		{
			finish(r, msg);
			return;
		}
	}
	bb_probe_reply_connected(&r->x);
	if (!decided(r))
		advance(r);
}

static void on_io(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_probe_run *r = arg;

	(void)loop;
	(void)fd;
	(void)ev;
	if (r->x.stage == BB_PS_CONNECTING)
		on_connected(r);
	else
		advance(r);
}

static int tls_setup(struct bb_probe_run *r, const struct bb_probe_opts *o)
{
	mbedtls_ctr_drbg_context *rng = bb_tls_rng();

	r->tls = true;
	mbedtls_ssl_init(&r->ssl);
	mbedtls_ssl_config_init(&r->conf);
	mbedtls_x509_crt_init(&r->ca);
	if (!rng || mbedtls_ssl_config_defaults(&r->conf, MBEDTLS_SSL_IS_CLIENT,
						MBEDTLS_SSL_TRANSPORT_STREAM,
						MBEDTLS_SSL_PRESET_DEFAULT))
		return -1;
	mbedtls_ssl_conf_rng(&r->conf, mbedtls_ctr_drbg_random, rng);
	if (o->ca_file) {
		if (mbedtls_x509_crt_parse_file(&r->ca, o->ca_file) < 0)
			return -1;
		mbedtls_ssl_conf_ca_chain(&r->conf, &r->ca, NULL);
		mbedtls_ssl_conf_authmode(&r->conf,
					  MBEDTLS_SSL_VERIFY_REQUIRED);
	} else {
		/* no cluster CA given: liveness only, said in the log by the
		 * caller */
		mbedtls_ssl_conf_authmode(&r->conf, MBEDTLS_SSL_VERIFY_NONE);
	}
	if (mbedtls_ssl_setup(&r->ssl, &r->conf))
		return -1;
	if (o->sni && mbedtls_ssl_set_hostname(&r->ssl, o->sni))
		return -1;
	mbedtls_ssl_set_bio(&r->ssl, &r->net, mbedtls_net_send,
			    mbedtls_net_recv, NULL);
	return 0;
}

static int tcp_connect(struct bb_probe_run *r, uint32_t ip)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1;

	r->net.fd =
	    socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->net.fd < 0)
		return -1;
	setsockopt(r->net.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(ip);
	sa.sin_port = htons(r->probe.port);
	if (connect(r->net.fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    errno != EINPROGRESS)
		return -1;
	return bb_loop_add_fd(r->loop, r->net.fd, BB_EV_WRITE, on_io, r);
}

struct bb_probe_run *bb_probe_start(struct bb_loop *loop, uint32_t ip,
				    const struct bb_probe *p,
				    const struct bb_probe_opts *o,
				    bb_probe_cb cb, void *arg)
{
	struct bb_probe_run *r = calloc(1, sizeof(*r));
	uint32_t ms = o->timeout_ms ? o->timeout_ms : 5000;

	if (!r)
		return NULL;
	r->loop = loop;
	r->probe = *p;
	r->cb = cb;
	r->arg = arg;
	r->net.fd = -1;
	bb_timer_init(&r->timer, on_timeout, r);
	if (bb_probe_reply_init(&r->x, p, ip, bb_loop_now_ms(loop), ms))
		goto fail;
	if (p->kind == BB_PROBE_HTTPS && tls_setup(r, o))
		goto fail;
	if (tcp_connect(r, ip))
		goto fail;
	bb_timer_arm(loop, &r->timer, ms);
	return r;
fail:
	run_free(r);
	return NULL;
}
