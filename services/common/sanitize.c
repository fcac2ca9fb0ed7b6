#include <stdint.h>
#include <stdio.h>

#include "sanitize.h"

char *bb_sanitize(char *dst, size_t cap, const void *src, size_t len)
{
	const uint8_t *s = src;
	size_t i, o = 0;

	if (cap == 0)
		return dst;
	for (i = 0; i < len; i++) {
		uint8_t c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= cap)
				break;
			snprintf(dst + o, 5, "\\%03o", c);
			o += 4;
		}
	}
	dst[o] = 0;
	return dst;
}
