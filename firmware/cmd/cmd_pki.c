/* bootbox pki init [--out DIR]: the ring0 PKI bootstrap without cfssl on
 * the workstation. Makes an ECDSA P-256 root CA and an intermediate it
 * signs from cfssl CSR templates (built in, or --templates DIR holding
 * root-ca-csr.json and intermediate-ca-csr.json, as in pki/), a random
 * auth key, the cfssl signing config and a multirootca roots file, so that
 * `multirootca -roots DIR/multiroot-profile.ini` serves straight from DIR.
 * An existing CA is never replaced: a second run says what is there. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>

#include "board/linux/fsutil.h"
#include "firmware/cmd/pki_ca.h"
#include "board/linux/tls_rng.h"
#include "certs/cfssl_config.h"
#include "certs/csr_template.h"
#include "common/err.h"
#include "firmware/cmd/cli.h"

/* The subject attributes: a flag, else the ring0 environment variable. */
static const struct {
	const char *flag, *var;
} attrs[] = {
    {"--country", "PKI_COUNTRY"},   {"--state", "PKI_STATE"},
    {"--location", "PKI_LOCATION"}, {"--org", "PKI_ORG"},
    {"--org-unit", "PKI_ORG_UNIT"},
};
#define NATTRS (sizeof(attrs) / sizeof(attrs[0]))

/* Every file pki init writes; any one of them present means a CA is
 * already there. */
static const char *const outputs[] = {
    "root-ca.pem",
    "root-ca-key.pem",
    "intermediate-ca.pem",
    "intermediate-ca-key.pem",
    "intermediate-fullchain.pem",
    "bundle.crt",
    "auth.key",
    "config.json",
    "multiroot-profile.ini",
};
#define NOUTPUTS (sizeof(outputs) / sizeof(outputs[0]))

struct opts {
	const char *out, *templates, *label;
	const char *attr[NATTRS];
};

static const char *lookup(void *arg, const char *name)
{
	const struct opts *o = arg;
	size_t i;

	for (i = 0; i < NATTRS; i++)
		if (!strcmp(name, attrs[i].var) && o->attr[i])
			return o->attr[i];
	return getenv(name);
}

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: bootbox pki init [--out DIR] [--templates DIR] "
		   "[--label NAME]\n"
		   "         [--country C] [--state ST] [--location L] "
		   "[--org O] [--org-unit OU]\n"
		   "Subject attributes default to PKI_COUNTRY, PKI_STATE, "
		   "PKI_LOCATION, PKI_ORG,\nPKI_ORG_UNIT. DIR defaults to "
		   "dist/, NAME (the multirootca label) to microcloud.\n");
	return rc;
}

static int parse_args(int argc, char **argv, struct opts *o, int *help)
{
	int i, init = 0;
	size_t k;

	memset(o, 0, sizeof(*o));
	o->out = "dist";
	o->label = "microcloud";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			*help = 1;
			continue;
		}
		if (!strcmp(a, "init") && !init) {
			init = 1;
			continue;
		}
		if (!v || a[0] != '-')
			return -1;
		i++;
		if (!strcmp(a, "--out"))
			o->out = v;
		else if (!strcmp(a, "--templates"))
			o->templates = v;
		else if (!strcmp(a, "--label"))
			o->label = v;
		else {
			for (k = 0; k < NATTRS; k++)
				if (!strcmp(a, attrs[k].flag))
					break;
			if (k == NATTRS)
				return -1;
			o->attr[k] = v;
		}
	}
	return init || *help ? 0 : -1;
}

static int load_template(const struct opts *o, const char *file,
			 const char *builtin, struct bb_csr_tmpl *t)
{
	struct bb_buf b = {0};
	char path[PATH_MAX], err[256];
	const char *src = builtin;
	size_t len = strlen(builtin);
	int rc;

	if (o->templates) {
		snprintf(path, sizeof(path), "%s/%s", o->templates, file);
		if (bb_read_file(path, &b, 65536)) {
			fprintf(stderr, "bootbox pki: cannot read %s\n", path);
			bb_buf_free(&b);
			return 1;
		}
		src = b.p ? b.p : "";
		len = b.len;
	}
	rc =
	    bb_csr_tmpl_parse(src, len, lookup, (void *)o, t, err, sizeof(err));
	if (rc)
		fprintf(stderr, "bootbox pki: %s: %s\n", file, err);
	bb_buf_free(&b);
	return rc ? 1 : 0;
}

static int refuse_existing(const char *dir)
{
	char path[PATH_MAX], list[1024] = "";
	size_t i;

	for (i = 0; i < NOUTPUTS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, outputs[i]);
		if (access(path, F_OK) == 0) {
			if (list[0])
				strncat(list, ", ",
					sizeof(list) - strlen(list) - 1);
			strncat(list, outputs[i],
				sizeof(list) - strlen(list) - 1);
		}
	}
	if (!list[0])
		return 0;
	fprintf(stderr,
		"bootbox pki: %s already holds a CA (%s): not overwriting it; "
		"move it away to start a new one\n",
		dir, list);
	return 1;
}

