#include "common/err.h"
#include "tftp/tftp.h"
#include "tests/unit/test.h"

static size_t rrq(uint8_t *b, const char *file, const char *mode,
		  const char *const *opts)
{
	size_t n = 0;

	b[n++] = 0;
	b[n++] = BB_TFTP_RRQ;
	strcpy((char *)b + n, file);
	n += strlen(file) + 1;
	strcpy((char *)b + n, mode);
	n += strlen(mode) + 1;
	for (; opts && *opts; opts++) {
		strcpy((char *)b + n, *opts);
		n += strlen(*opts) + 1;
	}
	return n;
}

static void test_parse(void)
{
	static const char *const opts[] = {"blksize", "1468",	    "tsize",
					   "0",	      "windowsize", "99",
					   "bogus",   "1",	    NULL};
	uint8_t b[600];
	struct bb_tftp_rrq r;
	const char *msg;
	size_t n = rrq(b, "/undionly.kpxe", "octet", opts);
	uint8_t *g = bb_test_guard(b, n);

	CHECK_EQ(bb_tftp_parse_request(g, n, &r, &msg), 0);
	CHECK_STR(r.file, "undionly.kpxe");
	CHECK(r.has_blksize && r.blksize == 1468);
	CHECK(r.has_tsize);
	CHECK(r.has_window && r.windowsize == 64);
	bb_test_unguard(g, n);
	n = rrq(b, "x", "netascii", NULL);
	CHECK_EQ(bb_tftp_parse_request(b, n, &r, &msg), BB_TFTP_EBADOP);
	b[1] = BB_TFTP_WRQ;
	CHECK_EQ(bb_tftp_parse_request(b, n, &r, &msg), BB_TFTP_EACCESS);
	n = rrq(b, "../etc/passwd", "octet", NULL);
	CHECK_EQ(bb_tftp_parse_request(b, n, &r, &msg), BB_TFTP_EACCESS);
	n = rrq(b, "a/../../b", "octet", NULL);
	CHECK_EQ(bb_tftp_parse_request(b, n, &r, &msg), BB_TFTP_EACCESS);
	n = rrq(b, "x", "octet", NULL);
	g = bb_test_guard(b, n - 1); /* mode without its NUL */
	CHECK_EQ(bb_tftp_parse_request(g, n - 1, &r, &msg), BB_TFTP_EBADOP);
	bb_test_unguard(g, n - 1);
	CHECK_EQ(bb_tftp_parse_request(b, 1, &r, &msg), BB_TFTP_EBADOP);
	{
		static const char *const bad[] = {"blksize", "x12", NULL};
		n = rrq(b, "x", "octet", bad);
		CHECK_EQ(bb_tftp_parse_request(b, n, &r, &msg), 0);
		CHECK(!r.has_blksize); /* a bad value: option ignored */
	}
	{
		char longname[300];
		memset(longname, 'a', 299);
		longname[299] = 0;
		n = rrq(b, longname, "octet", NULL);
		CHECK_EQ(bb_tftp_parse_request(b, n, &r, &msg),
			 BB_TFTP_EACCESS);
	}
}

static void test_path(void)
{
	char out[256];

	CHECK_EQ(bb_tftp_path("\\pxe\\a", 6, out, sizeof(out)), 0);
	CHECK_STR(out, "pxe/a");
	CHECK_EQ(bb_tftp_path("..", 2, out, sizeof(out)), -1);
	CHECK_EQ(bb_tftp_path("a//b", 4, out, sizeof(out)), -1);
	CHECK_EQ(bb_tftp_path("/", 1, out, sizeof(out)), -1);
	CHECK_EQ(bb_tftp_path("a\x01", 2, out, sizeof(out)), -1);
}

