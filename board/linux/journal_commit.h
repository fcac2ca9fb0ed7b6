/* Group commit off the loop: while one batch is written and fdatasync()ed
 * on a thread, the loop goes on answering and collecting the next batch,
 * so the disk's latency is paid once per batch, not once per loop turn.
 * While busy, only the journal's pending records may be touched (append);
 * sync, truncate and rewrite wait for bb_journal_commit_end(). */
#ifndef BB_LINUX_JOURNAL_COMMIT_H
#define BB_LINUX_JOURNAL_COMMIT_H

#include <pthread.h>
#include <stdbool.h>

#include "board/posix/journal_file.h"
#include "common/buf.h"

struct bb_journal_commit {
	/* the journal's fd, size, syncs and bytes belong to the thread while
	 * a batch is in flight */
	struct bb_journal *j;
	struct bb_buf inflight;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done_fd; /* eventfd: readable when a batch is durable */
	bool running, busy, quit;
	int result;	  /* of the batch in flight */
	int result_errno; /* the thread's errno when result is BB_EIO */
};

/* Starts c's thread for the open journal j. */
int bb_journal_commit_start(struct bb_journal_commit *c, struct bb_journal *j);
/* Hands what is pending to the thread: 0, or BB_EAGAIN while a batch is in
 * flight or nothing is pending. */
int bb_journal_commit_begin(struct bb_journal_commit *c);
/* On done_fd readable: the batch's outcome, 0 or BB_EIO (its records may
 * or may not be on disk: their replies must not be sent). */
int bb_journal_commit_end(struct bb_journal_commit *c);
/* Waits for the batch in flight and stops the thread; idempotent, and a
 * no-op on a zeroed c. */
void bb_journal_commit_stop(struct bb_journal_commit *c);

#endif
