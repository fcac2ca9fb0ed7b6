/* The lwIP board's loop (NO_SYS=1): one thread polls the TAP fd with a
 * timeout that is the nearest of lwIP's timeouts and our timers, feeds
 * frames to lwIP, runs what is due, then the idle hooks. Time is
 * CLOCK_MONOTONIC in milliseconds, sampled once per turn. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "board/lwip/board_lwip.h"
#include "board/lwip/tapif.h"
#include "common/err.h"
#include "firmware/serve/log.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"

struct bb_board_timer {
	struct bb_board_timer *next, *prev;
	uint64_t when;
	bool armed;
	bb_board_timer_fn fn;
	void *arg;
};

#define MAX_IDLE 8

static struct {
	uint64_t now;
	struct bb_board_timer *timers; /* armed ones, unordered */
	void (*idle[MAX_IDLE])(void *);
	void *idle_arg[MAX_IDLE];
	int nidle;
	char errmsg[256];
} L;

static volatile sig_atomic_t stop_flag, hup_flag;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t bb_board_now_ms(void)
{
	if (!L.now)
		L.now = mono_ms();
	return L.now;
}

int64_t bb_board_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

/* lwIP's clock: its own timeouts and TCP timers */
u32_t sys_now(void)
{
	return (u32_t)mono_ms();
}

uint32_t bb_lwip_rand(void)
{
	static uint64_t s;

	if (!s) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
		    0x9e3779b97f4a7c15ull;
	}
	/* xorshift64*: ISNs and ephemeral ports, not secrets */
	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return (uint32_t)((s * 0x2545f4914f6cdd1dull) >> 32);
}

int bb_board_fail(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(L.errmsg, sizeof(L.errmsg), fmt, ap);
	va_end(ap);
	return rc;
}

const char *bb_board_errmsg(void)
{
	return L.errmsg;
}

struct bb_board_timer *bb_board_timer_new(bb_board_timer_fn fn, void *arg)
{
	struct bb_board_timer *t = calloc(1, sizeof(*t));

	if (t) {
		t->fn = fn;
		t->arg = arg;
	}
	return t;
}

void bb_board_timer_cancel(struct bb_board_timer *t)
{
	if (!t || !t->armed)
		return;
	if (t->prev)
		t->prev->next = t->next;
	else
		L.timers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
	t->armed = false;
}

void bb_board_timer_arm(struct bb_board_timer *t, uint64_t delay_ms)
{
	bb_board_timer_cancel(t);
	t->when = bb_board_now_ms() + delay_ms;
	t->armed = true;
	t->next = L.timers;
	if (t->next)
		t->next->prev = t;
	L.timers = t;
}

void bb_board_timer_free(struct bb_board_timer *t)
{
	bb_board_timer_cancel(t);
	free(t);
}

int bb_board_idle_add(void (*fn)(void *arg), void *arg)
{
	if (L.nidle == MAX_IDLE)
		return BB_ENOSPC;
	L.idle[L.nidle] = fn;
	L.idle_arg[L.nidle++] = arg;
	return 0;
}

/* Due timers fire once each; a callback may arm or cancel any timer, so
 * the scan restarts after each call (few timers: a scan is cheap). */
static uint64_t run_timers(void)
{
	uint64_t next = UINT64_MAX;
	struct bb_board_timer *t;
	int fired = 0;

again:
	for (t = L.timers; t; t = t->next) {
		if (t->when <= L.now && fired < 100000) {
			bb_board_timer_cancel(t);
			fired++;
			t->fn(t->arg);
			goto again;
		}
	}
	for (t = L.timers; t; t = t->next)
		if (t->when < next)
			next = t->when;
	return next;
}

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	hup_flag = 1;
}

static void (*hup_fn)(void *);
static void *hup_arg;

void bb_lwip_loop_on_hup(void (*fn)(void *arg), void *arg)
{
	hup_fn = fn;
	hup_arg = arg;
}

/* board.h's reload request (the NetBox refresh's new copy): taken on the
 * next turn of the loop, as an operator's SIGHUP is. */
void bb_board_reload_soon(void)
{
	hup_flag = 1;
}

void bb_lwip_loop_stop(void)
{
	stop_flag = 1;
}

bool bb_lwip_loop_stopping(void)
{
	return stop_flag != 0;
}

int bb_lwip_loop_run(struct netif *nif, void (*turn)(void *), void *arg)
{
	struct sigaction sa = {.sa_handler = on_stop};
	struct pollfd pfd = {.fd = bb_tapif_fd(nif), .events = POLLIN};

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	while (!stop_flag) {
		uint64_t next;
		u32_t lw;
		int wait, i;

		L.now = mono_ms();
		if (hup_flag) {
			hup_flag = 0;
			if (hup_fn)
				hup_fn(hup_arg);
		}
		if (pfd.revents & POLLIN)
			bb_tapif_input(nif, 256);
		sys_check_timeouts();
		next = run_timers();
		if (turn)
			turn(arg);
		for (i = 0; i < L.nidle; i++)
			L.idle[i](L.idle_arg[i]);
		lw = sys_timeouts_sleeptime();
		wait = lw == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? 1000
		       : lw > 1000			     ? 1000
							     : (int)lw;
		L.now = mono_ms();
		if (next != UINT64_MAX) {
			uint64_t d = next > L.now ? next - L.now : 0;

			if (d < (uint64_t)wait)
				wait = (int)d;
		}
		bb_tapif_flush(nif); /* what this turn sent */
		pfd.revents = 0;
		if (poll(&pfd, 1, wait) < 0 && errno != EINTR)
			return BB_EIO;
	}
	return 0;
}
