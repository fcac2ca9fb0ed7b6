/* The HTTP request head parser, path normalisation, Range and If-None-Match
 * on arbitrary bytes. */
#include <stdint.h>
#include <stddef.h>

#include "http/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_http_head h;
	long n = bb_http_parse_head((const char *)data, size, &h);
	char path[BB_HTTP_PATH_MAX];
	const char *q;
	size_t ql, i;
	uint64_t a, b;

	if (n > (long)size)
		__builtin_trap();
	if (n > 0) {
		bb_http_normalize(h.target, h.target_len, path, sizeof(path),
				  &q, &ql);
		for (i = 0; i < h.nheaders; i++) {
			bb_http_range(h.headers[i].value,
				      h.headers[i].value_len, 12345, &a, &b);
			bb_http_etag_match(h.headers[i].value,
					   h.headers[i].value_len, "\"ab\"");
		}
	}
	bb_http_normalize((const char *)data, size, path, sizeof(path), &q,
			  &ql);
	if (bb_http_range((const char *)data, size, 1000, &a, &b) == 1 &&
	    (a > b || b >= 1000))
		__builtin_trap();
	return 0;
}
