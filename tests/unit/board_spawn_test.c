/* board.h's child processes on the Linux board: the exit status and the
 * signal that ended a child reach done on the loop, env adds to the
 * child's environment, stop ends a child without calling done. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "board/board.h"
#include "board/linux/loop.h"
#include "tests/unit/test.h"

static int got, calls;

static void done(void *arg, int status)
{
	(void)arg;
	got = status;
	calls++;
}

/* Turns the board's loop until done has been called or 5 s passed. */
static void wait_done(void)
{
	int i;

	for (i = 0; i < 500 && !calls; i++)
		bb_loop_run_once(bb_loop_board(), 10);
}

static int run_sh(const char *script, const char *const *env)
{
	const char *argv[] = {"sh", "-c", script, NULL};

	got = -1;
	calls = 0;
	CHECK_EQ(bb_spawn("/bin/sh", argv, env, done, NULL, NULL), 0);
	wait_done();
	CHECK_EQ(calls, 1);
	return got;
}

static void test_status_and_env(void)
{
	const char *env[] = {"BB_SPAWN_TEST=yes", NULL};

	CHECK_EQ(run_sh("exit 3", NULL), 3);
	CHECK_EQ(run_sh("[ \"$BB_SPAWN_TEST\" = yes ]", env), 0);
	CHECK_EQ(run_sh("kill -TERM $$", NULL), 128 + 15);
	CHECK_EQ(run_sh("exec /nonexistent/program", NULL), 127);
}

static void test_stop(void)
{
	const char *argv[] = {"sh", "-c", "sleep 30", NULL};
	struct bb_spawn *p = NULL;
	int i;

	calls = 0;
	CHECK_EQ(bb_spawn("/bin/sh", argv, NULL, done, NULL, &p), 0);
	CHECK(p != NULL);
	for (i = 0; i < 5; i++)
		bb_loop_run_once(bb_loop_board(), 10);
	bb_spawn_stop(p);
	for (i = 0; i < 5; i++)
		bb_loop_run_once(bb_loop_board(), 10);
	CHECK_EQ(calls, 0);
}

int main(void)
{
	struct bb_loop *l = bb_loop_new(); /* the first loop is the board's */
	int rc;

	RUN(test_status_and_env);
	RUN(test_stop);
	rc = bb_test_done();
	bb_loop_free(l);
	return rc;
}
