/* board/board.h's lanes and locks on the lwIP board: one thread, so a
 * lane is the main loop (setup and teardown run here and now, and there
 * is nothing to let go) and a lock guards nothing. */
#include "board/board.h"

struct bb_lane {
	char unused;
};

struct bb_lock {
	char unused;
};

static struct bb_lane the_lane;
static struct bb_lock the_lock;

int bb_lane_start(const char *name, int (*setup)(void *arg), void *arg,
		  struct bb_lane **out)
{
	int rc;

	(void)name;
	if ((rc = setup(arg)))
		return rc;
	*out = &the_lane;
	return 0;
}

int bb_lanes_go(void)
{
	return 0;
}

void bb_lane_stop(struct bb_lane *l, void (*teardown)(void *arg), void *arg)
{
	if (l && teardown)
		teardown(arg);
}

struct bb_lock *bb_lock_new(void)
{
	return &the_lock;
}

void bb_lock_free(struct bb_lock *k)
{
	(void)k;
}

void bb_lock_take(struct bb_lock *k)
{
	(void)k;
}

void bb_lock_give(struct bb_lock *k)
{
	(void)k;
}
