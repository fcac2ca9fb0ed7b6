#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>

#include "firmware/serve/cert_check.h"
#include "board/board.h"
#include "firmware/serve/pki_keys.h"
#include "certs/cfssl_reply.h"
#include "certs/cfssl_request.h"
#include "certs/csr_template.h"
#include "certs/san.h"
#include "common/err.h"
#include "common/sanitize.h"
#include "firmware/serve/cert_client.h"

/* Everything one renewal needs, built up step by step. pki is the
 * configuration's, read only while the renewal starts (a reload may free
 * it later); what the replies need is copied. */
struct bb_cert_job {
	const struct bb_cfg_pki *pki;
	char *endpoint, *ca_bundle, *cn, *label, *profile;
	uint32_t timeout_ms;
	struct bb_cert_paths paths;
	struct bb_san_list sans;
	uint8_t auth[64];
	size_t auth_len;
	mbedtls_pk_context key;
	struct bb_buf csr, key_pem;
	char *leaf, *signer;
	char *msg;
	size_t cap;
	char msgbuf[1024];
	void (*warn)(const char *line);
	struct bb_board_fetch *f;
	const char *sign_path;
	bb_cert_done_fn done;
	void *arg;
};
#define req bb_cert_job

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

static int ask(struct req *r, const char *path, const struct bb_buf *body,
	       bb_board_fetch_fn fn)
{
	struct bb_board_fetch_req q = {0};
	char url[1024];
	size_t n = strlen(r->endpoint);
	int rc;

	while (n && r->endpoint[n - 1] == '/')
		n--;
	snprintf(url, sizeof(url), "%.*s%s", (int)n, r->endpoint, path);
	q.method = "POST";
	q.url = url;
	q.ca_path = r->ca_bundle;
	q.body = body->p;
	q.body_len = body->len;
	q.timeout_ms = r->timeout_ms;
	rc = bb_board_fetch_start(&q, fn, r, &r->f);
	if (rc)
		snprintf(r->msg, r->cap, "PKI unreachable: %s",
			 bb_board_errmsg());
	return rc;
}

/* Decodes the cfssl envelope of the reply to path; the certificate it
 * carries goes to *cert. */
static int decode(struct req *r, const char *path,
		  const struct bb_board_fetch_result *res, char **cert)
{
	struct bb_cfssl_reply rep;
	char clean[300];
	const char *why;
	int rc;

	if (res->err) {
		snprintf(r->msg, r->cap, "PKI unreachable: %s", res->msg);
		return res->err;
	}
	rc = bb_cfssl_reply_parse(res->body ? (const char *)res->body : "",
				  res->len, &rep, &why);
	if (rc)
		snprintf(r->msg, r->cap,
			 "PKI reply (HTTP %d) is not a cfssl "
			 "answer: %s",
			 res->status, why);
	else if (!rep.success || res->status != 200) {
		bb_sanitize(clean, sizeof(clean), rep.message,
			    strlen(rep.message));
		snprintf(r->msg, r->cap,
			 "PKI refused %s: %s (code %ld, HTTP "
			 "%d)",
			 path, rep.success ? "" : clean, rep.code, res->status);
		rc = BB_EACCES;
	} else {
		*cert = rep.certificate;
		rep.certificate = NULL;
	}
	bb_cfssl_reply_free(&rep);
	return rc;
}

static void on_sign(void *arg, const struct bb_board_fetch_result *res);

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
	r->sign_path =
	    r->auth_len ? "/api/v1/cfssl/authsign" : "/api/v1/cfssl/sign";
	if (!rc)
		rc = ask(r, r->sign_path, r->auth_len ? &body : &R, on_sign);
	bb_buf_free(&R);
	bb_buf_free(&body);
	return rc;
}

static void finish(struct req *r, int rc);
static void check_and_store(struct req *r);

static void signer_missing(struct req *r)
{
	char line[1200];

	if (r->warn) {
		snprintf(line, sizeof(line), "no signer certificate: %s",
			 r->msg);
		r->warn(line);
	}
	r->msg[0] = 0;
}

static void on_info(void *arg, const struct bb_board_fetch_result *res)
{
	struct req *r = arg;

	r->f = NULL;
	if (decode(r, "/api/v1/cfssl/info", res, &r->signer))
		signer_missing(r);
	check_and_store(r);
}

