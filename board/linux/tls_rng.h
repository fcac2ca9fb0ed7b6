/* A CTR-DRBG per thread seeded from the system entropy source, for every TLS
 * user of the Linux board (probes, cache fetches, the HTTPS listener). */
#ifndef BB_LINUX_TLS_RNG_H
#define BB_LINUX_TLS_RNG_H

#include <mbedtls/ctr_drbg.h>

/* NULL when seeding failed. */
mbedtls_ctr_drbg_context *bb_tls_rng(void);

#endif
