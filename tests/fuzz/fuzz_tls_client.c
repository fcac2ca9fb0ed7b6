/* The TLS client side the lwIP board's download runs: a sans-IO session
 * (services/http/tls_session.c) in the client role that verifies its
 * peer with http/x509_ipsan's IP-SAN hook, fed the input as the server's
 * bytes, split at points the input picks, on a fake clock. The first byte
 * picks the mode: a session, the input as a certificate's DER (parsed by
 * mbedTLS, then its IP SANs read), or the input as a certificate's raw
 * extensions (the SAN reader alone, on bytes mbedTLS never checked).
 * Checked: no read or write out of bounds, the counts the reader returns
 * stay consistent, a session that never completes a verified handshake
 * never yields plaintext, and the clock alone ends it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "common/err.h"
#include "http/tls_session.h"
#include "http/x509_ipsan.h"
#include "tests/unit/tls_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sans(const mbedtls_x509_crt *c)
{
	uint32_t ips[4];
	int n = bb_x509_ip_sans(c, ips, 4), m;

	if (n < -1)
		abort();
	/* the count is the same whatever room is given */
	m = bb_x509_ip_sans(c, ips, 1);
	if (m != n)
		abort();
}

static void session(const uint8_t *data, size_t size)
{
	static mbedtls_ssl_config conf;
	static struct bb_tls_session t;
	static struct bb_tls_host host;
	static int ready;
	struct bb_tls_fixture *f = bb_tls_fixture(1);
	uint64_t now = 1000;
	uint8_t buf[512];
	size_t off = 0;
	long r;

	if (!f)
		abort();
	if (!ready) {
		mbedtls_ssl_config_init(&conf);
		if (mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
						MBEDTLS_SSL_TRANSPORT_STREAM,
						MBEDTLS_SSL_PRESET_DEFAULT))
			abort();
		mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &f->drbg);
		mbedtls_ssl_conf_ca_chain(&conf, &f->crt, NULL);
		mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
		ready = 1;
	}
	if (bb_tls_session_init(&t, &conf, now, 2000, 2000) ||
	    bb_tls_set_host(&conf, &t.ssl, &host, "192.168.2.9"))
		abort();
	while (off < size && !bb_tls_session_done(&t)) {
		/* a control byte: how many input bytes arrive next, or time */
		size_t n = data[off++] % 64 + 1;
		const uint8_t *p;

		if (n == 64) {
			now += 500;
			bb_tls_session_tick(&t, now);
		}
		if (n > size - off)
			n = size - off;
		off += bb_tls_session_net_in(&t, data + off, n, now);
		bb_tls_session_step(&t, now);
		while ((n = bb_tls_session_out(&t, &p)))
			bb_tls_session_out_done(&t, n, now);
		r = bb_tls_session_read(&t, buf, sizeof(buf), now);
		/* no server in the input can hold the fixture's key */
		if (r > 0)
			abort();
	}
	bb_tls_session_net_eof(&t);
	bb_tls_session_step(&t, now);
	now += 10000;
	bb_tls_session_tick(&t, now);
	if (!bb_tls_session_done(&t) && t.state != BB_TLS_CLOSING)
		abort();
	bb_tls_session_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mbedtls_x509_crt c;

	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0: session(data + 1, size - 1); break;
	case 1:
		mbedtls_x509_crt_init(&c);
		if (!mbedtls_x509_crt_parse_der(&c, data + 1, size - 1))
			sans(&c);
		mbedtls_x509_crt_free(&c);
		break;
	default: {
		unsigned char *copy = malloc(size - 1 ? size - 1 : 1);

		memcpy(copy, data + 1, size - 1);
		memset(&c, 0, sizeof(c));
		c.v3_ext.p = copy;
		c.v3_ext.len = size - 1;
		sans(&c);
		free(copy);
		break;
	}
	}
	return 0;
}