/* The signer is optional: without it the bundle must hold the
 * intermediate, and chain.pem has the leaf only. */
static void on_sign(void *arg, const struct bb_board_fetch_result *res)
{
	struct req *r = arg;
	struct bb_buf body = {0};
	int rc;

	r->f = NULL;
	if ((rc = decode(r, r->sign_path, res, &r->leaf))) {
		finish(r, rc);
		return;
	}
	if (bb_cfssl_info_request(r->label, r->profile, &body) ||
	    ask(r, "/api/v1/cfssl/info", &body, on_info)) {
		signer_missing(r);
		check_and_store(r);
	}
	bb_buf_free(&body);
}

/* Key, certificate and chain are published together (a staged directory
 * exchanged with the live one): a reader or a restart never pairs a new
 * key with an old certificate. */
static int store(struct req *r)
{
	const struct bb_cert_paths p = r->paths;
	struct bb_buf chain = {0};
	char staged[1100], path[1200];
	int rc;

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
	bb_board_fetch_cancel(r->f);
	mbedtls_platform_zeroize(r->auth, sizeof(r->auth));
	if (r->key_pem.p)
		mbedtls_platform_zeroize(r->key_pem.p, r->key_pem.cap);
	bb_buf_free(&r->key_pem);
	bb_buf_free(&r->csr);
	mbedtls_pk_free(&r->key);
	free(r->leaf);
	free(r->signer);
	free(r->endpoint);
	free(r->ca_bundle);
	free(r->cn);
	free(r->label);
	free(r->profile);
	free(r);
}

static void finish(struct req *r, int rc)
{
	r->done(r->arg, rc, r->msg);
	req_free(r);
}

static void check_and_store(struct req *r)
{
	struct bb_cert_check chk;
	char when[32];
	time_t not_after = 0;
	int rc;

	chk.leaf_pem = r->leaf;
	chk.signer_pem = r->signer;
	chk.bundle_path = r->ca_bundle;
	chk.key = &r->key;
	chk.want = &r->sans;
	rc = bb_cert_check_issued(&chk, &not_after, r->msg, r->cap);
	if (!rc)
		rc = store(r);
	if (!rc) {
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC",
			 gmtime(&not_after));
		snprintf(r->msg, r->cap,
			 "certificate for %s (%zu names) valid until "
			 "%s",
			 r->cn, r->sans.n, when);
	}
	finish(r, rc);
}

static char *dup_opt(const char *s, bool *fail)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*fail = true;
	return d;
}

int bb_cert_obtain_start(const struct bb_config *cfg,
			 void (*warn)(const char *line), bb_cert_done_fn done,
			 void *arg, struct bb_cert_job **out, char *msg,
			 size_t cap)
{
	struct req *r = calloc(1, sizeof(*r));
	bool fail = !r;
	int rc;

	*out = NULL;
	msg[0] = 0;
	if (fail) {
		snprintf(msg, cap, "out of memory");
		return BB_ENOMEM;
	}
	r->pki = &cfg->pki;
	r->msg = r->msgbuf;
	r->cap = sizeof(r->msgbuf);
	r->warn = warn;
	r->done = done;
	r->arg = arg;
	mbedtls_pk_init(&r->key);
	bb_cert_paths(cfg, &r->paths);
	r->endpoint = dup_opt(cfg->pki.endpoint, &fail);
	r->ca_bundle = dup_opt(cfg->pki.ca_bundle, &fail);
	r->cn = dup_opt(cfg->pki.cn, &fail);
	r->label = dup_opt(cfg->pki.label, &fail);
	r->profile = dup_opt(cfg->pki.profile, &fail);
	r->timeout_ms = cfg->pki.timeout * 1000;
	rc = fail ? BB_ENOMEM : prepare(r);
	if (!rc)
		rc = make_csr(r);
	if (!rc)
		rc = sign(r);
	r->pki = NULL;
	if (rc) {
		snprintf(msg, cap, "%s", fail ? "out of memory" : r->msg);
		r->f = NULL;
		req_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void bb_cert_obtain_cancel(struct bb_cert_job *r)
{
	if (r)
		req_free(r);
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
