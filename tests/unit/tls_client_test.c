/* The sans-IO TLS session (services/http/tls_session.c) in the client
 * role, as the lwIP board's download runs it, against the same session as
 * a server, both over memory: a certificate whose only subjectAltName is
 * an IP, verified through http/x509_ipsan (the board has no resolver: its
 * hosts are IP literals), plaintext both ways and the server's close;
 * then each way it must fail: another IP, a name, garbage, the server
 * leaving mid-handshake. And the SAN reader on malformed extensions. */
#include <mbedtls/oid.h>
#include <mbedtls/x509.h>

#include "common/err.h"
#include "http/tls_session.h"
#include "http/x509_ipsan.h"
#include "tests/unit/test.h"
#include "tests/unit/tls_fixture.h"

static struct bb_tls_session cli, srv;
static mbedtls_ssl_config cconf;
static mbedtls_x509_crt ipcrt; /* self-signed, SAN IP:192.168.2.9 only */
static struct bb_tls_host host;
static mbedtls_ssl_config sconf;
static uint64_t now = 1000;

/* SEQUENCE { [7] 192.168.2.9 } */
static const unsigned char san_ip[] = {0x30, 0x06, 0x87, 0x04, 192, 168, 2, 9};

static int make_ip_cert(struct bb_tls_fixture *f)
{
	return bb_tls_fixture_crt(f, "CN=ip-only", 2, san_ip, sizeof(san_ip),
				  &ipcrt);
}

static void setup_once(void)
{
	struct bb_tls_fixture *f = bb_tls_fixture(1);

	CHECK(f != NULL);
	if (!f)
		exit(1);
	mbedtls_x509_crt_init(&ipcrt);
	CHECK_EQ(make_ip_cert(f), 0);
	mbedtls_ssl_config_init(&sconf);
	CHECK_EQ(mbedtls_ssl_config_defaults(&sconf, MBEDTLS_SSL_IS_SERVER,
					     MBEDTLS_SSL_TRANSPORT_STREAM,
					     MBEDTLS_SSL_PRESET_DEFAULT),
		 0);
	mbedtls_ssl_conf_rng(&sconf, mbedtls_ctr_drbg_random, &f->drbg);
	CHECK_EQ(mbedtls_ssl_conf_own_cert(&sconf, &ipcrt, &f->key), 0);
}

/* A client that trusts the IP certificate and expects host h. */
static void start(const char *h)
{
	struct bb_tls_fixture *f = bb_tls_fixture(0);

	mbedtls_ssl_config_init(&cconf);
	CHECK_EQ(mbedtls_ssl_config_defaults(&cconf, MBEDTLS_SSL_IS_CLIENT,
					     MBEDTLS_SSL_TRANSPORT_STREAM,
					     MBEDTLS_SSL_PRESET_DEFAULT),
		 0);
	mbedtls_ssl_conf_rng(&cconf, mbedtls_ctr_drbg_random, &f->drbg);
	mbedtls_ssl_conf_ca_chain(&cconf, &ipcrt, NULL);
	mbedtls_ssl_conf_authmode(&cconf, MBEDTLS_SSL_VERIFY_REQUIRED);
	CHECK_EQ(bb_tls_session_init(&cli, &cconf, now, 5000, 5000), 0);
	CHECK_EQ(bb_tls_set_host(&cconf, &cli.ssl, &host, h), 0);
	CHECK_EQ(bb_tls_session_init(&srv, &sconf, now, 5000, 5000), 0);
}

static void stop(void)
{
	bb_tls_session_free(&cli);
	bb_tls_session_free(&srv);
	mbedtls_ssl_config_free(&cconf);
}

/* One side's records into the other, at most chunk bytes a call. */
static void move(struct bb_tls_session *from, struct bb_tls_session *to,
		 size_t chunk)
{
	const uint8_t *p;
	size_t n;

	while ((n = bb_tls_session_out(from, &p)) > 0) {
		if (n > chunk)
			n = chunk;
		n = bb_tls_session_net_in(to, p, n, now);
		if (!n)
			break;
		bb_tls_session_out_done(from, n, now);
		bb_tls_session_step(to, now);
	}
}

static void shuttle(size_t chunk, int rounds)
{
	int i;

	for (i = 0; i < rounds; i++) {
		bb_tls_session_step(&cli, now);
		move(&cli, &srv, chunk);
		bb_tls_session_step(&srv, now);
		move(&srv, &cli, chunk);
	}
}

static void test_ip_san_verified(void)
{
	uint8_t buf[64];
	long n;

	start("192.168.2.9");
	shuttle(100000, 20);
	CHECK_EQ(cli.state, BB_TLS_OPEN);
	CHECK_EQ(srv.state, BB_TLS_OPEN);
	CHECK_EQ(mbedtls_ssl_get_verify_result(&cli.ssl), 0);
	CHECK_EQ(bb_tls_session_write(&cli, (const uint8_t *)"GET /", 5, now),
		 5);
	shuttle(100000, 2);
	n = bb_tls_session_read(&srv, buf, sizeof(buf), now);
	CHECK_EQ(n, 5);
	CHECK(!memcmp(buf, "GET /", 5));
	CHECK_EQ(bb_tls_session_write(&srv, (const uint8_t *)"200", 3, now), 3);
	bb_tls_session_shutdown(&srv, now);
	shuttle(100000, 3);
	CHECK_EQ(bb_tls_session_read(&cli, buf, sizeof(buf), now), 3);
	CHECK_EQ(bb_tls_session_read(&cli, buf, sizeof(buf), now), 0);
	CHECK_EQ(cli.state, BB_TLS_CLOSED);
	stop();
}

