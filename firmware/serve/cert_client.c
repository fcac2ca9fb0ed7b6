#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>

#include "board/linux/cert_check.h"
#include "board/linux/dir_swap.h"
#include "board/board.h"
#include "board/linux/http_client.h"
#include "board/linux/pki_keys.h"
#include "certs/cfssl_reply.h"
#include "certs/cfssl_request.h"
#include "certs/csr_template.h"
#include "certs/san.h"
#include "common/err.h"
#include "common/sanitize.h"
#include "firmware/serve/cert_client.h"

/* Everything one request needs, built up step by step. */
struct req {
	const struct bb_cfg_pki *pki;
	struct bb_san_list sans;
	uint8_t auth[64];
	size_t auth_len;
	mbedtls_pk_context key;
	struct bb_buf csr, key_pem;
	char *leaf, *signer;
	char *msg;
	size_t cap;
	void (*warn)(const char *line);
};

void bb_cert_paths(const struct bb_config *cfg, struct bb_cert_paths *p)
{
	snprintf(p->dir, sizeof(p->dir), "%s/certs", cfg->appliance.state_dir);
	snprintf(p->key, sizeof(p->key), "%s/bootbox.key", p->dir);
	snprintf(p->crt, sizeof(p->crt), "%s/bootbox.crt", p->dir);
	snprintf(p->chain, sizeof(p->chain), "%s/chain.pem", p->dir);
}

static int names_from_cfg(const struct bb_cfg_pki *pki, struct bb_csr_names *n)
{
	size_t i;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < pki->nnames; i++) {
		const char *k = pki->names[i].key, *v = pki->names[i].val;
		char *dst = !strcmp(k, "C")    ? n->c
			    : !strcmp(k, "ST") ? n->st
			    : !strcmp(k, "L")  ? n->l
			    : !strcmp(k, "O")  ? n->o
					       : n->ou;

		if (strlen(v) >= BB_CSR_FIELD_MAX)
			return BB_EINVAL;
		strcpy(dst, v);
	}
	return 0;
}

static int read_auth_key(struct req *r)
{
	struct bb_buf b = {0};
	int rc;

	if (!r->pki->auth_key_file)
		return 0;
	rc = bb_read_file(r->pki->auth_key_file, &b, 4096);
	if (!rc)
		rc = bb_cfssl_auth_key(b.p ? b.p : "", b.len, r->auth,
				       sizeof(r->auth), &r->auth_len);
	if (b.p)
		mbedtls_platform_zeroize(b.p, b.cap);
	bb_buf_free(&b);
	if (rc)
		snprintf(r->msg, r->cap, "%s: %s", r->pki->auth_key_file,
			 rc == BB_ENOENT ? "no such file"
			 : rc == BB_EIO	 ? "cannot read it"
					 : "expected 32 hex characters");
	return rc;
}

/* Validates the configuration side before any key is made. */
static int prepare(struct req *r)
{
	const struct bb_cfg_pki *pki = r->pki;
	size_t bad = 0;
	int rc;

	if (!pki->enabled || !pki->cn || !pki->ca_bundle) {
		snprintf(r->msg, r->cap, "%s",
			 !pki->enabled ? "no pki: section in the configuration"
			 : !pki->cn    ? "pki.cn is required"
				       : "pki.ca_bundle is required (the "
					 "certificate is checked against it)");
		return BB_EINVAL;
	}
	rc = bb_san_from_hosts((const char *const *)pki->hosts, pki->nhosts,
			       &r->sans, &bad);
	if (rc) {
		snprintf(r->msg, r->cap,
			 "pki.hosts[%zu]: '%s' is neither an "
			 "IPv4 address nor a DNS name",
			 bad, rc == BB_EINVAL ? pki->hosts[bad] : "(too many)");
		return rc;
	}
	if (!strncmp(pki->endpoint, "http://", 7) && r->warn)
		r->warn("pki.endpoint is plain http: the request and the "
			"certificate travel unprotected (the certificate is "
			"still checked against pki.ca_bundle)");
	return read_auth_key(r);
}

