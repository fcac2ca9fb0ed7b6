/* cfssl CSR JSON, the format of the ring0 CA templates (the pki/ CSR files):
 *   {"CN":"Root Certificate Authority","key":{"algo":"ecdsa","size":256},
 *    "names":[{"C":"${PKI_COUNTRY}","ST":"${PKI_STATE}",...}],
 *    "ca":{"expiry":"87600h","pathlen":1}}
 * String values may name variables as ${NAME}; the caller supplies them
 * (the environment, command-line flags), so a template stays a file that
 * cfssl itself would read after shell expansion. Only ECDSA P-256 keys,
 * which is what the templates ask for. I/O-free. */
#ifndef BB_CERTS_CSR_TEMPLATE_H
#define BB_CERTS_CSR_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BB_CSR_FIELD_MAX 128

/* The subject attributes cfssl's "names" carries, in its order. */
struct bb_csr_names {
	char c[BB_CSR_FIELD_MAX], st[BB_CSR_FIELD_MAX], l[BB_CSR_FIELD_MAX],
	    o[BB_CSR_FIELD_MAX], ou[BB_CSR_FIELD_MAX];
};

struct bb_csr_tmpl {
	char cn[BB_CSR_FIELD_MAX];
	struct bb_csr_names names;
	bool has_ca;	 /* a "ca" block was present */
	uint32_t expiry; /* ca.expiry in seconds, 0: not given */
	int pathlen;	 /* ca.pathlen, -1: not given */
};

/* Looks a variable up; NULL or "" when it has no value. */
typedef const char *(*bb_csr_var_fn)(void *arg, const char *name);

/* Parses json[0..len). On error returns BB_EMALFORMED, BB_EUNSUPP (another
 * key type) or BB_ENOENT (a ${VAR} without a value) and writes one line
 * to err. */
int bb_csr_tmpl_parse(const char *json, size_t len, bb_csr_var_fn var,
		      void *arg, struct bb_csr_tmpl *out, char *err,
		      size_t errcap);

/* The subject as mbedTLS's x509_string_to_names reads it, most significant
 * first (C, ST, L, O, OU, CN), empty attributes left out, ',' escaped.
 * BB_EINVAL for a value mbedTLS 2.28 cannot escape (a backslash, control
 * characters), BB_ENOSPC when cap is too small. */
int bb_csr_subject(const char *cn, const struct bb_csr_names *n, char *buf,
		   size_t cap);

/* The built-in templates, identical to pki/root-ca-csr.json and
 * pki/intermediate-ca-csr.json (a unit test keeps them so), for an
 * installed bootbox that has no source tree next to it. */
extern const char bb_csr_root_template[];
extern const char bb_csr_intermediate_template[];

#endif
