#include <string.h>

#include <mbedtls/platform_util.h>

#include "common/err.h"
#include "http/tls_session.h"

/* mbedTLS's send side: records go into t->out, as much as fits. */
static int bio_send(void *ctx, const unsigned char *p, size_t n)
{
	struct bb_tls_session *t = ctx;
	size_t room;

	if (t->out_off == t->out_len)
		t->out_off = t->out_len = 0;
	if (n > sizeof(t->out) - t->out_len && t->out_off) {
		memmove(t->out, t->out + t->out_off, t->out_len - t->out_off);
		t->out_len -= t->out_off;
		t->out_off = 0;
	}
	room = sizeof(t->out) - t->out_len;
	if (!room)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	if (n > room)
		n = room;
	memcpy(t->out + t->out_len, p, n);
	t->out_len += n;
	return (int)n;
}

/* mbedTLS's receive side: what the board put in t->in. */
static int bio_recv(void *ctx, unsigned char *p, size_t n)
{
	struct bb_tls_session *t = ctx;
	size_t have = t->in_len - t->in_off;

	if (!have)
		return t->net_eof ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
	if (n > have)
		n = have;
	memcpy(p, t->in + t->in_off, n);
	t->in_off += n;
	return (int)n;
}

int bb_tls_session_init(struct bb_tls_session *t,
			const mbedtls_ssl_config *conf, uint64_t now_ms,
			uint32_t handshake_ms, uint32_t idle_ms)
{
	t->state = BB_TLS_HANDSHAKE;
	t->deadline_ms = now_ms + handshake_ms;
	t->idle_ms = idle_ms;
	t->net_eof = t->ours = t->shut = false;
	t->drained = 0;
	t->err = t->tls_err = 0;
	t->in_off = t->in_len = t->out_off = t->out_len = t->wlen = 0;
	mbedtls_ssl_init(&t->ssl);
	if (mbedtls_ssl_setup(&t->ssl, conf)) {
		mbedtls_ssl_free(&t->ssl);
		return BB_ENOMEM;
	}
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	return 0;
}

void bb_tls_session_free(struct bb_tls_session *t)
{
	mbedtls_ssl_free(&t->ssl);
	mbedtls_platform_zeroize(t->wbuf, sizeof(t->wbuf));
}

static void fail(struct bb_tls_session *t, int err, int tls_err)
{
	t->state = BB_TLS_FAILED;
	t->err = err;
	t->tls_err = tls_err;
	t->wlen = 0;
}

/* Progress after the handshake moves the idle deadline; the handshake's
 * own deadline is fixed from the connection's start, the drain's from the
 * half-close. */
static void touch(struct bb_tls_session *t, uint64_t now_ms)
{
	if (t->state != BB_TLS_HANDSHAKE && t->state != BB_TLS_FAILED &&
	    !t->shut)
		t->deadline_ms = now_ms + t->idle_ms;
}

static bool would_block(int rc)
{
	return rc == MBEDTLS_ERR_SSL_WANT_READ ||
	       rc == MBEDTLS_ERR_SSL_WANT_WRITE;
}

size_t bb_tls_session_in_room(struct bb_tls_session *t, uint8_t **p)
{
	if (t->in_off == t->in_len) {
		t->in_off = t->in_len = 0;
	} else if (t->in_off) {
		memmove(t->in, t->in + t->in_off, t->in_len - t->in_off);
		t->in_len -= t->in_off;
		t->in_off = 0;
	}
	*p = t->in + t->in_len;
	if (t->net_eof || t->state == BB_TLS_FAILED)
		return 0;
	if (t->shut) /* draining: the bytes are dropped */
		return t->drained > BB_TLS_DRAIN_MAX ? 0 : sizeof(t->in);
	return sizeof(t->in) - t->in_len;
}

void bb_tls_session_in_done(struct bb_tls_session *t, size_t n, uint64_t now_ms)
{
	size_t room = sizeof(t->in) - t->in_len;

	if (t->shut) {
		t->drained += n < sizeof(t->in) ? n : sizeof(t->in);
		return; /* the drain deadline does not move */
	}
	t->in_len += n < room ? n : room;
	if (n)
		touch(t, now_ms);
}

size_t bb_tls_session_net_in(struct bb_tls_session *t, const uint8_t *b,
			     size_t n, uint64_t now_ms)
{
	uint8_t *p;
	size_t room = bb_tls_session_in_room(t, &p);

	if (n > room)
		n = room;
	memcpy(p, b, n);
	bb_tls_session_in_done(t, n, now_ms);
	return n;
}

void bb_tls_session_net_eof(struct bb_tls_session *t)
{
	t->net_eof = true;
}

size_t bb_tls_session_out(const struct bb_tls_session *t, const uint8_t **p)
{
	*p = t->out + t->out_off;
	return t->out_len - t->out_off;
}

void bb_tls_session_out_done(struct bb_tls_session *t, size_t n,
			     uint64_t now_ms)
{
	size_t have = t->out_len - t->out_off;

	t->out_off += n < have ? n : have;
	if (t->out_off == t->out_len)
		t->out_off = t->out_len = 0;
	if (n)
		touch(t, now_ms);
}