static int make_csr(struct req *r)
{
	struct bb_csr_names names;
	uint8_t san[BB_SAN_MAX * 260];
	char subject[1024];
	long slen = bb_san_der(&r->sans, san, sizeof(san));
	int rc;

	if (names_from_cfg(r->pki, &names) ||
	    bb_csr_subject(r->pki->cn, &names, subject, sizeof(subject))) {
		snprintf(r->msg, r->cap,
			 "pki.cn or pki.names: a value mbedTLS "
			 "cannot put in a subject");
		return BB_EINVAL;
	}
	if (slen < 0)
		return (int)slen;
	if ((rc = bb_pki_gen_key(&r->key)) ||
	    (rc = bb_pki_make_csr(&r->key, subject, san,
				  r->sans.n ? (size_t)slen : 0, &r->csr)) ||
	    (rc = bb_pki_key_pem(&r->key, &r->key_pem)))
		snprintf(r->msg, r->cap, "making the key and CSR failed: %s",
			 bb_strerror(rc));
	return rc;
}

/* POSTs body to endpoint + path and decodes the cfssl envelope; the
 * certificate it carries goes to *cert. */
static int call(struct req *r, const char *path, const struct bb_buf *body,
		char **cert)
{
	struct bb_http_req hr = {0};
	struct bb_http_resp resp;
	struct bb_cfssl_reply rep;
	char url[1024], net[512], clean[300];
	const char *why;
	size_t n = strlen(r->pki->endpoint);
	int rc;

	while (n && r->pki->endpoint[n - 1] == '/')
		n--;
	snprintf(url, sizeof(url), "%.*s%s", (int)n, r->pki->endpoint, path);
	hr.url = url;
	hr.ca_bundle = r->pki->ca_bundle;
	hr.body = body->p;
	hr.len = body->len;
	hr.timeout_ms = r->pki->timeout * 1000;
	if ((rc = bb_http_post(&hr, &resp, net, sizeof(net)))) {
		snprintf(r->msg, r->cap, "PKI unreachable: %s", net);
		return rc;
	}
	rc = bb_cfssl_reply_parse(resp.body.p ? resp.body.p : "", resp.body.len,
				  &rep, &why);
	if (rc)
		snprintf(r->msg, r->cap,
			 "PKI reply (HTTP %d) is not a cfssl "
			 "answer: %s",
			 resp.status, why);
	else if (!rep.success || resp.status != 200) {
		bb_sanitize(clean, sizeof(clean), rep.message,
			    strlen(rep.message));
		snprintf(r->msg, r->cap,
			 "PKI refused %s: %s (code %ld, HTTP "
			 "%d)",
			 path, rep.success ? "" : clean, rep.code, resp.status);
		rc = BB_EACCES;
	} else {
		*cert = rep.certificate;
		rep.certificate = NULL;
	}
	bb_cfssl_reply_free(&rep);
	bb_buf_free(&resp.body);
	return rc;
}

static int sign(struct req *r)
{
	struct bb_cfssl_sign s = {r->csr.p, (const char *const *)r->pki->hosts,
				  r->pki->nhosts, r->pki->profile,
				  r->pki->label};
	struct bb_buf R = {0}, body = {0};
	uint8_t mac[32];
	int rc = bb_cfssl_sign_request(&s, &R);

	if (!rc && r->auth_len) {
		/* the token covers exactly the request bytes we send */
		if (mbedtls_md_hmac(
			mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), r->auth,
			r->auth_len, (uint8_t *)R.p, R.len, mac))
			rc = BB_ECRYPTO;
		else
			rc = bb_cfssl_authsign_body((uint8_t *)R.p, R.len, mac,
						    (int64_t)time(NULL), &body);
	}
	if (!rc)
		rc = call(r,
			  r->auth_len ? "/api/v1/cfssl/authsign"
				      : "/api/v1/cfssl/sign",
			  r->auth_len ? &body : &R, &r->leaf);
	bb_buf_free(&R);
	bb_buf_free(&body);
	return rc;
}

/* The signer is optional: without it the bundle must hold the
 * intermediate, and chain.pem has the leaf only. */
