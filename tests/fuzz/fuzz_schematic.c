/* The Image Factory's answer to POST /schematics (services/cache/
 * schematic_reply.c): the id it yields names cache directories and
 * artifact URLs, so whatever passes must be exactly 64 lowercase hex
 * digits, and only from a 200 or 201. */
#include <stdint.h>
#include <string.h>

#include "cache/cache.h"
#include "cache/schematic_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int status[4] = {201, 200, 400, 500};
	const char *why;
	char id[65];
	int s = status[size ? data[size - 1] & 3 : 0];

	if (bb_schematic_reply_parse(s, (const char *)data, size, id, &why)) {
		if (!why[0])
			__builtin_trap();
		return 0;
	}
	if ((s != 200 && s != 201) || strlen(id) != 64 ||
	    bb_cache_check_schematic(id, 64))
		__builtin_trap();
	return 0;
}