/* A lossless exchange: every window acked at once. */
static void test_window_and_wrap(void)
{
	struct bb_tftp_rrq r = {
	    .file = "f", .has_blksize = true, .has_window = true, .blksize = 8};
	struct bb_tftp_xfer x;
	struct bb_tftp_send s;
	uint64_t now = 0;
	uint32_t blocks = 0, expect = 1;

	r.windowsize = 16;
	/* 70000 blocks of 8 bytes: the block number wraps */
	bb_tftp_start(&x, &r, 70000ull * 8 - 3, 1468, now);
	CHECK(x.oack);
	bb_tftp_next(&x, now, &s);
	CHECK(s.oack);
	bb_tftp_ack(&x, 0, now);
	while (!x.done && blocks < 80000) {
		bb_tftp_next(&x, now, &s);
		CHECK_EQ(s.first, expect);
		blocks += s.count;
		expect += s.count;
		bb_tftp_ack(&x, (uint16_t)(s.first + s.count - 1), now);
	}
	CHECK(x.done);
	CHECK_EQ(blocks, 70000);
}

static void test_loss_and_duplicates(void)
{
	struct bb_tftp_rrq r = {.file = "f", .has_window = true};
	struct bb_tftp_xfer x;
	struct bb_tftp_send s;

	r.windowsize = 4;
	bb_tftp_start(&x, &r, 512 * 10, 1468, 0);
	bb_tftp_ack(&x, 0, 0); /* before the OACK went out: ignored */
	CHECK(x.oack);
	bb_tftp_next(&x, 0, &s);
	CHECK(s.oack);
	bb_tftp_ack(&x, 0, 0);
	bb_tftp_next(&x, 0, &s);
	CHECK_EQ(s.first, 1);
	CHECK_EQ(s.count, 4);
	/* only block 2 arrived: continue from 3 */
	bb_tftp_ack(&x, 2, 10);
	bb_tftp_next(&x, 10, &s);
	CHECK_EQ(s.first, 3);
	CHECK_EQ(s.count, 4);
	/* a duplicate ACK of 2 must not resend anything */
	bb_tftp_ack(&x, 2, 20);
	bb_tftp_next(&x, 20, &s);
	CHECK_EQ(s.count, 0);
	/* a timeout resends the window from the first unacked block */
	CHECK(bb_tftp_timeout(&x, 5000));
	bb_tftp_next(&x, 5000, &s);
	CHECK_EQ(s.first, 3);
	/* and gives up after a few */
	CHECK(bb_tftp_timeout(&x, 100000));
	CHECK(bb_tftp_timeout(&x, 200000));
	CHECK(bb_tftp_timeout(&x, 300000));
	CHECK(bb_tftp_timeout(&x, 400000));
	CHECK(!bb_tftp_timeout(&x, 500000));
}

static void test_exact_multiple_and_oack(void)
{
	struct bb_tftp_rrq r = {.file = "f",
				.has_blksize = true,
				.has_tsize = true,
				.blksize = 512};
	struct bb_tftp_xfer x;
	uint8_t b[128];
	uint64_t off;
	size_t len;
	int n;

	bb_tftp_start(&x, &r, 1024, 1468, 0);
	CHECK_EQ(x.last, 3); /* a final empty block ends it */
	bb_tftp_block_range(&x, 3, &off, &len);
	CHECK_EQ(len, 0);
	n = bb_tftp_build_oack(&x, &r, b, sizeof(b));
	CHECK_EQ(n, 2 + 8 + 4 + 6 + 5);
	CHECK(!memcmp(b + 2,
		      "blksize\0"
		      "512\0tsize\0"
		      "1024",
		      23));
	r.blksize = 9000;
	bb_tftp_start(&x, &r, 1, 1468, 0);
	CHECK_EQ(x.blksize, 1468); /* capped to the path MTU */
}

int main(void)
{
	RUN(test_parse);
	RUN(test_path);
	RUN(test_window_and_wrap);
	RUN(test_loss_and_duplicates);
	RUN(test_exact_multiple_and_oack);
	return bb_test_done();
}