static void handshake(struct bb_tls_session *t, uint64_t now_ms)
{
	int rc = mbedtls_ssl_handshake(&t->ssl);

	if (would_block(rc)) {
		/* the peer left before finishing */
		if (rc == MBEDTLS_ERR_SSL_WANT_READ && t->net_eof)
			fail(t, BB_EIO, 0);
		return;
	}
	if (rc == MBEDTLS_ERR_SSL_CONN_EOF) {
		fail(t, BB_EIO, 0);
		return;
	}
	if (rc) {
		fail(t, BB_ECRYPTO, rc);
		return;
	}
	t->state = BB_TLS_OPEN;
	touch(t, now_ms);
}

/* Plaintext held after WANT_WRITE, with the same bytes as mbedTLS wants. */
static void flush_held(struct bb_tls_session *t, uint64_t now_ms)
{
	int rc;

	while (t->wlen) {
		rc = mbedtls_ssl_write(&t->ssl, t->wbuf, t->wlen);
		if (would_block(rc))
			return;
		if (rc < 0) {
			fail(t, BB_ECRYPTO, rc);
			return;
		}
		memmove(t->wbuf, t->wbuf + rc, t->wlen - (size_t)rc);
		t->wlen -= (size_t)rc;
		touch(t, now_ms);
	}
}

enum bb_tls_state bb_tls_session_step(struct bb_tls_session *t, uint64_t now_ms)
{
	int rc;

	if (t->state == BB_TLS_HANDSHAKE)
		handshake(t, now_ms);
	if (t->state == BB_TLS_OPEN || t->state == BB_TLS_CLOSING)
		flush_held(t, now_ms);
	if (t->state == BB_TLS_CLOSING && !t->wlen) {
		rc = mbedtls_ssl_close_notify(&t->ssl);
		if (rc && !would_block(rc))
			fail(t, BB_ECRYPTO, rc);
		else if (!rc) {
			t->state = BB_TLS_CLOSED;
			t->ours = true;
		}
	}
	return t->state;
}

long bb_tls_session_read(struct bb_tls_session *t, uint8_t *b, size_t cap,
			 uint64_t now_ms)
{
	int rc;

	if (t->state == BB_TLS_FAILED)
		return BB_ECRYPTO;
	if (t->state != BB_TLS_OPEN && t->state != BB_TLS_CLOSING)
		return t->state == BB_TLS_CLOSED ? 0 : BB_EAGAIN;
	if (!cap)
		return BB_EAGAIN;
	if (cap > INT32_MAX)
		cap = INT32_MAX;
	rc = mbedtls_ssl_read(&t->ssl, b, cap);
	if (rc > 0) {
		touch(t, now_ms);
		return rc;
	}
	if (would_block(rc))
		return BB_EAGAIN;
	if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
	    rc == MBEDTLS_ERR_SSL_CONN_EOF) {
		t->state = BB_TLS_CLOSED;
		t->wlen = 0;
		return 0;
	}
	fail(t, BB_ECRYPTO, rc);
	return BB_ECRYPTO;
}

size_t bb_tls_session_writable(const struct bb_tls_session *t)
{
	/* a whole record must fit, so the write cannot stop half-way */
	if (t->state != BB_TLS_OPEN || t->wlen ||
	    sizeof(t->out) - (t->out_len - t->out_off) < BB_TLS_RECORD_ROOM)
		return 0;
	return sizeof(t->wbuf);
}

long bb_tls_session_write(struct bb_tls_session *t, const uint8_t *b, size_t n,
			  uint64_t now_ms)
{
	size_t room = bb_tls_session_writable(t);
	int rc;

	if (t->state == BB_TLS_FAILED)
		return BB_ECRYPTO;
	if (t->state != BB_TLS_OPEN)
		return BB_EINVAL;
	if (n > room)
		n = room;
	if (!n)
		return 0;
	rc = mbedtls_ssl_write(&t->ssl, b, n);
	if (would_block(rc)) {
		memcpy(t->wbuf, b, n);
		t->wlen = n;
		return (long)n;
	}
	if (rc < 0) {
		fail(t, BB_ECRYPTO, rc);
		return BB_ECRYPTO;
	}
	touch(t, now_ms);
	return rc;
}

void bb_tls_session_shutdown(struct bb_tls_session *t, uint64_t now_ms)
{
	if (t->state == BB_TLS_OPEN)
		t->state = BB_TLS_CLOSING;
	else if (t->state == BB_TLS_HANDSHAKE)
		fail(t, BB_EIO, 0);
	bb_tls_session_step(t, now_ms);
}

void bb_tls_session_tick(struct bb_tls_session *t, uint64_t now_ms)
{
	if (t->state != BB_TLS_FAILED && now_ms >= t->deadline_ms)
		fail(t, BB_ETIMEDOUT, 0);
}

bool bb_tls_session_pending(const struct bb_tls_session *t)
{
	return t->in_off < t->in_len ||
	       mbedtls_ssl_get_bytes_avail(&t->ssl) > 0 || t->wlen;
}

bool bb_tls_session_want_shut(struct bb_tls_session *t, uint64_t now_ms)
{
	if (t->state != BB_TLS_CLOSED || !t->ours || t->shut ||
	    t->out_off < t->out_len || t->net_eof)
		return false;
	t->shut = true;
	t->in_off = t->in_len = 0;
	t->deadline_ms = now_ms + BB_TLS_DRAIN_MS;
	return true;
}

bool bb_tls_session_over(const struct bb_tls_session *t)
{
	if (t->state == BB_TLS_FAILED)
		return true;
	if (t->state != BB_TLS_CLOSED)
		return false;
	/* the peer ended it; or we did, and it left or sent too much */
	return !t->ours || t->net_eof ||
	       (t->shut && t->drained > BB_TLS_DRAIN_MAX);
}