static int put(const char *dir, const char *name, const struct bb_buf *b,
	       mode_t mode)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (b->err || bb_write_file_atomic(path, b->p, b->len, mode)) {
		fprintf(stderr, "bootbox pki: cannot write %s\n", path);
		return 1;
	}
	return 0;
}

/* auth.key: 16 random bytes as 32 hex characters, no newline (what
 * `openssl rand -hex 16` + `echo -n` gave in ring0). */
static int make_auth_key(char hex[33])
{
	unsigned char k[16];
	int i;

	if (!bb_tls_rng() || mbedtls_ctr_drbg_random(bb_tls_rng(), k, 16))
		return 1;
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", k[i]);
	return 0;
}

/* The text outputs that depend on where DIR really is: multirootca reads
 * the roots file from any working directory, so its paths are absolute. */
static int make_texts(const char *dir, const char *label, const char *key,
		      struct bb_buf *cfg, struct bb_buf *ini)
{
	char abs[PATH_MAX], k[PATH_MAX + 32], c[PATH_MAX + 32],
	    j[PATH_MAX + 32];

	if (!realpath(dir, abs))
		return 1;
	snprintf(k, sizeof(k), "%s/intermediate-ca-key.pem", abs);
	snprintf(c, sizeof(c), "%s/intermediate-ca.pem", abs);
	snprintf(j, sizeof(j), "%s/config.json", abs);
	if (bb_cfssl_config_json(key, cfg) ||
	    bb_multiroot_ini(label, k, c, j, ini)) {
		fprintf(stderr,
			"bootbox pki: label or path unusable in an "
			"ini file: %s, %s\n",
			label, abs);
		return 1;
	}
	return 0;
}

static int write_all(const struct opts *o, struct bb_pki_ca_set *cas)
{
	struct bb_buf chain = {0}, key = {0}, cfg = {0}, ini = {0};
	char hex[33];
	int rc = 1;

	bb_buf_append(&chain, cas->root_crt.p, cas->root_crt.len);
	bb_buf_append(&chain, cas->int_crt.p, cas->int_crt.len);
	if (make_auth_key(hex) || make_texts(o->out, o->label, hex, &cfg, &ini))
		goto out;
	bb_buf_puts(&key, hex);
	/* keys and the auth key (also inside config.json) stay private */
	if (put(o->out, "root-ca-key.pem", &cas->root_key, 0600) ||
	    put(o->out, "intermediate-ca-key.pem", &cas->int_key, 0600) ||
	    put(o->out, "auth.key", &key, 0600) ||
	    put(o->out, "config.json", &cfg, 0600) ||
	    put(o->out, "multiroot-profile.ini", &ini, 0644) ||
	    put(o->out, "intermediate-ca.pem", &cas->int_crt, 0644) ||
	    put(o->out, "intermediate-fullchain.pem", &chain, 0644) ||
	    put(o->out, "bundle.crt", &chain, 0644) ||
	    put(o->out, "root-ca.pem", &cas->root_crt, 0644))
		goto out;
	rc = 0;
out:
	bb_buf_free(&chain);
	bb_buf_free(&key);
	bb_buf_free(&cfg);
	bb_buf_free(&ini);
	return rc;
}

int bb_cmd_pki(int argc, char **argv)
{
	struct bb_csr_tmpl root, inter;
	struct bb_pki_ca_set cas;
	struct opts o;
	char msg[256];
	int help = 0, rc;

	if (parse_args(argc, argv, &o, &help))
		return usage(stderr, 2);
	if (help)
		return usage(stdout, 0);
	if (refuse_existing(o.out))
		return 1;
	if (load_template(&o, "root-ca-csr.json", bb_csr_root_template,
			  &root) ||
	    load_template(&o, "intermediate-ca-csr.json",
			  bb_csr_intermediate_template, &inter))
		return 1;
	if (bb_mkdirs(o.out, 0755)) {
		fprintf(stderr, "bootbox pki: cannot create %s\n", o.out);
		return 1;
	}
	if (bb_pki_make_cas(&root, &inter, time(NULL), &cas, msg,
			    sizeof(msg))) {
		fprintf(stderr, "bootbox pki: %s\n", msg);
		return 1;
	}
	rc = write_all(&o, &cas);
	bb_pki_ca_set_free(&cas);
	if (rc)
		return 1;
	printf("CA created in %s: root-ca.pem, intermediate-ca.pem, "
	       "bundle.crt, auth.key, config.json, multiroot-profile.ini\n"
	       "keep root-ca-key.pem offline; serve with: multirootca -a "
	       "ADDR:8000 -l %s -roots %s/multiroot-profile.ini\n",
	       o.out, o.label, o.out);
	return 0;
}
