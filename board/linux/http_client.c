#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

#include "board/linux/http_client.h"
#include "board/linux/tls_rng.h"
#include "http/x509_ipsan.h"
#include "cache/upstream.h"
#include "common/err.h"

struct conn {
	struct bb_url url;
	mbedtls_net_context net;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	struct bb_tls_host host;
	int tls;
	uint32_t timeout_ms;
	struct timespec deadline; /* the whole exchange: 4 timeouts */
	char *msg;
	size_t cap;
};

__attribute__((format(printf, 3, 4))) static int fail(struct conn *c, int err,
						      const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->msg, c->cap, "%s:%u: ", c->url.host, c->url.port);

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < c->cap)
		vsnprintf(c->msg + n, c->cap - (size_t)n, fmt, ap);
	va_end(ap);
	return err;
}

/* A server trickling bytes would reset every per-read timeout: the whole
 * exchange has a deadline too. */
static int past_deadline(const struct conn *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > c->deadline.tv_sec ||
	       (now.tv_sec == c->deadline.tv_sec &&
		now.tv_nsec > c->deadline.tv_nsec);
}

/* Non-blocking connect bounded by the timeout, then back to blocking:
 * mbedtls_net_connect would wait for the kernel's own (minutes). */
static int tcp_connect(struct conn *c)
{
	struct addrinfo hints = {0}, *ai = NULL;
	struct pollfd pfd;
	char port[8];
	int fd, rc, err = 0;
	socklen_t el = sizeof(err);

	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", c->url.port);
	if (getaddrinfo(c->url.host, port, &hints, &ai) || !ai)
		return fail(c, BB_EIO, "cannot resolve the name");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return fail(c, BB_EIO, "socket: %s", strerror(errno));
	}
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (rc && errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		rc = poll(&pfd, 1, (int)c->timeout_ms);
		if (rc == 0) {
			close(fd);
			return fail(c, BB_ETIMEDOUT, "connect timed out");
		}
		rc = rc < 0 ||
		     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) || err;
		if (err)
			errno = err;
	}
	if (rc) {
		rc = errno;
		close(fd);
		return fail(c, BB_EIO, "cannot connect: %s", strerror(rc));
	}
	c->net.fd = fd;
	return mbedtls_net_set_block(&c->net) ? BB_EIO : 0;
}

static int tls_start(struct conn *c, const char *bundle, const char *extra)
{
	mbedtls_ctr_drbg_context *rng = bb_tls_rng();
	uint32_t flags;
	char why[200];
	int rc;

	if (!bundle || mbedtls_x509_crt_parse_file(&c->ca, bundle) < 0)
		return fail(c, BB_EINVAL, "cannot read the CA bundle %s",
			    bundle ? bundle : "(none)");
	if (extra && mbedtls_x509_crt_parse_file(&c->ca, extra) < 0)
		return fail(c, BB_EINVAL, "cannot read the CA bundle %s",
			    extra);
	if (!rng || mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
						MBEDTLS_SSL_TRANSPORT_STREAM,
						MBEDTLS_SSL_PRESET_DEFAULT))
		return fail(c, BB_ECRYPTO, "TLS set-up failed");
	mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, rng);
	mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
	mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_read_timeout(&c->conf, c->timeout_ms);
	if (mbedtls_ssl_setup(&c->ssl, &c->conf) ||
	    bb_tls_set_host(&c->conf, &c->ssl, &c->host, c->url.host))
		return fail(c, BB_ECRYPTO, "TLS set-up failed");
	mbedtls_ssl_set_bio(&c->ssl, &c->net, mbedtls_net_send, NULL,
			    mbedtls_net_recv_timeout);
	c->tls = 1;
	while ((rc = mbedtls_ssl_handshake(&c->ssl)) != 0) {
		if (rc == MBEDTLS_ERR_SSL_WANT_READ && !past_deadline(c))
			continue;
		/* the socket blocks: WANT_WRITE means SO_SNDTIMEO ran out */
		if (rc == MBEDTLS_ERR_SSL_TIMEOUT ||
		    rc == MBEDTLS_ERR_SSL_WANT_WRITE ||
		    rc == MBEDTLS_ERR_SSL_WANT_READ)
			return fail(c, BB_ETIMEDOUT, "TLS handshake timed out");
		flags = mbedtls_ssl_get_verify_result(&c->ssl);
		if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags) {
			mbedtls_x509_crt_verify_info(why, sizeof(why), "",
						     flags);
			why[strcspn(why, "\n")] = 0;
			return fail(c, BB_ECRYPTO,
				    "server certificate not trusted: %s", why);
		}
		mbedtls_strerror(rc, why, sizeof(why));
		return fail(c, BB_EIO, "TLS handshake failed: %s", why);
	}
	return 0;
}

static int send_all(struct conn *c, const char *p, size_t n)
{
	while (n) {
		int rc = c->tls ? mbedtls_ssl_write(&c->ssl,
						    (const unsigned char *)p, n)
				: mbedtls_net_send(&c->net,
						   (const unsigned char *)p, n);

		/* the socket blocks: WANT_WRITE means SO_SNDTIMEO ran out */
		if (rc == MBEDTLS_ERR_SSL_WANT_WRITE ||
		    rc == MBEDTLS_ERR_SSL_WANT_READ)
			return fail(c, BB_ETIMEDOUT, "sending timed out");
		if (rc <= 0)
			return fail(c, BB_EIO, "sending failed");
		p += rc;
		n -= (size_t)rc;
	}
	return 0;
}

