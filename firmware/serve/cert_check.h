/* The checks a certificate from the PKI passes before bootbox writes it
 * anywhere: it parses, its public key is the key we just made (a PKI, or
 * something posing as one, could hand back a certificate for another
 * key), it chains to the configured CA bundle (the signer from
 * /api/v1/cfssl/info as the only untrusted intermediate), its
 * subjectAltNames are exactly the hosts we asked for, and it may be used
 * by a TLS server. */
#ifndef BB_CERT_CHECK_H
#define BB_CERT_CHECK_H

#include <stddef.h>
#include <time.h>

#include <mbedtls/pk.h>

#include "certs/san.h"

struct bb_cert_check {
	const char *leaf_pem;	 /* from sign/authsign */
	const char *signer_pem;	 /* from info; NULL: none */
	const char *bundle_path; /* trust anchors (PEM) */
	mbedtls_pk_context *key; /* the key the CSR was made with */
	const struct bb_san_list *want;
};

/* 0 or a negative BB_E* (BB_ECRYPTO for every refusal) with one line in
 * msg. *not_after is the certificate's expiry on success. */
int bb_cert_check_issued(const struct bb_cert_check *c, time_t *not_after,
			 char *msg, size_t cap);

/* Validity of the first certificate in a PEM file: 0, BB_ENOENT (no file)
 * or BB_EMALFORMED. */
int bb_cert_validity(const char *path, time_t *not_before, time_t *not_after);

#endif
