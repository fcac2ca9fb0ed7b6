/* The journal's CRC-32: the standard check value, and the sliced version
 * against the bitwise definition at every length and alignment. */
#include "dhcp/dhcp_journal.h"
#include "tests/unit/test.h"

static uint32_t bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static void test_check_value(void)
{
	CHECK_EQ(bb_crc32((const uint8_t *)"123456789", 9), 0xcbf43926u);
	CHECK_EQ(bb_crc32((const uint8_t *)"", 0), 0);
}

static void test_against_bitwise(void)
{
	uint8_t buf[300];
	size_t i, off, n;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (off = 0; off < 4; off++)
		for (n = 0; n + off <= sizeof(buf); n++)
			if (bb_crc32(buf + off, n) != bitwise(buf + off, n)) {
				CHECK_EQ(bb_crc32(buf + off, n),
					 bitwise(buf + off, n));
				return;
			}
}

int main(void)
{
	RUN(test_check_value);
	RUN(test_against_bitwise);
	return bb_test_done();
}
