/* The text parsers used on config values and protocol text. */
#include <stdint.h>
#include <stddef.h>

#include "common/parse.h"
#include "common/sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	uint32_t a, b;
	uint8_t p, mac[6];
	char out[64];

	bb_parse_u32(s, size, 0, 0xffffffffu, &a);
	bb_parse_ipv4(s, size, &a);
	bb_parse_cidr(s, size, &a, &p);
	bb_parse_range(s, size, &a, &b);
	bb_parse_mac(s, size, mac);
	bb_parse_duration(s, size, &a);
	bb_sanitize(out, sizeof(out), data, size);
	return 0;
}
