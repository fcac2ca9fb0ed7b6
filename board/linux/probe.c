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

enum step { CONNECTING, HANDSHAKE, SENDING, READING };

struct bb_probe_run {
	struct bb_loop *loop;
	struct bb_timer timer;
	struct bb_probe probe;
	bb_probe_cb cb;
	void *arg;
	enum step step;
	mbedtls_net_context net;
	bool tls;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	char req[256];
	size_t req_len, req_off;
	char resp[1024];
	size_t resp_len;
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
	static const char *const what[] = {
	    "connect timed out", "TLS handshake timed out", "request timed out",
	    "no answer in time"};

	(void)loop;
	finish(r, what[r->step]);
}

/* 200 and a body of "ok" (with or without a newline) means ready. */
static const char *judge(struct bb_probe_run *r)
{
	const char *body;
	size_t blen;

	r->resp[r->resp_len] = 0;
	if (strncmp(r->resp, "HTTP/1.", 7) || r->resp_len < 12)
		return "not an HTTP answer";
	if (memcmp(r->resp + 9, "200", 3))
		return "answered, not ready (status is not 200)";
	body = strstr(r->resp, "\r\n\r\n");
	if (!body)
		return "truncated answer";
	body += 4;
	blen = strlen(body);
	while (blen && (body[blen - 1] == '\n' || body[blen - 1] == '\r'))
		blen--;
	if (blen != 2 || memcmp(body, "ok", 2))
		return "answered 200 without \"ok\"";
	return NULL;
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
	int rc;

	if (r->step == HANDSHAKE) {
		rc = mbedtls_ssl_handshake(&r->ssl);
		if (would_block(rc)) {
			want(r, rc);
			return;
		}
		if (rc) {
			tls_error(r, "TLS handshake", rc);
			return;
		}
		r->step = SENDING;
	}
	while (r->step == SENDING && r->req_off < r->req_len) {
		rc = io_send(r, r->req + r->req_off, r->req_len - r->req_off);
		if (would_block(rc)) {
			want(r, rc);
			return;
		}
		if (rc < 0) {
			tls_error(r, "send", rc);
			return;
		}
		r->req_off += (size_t)rc;
	}
	r->step = READING;
	for (;;) {
		if (r->resp_len == sizeof(r->resp) - 1) {
			finish(r, judge(r));
			return;
		}
		rc = io_recv(r, r->resp + r->resp_len,
			     sizeof(r->resp) - 1 - r->resp_len);
		if (would_block(rc)) {
			want(r, rc);
			return;
		}
		if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
			finish(r, judge(r));
			return;
		}
		if (rc < 0) {
			tls_error(r, "read", rc);
			return;
		}
		r->resp_len += (size_t)rc;
	}
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
	if (r->probe.kind == BB_PROBE_TCP) {
		finish(r, NULL);
		return;
	}
	r->step = r->tls ? HANDSHAKE : SENDING;
	advance(r);
}

static void on_io(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_probe_run *r = arg;

	(void)loop;
	(void)fd;
	(void)ev;
	if (r->step == CONNECTING)
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
	int n;

	if (!r)
		return NULL;
	r->loop = loop;
	r->probe = *p;
	r->cb = cb;
	r->arg = arg;
	r->net.fd = -1;
	bb_timer_init(&r->timer, on_timeout, r);
	n = snprintf(r->req, sizeof(r->req),
		     "GET %s HTTP/1.1\r\nHost: %u.%u.%u.%u:%u\r\n"
		     "User-Agent: bootbox-probe\r\nAccept: */*\r\n"
		     "Connection: close\r\n\r\n",
		     p->path[0] ? p->path : "/", ip >> 24, (ip >> 16) & 255,
		     (ip >> 8) & 255, ip & 255, p->port);
	if (n < 0 || (size_t)n >= sizeof(r->req))
		goto fail;
	r->req_len = (size_t)n;
	if (p->kind == BB_PROBE_HTTPS && tls_setup(r, o))
		goto fail;
	if (tcp_connect(r, ip))
		goto fail;
	bb_timer_arm(loop, &r->timer, o->timeout_ms ? o->timeout_ms : 5000);
	return r;
fail:
	run_free(r);
	return NULL;
}
