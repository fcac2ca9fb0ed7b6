/* The trusted CAs of downloads, parsed once and shared: parsing the system
 * store (~150 certificates) costs ~3 ms of the loop per fetch, and a cold
 * `bootbox cache fetch` starts three at once. The chain is read only once
 * parsed (mbedTLS verifies against it from any thread). */
#ifndef BB_LINUX_CA_CACHE_H
#define BB_LINUX_CA_CACHE_H

#include <stddef.h>

#include <mbedtls/x509_crt.h>

/* The chain of system (NULL: the Debian default) plus bundle (NULL: none),
 * held until bb_ca_put; NULL with the reason in msg. Either source may be
 * absent, not both; a bad bundle is an error. The same pair of paths gets
 * the same chain while one holder has it; once none has, the files are
 * read again (a bundle changed on disk is seen by the next fetch). */
const mbedtls_x509_crt *bb_ca_get(const char *system, const char *bundle,
				  char *msg, size_t cap);
void bb_ca_put(const mbedtls_x509_crt *ca);

#endif
