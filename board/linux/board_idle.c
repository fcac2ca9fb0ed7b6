/* board/board.h's idle hooks on the Linux loop. */
#include <stdint.h>

#include "board/board.h"
#include "board/linux/loop.h"
#include "common/err.h"

/* The loop's idle hooks take the loop too; a hook here is for the life of
 * the process, so a small fixed table holds the adapters. */
#define MAX_IDLE 8
static struct {
	void (*fn)(void *arg);
	void *arg;
} idle[MAX_IDLE];
static int nidle;

static void run_idle(struct bb_loop *loop, void *arg)
{
	int i = (int)(intptr_t)arg;

	(void)loop;
	idle[i].fn(idle[i].arg);
}

int bb_board_idle_add(void (*fn)(void *arg), void *arg)
{
	int rc;

	if (nidle == MAX_IDLE)
		return BB_ENOSPC;
	idle[nidle].fn = fn;
	idle[nidle].arg = arg;
	rc = bb_loop_add_idle(bb_loop_board(), run_idle,
			      (void *)(intptr_t)nidle);
	if (rc)
		return BB_ENOMEM;
	nidle++;
	return 0;
}
