/* board/board.h's bb_write_file_bg on Linux: one thread that replaces a
 * state file (bb_write_file_atomic: write, fsync, rename, fsync of the
 * directory) while the loop goes on, and an eventfd that brings the
 * outcome back to the loop. The machine states of a boot storm are
 * written every second, and their fsyncs took the loop (and every DHCP
 * reply behind it) off the CPU for milliseconds. Without a thread (it
 * could not start) the write is done at once. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "board/board.h"
#include "board/linux/loop.h"
#include "common/err.h"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int done_fd;
	bool started, busy, ready; /* ready: the thread is done with it */
	char path[1024];
	void *data;
	size_t len;
	unsigned mode;
	int rc;
	void (*done)(void *arg, int rc);
	void *arg;
} w = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .cv = PTHREAD_COND_INITIALIZER,
       .done_fd = -1};

static void *writer(void *arg)
{
	uint64_t one = 1;

	(void)arg;
	pthread_mutex_lock(&w.mu);
	for (;;) {
		while (!w.busy || w.ready)
			pthread_cond_wait(&w.cv, &w.mu);
		pthread_mutex_unlock(&w.mu);
		w.rc = bb_write_file_atomic(w.path, w.data, w.len, w.mode);
		pthread_mutex_lock(&w.mu);
		w.ready = true;
		pthread_cond_broadcast(&w.cv);
		while (write(w.done_fd, &one, sizeof(one)) < 0 &&
		       errno == EINTR)
			;
	}
	return NULL;
}

/* The job is done: its buffer freed and its done called, on the loop. */
static void finish(void)
{
	void (*done)(void *arg, int rc) = w.done;
	uint64_t n;
	int rc = w.rc;

	if (read(w.done_fd, &n, sizeof(n)) < 0)
		(void)n; /* drained, so the loop stops reporting it */
	free(w.data);
	w.data = NULL;
	pthread_mutex_lock(&w.mu); /* the thread reads them under it */
	w.busy = w.ready = false;
	pthread_mutex_unlock(&w.mu);
	done(w.arg, rc);
}

static void on_done(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	bool ready;

	(void)loop;
	(void)fd;
	(void)ev;
	(void)arg;
	pthread_mutex_lock(&w.mu);
	ready = w.busy && w.ready;
	pthread_mutex_unlock(&w.mu);
	if (ready)
		finish();
}

static bool start(void)
{
	if (w.started)
		return true;
	w.done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w.done_fd < 0)
		return false;
	if (bb_loop_add_fd(bb_loop_board(), w.done_fd, BB_EV_READ, on_done,
			   NULL))
		goto fail_fd;
	if (pthread_create(&w.thread, NULL, writer, NULL))
		goto fail_loop;
	pthread_detach(w.thread);
	w.started = true;
	return true;
fail_loop:
	bb_loop_del_fd(bb_loop_board(), w.done_fd);
fail_fd:
	close(w.done_fd);
	w.done_fd = -1;
	return false;
}

int bb_write_file_bg(const char *path, const void *data, size_t len,
		     unsigned int mode, void (*done)(void *arg, int rc),
		     void *arg)
{
	void *copy;

	if (w.busy)
		return BB_EAGAIN;
	if (strlen(path) >= sizeof(w.path))
		return BB_EINVAL;
	if (!bb_loop_board() || !start() || !(copy = malloc(len ? len : 1))) {
		done(arg, bb_write_file_atomic(path, data, len, mode));
		return 0;
	}
	memcpy(copy, data, len);
	pthread_mutex_lock(&w.mu);
	strcpy(w.path, path);
	w.data = copy;
	w.len = len;
	w.mode = mode;
	w.done = done;
	w.arg = arg;
	w.busy = true;
	w.ready = false;
	pthread_cond_broadcast(&w.cv);
	pthread_mutex_unlock(&w.mu);
	return 0;
}

void bb_write_file_bg_wait(void)
{
	if (!w.busy)
		return;
	pthread_mutex_lock(&w.mu);
	while (!w.ready)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	finish();
}
