#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>

#include "common/parse.h"
#include "http/x509_ipsan.h"

/* GeneralNames: SEQUENCE OF GeneralName; iPAddress is [7] IMPLICIT OCTET
 * STRING (RFC 5280 4.2.1.6). */
static int scan_names(unsigned char *p, const unsigned char *end, uint32_t *ips,
		      size_t cap)
{
	size_t len;
	int n = 0;

	if (mbedtls_asn1_get_tag(&p, end, &len,
				 MBEDTLS_ASN1_CONSTRUCTED |
				     MBEDTLS_ASN1_SEQUENCE) ||
	    len != (size_t)(end - p))
		return -1;
	while (p < end) {
		unsigned char tag = *p++;

		if (mbedtls_asn1_get_len(&p, end, &len))
			return -1;
		if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && len == 4) {
			if ((size_t)n < cap)
				ips[n] = (uint32_t)p[0] << 24 |
					 (uint32_t)p[1] << 16 |
					 (uint32_t)p[2] << 8 | p[3];
			n++;
		}
		p += len;
	}
	return n;
}

int bb_x509_san_ext(const mbedtls_x509_crt *crt, unsigned char **der,
		    size_t *der_len)
{
	unsigned char *p = crt->v3_ext.p;
	const unsigned char *end;
	size_t len;

	if (!p || !crt->v3_ext.len)
		return 0; /* no extensions (a v1 certificate) */
	end = p + crt->v3_ext.len;
	/* v3_ext may start at the [3] EXPLICIT wrapper */
	if (*p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED |
		   3) &&
	    mbedtls_asn1_get_tag(&p, end, &len,
				 MBEDTLS_ASN1_CONTEXT_SPECIFIC |
				     MBEDTLS_ASN1_CONSTRUCTED | 3))
		return -1;
	if (mbedtls_asn1_get_tag(&p, end, &len,
				 MBEDTLS_ASN1_CONSTRUCTED |
				     MBEDTLS_ASN1_SEQUENCE))
		return -1;
	end = p + len;
	while (p < end) {
		unsigned char *ext_end, *oid;
		size_t oid_len;
		int critical;

		if (mbedtls_asn1_get_tag(&p, end, &len,
					 MBEDTLS_ASN1_CONSTRUCTED |
					     MBEDTLS_ASN1_SEQUENCE))
			return -1;
		ext_end = p + len;
		if (mbedtls_asn1_get_tag(&p, ext_end, &oid_len,
					 MBEDTLS_ASN1_OID))
			return -1;
		oid = p;
		p += oid_len;
		if (mbedtls_asn1_get_bool(&p, ext_end, &critical) &&
		    p >= ext_end)
			return -1;
		if (mbedtls_asn1_get_tag(&p, ext_end, &len,
					 MBEDTLS_ASN1_OCTET_STRING))
			return -1;
		if (oid_len == MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME) &&
		    !memcmp(oid, MBEDTLS_OID_SUBJECT_ALT_NAME, oid_len)) {
			*der = p;
			*der_len = len;
			return 1;
		}
		p = ext_end;
	}
	return 0;
}

int bb_x509_ip_sans(const mbedtls_x509_crt *crt, uint32_t *ips, size_t cap)
{
	unsigned char *p;
	size_t len;
	int rc = bb_x509_san_ext(crt, &p, &len);

	return rc <= 0 ? rc : scan_names(p, p + len, ips, cap);
}

static int verify_ip(void *ctx, mbedtls_x509_crt *crt, int depth,
		     uint32_t *flags)
{
	const struct bb_tls_host *h = ctx;
	uint32_t ips[16];
	int i, n;

	if (depth != 0 || !(*flags & MBEDTLS_X509_BADCERT_CN_MISMATCH))
		return 0;
	n = bb_x509_ip_sans(crt, ips, 16);
	for (i = 0; i < n && i < 16; i++)
		if (ips[i] == h->ip) {
			*flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
			break;
		}
	return 0;
}

int bb_tls_set_host(mbedtls_ssl_config *conf, mbedtls_ssl_context *ssl,
		    struct bb_tls_host *h, const char *host)
{
	uint32_t ip;

	memset(h, 0, sizeof(*h));
	if (strlen(host) >= sizeof(h->name))
		return -1;
	strcpy(h->name, host);
	h->is_ip = !bb_parse_ipv4(host, strlen(host), &ip);
	if (h->is_ip) {
		h->ip = ip;
		mbedtls_ssl_conf_verify(conf, verify_ip, h);
	}
	/* for an IP the name check fails unless verify_ip clears it; a CN or
	 * DNS SAN that spells the IP out is accepted by mbedTLS as well */
	return mbedtls_ssl_set_hostname(ssl, host) ? -1 : 0;
}