/* Reads until the server closes (we asked for Connection: close) or the
 * cap is passed. */
static int recv_all(struct conn *c, struct bb_buf *in, size_t cap)
{
	unsigned char b[16384];

	for (;;) {
		int rc = c->tls ? mbedtls_ssl_read(&c->ssl, b, sizeof(b))
				: mbedtls_net_recv_timeout(
				      &c->net, b, sizeof(b), c->timeout_ms);

		if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
			return 0;
		if (rc == MBEDTLS_ERR_SSL_TIMEOUT || past_deadline(c))
			return fail(c, BB_ETIMEDOUT, "no reply within %u ms",
				    c->timeout_ms);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ)
			continue; /* EINTR in select */
		if (rc < 0)
			return fail(c, BB_EIO, "connection lost");
		bb_buf_append(in, b, (size_t)rc);
		if (in->err || in->len > cap)
			return fail(c, BB_ETOOBIG, "reply over %zu bytes", cap);
	}
}

/* Head, then a body by Content-Length, chunked, or up to the close. */
static int parse_reply(struct conn *c, struct bb_buf *in, bool head,
		       struct bb_http_resp *out)
{
	struct bb_upstream_reply h;
	struct bb_chunked ch = {0};
	long used =
	    in->len ? bb_upstream_reply_parse(in->p, in->len, &h) : BB_EPARTIAL;
	size_t blen, got;
	uint8_t *body;

	if (used < 0)
		return fail(c, BB_EMALFORMED, "%s",
			    used == BB_EPARTIAL ? "reply cut short"
						: "not an HTTP reply");
	body = (uint8_t *)in->p + used;
	blen = in->len - (size_t)used;
	out->has_length = h.has_length;
	out->length = h.content_length;
	if (head) {
		out->status = h.status;
		return 0;
	}
	if (h.chunked) {
		if (bb_chunked_decode(&ch, body, blen, &got) || !ch.done)
			return fail(c, BB_EMALFORMED,
				    "bad or cut chunked body");
		blen = got;
	} else if (h.has_length) {
		if (h.content_length > blen)
			return fail(c, BB_EMALFORMED, "body cut short");
		blen = (size_t)h.content_length;
	}
	out->status = h.status;
	bb_buf_append(&out->body, body, blen);
	return out->body.err;
}

static int exchange(struct conn *c, const struct bb_http_req *r,
		    struct bb_http_resp *out)
{
	struct bb_buf head = {0}, in = {0};
	int rc;

	const char *method = r->head ? "HEAD" : r->method ? r->method : "POST";
	bool body = strcmp(method, "GET") && strcmp(method, "HEAD");

	bb_buf_printf(&head,
		      "%s %s HTTP/1.1\r\nHost: %s:%u\r\n"
		      "User-Agent: bootbox\r\nAccept: application/json\r\n"
		      "%s%s",
		      method, c->url.path, c->url.host, c->url.port,
		      body ? "Content-Type: application/json\r\n" : "",
		      r->headers ? r->headers : "");
	if (body)
		bb_buf_printf(&head, "Content-Length: %zu\r\n", r->len);
	bb_buf_puts(&head, "Connection: close\r\n\r\n");
	if (head.err)
		rc = BB_ENOMEM;
	else if (!(rc = send_all(c, head.p, head.len)) &&
		 !(rc = body ? send_all(c, r->body, r->len) : 0) &&
		 !(rc = recv_all(c, &in,
				 (r->max_reply ? r->max_reply : 1u << 20) +
				     16384)))
		rc = parse_reply(c, &in, !strcmp(method, "HEAD"), out);
	bb_buf_free(&head);
	bb_buf_free(&in);
	return rc;
}

int bb_http_post(const struct bb_http_req *r, struct bb_http_resp *out,
		 char *msg, size_t cap)
{
	struct conn c;
	struct timeval tv;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(out, 0, sizeof(*out));
	c.msg = msg;
	c.cap = cap;
	c.timeout_ms = r->timeout_ms ? r->timeout_ms : 10000;
	clock_gettime(CLOCK_MONOTONIC, &c.deadline);
	c.deadline.tv_sec += 4 * (time_t)(c.timeout_ms / 1000 + 1);
	msg[0] = 0;
	if (bb_url_parse(r->url, strlen(r->url), &c.url)) {
		snprintf(msg, cap, "%s: not an http(s) URL", r->url);
		return BB_EINVAL;
	}
	mbedtls_net_init(&c.net);
	mbedtls_ssl_init(&c.ssl);
	mbedtls_ssl_config_init(&c.conf);
	mbedtls_x509_crt_init(&c.ca);
	rc = tcp_connect(&c);
	if (!rc) {
		/* writes block at most this long (reads use poll timeouts) */
		tv.tv_sec = c.timeout_ms / 1000;
		tv.tv_usec = (c.timeout_ms % 1000) * 1000;
		setsockopt(c.net.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (!rc && c.url.tls)
		rc = tls_start(&c, r->ca_bundle, r->extra_bundle);
	if (!rc)
		rc = exchange(&c, r, out);
	if (c.tls)
		mbedtls_ssl_close_notify(&c.ssl);
	mbedtls_net_free(&c.net);
	mbedtls_ssl_free(&c.ssl);
	mbedtls_ssl_config_free(&c.conf);
	mbedtls_x509_crt_free(&c.ca);
	if (rc)
		bb_buf_free(&out->body);
	return rc;
}
