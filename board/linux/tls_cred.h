/* A server certificate + key loaded into one mbedTLS server config,
 * reference counted: the HTTPS listener swaps in a renewed credential for
 * new connections while open ones hold on to theirs. */
#ifndef BB_LINUX_TLS_CRED_H
#define BB_LINUX_TLS_CRED_H

#include <stddef.h>
#include <sys/stat.h>

#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

struct bb_tls_cred {
	int refs;
	mbedtls_x509_crt chain;
	mbedtls_pk_context key;
	mbedtls_ssl_config conf;
	struct stat cert_st, key_st; /* what was loaded, to spot changes */
};

/* Loads cert_path (PEM chain, leaf first) and key_path. NULL with one
 * line in msg when a file is missing or unreadable, or the key is not the
 * certificate's. The result has refs == 1. */
struct bb_tls_cred *bb_tls_cred_load(const char *cert_path,
				     const char *key_path, char *msg,
				     size_t cap);
void bb_tls_cred_put(struct bb_tls_cred *c); /* refs--, freed at 0 */

/* Whether the files differ from what c was loaded from (c may be NULL). */
int bb_tls_cred_changed(const struct bb_tls_cred *c, const char *cert_path,
			const char *key_path);

#endif
