#include "common/parse.h"
#include "common/err.h"
#include "common/rd.h"
#include "common/sanitize.h"
#include "common/wr.h"
#include "tests/unit/test.h"

#define S(x) x, sizeof(x) - 1

static void test_u32(void)
{
	uint32_t v = 0;

	CHECK_EQ(bb_parse_u32(S("0"), 0, 10, &v), 0);
	CHECK_EQ(bb_parse_u32(S("4294967295"), 0, 0xffffffffu, &v), 0);
	CHECK_EQ(v, 0xffffffffu);
	CHECK_EQ(bb_parse_u32(S("4294967296"), 0, 0xffffffffu, &v), BB_EINVAL);
	CHECK_EQ(bb_parse_u32(S("12345678901"), 0, 0xffffffffu, &v),
		 BB_EMALFORMED);
	CHECK_EQ(bb_parse_u32(S(""), 0, 10, &v), BB_EMALFORMED);
	CHECK_EQ(bb_parse_u32(S("-1"), 0, 10, &v), BB_EMALFORMED);
	CHECK_EQ(bb_parse_u32(S("11"), 0, 10, &v), BB_EINVAL);
	CHECK_EQ(bb_parse_u32(S(" 1"), 0, 10, &v), BB_EMALFORMED);
}

static void test_ipv4(void)
{
	uint32_t ip = 0;
	char buf[16];

	CHECK_EQ(bb_parse_ipv4(S("192.168.2.2"), &ip), 0);
	CHECK_EQ(ip, 0xc0a80202);
	CHECK_STR(bb_fmt_ipv4(ip, buf), "192.168.2.2");
	CHECK_EQ(bb_parse_ipv4(S("256.1.1.1"), &ip), BB_EMALFORMED);
	CHECK_EQ(bb_parse_ipv4(S("1.1.1"), &ip), BB_EMALFORMED);
	CHECK_EQ(bb_parse_ipv4(S("1.1.1.1."), &ip), BB_EMALFORMED);
	CHECK_EQ(bb_parse_ipv4(S("01.1.1.1"), &ip), BB_EMALFORMED);
	CHECK_EQ(bb_parse_ipv4(S("1..1.1"), &ip), BB_EMALFORMED);
	CHECK_EQ(bb_parse_ipv4(S("0.0.0.0"), &ip), 0);
}

static void test_cidr_range(void)
{
	uint32_t net, lo, hi;
	uint8_t p;

	CHECK_EQ(bb_parse_cidr(S("192.168.2.0/24"), &net, &p), 0);
	CHECK_EQ(net, 0xc0a80200);
	CHECK_EQ(p, 24);
	CHECK_EQ(bb_parse_cidr(S("192.168.2.1/24"), &net, &p), BB_EINVAL);
	CHECK_EQ(bb_parse_cidr(S("192.168.2.0/33"), &net, &p), BB_EMALFORMED);
	CHECK_EQ(bb_parse_cidr(S("192.168.2.0"), &net, &p), BB_EMALFORMED);
	CHECK_EQ(bb_parse_range(S("192.168.2.100-192.168.2.150"), &lo, &hi), 0);
	CHECK_EQ(hi - lo, 50);
	CHECK_EQ(bb_parse_range(S("192.168.2.100 - 192.168.2.150"), &lo, &hi),
		 0);
	CHECK_EQ(bb_parse_range(S("192.168.2.150-192.168.2.100"), &lo, &hi),
		 BB_EINVAL);
	CHECK_EQ(bb_prefix_mask(0), 0);
	CHECK_EQ(bb_prefix_mask(32), 0xffffffffu);
}

