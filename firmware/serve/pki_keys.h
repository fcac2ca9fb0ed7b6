/* Key and certificate making for the PKI bootstrap and the certificate
 * client, with mbedTLS: ECDSA P-256 keys, CA certificates (the root signs
 * itself, the intermediate is signed by the root) and PKCS#10 CSRs. PEM out
 * into a bb_buf; nothing touches files here. Randomness from the board
 * (bb_board_random). Every function returns 0 or a negative BB_E* (BB_ECRYPTO
 * for an mbedTLS failure, BB_EINVAL for a subject mbedTLS refuses). */
#ifndef BB_PKI_KEYS_H
#define BB_PKI_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mbedtls/pk.h>

#include "common/buf.h"

/* key must be mbedtls_pk_init()ed; the caller frees it. */
int bb_pki_gen_key(mbedtls_pk_context *key);
/* SEC1 "EC PRIVATE KEY" PEM, what cfssl writes and reads. */
int bb_pki_key_pem(mbedtls_pk_context *key, struct bb_buf *out);

struct bb_pki_ca {
	const char *subject;	 /* mbedTLS DN string, see bb_csr_subject */
	mbedtls_pk_context *key; /* the new CA's key */
	const char *issuer;	 /* NULL: self-signed (a root) */
	mbedtls_pk_context *issuer_key;
	uint32_t lifetime; /* seconds from now */
	int pathlen;	   /* -1: unlimited */
	time_t now;
};

/* A CA certificate: basicConstraints CA:TRUE (with pathlen), keyUsage
 * keyCertSign + cRLSign, subject and authority key identifiers, ECDSA with
 * SHA-256, a random 127-bit serial, notBefore five minutes back (as cfssl
 * does, for clocks slightly behind). */
int bb_pki_issue_ca(const struct bb_pki_ca *ca, struct bb_buf *pem);

/* A CSR for key with subject and, when san_len > 0, a subjectAltName
 * extension holding san_der (GeneralNames, from bb_san_der). */
int bb_pki_make_csr(mbedtls_pk_context *key, const char *subject,
		    const uint8_t *san_der, size_t san_len, struct bb_buf *pem);

#endif
