/* The configuration loader on arbitrary bytes: it must report, never crash,
 * and free everything (LSan). */
#include <stdint.h>
#include <stdio.h>

#include "firmware/config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct bb_config *cfg = NULL;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (bb_config_parse("fuzz.yaml", (const char *)data, size, devnull,
			    &cfg) == 0)
		bb_config_free(cfg);
	return 0;
}
