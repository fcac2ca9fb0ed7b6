/* What a cfssl PKI (or anything posing as one) can send bootbox: the API
 * envelope, and the subjectAltName DER of a certificate it issued. The
 * CSR template parser and the auth key reader take the same bytes too
 * (files an operator edits). */
#include <stdint.h>
#include <string.h>

#include "certs/cfssl_reply.h"
#include "certs/cfssl_request.h"
#include "certs/csr_template.h"
#include "certs/san.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *var(void *arg, const char *name)
{
	(void)arg;
	return name[0] == 'P' ? "x" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_cfssl_reply r;
	struct bb_san_list l, l2;
	struct bb_csr_tmpl t;
	const char *why;
	char err[128];
	uint8_t key[64], der[BB_SAN_MAX * 260];
	size_t klen;
	long n;

	if (bb_cfssl_reply_parse((const char *)data, size, &r, &why) == 0) {
		if (r.success && (!r.certificate ||
				  strncmp(r.certificate, "-----BEGIN", 10)))
			__builtin_trap();
		bb_cfssl_reply_free(&r);
	}
	/* a SAN list that parses must survive a round trip */
	if (bb_san_parse(data, size, &l) == 0 && l.other == 0) {
		n = bb_san_der(&l, der, sizeof(der));
		if (n < 0 || bb_san_parse(der, (size_t)n, &l2) ||
		    !bb_san_equal(&l, &l2))
			__builtin_trap();
	}
	bb_csr_tmpl_parse((const char *)data, size, var, NULL, &t, err,
			  sizeof(err));
	bb_cfssl_auth_key((const char *)data, size, key, sizeof(key), &klen);
	return 0;
}
