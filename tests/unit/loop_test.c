#include <fcntl.h>
#include <unistd.h>

#include "board/linux/loop.h"
#include "common/err.h"
#include "tests/unit/test.h"

static int order[16], norder;

static void record(struct bb_loop *l, void *arg)
{
	(void)l;
	order[norder++] = (int)(long)arg;
}

static void test_timer_order_and_cancel(void)
{
	struct bb_loop *l = bb_loop_new();
	struct bb_timer t[5];
	int i;

	norder = 0;
	for (i = 0; i < 5; i++)
		bb_timer_init(&t[i], record, (void *)(long)i);
	bb_timer_arm(l, &t[0], 30);
	bb_timer_arm(l, &t[1], 10);
	bb_timer_arm(l, &t[2], 20);
	bb_timer_arm(l, &t[3], 5);
	bb_timer_arm(l, &t[4], 1);
	bb_timer_cancel(l, &t[2]);
	CHECK(!bb_timer_armed(&t[2]));
	bb_timer_arm(l, &t[4], 40); /* re-arm moves it last */
	for (i = 0; i < 20 && norder < 4; i++)
		bb_loop_run_once(l, 50);
	CHECK_EQ(norder, 4);
	CHECK_EQ(order[0], 3);
	CHECK_EQ(order[1], 1);
	CHECK_EQ(order[2], 0);
	CHECK_EQ(order[3], 4);
	bb_loop_free(l);
}

static int fd_seen, idle_runs;

static void on_read(struct bb_loop *l, int fd, uint32_t ev, void *arg)
{
	char c;

	(void)l;
	(void)arg;
	if ((ev & BB_EV_READ) && read(fd, &c, 1) == 1)
		fd_seen++;
}

static void on_idle(struct bb_loop *l, void *arg)
{
	(void)l;
	(void)arg;
	idle_runs++;
}

