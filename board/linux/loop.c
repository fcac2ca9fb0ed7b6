#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "board/linux/loop.h"

enum { SET_MAIN, SET_PRIO, SET_BULK };

struct fd_slot {
	bb_fd_cb cb;
	void *arg;
	uint32_t events;
	int used;
	int set; /* the epoll set it is in: SET_MAIN, SET_PRIO, SET_BULK */
};

struct idle_hook {
	bb_idle_cb cb;
	void *arg;
};

struct bb_loop {
	int epfd;
	/* epoll sets of fds served first (DHCP) and last (downloads), each
	 * in epfd's set as a whole; -1 until used */
	int sets[3];
	uint64_t prio_checked_ns;
	bool again; /* bb_loop_again: the running callback asks once more */
	int stop;
	uint64_t now_ms;
	struct fd_slot *fds;
	size_t nfds;
	struct bb_timer **heap;
	size_t heap_len, heap_cap;
	struct idle_hook idle[8];
	size_t nidle;
	struct idle_hook poll[4]; /* bb_loop_poll_set's */
	size_t npoll;
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

/* The loop board/board.h's calls run on: the first one made on this
 * thread (serve makes one, each lane one of its own; tests may make more
 * and pass them explicitly). */
static __thread struct bb_loop *board_loop;
/* some loop of the process has a prio set (bb_loop_has_prio) */
static bool prio_anywhere;

struct bb_loop *bb_loop_board(void)
{
	return board_loop;
}

struct bb_loop *bb_loop_board_set(struct bb_loop *l)
{
	struct bb_loop *was = board_loop;

	board_loop = l;
	return was;
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
	l->sets[SET_MAIN] = l->epfd;
	l->sets[SET_PRIO] = l->sets[SET_BULK] = -1;
	l->now_ms = mono_ms();
	if (!board_loop)
		board_loop = l;
	return l;
}

void bb_loop_free(struct bb_loop *l)
{
	if (!l)
		return;
	if (board_loop == l)
		board_loop = NULL;
	close(l->epfd);
	if (l->sets[SET_PRIO] >= 0)
		close(l->sets[SET_PRIO]);
	if (l->sets[SET_BULK] >= 0)
		close(l->sets[SET_BULK]);
	free(l->fds);
	free(l->heap);
	free(l);
}

static uint32_t to_epoll(uint32_t ev)
{
	return (ev & BB_EV_READ ? EPOLLIN : 0) |
	       (ev & BB_EV_WRITE ? EPOLLOUT : 0);
}

/* fd's interest (its slot's events) in its slot's set */
static int interest(struct bb_loop *l, int fd, int op)
{
	struct epoll_event ee = {0};

	ee.events = to_epoll(l->fds[fd].events);
	ee.data.fd = fd;
	return epoll_ctl(l->sets[l->fds[fd].set], op, fd, &ee);
}

/* fd into the set (created on first use); on failure it is in none */
static int join(struct bb_loop *l, int fd, int set)
{
	if (l->sets[set] < 0) {
		struct epoll_event ee = {.events = EPOLLIN};

		l->sets[set] = epoll_create1(EPOLL_CLOEXEC);
		ee.data.fd = -set; /* not a slot: the set as a whole */
		if (l->sets[set] < 0 ||
		    epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->sets[set], &ee)) {
			if (l->sets[set] >= 0)
				close(l->sets[set]);
			l->sets[set] = -1;
			return -1;
		}
	}
	l->fds[fd].set = set;
	if (!interest(l, fd, EPOLL_CTL_ADD))
		return 0;
	/* where it was (or main) rather than nowhere */
	l->fds[fd].set = SET_MAIN;
	interest(l, fd, EPOLL_CTL_ADD);
	return -1;
}

int bb_loop_add_fd(struct bb_loop *l, int fd, uint32_t events, bb_fd_cb cb,
		   void *arg)
{
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
	l->fds[fd] = (struct fd_slot){cb, arg, events, 1, SET_MAIN};
	if (join(l, fd, events & BB_EV_BULK ? SET_BULK : SET_MAIN)) {
		memset(&l->fds[fd], 0, sizeof(l->fds[fd]));
		return BB_EIO;
	}
	return 0;
}

int bb_loop_mod_fd(struct bb_loop *l, int fd, uint32_t events)
{
	struct fd_slot *f;
	int want;

	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].used)
		return BB_ENOENT;
	f = &l->fds[fd];
	if (f->events == events)
		return 0;
	want = f->set == SET_PRIO    ? SET_PRIO
	       : events & BB_EV_BULK ? SET_BULK
				     : SET_MAIN;
	f->events = events;
	if (want != f->set) {
		epoll_ctl(l->sets[f->set], EPOLL_CTL_DEL, fd, NULL);
		return join(l, fd, want) ? BB_EIO : 0;
	}
	return interest(l, fd, EPOLL_CTL_MOD) ? BB_EIO : 0;
}

void bb_loop_del_fd(struct bb_loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].used)
		return;
	epoll_ctl(l->sets[l->fds[fd].set], EPOLL_CTL_DEL, fd, NULL);
	memset(&l->fds[fd], 0, sizeof(l->fds[fd]));
}

