/* SHA-256 for artifacts of hundreds of MiB: the x86 SHA extensions when
 * the CPU has them (several times faster than mbedTLS's portable code,
 * which was 40% of a cold fetch), mbedTLS otherwise. */
#ifndef BB_LINUX_SHA256_H
#define BB_LINUX_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/sha256.h>

struct bb_sha256 {
	bool ni; /* SHA extensions in use */
	uint32_t h[8];
	uint8_t buf[64];
	size_t buflen;
	uint64_t total;
	mbedtls_sha256_context m;
};

void bb_sha256_init(struct bb_sha256 *c);
void bb_sha256_update(struct bb_sha256 *c, const void *p, size_t n);
void bb_sha256_final(struct bb_sha256 *c, uint8_t out[32]);
void bb_sha256_free(struct bb_sha256 *c);
/* For tests: use the portable code even where the extensions exist. */
void bb_sha256_init_portable(struct bb_sha256 *c);

#endif
