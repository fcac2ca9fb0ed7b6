/* bb_fd_resume_size: a download's file with a hole (a split fetch killed
 * with its second part ahead of the first) resumes before the hole, never
 * over zeros that were not sent; a file without one at its size. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/board.h"
#include "tests/unit/test.h"

static char path[64];

static int fresh(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/bb-resume-%d", (int)getpid());
	unlink(path);
	CHECK_EQ(bb_fd_open_rw(path, &fd), 0);
	return fd;
}

static void put(int fd, size_t n, off_t at)
{
	char *b = malloc(n);

	memset(b, 'x', n);
	CHECK_EQ(pwrite(fd, b, n, at), (ssize_t)n);
	free(b);
}

static uint64_t file_size(int fd)
{
	struct stat st;

	CHECK_EQ(fstat(fd, &st), 0);
	return (uint64_t)st.st_size;
}

static void no_hole(void)
{
	int fd = fresh();
	uint64_t n = 1;

	CHECK_EQ(bb_fd_resume_size(fd, &n), 0);
	CHECK_EQ(n, 0);
	put(fd, 300000, 0);
	CHECK_EQ(bb_fd_resume_size(fd, &n), 0);
	CHECK_EQ(n, 300000);
	CHECK_EQ(file_size(fd), 300000);
	close(fd);
	unlink(path);
}

static void hole_between_parts(void)
{
	int fd = fresh();
	uint64_t n;
	off_t hole;

	/* part a's 1000000 bytes, then a gap, part b's from 4 MiB */
	put(fd, 1000000, 0);
	put(fd, 500000, 4 << 20);
	hole = lseek(fd, 0, SEEK_HOLE);
	CHECK_EQ(bb_fd_resume_size(fd, &n), 0);
	if (hole >= (4 << 20)) {
		/* this file system keeps no holes: the size is all it has */
		CHECK_EQ(n, (4 << 20) + 500000);
	} else {
		CHECK(n <= 1000000);
		CHECK(n + (128 << 10) > 1000000);
		CHECK_EQ(n % (64 << 10), 0);
		CHECK_EQ(file_size(fd), n);
	}
	close(fd);
	unlink(path);
}

int main(void)
{
	RUN(no_hole);
	RUN(hole_between_parts);
	return bb_test_done();
}