static void fetch_signer(struct req *r)
{
	struct bb_buf body = {0};
	char saved[512];

	snprintf(saved, sizeof(saved), "%s", r->msg);
	if (bb_cfssl_info_request(r->pki->label, r->pki->profile, &body) ||
	    call(r, "/api/v1/cfssl/info", &body, &r->signer)) {
		if (r->warn) {
			char line[700];

			snprintf(line, sizeof(line),
				 "no signer certificate: %s", r->msg);
			r->warn(line);
		}
		snprintf(r->msg, r->cap, "%s", saved);
	}
	bb_buf_free(&body);
}

/* Key, certificate and chain are published together (a staged directory
 * exchanged with the live one): a reader or a restart never pairs a new
 * key with an old certificate. */
static int store(struct req *r, const struct bb_config *cfg)
{
	struct bb_cert_paths p;
	struct bb_buf chain = {0};
	char staged[1100], path[1200];
	int rc;

	bb_cert_paths(cfg, &p);
	bb_buf_puts(&chain, r->leaf);
	if (r->signer) {
		if (chain.len && chain.p[chain.len - 1] != '\n')
			bb_buf_puts(&chain, "\n");
		bb_buf_puts(&chain, r->signer);
	}
	rc =
	    chain.err ? chain.err : bb_dir_stage(p.dir, staged, sizeof(staged));
	if (!rc) {
		snprintf(path, sizeof(path), "%s/%s", staged,
			 strrchr(p.key, '/') + 1);
		rc = bb_write_file_atomic(path, r->key_pem.p, r->key_pem.len,
					  0600);
	}
	if (!rc) {
		snprintf(path, sizeof(path), "%s/%s", staged,
			 strrchr(p.crt, '/') + 1);
		rc = bb_write_file_atomic(path, r->leaf, strlen(r->leaf), 0644);
	}
	if (!rc) {
		snprintf(path, sizeof(path), "%s/%s", staged,
			 strrchr(p.chain, '/') + 1);
		rc = bb_write_file_atomic(path, chain.p, chain.len, 0644);
	}
	if (!rc)
		rc = bb_dir_publish(staged, p.dir);
	if (rc)
		snprintf(r->msg, r->cap, "cannot write to %s: %s", p.dir,
			 bb_strerror(rc));
	bb_buf_free(&chain);
	return rc;
}

static void req_free(struct req *r)
{
	mbedtls_platform_zeroize(r->auth, sizeof(r->auth));
	if (r->key_pem.p)
		mbedtls_platform_zeroize(r->key_pem.p, r->key_pem.cap);
	bb_buf_free(&r->key_pem);
	bb_buf_free(&r->csr);
	mbedtls_pk_free(&r->key);
	free(r->leaf);
	free(r->signer);
}

int bb_cert_obtain(const struct bb_config *cfg, char *msg, size_t cap,
		   void (*warn)(const char *line))
{
	struct req r;
	struct bb_cert_check chk;
	char when[32];
	time_t not_after = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	r.pki = &cfg->pki;
	r.msg = msg;
	r.cap = cap;
	r.warn = warn;
	msg[0] = 0;
	mbedtls_pk_init(&r.key);
	if (!(rc = prepare(&r)) && !(rc = make_csr(&r)) && !(rc = sign(&r))) {
		fetch_signer(&r);
		chk.leaf_pem = r.leaf;
		chk.signer_pem = r.signer;
		chk.bundle_path = r.pki->ca_bundle;
		chk.key = &r.key;
		chk.want = &r.sans;
		rc = bb_cert_check_issued(&chk, &not_after, msg, cap);
	}
	if (!rc)
		rc = store(&r, cfg);
	if (!rc) {
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC",
			 gmtime(&not_after));
		snprintf(msg, cap,
			 "certificate for %s (%zu names) valid until "
			 "%s",
			 r.pki->cn, r.sans.n, when);
	}
	req_free(&r);
	return rc;
}

int bb_cert_due(const struct bb_config *cfg, time_t *due, time_t *not_after)
{
	struct bb_cert_paths p;
	time_t nb;
	int rc;

	bb_cert_paths(cfg, &p);
	rc = bb_cert_validity(p.crt, &nb, not_after);
	if (rc)
		return rc;
	*due = nb + (*not_after - nb) / 3 * 2;
	return 0;
}