int bb_loop_set_prio(struct bb_loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].used)
		return BB_ENOENT;
	if (l->fds[fd].set == SET_PRIO)
		return 0;
	epoll_ctl(l->sets[l->fds[fd].set], EPOLL_CTL_DEL, fd, NULL);
	if (join(l, fd, SET_PRIO))
		return BB_EIO;
	__atomic_store_n(&prio_anywhere, true, __ATOMIC_RELAXED);
	return 0;
}

bool bb_loop_has_prio(const struct bb_loop *l)
{
	return l->sets[SET_PRIO] >= 0 ||
	       __atomic_load_n(&prio_anywhere, __ATOMIC_RELAXED);
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

int bb_loop_poll_set(struct bb_loop *l, bb_idle_cb cb, void *arg, bool on)
{
	size_t i;

	for (i = 0; i < l->npoll; i++)
		if (l->poll[i].cb == cb && l->poll[i].arg == arg)
			break;
	if (!on) {
		if (i < l->npoll)
			l->poll[i] = l->poll[--l->npoll];
		return 0;
	}
	if (i < l->npoll)
		return 0;
	if (l->npoll == sizeof(l->poll) / sizeof(l->poll[0]))
		return BB_ENOSPC;
	l->poll[l->npoll++] = (struct idle_hook){cb, arg};
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
	/* a hook may take itself off: from the last one down */
	for (i = (int)l->npoll - 1; i >= 0; i--)
		if ((size_t)i < l->npoll)
			l->poll[i].cb(l, l->poll[i].arg);
	if (l->sets[SET_PRIO] < 0)
		return;
	for (round = 0; round < 4; round++) {
		n = epoll_wait(l->sets[SET_PRIO], evs, 16, 0);
		for (i = 0; i < n; i++)
			dispatch(l, &evs[i]);
		if (n < 16)
			break;
	}
}

/* Downloads served per turn, after every other ready fd, a few at a time
 * and for at most BULK_TURN_NS: a request that arrives behind a thousand
 * busy downloads waits for about one turn, not for all of them, however
 * large a download's share is. Taken in small groups so that a turn cut
 * short leaves the rest in the ready list, in their order. */
#define BULK_BATCH   32
#define BULK_GROUP   4
#define BULK_TURN_NS 2000000ull

static bool prio_due(const struct bb_loop *l)
{
	return mono_ns() - l->prio_checked_ns >= PRIO_EVERY_NS;
}

void bb_loop_again(struct bb_loop *l)
{
	l->again = true;
}

/* One event, and again while its callback asks (bb_loop_again) and the
 * turn's end (0: none) has not come, with the prio set (not the timers:
 * they may end the stream that asked) between the runs when it is due. */
static void dispatch_again(struct bb_loop *l, const struct epoll_event *e,
			   uint64_t end_ns)
{
	int k;

	l->again = false;
	dispatch(l, e);
	for (k = 0; l->again && k < BB_LOOP_AGAIN_MAX; k++) {
		l->again = false;
		if (end_ns && mono_ns() >= end_ns)
			break;
		if (prio_due(l))
			run_prio(l);
		dispatch(l, e);
	}
	l->again = false;
}

/* n events of a batch, with the prio set between them when it is due;
 * returns how many were served before the turn's end (0: none) came.
 * Level triggered: the rest are reported again. */
static int run_batch(struct bb_loop *l, const struct epoll_event *evs, int n,
		     uint64_t end_ns)
{
	int i;

	for (i = 0; i < n; i++) {
		if (i && end_ns && mono_ns() >= end_ns)
			return i;
		if (evs[i].data.fd < 0)
			continue; /* a set: served by the caller */
		dispatch_again(l, &evs[i], end_ns);
		if ((l->sets[SET_PRIO] >= 0 || l->npoll) && i + 1 < n &&
		    prio_due(l)) {
			l->now_ms = mono_ms();
			run_prio(l);
			run_timers(l);
		}
	}
	return n;
}

static void run_bulk(struct bb_loop *l)
{
	struct epoll_event evs[BULK_GROUP];
	uint64_t end = mono_ns() + BULK_TURN_NS;
	int done = 0, n;

	do {
		n = epoll_wait(l->sets[SET_BULK], evs, BULK_GROUP, 0);
		if (n <= 0 || run_batch(l, evs, n, end) < n)
			break;
		done += n;
	} while (n == BULK_GROUP && done < BULK_BATCH && mono_ns() < end);
}

int bb_loop_run_once(struct bb_loop *l, int max_wait_ms)
{
	struct epoll_event evs[64];
	int timeout = max_wait_ms, n, i;
	bool prio = false, bulk = false;
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
	for (i = 0; i < n; i++) {
		prio |= evs[i].data.fd == -SET_PRIO;
		bulk |= evs[i].data.fd == -SET_BULK;
	}
	if (prio || l->npoll)
		run_prio(l);
	l->prio_checked_ns = mono_ns();
	run_batch(l, evs, n, 0);
	if (bulk)
		run_bulk(l);
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
