#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "board/linux/loop.h"

struct fd_slot {
	bb_fd_cb cb;
	void *arg;
	uint32_t events;
	int used;
	int prio; /* in prio_fd's set, not epfd's */
};

struct idle_hook {
	bb_idle_cb cb;
	void *arg;
};

struct bb_loop {
	int epfd;
	int prio_fd; /* epoll of the fds served first; in epfd's set */
	uint64_t prio_checked_ns;
	int stop;
	uint64_t now_ms;
	struct fd_slot *fds;
	size_t nfds;
	struct bb_timer **heap;
	size_t heap_len, heap_cap;
	struct idle_hook idle[8];
	size_t nidle;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int64_t bb_wall_now(void)
{
	return (int64_t)time(NULL);
}

struct bb_loop *bb_loop_new(void)
{
	struct bb_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->prio_fd = -1;
	l->now_ms = mono_ms();
	return l;
}

void bb_loop_free(struct bb_loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	if (l->prio_fd >= 0)
		close(l->prio_fd);
	free(l->fds);
	free(l->heap);
	free(l);
}

static uint32_t to_epoll(uint32_t ev)
{
	return (ev & BB_EV_READ ? EPOLLIN : 0) |
	       (ev & BB_EV_WRITE ? EPOLLOUT : 0);
}

int bb_loop_add_fd(struct bb_loop *l, int fd, uint32_t events, bb_fd_cb cb,
		   void *arg)
{
	struct epoll_event ee = {0};

	if (fd < 0)
		return BB_EINVAL;
	if ((size_t)fd >= l->nfds) {
		size_t n = (size_t)fd * 2 + 16;
		struct fd_slot *p = realloc(l->fds, n * sizeof(*p));

		if (!p)
			return BB_ENOMEM;
		memset(p + l->nfds, 0, (n - l->nfds) * sizeof(*p));
		l->fds = p;
		l->nfds = n;
	}
	ee.events = to_epoll(events);
	ee.data.fd = fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ee))
		return BB_EIO;
	l->fds[fd] = (struct fd_slot){cb, arg, events, 1, 0};
	return 0;
}

int bb_loop_mod_fd(struct bb_loop *l, int fd, uint32_t events)
{
	struct epoll_event ee = {0};

	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].used)
		return BB_ENOENT;
	if (l->fds[fd].events == events)
		return 0;
	ee.events = to_epoll(events);
	ee.data.fd = fd;
	if (epoll_ctl(l->fds[fd].prio ? l->prio_fd : l->epfd, EPOLL_CTL_MOD, fd,
		      &ee))
		return BB_EIO;
	l->fds[fd].events = events;
	return 0;
}

void bb_loop_del_fd(struct bb_loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].used)
		return;
	epoll_ctl(l->fds[fd].prio ? l->prio_fd : l->epfd, EPOLL_CTL_DEL, fd,
		  NULL);
	memset(&l->fds[fd], 0, sizeof(l->fds[fd]));
}

int bb_loop_set_prio(struct bb_loop *l, int fd)
{
	struct epoll_event ee = {0};

	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].used)
		return BB_ENOENT;
	if (l->fds[fd].prio)
		return 0;
	if (l->prio_fd < 0) {
		l->prio_fd = epoll_create1(EPOLL_CLOEXEC);
		ee.events = EPOLLIN;
		ee.data.fd = -1; /* not a slot: the prio set as a whole */
		if (l->prio_fd < 0 ||
		    epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->prio_fd, &ee)) {
			if (l->prio_fd >= 0)
				close(l->prio_fd);
			l->prio_fd = -1;
			return BB_EIO;
		}
	}
	ee.events = to_epoll(l->fds[fd].events);
	ee.data.fd = fd;
	if (epoll_ctl(l->prio_fd, EPOLL_CTL_ADD, fd, &ee))
		return BB_EIO;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd].prio = 1;
	return 0;
}

/* --- timer heap (1-based heap_idx so that 0 means "not armed") --- */

static void heap_set(struct bb_loop *l, size_t i, struct bb_timer *t)
{
	l->heap[i] = t;
	t->heap_idx = i + 1;
}

static void sift_up(struct bb_loop *l, size_t i)
{
	struct bb_timer *t = l->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (l->heap[parent]->when_ms <= t->when_ms)
			break;
		heap_set(l, i, l->heap[parent]);
		i = parent;
	}
	heap_set(l, i, t);
}

static void sift_down(struct bb_loop *l, size_t i)
{
	struct bb_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->heap_len)
			break;
		if (c + 1 < l->heap_len &&
		    l->heap[c + 1]->when_ms < l->heap[c]->when_ms)
			c++;
		if (t->when_ms <= l->heap[c]->when_ms)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

void bb_timer_init(struct bb_timer *t, bb_timer_cb cb, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
}

