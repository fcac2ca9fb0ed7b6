/* The sans-IO TLS server session (services/http/tls_session.c) against a
 * real mbedTLS client over memory, quicly-style: a handshake fed byte by
 * byte, plaintext both ways, close_notify, and each way it must end: the
 * handshake deadline (absolute, however slowly bytes drip), the idle
 * deadline, garbage, a corrupted record, the peer leaving, a full output
 * that stops writes. */
#include "common/err.h"
#include "http/tls_session.h"
#include "tests/unit/test.h"
#include "tests/unit/tls_fixture.h"

static struct bb_tls_session t;
static mbedtls_ssl_context cli;
static uint8_t c2s[1 << 17], s2c[1 << 17];
static size_t c2s_off, c2s_len, s2c_off, s2c_len;
static uint64_t now;

static int cli_send(void *ctx, const unsigned char *p, size_t n)
{
	(void)ctx;
	if (n > sizeof(c2s) - c2s_len)
		n = sizeof(c2s) - c2s_len;
	if (!n)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	memcpy(c2s + c2s_len, p, n);
	c2s_len += n;
	return (int)n;
}

static int cli_recv(void *ctx, unsigned char *p, size_t n)
{
	(void)ctx;
	if (s2c_off == s2c_len)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (n > s2c_len - s2c_off)
		n = s2c_len - s2c_off;
	memcpy(p, s2c + s2c_off, n);
	s2c_off += n;
	return (int)n;
}

static void start(void)
{
	struct bb_tls_fixture *f = bb_tls_fixture(1);

	CHECK(f != NULL);
	if (!f)
		exit(1);
	c2s_off = c2s_len = s2c_off = s2c_len = 0;
	now = 1000;
	CHECK_EQ(bb_tls_session_init(&t, &f->server, now, 2000, 5000), 0);
	CHECK_EQ(t.deadline_ms, 3000);
	mbedtls_ssl_init(&cli);
	CHECK_EQ(mbedtls_ssl_setup(&cli, &f->client), 0);
	mbedtls_ssl_set_bio(&cli, NULL, cli_send, cli_recv, NULL);
}

static void stop(void)
{
	bb_tls_session_free(&t);
	mbedtls_ssl_free(&cli);
}

/* Moves what each side has for the other, chunk bytes at a time to the
 * server (0: all it takes). */
static void shuttle(size_t chunk)
{
	const uint8_t *p;
	size_t n;

	while (c2s_off < c2s_len) {
		n = c2s_len - c2s_off;
		if (chunk && n > chunk)
			n = chunk;
		n = bb_tls_session_net_in(&t, c2s + c2s_off, n, now);
		if (!n)
			break;
		c2s_off += n;
		bb_tls_session_step(&t, now);
	}
	bb_tls_session_step(&t, now);
	while ((n = bb_tls_session_out(&t, &p)) > 0) {
		memcpy(s2c + s2c_len, p, n);
		s2c_len += n;
		bb_tls_session_out_done(&t, n, now);
	}
}

static bool handshake(size_t chunk)
{
	int i, rc = -1;

	for (i = 0; i < 20 && rc; i++) {
		rc = mbedtls_ssl_handshake(&cli);
		shuttle(chunk);
	}
	return rc == 0 && t.state == BB_TLS_OPEN;
}

static void test_handshake_and_data(void)
{
	uint8_t buf[64];
	long n;

	start();
	CHECK_EQ(bb_tls_session_read(&t, buf, sizeof(buf), now), BB_EAGAIN);
	CHECK_EQ(bb_tls_session_writable(&t), 0);
	CHECK_EQ(bb_tls_session_write(&t, (const uint8_t *)"x", 1, now),
		 BB_EINVAL);
	CHECK(handshake(0));
	now += 100;
	CHECK_EQ(mbedtls_ssl_write(&cli, (const unsigned char *)"GET /", 5), 5);
	shuttle(0);
	n = bb_tls_session_read(&t, buf, sizeof(buf), now);
	CHECK_EQ(n, 5);
	CHECK(!memcmp(buf, "GET /", 5));
	CHECK_EQ(t.deadline_ms, now + 5000); /* progress: the idle deadline */
	CHECK_EQ(bb_tls_session_read(&t, buf, sizeof(buf), now), BB_EAGAIN);
	CHECK(bb_tls_session_writable(&t) > 0);
	CHECK_EQ(bb_tls_session_write(&t, (const uint8_t *)"200 ok", 6, now),
		 6);
	shuttle(0);
	CHECK_EQ(mbedtls_ssl_read(&cli, buf, sizeof(buf)), 6);
	CHECK(!memcmp(buf, "200 ok", 6));
	/* the application is done: close_notify, then nothing more */
	bb_tls_session_shutdown(&t, now);
	CHECK_EQ(t.state, BB_TLS_CLOSED);
	CHECK(bb_tls_session_done(&t));
	shuttle(0);
	CHECK_EQ(mbedtls_ssl_read(&cli, buf, sizeof(buf)),
		 MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY);
	stop();
}

