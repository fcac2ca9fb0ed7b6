/* What an upstream server (the Image Factory, a proxy) sends back: URLs in
 * Location, the response head, chunked bodies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/upstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_upstream_reply r;
	struct bb_url u, base;
	struct bb_chunked c = {0};
	uint8_t *copy;
	size_t got, half = size / 2;
	long n;

	bb_url_parse("https://h/x", 11, &base);
	bb_url_resolve(&base, (const char *)data, size, &u);
	n = bb_upstream_reply_parse((const char *)data, size, &r);
	if (n > 0 && (size_t)n > size)
		__builtin_trap();
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (bb_chunked_decode(&c, copy, half, &got) == 0) {
		if (got > half)
			__builtin_trap();
		bb_chunked_decode(&c, copy + half, size - half, &got);
	}
	free(copy);
	return 0;
}
