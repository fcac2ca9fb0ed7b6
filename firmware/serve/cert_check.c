#include <stdio.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "board/board.h"
#include "common/buf.h"
#include "firmware/serve/cert_check.h"
#include "http/x509_ipsan.h"
#include "common/err.h"

static time_t to_time(const mbedtls_x509_time *t)
{
	struct tm tm = {0};

	tm.tm_year = t->year - 1900;
	tm.tm_mon = t->mon - 1;
	tm.tm_mday = t->day;
	tm.tm_hour = t->hour;
	tm.tm_min = t->min;
	tm.tm_sec = t->sec;
	return timegm(&tm);
}

static int same_key(mbedtls_pk_context *a, mbedtls_pk_context *b)
{
	unsigned char da[256], db[256];
	int na = mbedtls_pk_write_pubkey_der(a, da, sizeof(da));
	int nb = mbedtls_pk_write_pubkey_der(b, db, sizeof(db));

	/* the DER is written at the end of the buffer */
	return na > 0 && na == nb &&
	       !memcmp(da + sizeof(da) - na, db + sizeof(db) - nb, (size_t)na);
}

static int check_sans(const mbedtls_x509_crt *crt,
		      const struct bb_san_list *want, char *msg, size_t cap)
{
	struct bb_san_list got = {0};
	unsigned char *der;
	size_t len;
	int rc = bb_x509_san_ext(crt, &der, &len);

	if (rc < 0 || (rc == 1 && bb_san_parse(der, len, &got))) {
		snprintf(msg, cap, "its subjectAltName does not parse");
		return BB_ECRYPTO;
	}
	if (!bb_san_equal(&got, want)) {
		snprintf(msg, cap,
			 "its subjectAltNames (%zu) are not the hosts asked "
			 "for (%zu)",
			 got.n + got.other, want->n);
		return BB_ECRYPTO;
	}
	return 0;
}

static int check_chain(mbedtls_x509_crt *chain, const char *bundle, char *msg,
		       size_t cap)
{
	mbedtls_x509_crt trust;
	uint32_t flags = 0;
	char why[200];
	int rc;

	mbedtls_x509_crt_init(&trust);
	if (mbedtls_x509_crt_parse_file(&trust, bundle) < 0) {
		mbedtls_x509_crt_free(&trust);
		snprintf(msg, cap, "cannot read the CA bundle %s", bundle);
		return BB_EINVAL;
	}
	rc = mbedtls_x509_crt_verify(chain, &trust, NULL, NULL, &flags, NULL,
				     NULL);
	mbedtls_x509_crt_free(&trust);
	if (rc) {
		mbedtls_x509_crt_verify_info(why, sizeof(why), "", flags);
		why[strcspn(why, "\n")] = 0;
		snprintf(msg, cap, "it does not chain to %s: %s", bundle, why);
		return BB_ECRYPTO;
	}
	return 0;
}

static int parse_pem(mbedtls_x509_crt *crt, const char *pem)
{
	return mbedtls_x509_crt_parse(crt, (const unsigned char *)pem,
				      strlen(pem) + 1)
		   ? -1
		   : 0;
}

int bb_cert_check_issued(const struct bb_cert_check *c, time_t *not_after,
			 char *msg, size_t cap)
{
	mbedtls_x509_crt chain;
	char why[256] = "";
	int rc = BB_ECRYPTO;

	mbedtls_x509_crt_init(&chain);
	if (parse_pem(&chain, c->leaf_pem))
		snprintf(why, sizeof(why), "it does not parse");
	else if (!same_key(&chain.pk, c->key))
		snprintf(why, sizeof(why),
			 "it is for another key than the one we sent");
	else if (c->signer_pem && parse_pem(&chain, c->signer_pem))
		snprintf(why, sizeof(why),
			 "the signer from info does not parse");
	else if (mbedtls_x509_crt_check_extended_key_usage(
		     &chain, MBEDTLS_OID_SERVER_AUTH,
		     MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)))
		snprintf(why, sizeof(why),
			 "it is not for TLS servers "
			 "(extendedKeyUsage)");
	else if (!(rc = check_chain(&chain, c->bundle_path, why, sizeof(why))))
		rc = check_sans(&chain, c->want, why, sizeof(why));
	if (!rc)
		*not_after = to_time(&chain.valid_to);
	else
		snprintf(msg, cap, "certificate refused: %s", why);
	mbedtls_x509_crt_free(&chain);
	return rc;
}

int bb_cert_validity(const char *path, time_t *not_before, time_t *not_after)
{
	mbedtls_x509_crt crt;
	struct bb_buf b = {0};
	int rc = bb_read_file(path, &b, 1 << 20);

	if (rc == BB_ENOENT)
		return rc;
	bb_buf_append(&b, "", 1); /* PEM wants its NUL counted */
	mbedtls_x509_crt_init(&crt);
	rc = rc || b.err ||
		     mbedtls_x509_crt_parse(&crt, (const unsigned char *)b.p,
					    b.len)
		 ? BB_EMALFORMED
		 : 0;
	bb_buf_free(&b);
	if (!rc) {
		*not_before = to_time(&crt.valid_from);
		*not_after = to_time(&crt.valid_to);
	}
	mbedtls_x509_crt_free(&crt);
	return rc;
}
