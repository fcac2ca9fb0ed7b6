#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "firmware/cmd/pki_ca.h"
#include "firmware/serve/pki_keys.h"
#include "common/err.h"

#define ROOT_LIFETIME (87600u * 3600)
#define INT_LIFETIME  (70080u * 3600)

static void wipe(struct bb_buf *b)
{
	if (b->p)
		mbedtls_platform_zeroize(b->p, b->cap);
	bb_buf_free(b);
}

void bb_pki_ca_set_free(struct bb_pki_ca_set *s)
{
	bb_buf_free(&s->root_crt);
	bb_buf_free(&s->int_crt);
	wipe(&s->root_key);
	wipe(&s->int_key);
}

int bb_pki_make_cas(const struct bb_csr_tmpl *root,
		    const struct bb_csr_tmpl *inter, time_t now,
		    struct bb_pki_ca_set *out, char *msg, size_t cap)
{
	char rsubj[1024], isubj[1024];
	mbedtls_pk_context rkey, ikey;
	struct bb_pki_ca rca = {0}, ica = {0};
	int rc;

	memset(out, 0, sizeof(*out));
	if (bb_csr_subject(root->cn, &root->names, rsubj, sizeof(rsubj)) ||
	    bb_csr_subject(inter->cn, &inter->names, isubj, sizeof(isubj))) {
		snprintf(msg, cap,
			 "a subject attribute holds a backslash, a "
			 "control character or a leading blank");
		return BB_EINVAL;
	}
	mbedtls_pk_init(&rkey);
	mbedtls_pk_init(&ikey);
	rca.subject = rsubj;
	rca.key = &rkey;
	rca.lifetime = root->expiry ? root->expiry : ROOT_LIFETIME;
	rca.pathlen = root->pathlen;
	rca.now = now;
	ica.subject = isubj;
	ica.key = &ikey;
	ica.issuer = rsubj;
	ica.issuer_key = &rkey;
	ica.lifetime = inter->expiry ? inter->expiry : INT_LIFETIME;
	ica.pathlen = inter->pathlen >= 0 ? inter->pathlen : 1;
	ica.now = now;
	if ((rc = bb_pki_gen_key(&rkey)) || (rc = bb_pki_gen_key(&ikey)) ||
	    (rc = bb_pki_issue_ca(&rca, &out->root_crt)) ||
	    (rc = bb_pki_issue_ca(&ica, &out->int_crt)) ||
	    (rc = bb_pki_key_pem(&rkey, &out->root_key)) ||
	    (rc = bb_pki_key_pem(&ikey, &out->int_key))) {
		snprintf(msg, cap, "making the CA failed: %s", bb_strerror(rc));
		bb_pki_ca_set_free(out);
	}
	mbedtls_pk_free(&rkey);
	mbedtls_pk_free(&ikey);
	return rc;
}
