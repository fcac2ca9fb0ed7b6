/* board/board.h's lanes on Linux: a thread with a loop of its own, which
 * the board's calls made on that thread use (bb_loop_board is per
 * thread). Setup runs on the caller's thread for the lane's loop, so that
 * sockets are bound while the process may still; the thread starts at
 * bb_lanes_go, after serve dropped root. Capabilities, the bounding set
 * and no_new_privs belong to each thread in Linux, and a thread made
 * before the drop would keep root's. Stop is a write to an eventfd the
 * lane's loop watches, after which the lane runs teardown, leaves its loop
 * and is joined. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "board/board.h"
#include "board/linux/loop.h"
#include "common/err.h"

struct bb_lane {
	pthread_t thread;
	bool running;  /* the thread was started */
	char name[16]; /* the thread's, as ps and perf show it */
	void (*teardown)(void *arg);
	void *teardown_arg;
	struct bb_loop *loop;
	int stop_fd;
	struct bb_lane *next_held; /* waiting for bb_lanes_go */
};

/* Lanes set up before bb_lanes_go; the main thread's alone. */
static struct bb_lane *held;
static bool gone;

static void on_stop(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_lane *l = arg;
	uint64_t v;

	(void)ev;
	if (read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
		return;
	if (l->teardown)
		l->teardown(l->teardown_arg);
	bb_loop_del_fd(loop, fd);
	bb_loop_stop(loop);
}

static void *run(void *arg)
{
	struct bb_lane *l = arg;

	pthread_setname_np(pthread_self(), l->name);
	bb_loop_board_set(l->loop);
	bb_loop_run(l->loop);
	bb_loop_board_set(NULL);
	return NULL;
}

static void lane_free(struct bb_lane *l)
{
	bb_loop_free(l->loop);
	close(l->stop_fd);
	free(l);
}

static int go(struct bb_lane *l)
{
	int rc = pthread_create(&l->thread, NULL, run, l);

	if (rc)
		return bb_board_fail(BB_EIO, "a thread: %s", strerror(rc));
	l->running = true;
	return 0;
}

int bb_lane_start(const char *name, int (*setup)(void *arg), void *arg,
		  struct bb_lane **out)
{
	struct bb_lane *l = calloc(1, sizeof(*l));
	struct bb_loop *was;
	int rc;

	if (!l)
		return bb_board_fail(BB_ENOMEM, "out of memory");
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	was = bb_loop_board();
	if (l->stop_fd < 0 || !(l->loop = bb_loop_new()) ||
	    bb_loop_add_fd(l->loop, l->stop_fd, BB_EV_READ, on_stop, l)) {
		rc = bb_board_fail(BB_EIO, "a lane: %s", strerror(errno));
		bb_loop_board_set(was);
		lane_free(l);
		return rc;
	}
	bb_loop_board_set(l->loop);
	rc = setup(arg);
	bb_loop_board_set(was);
	if (rc) {
		lane_free(l); /* setup's message stays the board's */
		return rc;
	}
	/* from here, what setup opened is closed by the caller's stop */
	*out = l;
	if (gone)
		return go(l);
	l->next_held = held;
	held = l;
	return 0;
}

int bb_lanes_go(void)
{
	struct bb_lane *l;
	int rc = 0;

	gone = true;
	while ((l = held)) {
		held = l->next_held;
		l->next_held = NULL;
		if (!rc)
			rc = go(l);
	}
	return rc;
}

static void unhold(struct bb_lane *l)
{
	struct bb_lane **p;

	for (p = &held; *p; p = &(*p)->next_held)
		if (*p == l) {
			*p = l->next_held;
			return;
		}
}

void bb_lane_stop(struct bb_lane *l, void (*teardown)(void *arg), void *arg)
{
	uint64_t one = 1;
	struct bb_loop *was;

	if (!l)
		return;
	if (!l->running) { /* never started: teardown here, for its loop */
		unhold(l);
		was = bb_loop_board_set(l->loop);
		if (teardown)
			teardown(arg);
		bb_loop_board_set(was);
		lane_free(l);
		return;
	}
	l->teardown = teardown;
	l->teardown_arg = arg;
	while (write(l->stop_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(l->thread, NULL);
	lane_free(l);
}