/* the server's flights a byte at a time: the client's input is framed by
 * the session, not by the calls */
static void test_byte_by_byte(void)
{
	start("192.168.2.9");
	shuttle(1, 200);
	CHECK_EQ(cli.state, BB_TLS_OPEN);
	stop();
}

static void expect_refused(const char *h)
{
	start(h);
	shuttle(100000, 20);
	CHECK_EQ(cli.state, BB_TLS_FAILED);
	CHECK_EQ(cli.err, BB_ECRYPTO);
	CHECK_EQ(cli.tls_err, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
	CHECK(mbedtls_ssl_get_verify_result(&cli.ssl) &
	      MBEDTLS_X509_BADCERT_CN_MISMATCH);
	stop();
}

static void test_other_ip_refused(void)
{
	expect_refused("192.168.2.10");
}

static void test_name_refused(void)
{
	expect_refused("factory.test");
}

static void test_garbage_from_server(void)
{
	static const uint8_t junk[] = "HTTP/1.1 400 Bad Request\r\n\r\n";

	start("192.168.2.9");
	bb_tls_session_step(&cli, now);
	bb_tls_session_net_in(&cli, junk, sizeof(junk) - 1, now);
	bb_tls_session_step(&cli, now);
	CHECK_EQ(cli.state, BB_TLS_FAILED);
	CHECK_EQ(cli.err, BB_ECRYPTO);
	stop();
}

static void test_server_leaves_in_handshake(void)
{
	start("192.168.2.9");
	bb_tls_session_step(&cli, now);
	move(&cli, &srv, 100000);
	bb_tls_session_step(&srv, now);
	move(&srv, &cli, 40); /* part of the server's first flight */
	bb_tls_session_net_eof(&cli);
	bb_tls_session_step(&cli, now);
	CHECK_EQ(cli.state, BB_TLS_FAILED);
	CHECK_EQ(cli.err, BB_EIO);
	stop();
}

static int sans_of(const unsigned char *ext, size_t len, uint32_t *ips)
{
	mbedtls_x509_crt c;

	memset(&c, 0, sizeof(c));
	c.v3_ext.p = (unsigned char *)ext;
	c.v3_ext.len = len;
	return bb_x509_ip_sans(&c, ips, 4);
}

/* Extensions: SEQUENCE { SEQUENCE { OID 2.5.29.17, OCTET STRING { v } } } */
static void test_san_reader(void)
{
	static const unsigned char good[] = {
	    0x30, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04,
	    0x08, 0x30, 0x06, 0x87, 0x04, 10,	0,    0,    1};
	/* an IPv6 SAN (16 bytes) is skipped, a DNS one too */
	static const unsigned char mixed[] = {
	    0x30, 0x27, 0x30, 0x25, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04, 0x1e,
	    0x30, 0x1c, 0x82, 0x02, 'a',  'b',	0x87, 0x10, 0,	  0,	0,
	    0,	  0,	0,    0,    0,	  0,	0,    0,    0,	  0,	0,
	    0,	  1,	0x87, 0x04, 1,	  2,	3,    4};
	static const unsigned char trunc[] = {0x30, 0x11, 0x30, 0x0f,
					      0x06, 0x03, 0x55};
	static const unsigned char bad_len[] = {
	    0x30, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04,
	    0x08, 0x30, 0x06, 0x87, 0x09, 10,	0,    0,    1};
	static const unsigned char not_seq[] = {0x30, 0x0d, 0x30, 0x0b, 0x06,
						0x03, 0x55, 0x1d, 0x11, 0x04,
						0x04, 0x04, 0x02, 0x87, 0x00};
	static const unsigned char other_ext[] = {0x30, 0x0b, 0x30, 0x09, 0x06,
						  0x03, 0x55, 0x1d, 0x0f, 0x04,
						  0x02, 0x03, 0x00};
	uint32_t ips[4] = {0};

	CHECK_EQ(sans_of(good, sizeof(good), ips), 1);
	CHECK_EQ(ips[0], 0x0a000001u);
	CHECK_EQ(sans_of(mixed, sizeof(mixed), ips), 1);
	CHECK_EQ(ips[0], 0x01020304u);
	CHECK_EQ(sans_of(trunc, sizeof(trunc), ips), -1);
	CHECK_EQ(sans_of(bad_len, sizeof(bad_len), ips), -1);
	CHECK_EQ(sans_of(not_seq, sizeof(not_seq), ips), -1);
	CHECK_EQ(sans_of(other_ext, sizeof(other_ext), ips), 0);
	CHECK_EQ(sans_of(good, 0, ips), 0);
	/* no extensions at all (a v1 certificate): none, and no pointer
	 * arithmetic on NULL (fuzz_tls_client found it under UBSan) */
	CHECK_EQ(sans_of(NULL, 0, ips), 0);
	CHECK_EQ(bb_x509_ip_sans(&ipcrt, ips, 4), 1);
	CHECK_EQ(ips[0], 0xc0a80209u);
}

int main(void)
{
	setup_once();
	RUN(test_ip_san_verified);
	RUN(test_byte_by_byte);
	RUN(test_other_ip_refused);
	RUN(test_name_refused);
	RUN(test_garbage_from_server);
	RUN(test_server_leaves_in_handshake);
	RUN(test_san_reader);
	return bb_test_done();
}
