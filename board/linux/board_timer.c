/* board/board.h's timers on the Linux loop: the loop's own heap timers,
 * allocated, so that serve's structures hold only a pointer. */
#include <stdlib.h>

#include "board/board.h"
#include "board/linux/loop.h"

struct bb_board_timer {
	struct bb_timer t;
	bb_board_timer_fn fn;
	void *arg;
};

static void fire(struct bb_loop *loop, void *arg)
{
	struct bb_board_timer *t = arg;

	(void)loop;
	t->fn(t->arg);
}

struct bb_board_timer *bb_board_timer_new(bb_board_timer_fn fn, void *arg)
{
	struct bb_board_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	bb_timer_init(&t->t, fire, t);
	return t;
}

void bb_board_timer_arm(struct bb_board_timer *t, uint64_t delay_ms)
{
	bb_timer_arm(bb_loop_board(), &t->t, delay_ms);
}

void bb_board_timer_cancel(struct bb_board_timer *t)
{
	if (t)
		bb_timer_cancel(bb_loop_board(), &t->t);
}

void bb_board_timer_free(struct bb_board_timer *t)
{
	bb_board_timer_cancel(t);
	free(t);
}
