/* board/board.h's lanes on Linux: a thread with a loop of its own, which
 * the board's calls made on that thread use (bb_loop_board is per
 * thread). Start waits for setup to finish on the thread, so that its
 * result and its log lines come before start returns; stop is a write to
 * an eventfd the lane's loop watches, after which the lane runs teardown,
 * leaves its loop and is joined. */
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
	char name[16]; /* the thread's, as ps and perf show it */
	int (*setup)(void *arg);
	void *arg;
	void (*teardown)(void *arg);
	void *teardown_arg;
	struct bb_loop *loop;
	int stop_fd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool ready; /* setup returned: rc holds its result */
	int rc;
	char msg[256]; /* the board's message of a failed setup */
};

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

static void report(struct bb_lane *l, int rc)
{
	if (rc && !l->msg[0])
		snprintf(l->msg, sizeof(l->msg), "%s", bb_board_errmsg());
	pthread_mutex_lock(&l->mu);
	l->rc = rc;
	l->ready = true;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

static void *run(void *arg)
{
	struct bb_lane *l = arg;
	int rc;

	pthread_setname_np(pthread_self(), l->name);
	l->loop = bb_loop_new(); /* this thread's board loop */
	if (!l->loop) {
		report(l, bb_board_fail(BB_ENOMEM, "out of memory"));
		return NULL;
	}
	if (bb_loop_add_fd(l->loop, l->stop_fd, BB_EV_READ, on_stop, l)) {
		bb_loop_free(l->loop);
		report(l, bb_board_fail(BB_ENOMEM, "out of memory"));
		return NULL;
	}
	rc = l->setup(l->arg);
	if (rc) {
		/* the message is this thread's: handed to the caller's */
		snprintf(l->msg, sizeof(l->msg), "%s", bb_board_errmsg());
		bb_loop_free(l->loop);
		l->loop = NULL;
		report(l, rc);
		return NULL;
	}
	report(l, 0);
	bb_loop_run(l->loop);
	bb_loop_free(l->loop);
	return NULL;
}

static void lane_free(struct bb_lane *l)
{
	close(l->stop_fd);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int bb_lane_start(const char *name, int (*setup)(void *arg), void *arg,
		  struct bb_lane **out)
{
	struct bb_lane *l = calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return bb_board_fail(BB_ENOMEM, "out of memory");
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->setup = setup;
	l->arg = arg;
	l->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->stop_fd < 0) {
		free(l);
		return bb_board_fail(BB_EIO, "eventfd: %s", strerror(errno));
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	if ((rc = pthread_create(&l->thread, NULL, run, l))) {
		lane_free(l);
		return bb_board_fail(BB_EIO, "a thread: %s", strerror(rc));
	}
	pthread_mutex_lock(&l->mu);
	while (!l->ready)
		pthread_cond_wait(&l->cv, &l->mu);
	pthread_mutex_unlock(&l->mu);
	if (l->rc) {
		rc = l->rc;
		pthread_join(l->thread, NULL);
		bb_board_fail(rc, "%s", l->msg);
		lane_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

void bb_lane_stop(struct bb_lane *l, void (*teardown)(void *arg), void *arg)
{
	uint64_t one = 1;

	if (!l)
		return;
	l->teardown = teardown;
	l->teardown_arg = arg;
	while (write(l->stop_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(l->thread, NULL);
	lane_free(l);
}
