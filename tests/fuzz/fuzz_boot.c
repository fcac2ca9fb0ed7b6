/* The boot service's untrusted inputs: matchbox profile and group JSON from
 * a data dir, the query string of /ipxe, and the machine state file. The
 * first byte picks the parser. */
#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_boot b;
	struct bb_boot_params p;
	struct bb_buf out = { 0 };
	const char *s = (const char *)data + 1;
	char err[128];

	if (size < 1)
		return 0;
	bb_boot_init(&b);
	switch (data[0] % 4) {
	case 0:
		bb_boot_load_profile_json(&b, s, size - 1, err, sizeof(err));
		break;
	case 1:
		bb_boot_load_group_json(&b, s, size - 1, err, sizeof(err));
		break;
	case 2:
		bb_boot_parse_query(s, size - 1, &p);
		bb_boot_select(&b, &p);
		break;
	default:
		bb_boot_state_decode(&b, s, size - 1);
		bb_boot_state_encode(&b, &out);
		break;
	}
	bb_buf_free(&out);
	bb_boot_free(&b);
	return 0;
}
