/* Request paths that may name a cached artifact, and the index file read
 * back from state_dir. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "cache/cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bb_cache_key primary = {
	    "a78ca499dd99112bd2c2730b1b8a50375d8fa3af36f1a10b30a2fa83cc8c0d35",
	    "v1.10.4", ""};
	struct bb_cache_index idx = {0};
	struct bb_cache_key k;
	struct bb_buf out = {0};
	char buf[512];
	size_t bad;

	if (bb_cache_key_from_path((const char *)data, size, &primary, &k) ==
	    0) {
		bb_cache_relpath(&k, buf, sizeof(buf));
		/* nothing a client sends may climb out of the cache dir */
		if (strstr(buf, "..") || strchr(k.artifact, '/'))
			__builtin_trap();
	}
	bb_cache_index_parse(&idx, (const char *)data, size, &bad);
	bb_cache_index_format(&idx, &out);
	bb_buf_free(&out);
	bb_cache_index_free(&idx);
	return 0;
}
