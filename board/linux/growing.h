/* A file that is still being written (an artifact arriving from upstream)
 * and the readers streaming it as it grows. The writer reports progress;
 * each report wakes every reader that had caught up. Readers never get the
 * last byte before the writer says the file is complete and verified, so a
 * fetch that fails its final check leaves every reader with a short body
 * (an error at the client), never with a wrong one. */
#ifndef BB_LINUX_GROWING_H
#define BB_LINUX_GROWING_H

#include <stdbool.h>
#include <stdint.h>

struct bb_growing_waiter {
	struct bb_growing_waiter *prev, *next;
	bool queued;
	void (*wake)(struct bb_growing_waiter *w);
};

enum bb_growing_state {
	BB_GROWING_OPEN = 0, /* bytes still arriving */
	BB_GROWING_DONE = 1, /* complete and verified: have == total */
	BB_GROWING_FAILED = -1,
};

struct bb_growing {
	int fd;		/* read side, owned */
	uint64_t have;	/* bytes in the file now */
	uint64_t total; /* its final length; 0 while unknown */
	int state;	/* enum bb_growing_state */
	unsigned refs;
	struct bb_growing_waiter *waiters;
};

/* Takes fd; one reference. NULL on allocation failure (fd closed). */
struct bb_growing *bb_growing_new(int fd);
struct bb_growing *bb_growing_ref(struct bb_growing *g);
void bb_growing_unref(struct bb_growing *g);

/* Bytes a reader may send now. */
uint64_t bb_growing_sendable(const struct bb_growing *g);
/* The writer's report; wakes the waiters. */
void bb_growing_update(struct bb_growing *g, uint64_t have, uint64_t total,
		       int state);
/* Wait for the next report (once); unwait is safe when not waiting. */
void bb_growing_wait(struct bb_growing *g, struct bb_growing_waiter *w);
void bb_growing_unwait(struct bb_growing *g, struct bb_growing_waiter *w);

#endif
