#include <mbedtls/entropy.h>

#include "board/linux/tls_rng.h"

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static int state; /* 0 unseeded, 1 ready, -1 failed */

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