void bb_timer_cancel(struct bb_loop *l, struct bb_timer *t)
{
	size_t i;

	if (!t->heap_idx)
		return;
	i = t->heap_idx - 1;
	t->heap_idx = 0;
	l->heap_len--;
	if (i == l->heap_len)
		return;
	heap_set(l, i, l->heap[l->heap_len]);
	sift_up(l, i);
	sift_down(l, l->heap[i]->heap_idx - 1);
}

void bb_timer_arm(struct bb_loop *l, struct bb_timer *t, uint64_t delay_ms)
{
	bb_timer_cancel(l, t);
	if (l->heap_len == l->heap_cap) {
		size_t n = l->heap_cap ? l->heap_cap * 2 : 64;
		struct bb_timer **p = realloc(l->heap, n * sizeof(*p));

		if (!p)
			return; /* the timer stays unarmed; callers see !armed
				 */
		l->heap = p;
		l->heap_cap = n;
	}
	t->when_ms = l->now_ms + delay_ms;
	l->heap[l->heap_len] = t;
	sift_up(l, l->heap_len++);
}

int bb_loop_add_idle(struct bb_loop *l, bb_idle_cb cb, void *arg)
{
	if (l->nidle == sizeof(l->idle) / sizeof(l->idle[0]))
		return BB_ENOSPC;
	l->idle[l->nidle++] = (struct idle_hook){cb, arg};
	return 0;
}

uint64_t bb_loop_now_ms(struct bb_loop *l)
{
	return l->now_ms;
}

static void run_timers(struct bb_loop *l)
{
	while (l->heap_len && l->heap[0]->when_ms <= l->now_ms) {
		struct bb_timer *t = l->heap[0];

		bb_timer_cancel(l, t);
		t->cb(l, t->arg);
	}
}

static void dispatch(struct bb_loop *l, const struct epoll_event *e)
{
	int fd = e->data.fd;
	uint32_t ev = 0;

	if (e->events & EPOLLIN)
		ev |= BB_EV_READ;
	if (e->events & EPOLLOUT)
		ev |= BB_EV_WRITE;
	if (e->events & (EPOLLERR | EPOLLHUP))
		ev |= BB_EV_ERROR | BB_EV_READ;
	/* an earlier callback in this batch may have closed this fd */
	if (fd >= 0 && (size_t)fd < l->nfds && l->fds[fd].used)
		l->fds[fd].cb(l, fd, ev, l->fds[fd].arg);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The prio set (DHCP) and the timers that are due, now: at the start of a
 * batch, and within one once PRIO_EVERY_NS have passed, so that a batch
 * of 64 downloads each sending its share cannot hold a DISCOVER for the
 * whole batch. Bounded: a flood of prio events cannot starve the rest. */
#define PRIO_EVERY_NS 500000ull

static void run_prio(struct bb_loop *l)
{
	struct epoll_event evs[16];
	int n, i, round;

	l->prio_checked_ns = mono_ns();
	if (l->prio_fd < 0)
		return;
	for (round = 0; round < 4; round++) {
		n = epoll_wait(l->prio_fd, evs, 16, 0);
		for (i = 0; i < n; i++)
			dispatch(l, &evs[i]);
		if (n < 16)
			break;
	}
}

int bb_loop_run_once(struct bb_loop *l, int max_wait_ms)
{
	struct epoll_event evs[64];
	int timeout = max_wait_ms, n, i;
	size_t h;

	if (l->heap_len) {
		uint64_t when = l->heap[0]->when_ms;
		int until = when <= l->now_ms ? 0 : (int)(when - l->now_ms);

		if (timeout < 0 || until < timeout)
			timeout = until;
	}
	n = epoll_wait(l->epfd, evs, 64, timeout);
	l->now_ms = mono_ms();
	if (n < 0 && errno != EINTR)
		return BB_EIO;
	for (i = 0; i < n; i++)
		if (evs[i].data.fd < 0)
			run_prio(l);
	l->prio_checked_ns = mono_ns();
	for (i = 0; i < n; i++) {
		if (evs[i].data.fd < 0)
			continue; /* the prio set: served above */
		dispatch(l, &evs[i]);
		if (l->prio_fd >= 0 && i + 1 < n &&
		    mono_ns() - l->prio_checked_ns >= PRIO_EVERY_NS) {
			l->now_ms = mono_ms();
			run_prio(l);
			run_timers(l);
		}
	}
	run_timers(l);
	for (h = 0; h < l->nidle; h++)
		l->idle[h].cb(l, l->idle[h].arg);
	return 0;
}

int bb_loop_run(struct bb_loop *l)
{
	int rc = 0;

	l->stop = 0;
	while (!l->stop && rc == 0)
		rc = bb_loop_run_once(l, -1);
	return rc;
}

void bb_loop_stop(struct bb_loop *l)
{
	l->stop = 1;
}
