/* A file that is still being written (an artifact arriving from upstream)
 * and the readers streaming it as it grows: board/board.h's readers' side,
 * and here the writer's. The writer reports progress; each report wakes
 * every reader that had caught up. Readers never get the last byte before
 * the writer says the file is complete and verified, so a fetch that fails
 * its final check leaves every reader with a short body (an error at the
 * client), never with a wrong one. */
#ifndef BB_LINUX_GROWING_H
#define BB_LINUX_GROWING_H

#include <stdbool.h>
#include <stdint.h>

#include "board/board.h"

struct bb_growing {
	struct bb_file *file; /* read side, owned */
	uint64_t have;	      /* bytes in the file now */
	uint64_t total;	      /* its final length; 0 while unknown */
	int state;	      /* enum bb_growing_state */
	unsigned refs;
	struct bb_growing_waiter *waiters;
};

/* Takes fd; one reference. NULL on allocation failure (fd closed). */
struct bb_growing *bb_growing_new(int fd);
/* The writer's report; wakes the waiters. */
void bb_growing_update(struct bb_growing *g, uint64_t have, uint64_t total,
		       int state);

#endif
