#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/linux/sha256.h"
#include "tests/unit/test.h"

static void digest(bool portable, const uint8_t *p, size_t n, size_t step,
		   uint8_t out[32])
{
	struct bb_sha256 c;
	size_t off;

	if (portable)
		bb_sha256_init_portable(&c);
	else
		bb_sha256_init(&c);
	for (off = 0; off < n; off += step)
		bb_sha256_update(&c, p + off, n - off < step ? n - off : step);
	bb_sha256_final(&c, out);
	bb_sha256_free(&c);
}

static void test_known(void)
{
	static const uint8_t abc[32] = {
	    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
	    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
	    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	uint8_t out[32];

	digest(false, (const uint8_t *)"abc", 3, 3, out);
	CHECK(!memcmp(out, abc, 32));
}

/* Every length around the block and padding edges, fed in pieces of
 * every awkward size, equals the portable result. */
static void test_against_portable(void)
{
	size_t n, steps[] = {1, 7, 63, 64, 65, 1000, 1 << 20};
	uint8_t *buf = malloc(1 << 20), a[32], b[32];
	size_t i, s;

	for (i = 0; i < 1 << 20; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	for (n = 0; n < 300; n++)
		for (s = 0; s < 4; s++) {
			digest(true, buf, n, steps[s], a);
			digest(false, buf, n, steps[s], b);
			CHECK(!memcmp(a, b, 32));
		}
	for (s = 0; s < 7; s++) {
		digest(true, buf, 1 << 20, steps[s], a);
		digest(false, buf, 1 << 20, steps[s], b);
		CHECK(!memcmp(a, b, 32));
	}
	free(buf);
}

int main(void)
{
	struct bb_sha256 c;

	bb_sha256_init(&c);
	printf("# SHA extensions: %s\n", c.ni ? "in use" : "absent");
	bb_sha256_free(&c);
	RUN(test_known);
	RUN(test_against_portable);
	return bb_test_done();
}
