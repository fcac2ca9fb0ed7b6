/* A server certificate + key loaded into one mbedTLS server config,
 * reference counted (board/board.h's bb_tls_cred_*): the HTTPS service
 * swaps in a renewed credential for new connections while open ones hold
 * on to theirs. */
#ifndef BB_LINUX_TLS_CRED_H
#define BB_LINUX_TLS_CRED_H

#include <stddef.h>
#include <sys/stat.h>

#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "board/board.h"

struct bb_tls_cred {
	int refs;
	mbedtls_x509_crt chain;
	mbedtls_pk_context key;
	mbedtls_ssl_config conf;
	struct stat cert_st, key_st; /* what was loaded, to spot changes */
};

#endif