static void test_byte_by_byte(void)
{
	uint8_t buf[16];

	start();
	CHECK(handshake(1));
	CHECK_EQ(mbedtls_ssl_write(&cli, (const unsigned char *)"abc", 3), 3);
	shuttle(1);
	CHECK_EQ(bb_tls_session_read(&t, buf, 2, now), 2);
	CHECK(bb_tls_session_pending(&t)); /* the rest is decrypted, held */
	CHECK_EQ(bb_tls_session_read(&t, buf + 2, 2, now), 1);
	CHECK(!memcmp(buf, "abc", 3));
	stop();
}

/* A client that drips its handshake still ends at the first deadline. */
static void test_handshake_deadline_absolute(void)
{
	int i;

	start();
	mbedtls_ssl_handshake(&cli);
	for (i = 0; i < 19 && c2s_off < c2s_len; i++) {
		now += 100;
		bb_tls_session_net_in(&t, c2s + c2s_off++, 1, now);
		bb_tls_session_step(&t, now);
		bb_tls_session_tick(&t, now);
		CHECK_EQ(t.deadline_ms, 3000);
	}
	CHECK_EQ(t.state, BB_TLS_HANDSHAKE);
	now = 2999;
	bb_tls_session_tick(&t, now);
	CHECK_EQ(t.state, BB_TLS_HANDSHAKE);
	now = 3000;
	bb_tls_session_tick(&t, now);
	CHECK_EQ(t.state, BB_TLS_FAILED);
	CHECK_EQ(t.err, BB_ETIMEDOUT);
	stop();
}

static void test_idle_deadline(void)
{
	uint8_t *p;

	start();
	CHECK(handshake(0));
	now += 4999;
	bb_tls_session_tick(&t, now);
	CHECK_EQ(t.state, BB_TLS_OPEN);
	now += 1;
	bb_tls_session_tick(&t, now);
	CHECK_EQ(t.state, BB_TLS_FAILED);
	CHECK_EQ(bb_tls_session_in_room(&t, &p), 0);
	stop();
}

static void test_garbage(void)
{
	static const uint8_t junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	uint8_t buf[8];
	const uint8_t *p;

	start();
	bb_tls_session_net_in(&t, junk, sizeof(junk) - 1, now);
	CHECK_EQ(bb_tls_session_step(&t, now), BB_TLS_FAILED);
	CHECK_EQ(t.err, BB_ECRYPTO);
	CHECK(t.tls_err != 0);
	CHECK_EQ(bb_tls_session_read(&t, buf, sizeof(buf), now), BB_ECRYPTO);
	CHECK_EQ(bb_tls_session_write(&t, buf, 1, now), BB_ECRYPTO);
	(void)bb_tls_session_out(&t, &p); /* maybe an alert: the board tries */
	stop();
}

static void test_corrupted_record(void)
{
	uint8_t buf[16];

	start();
	CHECK(handshake(0));
	CHECK_EQ(mbedtls_ssl_write(&cli, (const unsigned char *)"abcdef", 6),
		 6);
	c2s[c2s_len - 3] ^= 1; /* inside the MAC or the tag */
	shuttle(0);
	CHECK_EQ(bb_tls_session_read(&t, buf, sizeof(buf), now), BB_ECRYPTO);
	CHECK_EQ(t.state, BB_TLS_FAILED);
	stop();
}

static void test_peer_leaves(void)
{
	uint8_t buf[16];

	/* during the handshake */
	start();
	mbedtls_ssl_handshake(&cli);
	shuttle(0);
	bb_tls_session_net_eof(&t);
	CHECK_EQ(bb_tls_session_step(&t, now), BB_TLS_FAILED);
	CHECK_EQ(t.err, BB_EIO);
	stop();
	/* after it, without close_notify: the end of the stream */
	start();
	CHECK(handshake(0));
	bb_tls_session_net_eof(&t);
	CHECK_EQ(bb_tls_session_read(&t, buf, sizeof(buf), now), 0);
	CHECK_EQ(t.state, BB_TLS_CLOSED);
	stop();
	/* with close_notify */
	start();
	CHECK(handshake(0));
	mbedtls_ssl_close_notify(&cli);
	shuttle(0);
	CHECK_EQ(bb_tls_session_read(&t, buf, sizeof(buf), now), 0);
	CHECK(bb_tls_session_done(&t));
	/* the peer ended it: over at once, no drain */
	CHECK(bb_tls_session_over(&t));
	CHECK(!bb_tls_session_want_shut(&t, now));
	stop();
}

