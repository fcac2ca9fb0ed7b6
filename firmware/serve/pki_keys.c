#include <string.h>

#include <mbedtls/entropy.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "firmware/serve/pki_keys.h"
#include "board/board.h"
#include "common/err.h"

#define PEM_MAX 4096

/* mbedTLS's random callback on the board's cryptographic source */
static int rng(void *ctx, unsigned char *p, size_t n)
{
	(void)ctx;
	return bb_board_random(p, n) ? MBEDTLS_ERR_ENTROPY_SOURCE_FAILED : 0;
}

int bb_pki_gen_key(mbedtls_pk_context *key)
{
	if (mbedtls_pk_setup(key,
			     mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key),
				rng, NULL))
		return BB_ECRYPTO;
	return 0;
}

int bb_pki_key_pem(mbedtls_pk_context *key, struct bb_buf *out)
{
	unsigned char pem[PEM_MAX];
	int rc = mbedtls_pk_write_key_pem(key, pem, sizeof(pem));

	if (rc)
		return BB_ECRYPTO;
	bb_buf_puts(out, (const char *)pem);
	mbedtls_platform_zeroize(pem, sizeof(pem));
	return out->err;
}

/* mbedTLS takes validity as "YYYYMMDDhhmmss" in UTC. */
static void fmt_time(time_t t, char buf[16])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 16, "%Y%m%d%H%M%S", &tm);
}

static int set_serial(mbedtls_x509write_cert *w)
{
	unsigned char raw[16];
	mbedtls_mpi serial;
	int rc;

	if (bb_board_random(raw, sizeof(raw)))
		return -1;
	raw[0] &= 0x7f; /* positive, as RFC 5280 4.1.2.2 wants */
	raw[0] |= 0x40; /* and never shorter than 16 bytes */
	mbedtls_mpi_init(&serial);
	rc = mbedtls_mpi_read_binary(&serial, raw, sizeof(raw)) ||
	     mbedtls_x509write_crt_set_serial(w, &serial);
	mbedtls_mpi_free(&serial);
	return rc ? -1 : 0;
}

static int fill_ca(mbedtls_x509write_cert *w, const struct bb_pki_ca *ca)
{
	char nb[16], na[16];

	fmt_time(ca->now - 300, nb);
	fmt_time(ca->now + (time_t)ca->lifetime, na);
	mbedtls_x509write_crt_set_version(w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(w, ca->key);
	mbedtls_x509write_crt_set_issuer_key(w, ca->issuer ? ca->issuer_key
							   : ca->key);
	if (mbedtls_x509write_crt_set_subject_name(w, ca->subject) ||
	    mbedtls_x509write_crt_set_issuer_name(w, ca->issuer ? ca->issuer
								: ca->subject))
		return BB_EINVAL;
	if (set_serial(w) || mbedtls_x509write_crt_set_validity(w, nb, na) ||
	    mbedtls_x509write_crt_set_basic_constraints(w, 1, ca->pathlen) ||
	    mbedtls_x509write_crt_set_key_usage(
		w, MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN) ||
	    mbedtls_x509write_crt_set_subject_key_identifier(w) ||
	    mbedtls_x509write_crt_set_authority_key_identifier(w))
		return BB_ECRYPTO;
	return 0;
}

int bb_pki_issue_ca(const struct bb_pki_ca *ca, struct bb_buf *pem)
{
	mbedtls_x509write_cert w;
	unsigned char out[PEM_MAX];
	int rc;

	mbedtls_x509write_crt_init(&w);
	rc = fill_ca(&w, ca);
	if (!rc && mbedtls_x509write_crt_pem(&w, out, sizeof(out), rng, NULL))
		rc = BB_ECRYPTO;
	mbedtls_x509write_crt_free(&w);
	if (!rc)
		bb_buf_puts(pem, (const char *)out);
	return rc ? rc : pem->err;
}

int bb_pki_make_csr(mbedtls_pk_context *key, const char *subject,
		    const uint8_t *san_der, size_t san_len, struct bb_buf *pem)
{
	mbedtls_x509write_csr w;
	unsigned char out[PEM_MAX * 2];
	int rc = 0;

	mbedtls_x509write_csr_init(&w);
	mbedtls_x509write_csr_set_key(&w, key);
	mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA256);
	if (mbedtls_x509write_csr_set_subject_name(&w, subject))
		rc = BB_EINVAL;
	else if (san_len && mbedtls_x509write_csr_set_extension(
				&w, MBEDTLS_OID_SUBJECT_ALT_NAME,
				MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME),
				san_der, san_len))
		rc = BB_ECRYPTO;
	else if (mbedtls_x509write_csr_pem(&w, out, sizeof(out), rng, NULL))
		rc = BB_ECRYPTO;
	mbedtls_x509write_csr_free(&w);
	if (!rc)
		bb_buf_puts(pem, (const char *)out);
	return rc ? rc : pem->err;
}
