/* The lease journal's file across restarts: grown ahead with zeros, the
 * write point found again at open (never over a last record that ends in
 * zero bytes), the replay reading through the zero runs to the same lease
 * table, a torn record before the zeros still cut, and a commit that
 * overwrites preallocated blocks leaving the file's size alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/linux/fsutil.h"
#include "board/posix/journal_file.h"
#include "common/err.h"
#include "dhcp/dhcp_server.h"
#include "tests/unit/test.h"

static char dir[64], path[128];

static size_t record(uint32_t ip, uint8_t last, uint8_t *out)
{
	struct bb_dhcp_lease l;
	int n;

	memset(&l, 0, sizeof(l));
	l.ip = ip;
	l.mac[0] = 2;
	l.mac[5] = last;
	l.state = BB_LEASE_BOUND;
	l.expires = 2000000000;
	l.updated = 1000000000;
	n = bb_dhcp_journal_encode(&l, out, BB_DHCP_JOURNAL_MAX);
	CHECK(n > 0);
	return n > 0 ? (size_t)n : 0;
}

/* Opens the journal and replays it: the records applied, or -1. */
static long reopen(struct bb_journal *j, size_t *good, size_t *len)
{
	struct bb_dhcp_config c;
	struct bb_dhcp_server *srv;
	struct bb_buf content = {0};
	long n = -1;

	memset(&c, 0, sizeof(c));
	srv = bb_dhcp_server_new(&c);
	if (srv && !bb_journal_open(j, path, &content)) {
		n = bb_dhcp_server_replay(srv, (const uint8_t *)content.p,
					  content.len, good);
		*len = content.len;
	}
	bb_buf_free(&content);
	bb_dhcp_server_free(srv);
	return n;
}

static long long file_size(void)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long long)st.st_size;
}

static void test_restarts_through_the_zero_tail(void)
{
	struct bb_journal j;
	uint8_t rec[BB_DHCP_JOURNAL_MAX];
	size_t good = 0, len = 0, n;
	int round, i;

	unlink(path);
	for (round = 0; round < 3; round++) {
		CHECK_EQ(reopen(&j, &good, &len), round * 10);
		CHECK_EQ(good, len); /* nothing cut */
		for (i = 0; i < 10; i++) {
			n = record(0x0a000000u + (uint32_t)(round * 10 + i),
				   (uint8_t)i, rec);
			bb_journal_append(&j, rec, n);
			CHECK_EQ(bb_journal_sync(&j), 0);
		}
		CHECK_EQ(file_size(), BB_JOURNAL_CHUNK);
		bb_journal_close(&j);
	}
	CHECK_EQ(reopen(&j, &good, &len), 30);
	bb_journal_close(&j);
}

static void test_zero_ending_record_is_kept(void)
{
	struct bb_journal j;
	uint8_t rec[BB_DHCP_JOURNAL_MAX], buf[4096];
	uint32_t ip;
	size_t n = 0, good, len;

	/* a record whose checksum ends in a zero byte, then a short zero
	 * run: the run may be the record's own, so writes resume past it */
	for (ip = 1; ip < 100000; ip++) {
		n = record(ip, 1, rec);
		if (n && !rec[n - 1])
			break;
	}
	CHECK(n && !rec[n - 1]);
	memcpy(buf, rec, n);
	memset(buf + n, 0, 3);
	CHECK_EQ(bb_write_file_atomic(path, buf, n + 3, 0600), 0);
	CHECK_EQ(reopen(&j, &good, &len), 1);
	CHECK_EQ(j.size, n + 3);
	n = record(7, 2, rec);
	bb_journal_append(&j, rec, n);
	CHECK_EQ(bb_journal_sync(&j), 0);
	bb_journal_close(&j);
	CHECK_EQ(reopen(&j, &good, &len), 2);
	CHECK_EQ(good, len);
	bb_journal_close(&j);
}

static void test_torn_record_before_zeros_is_cut(void)
{
	struct bb_journal j;
	uint8_t rec[BB_DHCP_JOURNAL_MAX];
	static uint8_t buf[3 * BB_DHCP_JOURNAL_MAX + 8192];
	size_t a, b, good, len;

	a = record(1, 1, rec);
	memcpy(buf, rec, a);
	b = record(2, 2, rec);
	memcpy(buf + a, rec, b - 3); /* torn, then the preallocated zeros */
	CHECK_EQ(bb_write_file_atomic(path, buf, sizeof(buf), 0600), 0);
	CHECK_EQ(reopen(&j, &good, &len), 1);
	CHECK_EQ(good, a);
	CHECK(len > good);
	CHECK_EQ(bb_journal_truncate(&j, good), 0);
	CHECK_EQ(file_size(), (long long)a);
	bb_journal_close(&j);
}

int main(void)
{
	char cmd[96];

	snprintf(dir, sizeof(dir), "/tmp/bb-journal-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/leases.journal", dir);
	RUN(test_restarts_through_the_zero_tail);
	RUN(test_zero_ending_record_is_kept);
	RUN(test_torn_record_before_zeros_is_cut);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return bb_test_done();
}
