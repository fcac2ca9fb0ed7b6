/* The journal's committer thread. The loop swaps its pending buffer with
 * the (empty) in-flight one under the mutex and signals; the thread writes
 * and fdatasync()s the batch without the lock, then posts the outcome on an
 * eventfd that the loop watches. Only one batch is ever in flight, so the
 * order of records on disk is the order of appends. */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "board/linux/journal_commit.h"
#include "common/err.h"

static void *committer(void *arg)
{
	struct bb_journal_commit *c = arg;
	uint64_t one = 1;
	int rc;

	/* before the first batch, not with it: the loop touches the file
	 * only between batches, and the first is not handed over yet */
	bb_journal_grow(c->j);
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->quit && !(c->busy && c->result == BB_EAGAIN))
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->quit)
			break;
		pthread_mutex_unlock(&c->mu);
		rc = c->inflight.err
			 ? BB_ENOMEM
			 : bb_journal_write_durable(c->j, c->inflight.p,
						    c->inflight.len);
		pthread_mutex_lock(&c->mu);
		c->result_errno = errno;
		c->result = rc;
		while (write(c->done_fd, &one, sizeof(one)) < 0 &&
		       errno == EINTR)
			;
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int bb_journal_commit_start(struct bb_journal_commit *c, struct bb_journal *j)
{
	if (c->running)
		return 0;
	c->j = j;
	c->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->done_fd < 0)
		return BB_EIO;
	if (pthread_mutex_init(&c->mu, NULL))
		goto fail_fd;
	if (pthread_cond_init(&c->cv, NULL))
		goto fail_mu;
	c->busy = c->quit = false;
	if (pthread_create(&c->thread, NULL, committer, c))
		goto fail_cv;
	c->running = true;
	return 0;
fail_cv:
	pthread_cond_destroy(&c->cv);
fail_mu:
	pthread_mutex_destroy(&c->mu);
fail_fd:
	close(c->done_fd);
	c->done_fd = -1;
	return BB_ENOMEM;
}

int bb_journal_commit_begin(struct bb_journal_commit *c)
{
	struct bb_buf t;

	if (!c->running || c->busy ||
	    (!c->j->pending.len && !c->j->pending.err))
		return BB_EAGAIN;
	pthread_mutex_lock(&c->mu);
	t = c->inflight;
	c->inflight = c->j->pending;
	c->j->pending = t;
	bb_buf_reset(&c->j->pending);
	c->busy = true;
	c->result = BB_EAGAIN; /* the thread's "not yet" */
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

int bb_journal_commit_end(struct bb_journal_commit *c)
{
	uint64_t n;
	int rc;

	if (!c->running || !c->busy)
		return BB_EAGAIN;
	pthread_mutex_lock(&c->mu);
	rc = c->result;
	if (rc != BB_EAGAIN) {
		c->busy = false;
		bb_buf_reset(&c->inflight);
		if (rc)
			errno = c->result_errno;
	}
	pthread_mutex_unlock(&c->mu);
	if (rc != BB_EAGAIN) {
		int e = errno;

		/* the eventfd is drained so the loop stops reporting it */
		if (read(c->done_fd, &n, sizeof(n)) < 0)
			(void)n;
		errno = e;
	}
	return rc;
}

/* Waits for the batch in flight: the loop may be gone, so poll the result
 * under the lock rather than the eventfd. */
static int wait_idle(struct bb_journal_commit *c)
{
	int rc;

	for (;;) {
		rc = bb_journal_commit_end(c);
		if (rc != BB_EAGAIN || !c->busy)
			return rc == BB_EAGAIN ? 0 : rc;
		usleep(1000);
	}
}

void bb_journal_commit_stop(struct bb_journal_commit *c)
{
	if (!c->running)
		return;
	wait_idle(c);
	pthread_mutex_lock(&c->mu);
	c->quit = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	close(c->done_fd);
	c->done_fd = -1;
	c->running = false;
	bb_buf_free(&c->inflight);
}
