/* The Linux board's lanes: setup runs on the caller's thread, what it
 * opens calls back on the lane's own thread once the lanes go (not
 * before: serve drops root first), teardown runs there too, or on the
 * caller's thread for a lane that never ran; a failed setup leaves its rc
 * and message; the lease journal commits inline in the lane (done before
 * bb_jr_commit returns, the record on disk after). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board/board.h"
#include "board/linux/fsutil.h"
#include "common/buf.h"
#include "common/err.h"
#include "tests/unit/test.h"

struct probe {
	pthread_t setup_th, fired_th, teardown_th;
	struct bb_board_timer *t;
	int fired; /* read by the main thread: atomics */
	struct bb_jr *jr;
	char path[128];
	int committed;
};

static void fire(void *arg)
{
	struct probe *p = arg;

	p->fired_th = pthread_self();
	__atomic_store_n(&p->fired, 1, __ATOMIC_RELEASE);
}

static int setup_timer(void *arg)
{
	struct probe *p = arg;

	p->setup_th = pthread_self();
	if (!(p->t = bb_board_timer_new(fire, p)))
		return BB_ENOMEM;
	bb_board_timer_arm(p->t, 1);
	return 0;
}

static void teardown_timer(void *arg)
{
	struct probe *p = arg;

	p->teardown_th = pthread_self();
	bb_board_timer_free(p->t);
}

/* Stopped before it ran (a later service failed to start): torn down on
 * the caller's thread. */
static void test_unrun_stop(void)
{
	struct probe p = {0};
	struct bb_lane *l = NULL;

	CHECK_EQ(bb_lane_start("test-lane", setup_timer, &p, &l), 0);
	bb_lane_stop(l, teardown_timer, &p);
	CHECK_EQ(p.fired, 0);
	CHECK(pthread_equal(p.teardown_th, pthread_self()));
}

static void test_callbacks_on_the_lane(void)
{
	struct probe p = {0};
	struct bb_lane *l = NULL;
	int i;

	CHECK_EQ(bb_lane_start("test-lane", setup_timer, &p, &l), 0);
	CHECK(l != NULL);
	usleep(20000);
	CHECK_EQ(__atomic_load_n(&p.fired, __ATOMIC_ACQUIRE), 0); /* held */
	CHECK_EQ(bb_lanes_go(), 0);
	for (i = 0; i < 2000 && !__atomic_load_n(&p.fired, __ATOMIC_ACQUIRE);
	     i++)
		usleep(1000);
	CHECK_EQ(__atomic_load_n(&p.fired, __ATOMIC_ACQUIRE), 1);
	bb_lane_stop(l, teardown_timer, &p);
	CHECK(pthread_equal(p.setup_th, pthread_self()));
	CHECK(!pthread_equal(p.fired_th, pthread_self()));
	CHECK(pthread_equal(p.teardown_th, p.fired_th));
}

/* A lane started after bb_lanes_go runs at once. */
static void test_late_lane(void)
{
	struct probe p = {0};
	struct bb_lane *l = NULL;
	int i;

	CHECK_EQ(bb_lane_start("test-lane", setup_timer, &p, &l), 0);
	for (i = 0; i < 2000 && !__atomic_load_n(&p.fired, __ATOMIC_ACQUIRE);
	     i++)
		usleep(1000);
	CHECK_EQ(__atomic_load_n(&p.fired, __ATOMIC_ACQUIRE), 1);
	bb_lane_stop(l, teardown_timer, &p);
	CHECK(!pthread_equal(p.teardown_th, pthread_self()));
}

static int setup_fails(void *arg)
{
	(void)arg;
	return bb_board_fail(BB_EINVAL, "no such interface: %s", "eth9");
}

static void test_failed_setup(void)
{
	struct bb_lane *l = NULL;

	bb_board_fail(0, "%s", "");
	CHECK_EQ(bb_lane_start("test-lane", setup_fails, NULL, &l), BB_EINVAL);
	CHECK(l == NULL);
	/* the lane's message, on the caller's thread */
	CHECK_STR(bb_board_errmsg(), "no such interface: eth9");
}

static size_t replay_all(void *arg, const uint8_t *p, size_t len)
{
	(void)arg;
	(void)p;
	return len;
}

static void committed(void *arg, int rc)
{
	struct probe *p = arg;

	p->committed = rc ? -1 : 1;
}

static int setup_journal(void *arg)
{
	struct probe *p = arg;
	int rc = bb_jr_open(p->path, replay_all, NULL, &p->jr);

	if (rc)
		return rc;
	bb_jr_append(p->jr, "lease;", 6);
	CHECK_EQ(bb_jr_commit(p->jr, committed, p), 0);
	/* inline: done before the commit returned */
	CHECK_EQ(p->committed, 1);
	CHECK(!bb_jr_busy(p->jr));
	return 0;
}

static void teardown_journal(void *arg)
{
	struct probe *p = arg;

	bb_jr_close(p->jr);
}

static void test_journal_commits_in_the_lane(void)
{
	struct probe p = {0};
	struct bb_lane *l = NULL;
	struct bb_buf b = {0};
	char dir[] = "/tmp/bb-lane-XXXXXX", cmd[64];

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(p.path, sizeof(p.path), "%s/leases.journal", dir);
	CHECK_EQ(bb_lane_start("test-lane", setup_journal, &p, &l), 0);
	bb_lane_stop(l, teardown_journal, &p); /* after go: on the lane */
	CHECK_EQ(bb_read_file(p.path, &b, 1 << 22), 0);
	CHECK(b.p && b.len >= 6 && !memcmp(b.p, "lease;", 6));
	bb_buf_free(&b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
}

static void test_lock(void)
{
	struct bb_lock *k = bb_lock_new();

	CHECK(k != NULL);
	bb_lock_take(k);
	bb_lock_give(k);
	bb_lock_take(k);
	bb_lock_give(k);
	bb_lock_free(k);
}

int main(void)
{
	RUN(test_unrun_stop);
	RUN(test_callbacks_on_the_lane);
	RUN(test_late_lane);
	RUN(test_failed_setup);
	RUN(test_journal_commits_in_the_lane);
	RUN(test_lock);
	return bb_test_done();
}