static void test_fd_and_idle(void)
{
	struct bb_loop *l = bb_loop_new();
	int p[2];

	CHECK_EQ(pipe2(p, O_NONBLOCK), 0);
	CHECK_EQ(bb_loop_add_fd(l, p[0], BB_EV_READ, on_read, NULL), 0);
	CHECK_EQ(bb_loop_add_idle(l, on_idle, NULL), 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	bb_loop_run_once(l, 100);
	CHECK_EQ(fd_seen, 1);
	CHECK_EQ(idle_runs, 1);
	bb_loop_del_fd(l, p[0]);
	CHECK_EQ(write(p[1], "y", 1), 1);
	bb_loop_run_once(l, 0);
	CHECK_EQ(fd_seen, 1);
	close(p[0]);
	close(p[1]);
	bb_loop_free(l);
}

static void test_many_timers(void)
{
	struct bb_loop *l = bb_loop_new();
	static struct bb_timer t[1000];
	int i;

	norder = 0;
	for (i = 0; i < 1000; i++) {
		bb_timer_init(&t[i], record, (void *)0L);
		bb_timer_arm(l, &t[i], (uint64_t)(1000 + (i * 7919) % 1000));
	}
	for (i = 0; i < 1000; i += 2)
		bb_timer_cancel(l, &t[i]);
	for (i = 0; i < 1000; i++)
		CHECK_EQ(bb_timer_armed(&t[i]), i % 2);
	for (i = 1; i < 1000; i += 2)
		bb_timer_cancel(l, &t[i]);
	bb_loop_run_once(l, 0);
	CHECK_EQ(norder, 0);
	bb_loop_free(l);
}

static void on_class(struct bb_loop *l, int fd, uint32_t ev, void *arg)
{
	char c;

	(void)l;
	if ((ev & BB_EV_READ) && read(fd, &c, 1) == 1)
		order[norder++] = (int)(long)arg;
}

/* In one turn: the prio fd first, then the plain ones, bulk ones last,
 * whatever order they were added and became ready in; an fd moves
 * between the classes with its events, and a deleted one is gone. */
static void test_prio_and_bulk(void)
{
	struct bb_loop *l = bb_loop_new();
	int p[3][2], i;

	norder = 0;
	for (i = 0; i < 3; i++)
		CHECK_EQ(pipe2(p[i], O_NONBLOCK), 0);
	CHECK_EQ(bb_loop_add_fd(l, p[0][0], BB_EV_READ | BB_EV_BULK, on_class,
				(void *)2L),
		 0);
	CHECK_EQ(bb_loop_add_fd(l, p[1][0], BB_EV_READ, on_class, (void *)1L),
		 0);
	CHECK_EQ(bb_loop_add_fd(l, p[2][0], BB_EV_READ, on_class, (void *)0L),
		 0);
	CHECK_EQ(bb_loop_set_prio(l, p[2][0]), 0);
	for (i = 0; i < 3; i++)
		CHECK_EQ(write(p[i][1], "x", 1), 1);
	bb_loop_run_once(l, 100);
	CHECK_EQ(norder, 3);
	CHECK_EQ(order[0], 0);
	CHECK_EQ(order[1], 1);
	CHECK_EQ(order[2], 2);
	/* bulk no more, and the plain one bulk now */
	norder = 0;
	CHECK_EQ(bb_loop_mod_fd(l, p[0][0], BB_EV_READ), 0);
	CHECK_EQ(bb_loop_mod_fd(l, p[1][0], BB_EV_READ | BB_EV_BULK), 0);
	CHECK_EQ(write(p[1][1], "x", 1), 1);
	CHECK_EQ(write(p[0][1], "x", 1), 1);
	bb_loop_run_once(l, 100);
	CHECK_EQ(norder, 2);
	CHECK_EQ(order[0], 2);
	CHECK_EQ(order[1], 1);
	/* a prio fd keeps its class through mod, and del removes it */
	norder = 0;
	CHECK_EQ(bb_loop_mod_fd(l, p[2][0], 0), 0);
	CHECK_EQ(write(p[2][1], "x", 1), 1);
	bb_loop_run_once(l, 0);
	CHECK_EQ(norder, 0);
	CHECK_EQ(bb_loop_mod_fd(l, p[2][0], BB_EV_READ), 0);
	bb_loop_run_once(l, 100);
	CHECK_EQ(norder, 1);
	bb_loop_del_fd(l, p[2][0]);
	bb_loop_del_fd(l, p[1][0]);
	CHECK_EQ(write(p[2][1], "x", 1), 1);
	CHECK_EQ(write(p[1][1], "x", 1), 1);
	bb_loop_run_once(l, 0);
	CHECK_EQ(norder, 1);
	for (i = 0; i < 3; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	bb_loop_free(l);
}

/* A poll hook runs each turn while on, before the turn's events, may take
 * itself off, and is set at most once per (cb, arg). */
static int polls;

static void on_poll(struct bb_loop *l, void *arg)
{
	polls++;
	if (polls == 3)
		bb_loop_poll_set(l, on_poll, arg, false);
}

static void test_poll_hook(void)
{
	struct bb_loop *l = bb_loop_new();
	int i;

	CHECK_EQ(bb_loop_poll_set(l, on_poll, NULL, true), 0);
	CHECK_EQ(bb_loop_poll_set(l, on_poll, NULL, true), 0);
	bb_loop_run_once(l, 0);
	CHECK_EQ(polls, 1);
	for (i = 0; i < 5; i++)
		bb_loop_run_once(l, 0);
	CHECK_EQ(polls, 3);
	for (i = 0; i < 4; i++)
		CHECK_EQ(
		    bb_loop_poll_set(l, on_poll, (void *)(long)(i + 1), true),
		    0);
	CHECK_EQ(bb_loop_poll_set(l, on_poll, (void *)99L, true), BB_ENOSPC);
	bb_loop_free(l);
}

/* bb_loop_again: the callback runs again at once, at most
 * 1 + BB_LOOP_AGAIN_MAX times in all, with the prio set served between
 * the runs once it is due (a slow run makes it due). */
static int again_prio_w = -1;

static void on_again(struct bb_loop *l, int fd, uint32_t ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	order[norder++] = 'A';
	if (again_prio_w >= 0) {
		CHECK_EQ(write(again_prio_w, "x", 1), 1);
		again_prio_w = -1;
	}
	usleep(700);
	bb_loop_again(l);
}

static void test_again(void)
{
	struct bb_loop *l = bb_loop_new();
	int a[2], p[2], i, na = 0;

	norder = 0;
	CHECK_EQ(pipe2(a, O_NONBLOCK), 0);
	CHECK_EQ(pipe2(p, O_NONBLOCK), 0);
	CHECK_EQ(bb_loop_add_fd(l, a[0], BB_EV_READ, on_again, NULL), 0);
	CHECK_EQ(bb_loop_add_fd(l, p[0], BB_EV_READ, on_class, (void *)'P'), 0);
	CHECK_EQ(bb_loop_set_prio(l, p[0]), 0);
	again_prio_w = p[1];
	CHECK_EQ(write(a[1], "x", 1), 1); /* never read: stays ready */
	bb_loop_run_once(l, 100);
	for (i = 0; i < norder; i++)
		na += order[i] == 'A';
	CHECK_EQ(na, 1 + BB_LOOP_AGAIN_MAX);
	CHECK_EQ(norder, 2 + BB_LOOP_AGAIN_MAX);
	CHECK_EQ(order[0], 'A');
	CHECK_EQ(order[1], 'P'); /* between the first run and the second */
	close(a[0]);
	close(a[1]);
	close(p[0]);
	close(p[1]);
	bb_loop_free(l);
}

/* A bulk turn ends after about two milliseconds: slow downloads are
 * served a few per turn, and the rest in the next turns, none lost. */
static void on_slow(struct bb_loop *l, int fd, uint32_t ev, void *arg)
{
	(void)l;
	(void)ev;
	(void)arg;
	usleep(1500);
	on_class(l, fd, BB_EV_READ, (void *)(long)fd);
}

static void test_bulk_turn(void)
{
	struct bb_loop *l = bb_loop_new();
	int p[8][2], i, first;

	norder = 0;
	for (i = 0; i < 8; i++) {
		CHECK_EQ(pipe2(p[i], O_NONBLOCK), 0);
		CHECK_EQ(bb_loop_add_fd(l, p[i][0], BB_EV_READ | BB_EV_BULK,
					on_slow, NULL),
			 0);
		CHECK_EQ(write(p[i][1], "x", 1), 1);
	}
	bb_loop_run_once(l, 100);
	first = norder;
	CHECK(first >= 1 && first <= 2);
	for (i = 0; i < 16 && norder < 8; i++)
		bb_loop_run_once(l, 100);
	CHECK_EQ(norder, 8);
	for (i = 0; i < 8; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	bb_loop_free(l);
}

int main(void)
{
	RUN(test_timer_order_and_cancel);
	RUN(test_fd_and_idle);
	RUN(test_many_timers);
	RUN(test_prio_and_bulk);
	RUN(test_poll_hook);
	RUN(test_again);
	RUN(test_bulk_turn);
	return bb_test_done();
}
