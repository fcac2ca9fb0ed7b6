/* A whole TLS server session (services/http/tls_session.c) on a fake
 * clock, with a key and self-signed certificate made at start-up (P-256,
 * from a fixed-seed DRBG, so runs replay). The first byte picks the peer:
 * raw bytes from the input, or a real mbedTLS client over memory whose
 * records the input splits, delays, and may corrupt; that client uses a
 * pre-shared key unless the byte asks for the certificate's ECDHE-ECDSA
 * (a quarter of them: the record layer the session frames is the same,
 * and a PSK handshake costs no public-key operation, so three times as
 * many inputs run). Each control byte
 * moves some bytes one way, steps the handshake, passes time, reads or
 * writes plaintext on either side, or ends a side. Checked after every
 * step: buffers in bounds, no plaintext before the handshake, plaintext
 * that arrives intact both ways unless a record was corrupted, a failed
 * session that takes nothing more, a handshake that never outlives its
 * deadline, and the clock alone ends every session. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ssl.h>

#include "common/err.h"
#include "http/tls_session.h"
#include "tests/unit/tls_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HANDSHAKE_MS 1000
#define IDLE_MS	     5000

struct pipe {
	uint8_t b[1 << 17];
	size_t off, len;
};

static struct pipe c2s, s2c; /* the client's records, the server's */

/* the client's BIO: it sends into c2s and reads from s2c */
static int pipe_send(void *ctx, const unsigned char *p, size_t n)
{
	struct pipe *q = &c2s;

	(void)ctx;
	if (n > sizeof(q->b) - q->len)
		n = sizeof(q->b) - q->len;
	if (!n)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	memcpy(q->b + q->len, p, n);
	q->len += n;
	return (int)n;
}

static int pipe_recv(void *ctx, unsigned char *p, size_t n)
{
	struct pipe *q = &s2c;

	(void)ctx;
	if (q->off == q->len)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (n > q->len - q->off)
		n = q->len - q->off;
	memcpy(p, q->b + q->off, n);
	q->off += n;
	return (int)n;
}

/* Each side's plaintext is a pattern of period 256 (byte i is i * 13 + 1
 * from the client, i * 7 + 3 from the server), kept unrolled so that
 * filling and checking are one memcpy and one memcmp, not a loop whose
 * every byte the coverage instrumentation would trace. */
#define PAT_MAX 8192
static uint8_t c_tab[256 + PAT_MAX], s_tab[256 + PAT_MAX];

static void pat_fill(void)
{
	size_t k;

	for (k = 0; k < sizeof(c_tab); k++) {
		c_tab[k] = (uint8_t)(k * 13 + 1);
		s_tab[k] = (uint8_t)(k * 7 + 3);
	}
}

static const uint8_t *c_pat(uint64_t i)
{
	return c_tab + (i & 255);
}

static const uint8_t *s_pat(uint64_t i)
{
	return s_tab + (i & 255);
}

struct run {
	struct bb_tls_session t;
	mbedtls_ssl_context cli;
	bool real, corrupted, cli_open;
	uint64_t now, c_sent, c_got, s_sent, s_got;
};

static void check(const struct run *r)
{
	const struct bb_tls_session *t = &r->t;

	if (t->in_off > t->in_len || t->in_len > sizeof(t->in) ||
	    t->out_off > t->out_len || t->out_len > sizeof(t->out) ||
	    t->wlen > sizeof(t->wbuf))
		__builtin_trap();
	if (t->state == BB_TLS_HANDSHAKE && t->deadline_ms != HANDSHAKE_MS)
		__builtin_trap(); /* progress moved the handshake deadline */
	if (t->state == BB_TLS_FAILED &&
	    (bb_tls_session_writable(t) || t->wlen || !t->err))
		__builtin_trap();
	if (!r->real && t->state != BB_TLS_HANDSHAKE &&
	    t->state != BB_TLS_FAILED)
		__builtin_trap(); /* random bytes finished a handshake */
	if (r->s_got > r->c_sent || r->c_got > r->s_sent)
		__builtin_trap();
	if (t->shut && (t->in_len || t->state < BB_TLS_CLOSED))
		__builtin_trap(); /* draining keeps nothing */
	if (bb_tls_session_over(t) && t->state < BB_TLS_CLOSED)
		__builtin_trap();
}

/* Client records to the server: n bytes, the first one flipped when
 * corrupt. */
static void to_server(struct run *r, size_t n, bool corrupt)
{
	size_t k;

	if (n > c2s.len - c2s.off)
		n = c2s.len - c2s.off;
	if (corrupt && n) {
		c2s.b[c2s.off] ^= 0x40;
		r->corrupted = true;
	}
	k = bb_tls_session_net_in(&r->t, c2s.b + c2s.off, n, r->now);
	c2s.off += k;
}

static void to_client(struct run *r, size_t n)
{
	const uint8_t *p;
	size_t have = bb_tls_session_out(&r->t, &p);

	if (n > have)
		n = have;
	if (r->real) {
		if (n > sizeof(s2c.b) - s2c.len)
			n = sizeof(s2c.b) - s2c.len;
		memcpy(s2c.b + s2c.len, p, n);
		s2c.len += n;
	}
	bb_tls_session_out_done(&r->t, n, r->now);
}

/* Plaintext that arrived: the sender's pattern from *at on, unless a
 * record was corrupted (then only its length counts). */
