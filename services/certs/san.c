#include <string.h>
#include <strings.h>

#include "certs/san.h"
#include "common/err.h"
#include "common/parse.h"

#define TAG_SEQUENCE 0x30
#define TAG_DNS	     0x82 /* [2] IMPLICIT IA5String */
#define TAG_IP	     0x87 /* [7] IMPLICIT OCTET STRING */

static bool dns_ok(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0 || len > BB_SAN_DNS_MAX)
		return false;
	if (len > 2 && s[0] == '*' && s[1] == '.')
		i = 2;
	for (; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return false;
	}
	return s[0] != '.' && s[len - 1] != '.';
}

int bb_san_from_hosts(const char *const *hosts, size_t n,
		      struct bb_san_list *out, size_t *bad)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (n > BB_SAN_MAX)
		return BB_ETOOBIG;
	for (i = 0; i < n; i++) {
		struct bb_san *e = &out->e[i];
		size_t len = strlen(hosts[i]);

		if (bb_parse_ipv4(hosts[i], len, &e->ip) == 0) {
			e->is_ip = true;
		} else if (dns_ok(hosts[i], len)) {
			memcpy(e->dns, hosts[i], len + 1);
		} else {
			*bad = i;
			return BB_EINVAL;
		}
	}
	out->n = n;
	return 0;
}

/* DER definite length: short form below 128, else 0x81/0x82 long form
 * (nothing here reaches 64 KiB). Returns its size, 0 if len is too big. */
static size_t put_len(uint8_t *p, size_t len)
{
	if (len < 0x80) {
		p[0] = (uint8_t)len;
		return 1;
	}
	if (len <= 0xff) {
		p[0] = 0x81;
		p[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		p[0] = 0x82;
		p[1] = (uint8_t)(len >> 8);
		p[2] = (uint8_t)len;
		return 3;
	}
	return 0;
}

long bb_san_der(const struct bb_san_list *l, uint8_t *buf, size_t cap)
{
	uint8_t body[BB_SAN_MAX * (BB_SAN_DNS_MAX + 3)];
	size_t i, blen = 0, hl;
	uint8_t head[4];

	for (i = 0; i < l->n; i++) {
		const struct bb_san *e = &l->e[i];
		uint8_t *p = body + blen;

		if (e->is_ip) {
			p[0] = TAG_IP;
			p[1] = 4;
			p[2] = (uint8_t)(e->ip >> 24);
			p[3] = (uint8_t)(e->ip >> 16);
			p[4] = (uint8_t)(e->ip >> 8);
			p[5] = (uint8_t)e->ip;
			blen += 6;
		} else {
			size_t n = strlen(e->dns);

			p[0] = TAG_DNS;
			hl = put_len(p + 1, n);
			memcpy(p + 1 + hl, e->dns, n);
			blen += 1 + hl + n;
		}
	}
	head[0] = TAG_SEQUENCE;
	hl = 1 + put_len(head + 1, blen);
	if (blen > cap || hl > cap - blen)
		return BB_ENOSPC;
	memcpy(buf, head, hl);
	memcpy(buf + hl, body, blen);
	return (long)(hl + blen);
}

/* One tag + length header at *p; the value length in *len. DER only:
 * minimal long forms are not insisted on, but the value must fit. */
static int get_tlv(const uint8_t **p, const uint8_t *end, uint8_t *tag,
		   size_t *len)
{
	const uint8_t *q = *p;
	size_t n;

	if (end - q < 2)
		return BB_EMALFORMED;
	*tag = *q++;
	n = *q++;
	if (n & 0x80) {
		size_t k = n & 0x7f;

		if (k == 0 || k > 2 || (size_t)(end - q) < k)
			return BB_EMALFORMED;
		n = 0;
		while (k--)
			n = n << 8 | *q++;
	}
	if (n > (size_t)(end - q))
		return BB_EMALFORMED;
	*p = q;
	*len = n;
	return 0;
}

int bb_san_parse(const uint8_t *der, size_t len, struct bb_san_list *out)
{
	const uint8_t *p = der, *end = der + len;
	uint8_t tag;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (get_tlv(&p, end, &tag, &n) || tag != TAG_SEQUENCE ||
	    n != (size_t)(end - p))
		return BB_EMALFORMED;
	while (p < end) {
		struct bb_san *e = &out->e[out->n];

		if (get_tlv(&p, end, &tag, &n))
			return BB_EMALFORMED;
		if (tag == TAG_IP && n == 4) {
			if (out->n == BB_SAN_MAX)
				return BB_ETOOBIG;
			e->is_ip = true;
			e->ip = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
				(uint32_t)p[2] << 8 | p[3];
			out->n++;
		} else if (tag == TAG_DNS) {
			if (out->n == BB_SAN_MAX)
				return BB_ETOOBIG;
			if (n == 0 || n > BB_SAN_DNS_MAX || memchr(p, 0, n))
				return BB_EMALFORMED;
			memcpy(e->dns, p, n);
			e->dns[n] = 0;
			out->n++;
		} else {
			/* IPv6, e-mail, URI...: never asked for, so their
			 * presence makes the certificate a mismatch */
			out->other++;
		}
		p += n;
	}
	return 0;
}

static bool has(const struct bb_san_list *l, const struct bb_san *x)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct bb_san *e = &l->e[i];

		if (e->is_ip != x->is_ip)
			continue;
		if (e->is_ip ? e->ip == x->ip : !strcasecmp(e->dns, x->dns))
			return true;
	}
	return false;
}

bool bb_san_equal(const struct bb_san_list *a, const struct bb_san_list *b)
{
	size_t i;

	if (a->other || b->other)
		return false;
	for (i = 0; i < a->n; i++)
		if (!has(b, &a->e[i]))
			return false;
	for (i = 0; i < b->n; i++)
		if (!has(a, &b->e[i]))
			return false;
	return true;
}
