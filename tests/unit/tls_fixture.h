/* A TLS server and client configuration for engine tests and fuzzing: a
 * P-256 key and a self-signed certificate made in memory at first use,
 * from a DRBG with fixed entropy, so every run makes the same ones and a
 * fuzz input replays. Nothing here is a secret; nothing is freed. */
#ifndef BB_TEST_TLS_FIXTURE_H
#define BB_TEST_TLS_FIXTURE_H

#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

struct bb_tls_fixture {
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context key;
	mbedtls_x509_crt crt;
	mbedtls_ssl_config server, client;
};

static int bb_tls_fixture_entropy(void *ctx, unsigned char *out, size_t n)
{
	(void)ctx;
	memset(out, 0x5a, n);
	return 0;
}

static inline int bb_tls_fixture_seed(struct bb_tls_fixture *f)
{
	mbedtls_ctr_drbg_free(&f->drbg);
	mbedtls_ctr_drbg_init(&f->drbg);
	return mbedtls_ctr_drbg_seed(&f->drbg, bb_tls_fixture_entropy, NULL,
				     (const unsigned char *)"bootbox", 7);
}

/* A certificate for f's key, self-signed, subject and issuer name, with a
 * subjectAltName extension of san (its DER value) when not NULL, into out. */
static inline int bb_tls_fixture_crt(struct bb_tls_fixture *f, const char *name,
				     int serial_no, const unsigned char *san,
				     size_t san_len, mbedtls_x509_crt *out)
{
	unsigned char der[1024];
	mbedtls_x509write_cert w;
	mbedtls_mpi serial;
	int n;

	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	mbedtls_mpi_lset(&serial, serial_no);
	mbedtls_x509write_crt_set_subject_key(&w, &f->key);
	mbedtls_x509write_crt_set_issuer_key(&w, &f->key);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	if (mbedtls_x509write_crt_set_subject_name(&w, name) ||
	    mbedtls_x509write_crt_set_issuer_name(&w, name) ||
	    mbedtls_x509write_crt_set_serial(&w, &serial) ||
	    mbedtls_x509write_crt_set_validity(&w, "20250101000000",
					       "20450101000000") ||
	    (san && mbedtls_x509write_crt_set_extension(
			&w, MBEDTLS_OID_SUBJECT_ALT_NAME,
			MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san,
			san_len)))
		n = -1;
	else
		n = mbedtls_x509write_crt_der(
		    &w, der, sizeof(der), mbedtls_ctr_drbg_random, &f->drbg);
	mbedtls_x509write_crt_free(&w);
	mbedtls_mpi_free(&serial);
	/* the DER is written at the end of the buffer */
	return n <= 0 ? -1
		      : mbedtls_x509_crt_parse_der(out, der + sizeof(der) - n,
						   (size_t)n);
}

static inline int bb_tls_fixture_cert(struct bb_tls_fixture *f)
{
	return bb_tls_fixture_crt(f, "CN=bootbox-test", 1, NULL, 0, &f->crt);
}

static inline int bb_tls_fixture_confs(struct bb_tls_fixture *f)
{
	if (mbedtls_ssl_config_defaults(&f->server, MBEDTLS_SSL_IS_SERVER,
					MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) ||
	    mbedtls_ssl_config_defaults(&f->client, MBEDTLS_SSL_IS_CLIENT,
					MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT))
		return -1;
	mbedtls_ssl_conf_rng(&f->server, mbedtls_ctr_drbg_random, &f->drbg);
	mbedtls_ssl_conf_rng(&f->client, mbedtls_ctr_drbg_random, &f->drbg);
	mbedtls_ssl_conf_authmode(&f->client, MBEDTLS_SSL_VERIFY_NONE);
	return mbedtls_ssl_conf_own_cert(&f->server, &f->crt, &f->key);
}

/* NULL when mbedTLS cannot make them. reseed: the DRBG starts again from
 * its fixed seed (one input, one sequence of randoms). */
static inline struct bb_tls_fixture *bb_tls_fixture(int reseed)
{
	static struct bb_tls_fixture f;
	static int state; /* 0 not made, 1 made, -1 failed */

	if (state)
		return state > 0 && (!reseed || !bb_tls_fixture_seed(&f))
			   ? &f
			   : NULL;
	state = -1;
	mbedtls_pk_init(&f.key);
	mbedtls_x509_crt_init(&f.crt);
	mbedtls_ssl_config_init(&f.server);
	mbedtls_ssl_config_init(&f.client);
	mbedtls_ctr_drbg_init(&f.drbg);
	if (bb_tls_fixture_seed(&f) ||
	    mbedtls_pk_setup(&f.key,
			     mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(f.key),
				mbedtls_ctr_drbg_random, &f.drbg) ||
	    bb_tls_fixture_cert(&f) || bb_tls_fixture_confs(&f))
		return NULL;
	state = 1;
	return &f;
}

/* A client configuration that offers only a pre-shared key, which the
 * server configuration then takes too: a handshake with no public-key
 * operation, so a fuzzer runs many more. NULL when mbedTLS cannot. */
static inline const mbedtls_ssl_config *
bb_tls_fixture_psk_client(struct bb_tls_fixture *fx)
{
	static const unsigned char key[16] = "bootbox-fuzz-psk";
	static const int suites[] = {MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256,
				     0};
	static mbedtls_ssl_config c;
	static int state;

	if (state)
		return state > 0 ? &c : NULL;
	state = -1;
	mbedtls_ssl_config_init(&c);
	if (mbedtls_ssl_config_defaults(&c, MBEDTLS_SSL_IS_CLIENT,
					MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) ||
	    mbedtls_ssl_conf_psk(&c, key, sizeof(key),
				 (const unsigned char *)"fuzz", 4) ||
	    mbedtls_ssl_conf_psk(&fx->server, key, sizeof(key),
				 (const unsigned char *)"fuzz", 4))
		return NULL;
	mbedtls_ssl_conf_rng(&c, mbedtls_ctr_drbg_random, &fx->drbg);
	mbedtls_ssl_conf_ciphersuites(&c, suites);
	state = 1;
	return &c;
}

#endif
