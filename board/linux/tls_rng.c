#include <mbedtls/entropy.h>

#include "board/linux/tls_rng.h"

/* one per thread: a CTR-DRBG is not safe to share, and the board's
 * outbound requests run on their own threads */
static __thread mbedtls_entropy_context entropy;
static __thread mbedtls_ctr_drbg_context drbg;
static __thread int state; /* 0 unseeded, 1 ready, -1 failed */

mbedtls_ctr_drbg_context *bb_tls_rng(void)
{
	static const unsigned char pers[] = "bootbox";

	if (state == 0) {
		mbedtls_entropy_init(&entropy);
		mbedtls_ctr_drbg_init(&drbg);
		state = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func,
					      &entropy, pers, sizeof(pers) - 1)
			    ? -1
			    : 1;
	}
	return state == 1 ? &drbg : NULL;
}