/* Nobody reads the records: writes stop with the output full, never grow
 * it, and resume when it drains. */
static void test_output_full(void)
{
	static uint8_t big[1 << 16];
	const uint8_t *p;
	size_t total = 0, n;
	long k;
	int i;

	start();
	CHECK(handshake(0));
	for (i = 0; i < 100; i++) {
		k = bb_tls_session_write(&t, big, sizeof(big), now);
		if (k <= 0)
			break;
		total += (size_t)k;
	}
	CHECK_EQ(k, 0);
	CHECK(total >= MBEDTLS_SSL_OUT_CONTENT_LEN);
	CHECK_EQ(bb_tls_session_writable(&t), 0);
	n = bb_tls_session_out(&t, &p);
	CHECK(n <= BB_TLS_OUT_CAP && n > total);
	bb_tls_session_out_done(&t, n, now);
	CHECK(bb_tls_session_writable(&t) > 0);
	/* after shutdown nothing more is taken */
	bb_tls_session_shutdown(&t, now);
	CHECK_EQ(bb_tls_session_write(&t, big, 10, now), BB_EINVAL);
	stop();
}

/* Input beyond the room is refused, not stored. */
static void test_input_bounded(void)
{
	static uint8_t junk[BB_TLS_IN_CAP * 2];
	uint8_t *p;

	start();
	memset(junk, 0x16, sizeof(junk));
	CHECK_EQ(bb_tls_session_in_room(&t, &p), BB_TLS_IN_CAP);
	CHECK_EQ(bb_tls_session_net_in(&t, junk, sizeof(junk), now),
		 BB_TLS_IN_CAP);
	CHECK_EQ(bb_tls_session_net_in(&t, junk, 1, now), 0);
	bb_tls_session_in_done(&t, 100, now); /* more than there was room */
	CHECK_EQ(t.in_len, BB_TLS_IN_CAP);
	stop();
}

/* After our close_notify: half-close once it is out, then drop what the
 * peer still sends, until it closes, sends too much, or the drain ends. */
static void test_linger(void)
{
	static uint8_t junk[BB_TLS_IN_CAP];
	const uint8_t *p;
	uint8_t *q;
	size_t n, total = 0;
	uint64_t at;

	start();
	CHECK(handshake(0));
	bb_tls_session_shutdown(&t, now);
	CHECK_EQ(t.state, BB_TLS_CLOSED);
	CHECK(!bb_tls_session_over(&t)); /* the peer may still be sending */
	CHECK(!bb_tls_session_want_shut(&t, now)); /* close_notify not out */
	n = bb_tls_session_out(&t, &p);
	bb_tls_session_out_done(&t, n, now);
	at = now;
	CHECK(bb_tls_session_want_shut(&t, now));
	CHECK(!bb_tls_session_want_shut(&t, now)); /* once */
	CHECK_EQ(t.deadline_ms, now + BB_TLS_DRAIN_MS);
	while (bb_tls_session_in_room(&t, &q) > 0 && total < 4 * 1048576) {
		now += 1;
		total += bb_tls_session_net_in(&t, junk, sizeof(junk), now);
		CHECK_EQ(t.in_len, 0);
	}
	CHECK(total > BB_TLS_DRAIN_MAX &&
	      total < BB_TLS_DRAIN_MAX + 2 * BB_TLS_IN_CAP);
	CHECK(bb_tls_session_over(&t)); /* too much */
	CHECK_EQ(t.deadline_ms,
		 at + BB_TLS_DRAIN_MS); /* input did not move it */
	stop();
	/* the peer closes: over */
	start();
	CHECK(handshake(0));
	bb_tls_session_shutdown(&t, now);
	bb_tls_session_out_done(&t, bb_tls_session_out(&t, &p), now);
	CHECK(bb_tls_session_want_shut(&t, now));
	bb_tls_session_net_eof(&t);
	CHECK(bb_tls_session_over(&t));
	stop();
	/* it never does: the drain deadline */
	start();
	CHECK(handshake(0));
	bb_tls_session_shutdown(&t, now);
	bb_tls_session_out_done(&t, bb_tls_session_out(&t, &p), now);
	CHECK(bb_tls_session_want_shut(&t, now));
	now += BB_TLS_DRAIN_MS;
	bb_tls_session_tick(&t, now);
	CHECK(bb_tls_session_over(&t));
	CHECK_EQ(t.err, BB_ETIMEDOUT);
	stop();
}

int main(void)
{
	RUN(test_handshake_and_data);
	RUN(test_byte_by_byte);
	RUN(test_handshake_deadline_absolute);
	RUN(test_idle_deadline);
	RUN(test_garbage);
	RUN(test_corrupted_record);
	RUN(test_peer_leaves);
	RUN(test_output_full);
	RUN(test_input_bounded);
	RUN(test_linger);
	return bb_test_done();
}
