/* The Linux board's download spool, a writer thread: bytes in order at
 * the right offsets, the same digest as hashing inline, a full ring
 * refused without loss, a write error reported. (The lease journal's
 * commits run in the DHCP lane: board_lane_test.) */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/linux/fsutil.h"
#include "board/linux/sha256.h"
#include "board/linux/spool.h"
#include "common/err.h"
#include "tests/unit/test.h"

static char dir[64];

static void path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void wait_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	CHECK_EQ(poll(&p, 1, 5000), 1);
}

static void test_spool_order_and_digest(void)
{
	enum { N = 300 };
	static uint8_t data[N * 1000 + 7];
	struct bb_sha256 sha, want;
	uint8_t d1[32], d2[32], back[100];
	char path[128];
	size_t off = 0, i;
	int fd, err;
	struct bb_spool *s;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	path_of(path, sizeof(path), "spool");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	/* 100 bytes already there (a resumed download), hashed by caller */
	CHECK_EQ(write(fd, data, 100), 100);
	bb_sha256_init(&sha);
	bb_sha256_update(&sha, data, 100);
	s = bb_spool_new(fd, 100, &sha);
	CHECK(s != NULL);
	off = 100;
	while (off < sizeof(data)) {
		size_t n = sizeof(data) - off < 1000 + off % 3000
			       ? sizeof(data) - off
			       : 1000 + off % 3000;

		if (n > BB_SPOOL_CHUNK)
			n = BB_SPOOL_CHUNK;
		if (bb_spool_put(s, data + off, n) == BB_EAGAIN) {
			bb_spool_kick(s);
			wait_readable(bb_spool_fd(s));
			bb_spool_written(s, &err);
			continue;
		}
		off += n;
	}
	CHECK_EQ(bb_spool_drain(s), 0);
	CHECK_EQ(bb_spool_written(s, &err), sizeof(data));
	CHECK_EQ(err, 0);
	bb_spool_free(s);
	bb_sha256_final(&sha, d1);
	bb_sha256_init(&want);
	bb_sha256_update(&want, data, sizeof(data));
	bb_sha256_final(&want, d2);
	CHECK(!memcmp(d1, d2, 32));
	CHECK_EQ(lseek(fd, 0, SEEK_END), (long long)sizeof(data));
	CHECK_EQ(pread(fd, back, sizeof(back), 123456), (long)sizeof(back));
	CHECK(!memcmp(back, data + 123456, sizeof(back)));
	close(fd);
	bb_sha256_free(&sha);
	bb_sha256_free(&want);
}

/* Bytes another writer put in the file (the second half of a two-part
 * download) are hashed in order between spooled ones, not written again. */
static void test_spool_hashes_from_file(void)
{
	static uint8_t data[5 * BB_SPOOL_CHUNK + 99];
	struct bb_sha256 sha, want;
	uint8_t d1[32], d2[32];
	char path[128];
	size_t i, half = 2 * BB_SPOOL_CHUNK + 5;
	int fd, err;
	struct bb_spool *s;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + i / 509);
	path_of(path, sizeof(path), "spool-file");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	/* the other writer's half first, past the end of what is spooled */
	CHECK_EQ(pwrite(fd, data + half, sizeof(data) - half, (off_t)half),
		 (long)(sizeof(data) - half));
	bb_sha256_init(&sha);
	s = bb_spool_new(fd, 0, &sha);
	CHECK(s != NULL);
	CHECK_EQ(bb_spool_put(s, data, BB_SPOOL_CHUNK), 0);
	CHECK_EQ(bb_spool_put(s, data + BB_SPOOL_CHUNK, BB_SPOOL_CHUNK), 0);
	CHECK_EQ(bb_spool_put(s, data + 2 * BB_SPOOL_CHUNK,
			      half - 2 * BB_SPOOL_CHUNK),
		 0);
	for (i = half; i < sizeof(data); i += BB_SPOOL_CHUNK) {
		size_t n = sizeof(data) - i < BB_SPOOL_CHUNK ? sizeof(data) - i
							     : BB_SPOOL_CHUNK;

		CHECK_EQ(bb_spool_put(s, NULL, n), 0);
	}
	CHECK_EQ(bb_spool_drain(s), 0);
	CHECK_EQ(bb_spool_written(s, &err), sizeof(data));
	CHECK_EQ(err, 0);
	bb_spool_free(s);
	bb_sha256_final(&sha, d1);
	bb_sha256_init(&want);
	bb_sha256_update(&want, data, sizeof(data));
	bb_sha256_final(&want, d2);
	CHECK(!memcmp(d1, d2, 32));
	CHECK_EQ(lseek(fd, 0, SEEK_END), (long long)sizeof(data));
	close(fd);
	bb_sha256_free(&sha);
	bb_sha256_free(&want);
}

/* The ring holds a bounded number of chunks: a put into a full ring takes
 * nothing and says so; after the thread catches up everything arrives. */
static void test_spool_full_ring(void)
{
	static uint8_t chunk[BB_SPOOL_CHUNK];
	struct bb_sha256 sha;
	char path[128];
	int fd, err, i, refused = 0, taken = 0;
	struct bb_spool *s;

	memset(chunk, 0xa5, sizeof(chunk));
	path_of(path, sizeof(path), "full");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	bb_sha256_init(&sha);
	s = bb_spool_new(fd, 0, &sha);
	CHECK(s != NULL);
	for (i = 0; i < 200 && taken < 64; i++) {
		if (bb_spool_put(s, chunk, sizeof(chunk)) == BB_EAGAIN) {
			refused++;
			wait_readable(bb_spool_fd(s));
			bb_spool_written(s, &err);
		} else {
			taken++;
		}
	}
	CHECK_EQ(bb_spool_put(s, chunk, BB_SPOOL_CHUNK + 1), BB_EINVAL);
	CHECK_EQ(bb_spool_drain(s), 0);
	CHECK_EQ(bb_spool_written(s, &err), 64ull * BB_SPOOL_CHUNK);
	bb_spool_free(s);
	bb_sha256_free(&sha);
	close(fd);
	(void)refused; /* how often depends on the scheduler */
}

/* A descriptor that cannot be written: the error comes back, the written
 * offset stays where the file really ends. */
static void test_spool_write_error(void)
{
	static uint8_t chunk[4096];
	struct bb_sha256 sha;
	char path[128];
	int fd, err;
	struct bb_spool *s;

	path_of(path, sizeof(path), "ro");
	close(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600));
	fd = open(path, O_RDONLY);
	bb_sha256_init(&sha);
	s = bb_spool_new(fd, 0, &sha);
	CHECK(s != NULL);
	CHECK_EQ(bb_spool_put(s, chunk, sizeof(chunk)), 0);
	CHECK_EQ(bb_spool_drain(s), BB_EIO);
	CHECK_EQ(bb_spool_written(s, &err), 0);
	CHECK_EQ(err, BB_EIO);
	bb_spool_free(s);
	bb_sha256_free(&sha);
	close(fd);
}

int main(void)
{
	char cmd[96];

	snprintf(dir, sizeof(dir), "/tmp/bb-writers-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	RUN(test_spool_order_and_digest);
	RUN(test_spool_hashes_from_file);
	RUN(test_spool_full_ring);
	RUN(test_spool_write_error);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return bb_test_done();
}
