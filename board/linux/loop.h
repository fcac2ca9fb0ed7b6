/* The Linux board's event loop, in the spirit of redis ae.c: file events on
 * epoll, timers in a min-heap of caller-owned struct bb_timer (no allocation
 * per timer, O(log n) arm/cancel), and idle hooks that run once after every
 * batch of events, before the loop sleeps again. The DHCP board uses an idle
 * hook for group commit: one fsync for all the leases a batch produced. */
#ifndef BB_LINUX_LOOP_H
#define BB_LINUX_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BB_EV_READ  1u
#define BB_EV_WRITE 2u
#define BB_EV_ERROR 4u /* EPOLLERR / EPOLLHUP, reported to the callback */
/* with READ/WRITE: bulk work (a download's next share), served after
 * every other ready fd, for about two milliseconds per turn */
#define BB_EV_BULK 8u

struct bb_loop;

typedef void (*bb_fd_cb)(struct bb_loop *loop, int fd, uint32_t events,
			 void *arg);
typedef void (*bb_timer_cb)(struct bb_loop *loop, void *arg);
typedef void (*bb_idle_cb)(struct bb_loop *loop, void *arg);

struct bb_timer {
	uint64_t when_ms; /* monotonic deadline */
	bb_timer_cb cb;
	void *arg;
	size_t heap_idx; /* 0 = not armed; else index + 1 */
};

struct bb_loop *bb_loop_new(void);
/* The loop the board interface (board/board.h) runs on. */
struct bb_loop *bb_loop_board(void);
/* Makes l this thread's board loop (a lane's setup, its thread); returns
 * the one before. */
struct bb_loop *bb_loop_board_set(struct bb_loop *l);
void bb_loop_free(struct bb_loop *loop);

/* Register, change or remove interest in fd; events is BB_EV_READ|WRITE. */
int bb_loop_add_fd(struct bb_loop *loop, int fd, uint32_t events, bb_fd_cb cb,
		   void *arg);
int bb_loop_mod_fd(struct bb_loop *loop, int fd, uint32_t events);
void bb_loop_del_fd(struct bb_loop *loop, int fd);
/* fd (added already) is served first: at the start of each batch of
 * events, and within a long one every half millisecond, with the timers
 * then due (DHCP beside hundreds of downloads). */
int bb_loop_set_prio(struct bb_loop *loop, int fd);
/* Something was set prio, on this loop or another's (a lane serves
 * DHCP): work on other threads should yield the CPU to it. */
bool bb_loop_has_prio(const struct bb_loop *loop);
/* Called from an fd's callback: run it again with the same events at once
 * (after the prio set, when it is due), at most BB_LOOP_AGAIN_MAX times
 * in a row. A bulk download sends its share in slices this way, so DHCP
 * waits for one slice's syscall, not for the whole share's. */
#define BB_LOOP_AGAIN_MAX 3
void bb_loop_again(struct bb_loop *loop);

/* Init once; arm (or re-arm) to fire delay_ms from now; cancel is a no-op on
 * an unarmed timer. A timer callback may re-arm its own timer. */
void bb_timer_init(struct bb_timer *t, bb_timer_cb cb, void *arg);
void bb_timer_arm(struct bb_loop *loop, struct bb_timer *t, uint64_t delay_ms);
void bb_timer_cancel(struct bb_loop *loop, struct bb_timer *t);
static inline int bb_timer_armed(const struct bb_timer *t)
{
	return t->heap_idx != 0;
}

/* A hook run with the prio set (first in each turn, and every half
 * millisecond within a long one) while on: a busy socket that is polled
 * instead of woken (DHCP under a storm) is read whenever the loop is up
 * anyway, not only at its own tick. Up to 4; 0 or BB_ENOSPC. */
int bb_loop_poll_set(struct bb_loop *loop, bb_idle_cb cb, void *arg, bool on);

/* Up to 8 hooks, run in order after each batch of events. */
int bb_loop_add_idle(struct bb_loop *loop, bb_idle_cb cb, void *arg);

/* Monotonic milliseconds, sampled once per loop iteration. */
uint64_t bb_loop_now_ms(struct bb_loop *loop);
/* Wall clock seconds (for lease expiry stored on disk). */
int64_t bb_wall_now(void);

/* Runs until bb_loop_stop(); returns 0, or a negative BB_E* on epoll failure.
 */
int bb_loop_run(struct bb_loop *loop);
int bb_loop_run_once(struct bb_loop *loop, int max_wait_ms);
void bb_loop_stop(struct bb_loop *loop);

#endif