static void test_mac(void)
{
	uint8_t m[6];
	char buf[18];

	CHECK_EQ(bb_parse_mac(S("52:54:00:12:34:56"), m), 0);
	CHECK_STR(bb_fmt_mac(m, buf), "52:54:00:12:34:56");
	CHECK_EQ(bb_parse_mac(S("52-54-00-12-34-5A"), m), 0);
	CHECK_STR(bb_fmt_mac(m, buf), "52:54:00:12:34:5a");
	CHECK_EQ(bb_parse_mac(S("5254.0012.3456"), m), 0);
	CHECK_EQ(bb_parse_mac(S("525400123456"), m), 0);
	CHECK_EQ(bb_parse_mac(S("52:54:00:12:34"), m), BB_EMALFORMED);
	CHECK_EQ(bb_parse_mac(S("52:54:00:12:34:5g"), m), BB_EMALFORMED);
	CHECK_EQ(bb_parse_mac(S("52:54-00:12:34:56"), m), BB_EMALFORMED);
}

static void test_duration(void)
{
	uint32_t s;

	CHECK_EQ(bb_parse_duration(S("1h"), &s), 0);
	CHECK_EQ(s, 3600);
	CHECK_EQ(bb_parse_duration(S("1h30m"), &s), 0);
	CHECK_EQ(s, 5400);
	CHECK_EQ(bb_parse_duration(S("45"), &s), 0);
	CHECK_EQ(s, 45);
	CHECK_EQ(bb_parse_duration(S("2d"), &s), 0);
	CHECK_EQ(s, 172800);
	CHECK_EQ(bb_parse_duration(S("1x"), &s), BB_EMALFORMED);
	CHECK_EQ(bb_parse_duration(S("h"), &s), BB_EMALFORMED);
	CHECK_EQ(bb_parse_duration(S("1h5"), &s), BB_EMALFORMED);
	CHECK_EQ(bb_parse_duration(S("99999d"), &s), BB_EINVAL);
}

static void test_reader_guard(void)
{
	static const uint8_t data[] = {1, 2, 3, 4, 5, 'a', 0};
	uint8_t *g = bb_test_guard(data, sizeof(data));
	struct bb_rd r = bb_rd_init(g, sizeof(data));
	size_t n;

	CHECK_EQ(bb_rd_u8(&r), 1);
	CHECK_EQ(bb_rd_u16be(&r), 0x0203);
	CHECK_EQ(bb_rd_u16be(&r), 0x0405);
	CHECK_STR(bb_rd_cstr(&r, &n), "a");
	CHECK_EQ(r.err, 0);
	CHECK_EQ(bb_rd_u32be(&r), 0);
	CHECK_EQ(r.err, BB_EMALFORMED);
	CHECK(bb_rd_bytes(&r, 0) == NULL); /* sticky */
	bb_test_unguard(g, sizeof(data));

	g = bb_test_guard("ab", 2);
	r = bb_rd_init(g, 2);
	CHECK(bb_rd_cstr(&r, &n) == NULL); /* no NUL before the end */
	bb_test_unguard(g, 2);
}

static void test_writer(void)
{
	uint8_t buf[4];
	struct bb_wr w = bb_wr_init(buf, sizeof(buf));

	bb_wr_u16be(&w, 0x0102);
	bb_wr_u8(&w, 3);
	CHECK_EQ(bb_wr_result(&w), 3);
	bb_wr_u16be(&w, 0x0405);
	CHECK_EQ(bb_wr_result(&w), BB_ENOSPC);
}

static void test_sanitize(void)
{
	char out[16];

	CHECK_STR(bb_sanitize(out, sizeof(out), "a\nb", 3), "a\\012b");
	CHECK_STR(bb_sanitize(out, 4, "abcdef", 6), "abc");
	CHECK_STR(bb_sanitize(out, sizeof(out), "\\", 1), "\\134");
}

int main(void)
{
	RUN(test_u32);
	RUN(test_ipv4);
	RUN(test_cidr_range);
	RUN(test_mac);
	RUN(test_duration);
	RUN(test_reader_guard);
	RUN(test_writer);
	RUN(test_sanitize);
	return bb_test_done();
}
