/* The Linux board's bb_write_file_bg: the file is replaced off the loop and
 * done runs on the loop afterwards, with the data copied at the call; a
 * second write while one is in flight is refused (BB_EAGAIN), and
 * bb_write_file_bg_wait finishes the one in flight, done included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/board.h"
#include "board/linux/loop.h"
#include "common/buf.h"
#include "common/err.h"
#include "tests/unit/test.h"

static int calls, last_rc = 1;

static void on_done(void *arg, int rc)
{
	(void)arg;
	calls++;
	last_rc = rc;
}

static void check_content(const char *path, const char *want)
{
	struct bb_buf b = {0};

	CHECK_EQ(bb_read_file(path, &b, 1 << 16), 0);
	CHECK_EQ(b.len, strlen(want));
	CHECK(b.p && !memcmp(b.p, want, b.len));
	bb_buf_free(&b);
}

static void test_write_then_done(void)
{
	struct bb_loop *l = bb_loop_new();
	char dir[] = "/tmp/bgwrite-XXXXXX", path[64];
	char data[] = "first";
	int i;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/s", dir);
	CHECK_EQ(bb_write_file_bg(path, data, 5, 0600, on_done, NULL), 0);
	memcpy(data, "XXXXX", 5); /* copied at the call */
	CHECK_EQ(bb_write_file_bg(path, "b", 1, 0600, on_done, NULL),
		 BB_EAGAIN);
	for (i = 0; i < 200 && !calls; i++)
		bb_loop_run_once(l, 10);
	CHECK_EQ(calls, 1);
	CHECK_EQ(last_rc, 0);
	check_content(path, "first");
	CHECK_EQ(bb_write_file_bg(path, "second", 6, 0600, on_done, NULL), 0);
	bb_write_file_bg_wait();
	CHECK_EQ(calls, 2);
	check_content(path, "second");
	bb_write_file_bg_wait(); /* nothing in flight: no-op */
	CHECK_EQ(calls, 2);
	unlink(path);
	rmdir(dir);
	bb_loop_free(l);
}

int main(void)
{
	RUN(test_write_then_done);
	return bb_test_done();
}
