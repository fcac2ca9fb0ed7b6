/* The hand-off state line read back from state_dir, and probe/action specs
 * from the config. */
#include <stdint.h>
#include <stddef.h>

#include "handoff/handoff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_handoff_config c = {0};
	struct bb_handoff h;
	struct bb_probe p;
	unsigned bit;
	char out[256];

	bb_handoff_init(&h, &c, 0);
	if (bb_handoff_decode(&h, (const char *)data, size) == 0)
		bb_handoff_encode(&h, out, sizeof(out));
	bb_probe_parse((const char *)data, size, &p);
	bb_action_parse((const char *)data, size, &bit);
	return 0;
}