static void take(const struct run *r, const uint8_t *b, long n,
		 const uint8_t *(*pat)(uint64_t), uint64_t *at)
{
	if (n <= 0)
		return;
	if (n > PAT_MAX)
		__builtin_trap(); /* every read is capped below that */
	if (!r->corrupted && memcmp(b, pat(*at), (size_t)n))
		__builtin_trap();
	*at += (uint64_t)n;
}

static void server_read(struct run *r, size_t cap)
{
	uint8_t buf[4096];
	long n;

	if (cap > sizeof(buf))
		cap = sizeof(buf);
	n = bb_tls_session_read(&r->t, buf, cap, r->now);
	if (n > (long)cap)
		__builtin_trap();
	if (n > 0 && r->t.state == BB_TLS_HANDSHAKE)
		__builtin_trap();
	take(r, buf, n, c_pat, &r->s_got);
}

static void server_write(struct run *r, size_t n)
{
	long k;

	if (n > PAT_MAX)
		n = PAT_MAX;
	k = bb_tls_session_write(&r->t, s_pat(r->s_sent), n, r->now);
	if (k > (long)n)
		__builtin_trap();
	if (k > 0)
		r->s_sent += (uint64_t)k;
}

static void client_step(struct run *r, size_t n)
{
	uint8_t buf[PAT_MAX];
	int rc;

	if (!r->cli_open) {
		rc = mbedtls_ssl_handshake(&r->cli);
		r->cli_open = rc == 0;
		return;
	}
	if (n & 1) { /* read */
		rc = mbedtls_ssl_read(&r->cli, buf, sizeof(buf));
		take(r, buf, rc, s_pat, &r->c_got);
		return;
	}
	/* write, only when it cannot stop half-way */
	if (sizeof(c2s.b) - c2s.len < 3 * 8192)
		return;
	n = n * 64 > PAT_MAX ? PAT_MAX : n * 64;
	rc = mbedtls_ssl_write(&r->cli, c_pat(r->c_sent), n);
	if (rc > 0)
		r->c_sent += (uint64_t)rc;
}

static void op(struct run *r, uint8_t o, const uint8_t **s, const uint8_t *end)
{
	size_t n = (size_t)(o >> 3) + 1;

	switch (o & 7) {
	case 0: /* bytes to the server */
		if (r->real) {
			to_server(r, n * 97, false);
		} else {
			if (n > (size_t)(end - *s))
				n = (size_t)(end - *s);
			*s += bb_tls_session_net_in(&r->t, *s, n, r->now);
		}
		break;
	case 1: to_client(r, n * 97); break;
	case 2:
		bb_tls_session_step(&r->t, r->now);
		if (bb_tls_session_want_shut(&r->t, r->now) &&
		    (r->t.deadline_ms != r->now + BB_TLS_DRAIN_MS ||
		     bb_tls_session_want_shut(&r->t, r->now)))
			__builtin_trap(); /* once, with the drain deadline */
		break;
	case 3:
		r->now += n * (o & 0x80 ? 113 : 7);
		bb_tls_session_tick(&r->t, r->now);
		if (r->now >= HANDSHAKE_MS && r->t.state == BB_TLS_HANDSHAKE)
			__builtin_trap();
		break;
	case 4: server_read(r, n * 64); break;
	case 5: server_write(r, n * 256); break;
	case 6:
		if (r->real)
			client_step(r, n);
		else if (o == 0xfe)
			bb_tls_session_net_eof(&r->t);
		break;
	default:
		if (o == 0xff)
			bb_tls_session_shutdown(&r->t, r->now);
		else if (o == 0xf7)
			bb_tls_session_net_eof(&r->t);
		else if (r->real && o == 0xef)
			to_server(r, 1, true);
		else if (r->real && o == 0xe7)
			mbedtls_ssl_close_notify(&r->cli);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	struct bb_tls_fixture *fx = bb_tls_fixture(1);
	const mbedtls_ssl_config *cc =
	    fx ? bb_tls_fixture_psk_client(fx) : NULL;
	const uint8_t *s = data, *end = data + size;
	int steps = 0;

	if (!cc || size < 1)
		return 0;
	if (!c_tab[0])
		pat_fill();
	memset(&r.t, 0, sizeof(r.t));
	r.real = *s & 1;
	if ((*s++ & 6) == 6)
		cc = &fx->client;
	r.corrupted = r.cli_open = false;
	r.now = 0;
	r.c_sent = r.c_got = r.s_sent = r.s_got = 0;
	c2s.off = c2s.len = s2c.off = s2c.len = 0;
	if (bb_tls_session_init(&r.t, &fx->server, r.now, HANDSHAKE_MS,
				IDLE_MS))
		return 0;
	if (r.real) {
		mbedtls_ssl_init(&r.cli);
		if (mbedtls_ssl_setup(&r.cli, cc))
			__builtin_trap();
		mbedtls_ssl_set_bio(&r.cli, NULL, pipe_send, pipe_recv, NULL);
	}
	while (s < end && steps++ < 2048) {
		op(&r, *s++, &s, end);
		check(&r);
	}
	/* the clock alone ends every session */
	r.now = r.t.deadline_ms;
	bb_tls_session_tick(&r.t, r.now);
	if (r.t.state != BB_TLS_FAILED)
		__builtin_trap();
	bb_tls_session_free(&r.t);
	if (r.real)
		mbedtls_ssl_free(&r.cli);
	return 0;
}
