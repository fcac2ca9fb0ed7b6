/* The journal's committer thread. The loop swaps its pending buffer with
 * the (empty) in-flight one under the mutex and signals; the thread writes
 * and fdatasync()s the batch without the lock, then posts the outcome on an
 * eventfd that the loop watches. Only one batch is ever in flight, so the
 * order of records on disk is the order of appends. */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "board/linux/journal_file.h"
#include "common/err.h"

static void *committer(void *arg)
{
	struct bb_journal *j = arg;
	uint64_t one = 1;
	int rc;

	/* before the first batch, not with it: the loop touches the file
	 * only between batches, and the first is not handed over yet */
	bb_journal_grow(j);
	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (!j->quit && !(j->busy && j->result == BB_EAGAIN))
			pthread_cond_wait(&j->cv, &j->mu);
		if (j->quit)
			break;
		pthread_mutex_unlock(&j->mu);
		rc = j->inflight.err ? BB_ENOMEM
				     : bb_journal_write_durable(
					   j, j->inflight.p, j->inflight.len);
		pthread_mutex_lock(&j->mu);
		j->result_errno = errno;
		j->result = rc;
		while (write(j->done_fd, &one, sizeof(one)) < 0 &&
		       errno == EINTR)
			;
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

int bb_journal_commit_start(struct bb_journal *j)
{
	if (j->running)
		return 0;
	j->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (j->done_fd < 0)
		return BB_EIO;
	if (pthread_mutex_init(&j->mu, NULL))
		goto fail_fd;
	if (pthread_cond_init(&j->cv, NULL))
		goto fail_mu;
	j->busy = j->quit = false;
	if (pthread_create(&j->thread, NULL, committer, j))
		goto fail_cv;
	j->running = true;
	return 0;
fail_cv:
	pthread_cond_destroy(&j->cv);
fail_mu:
	pthread_mutex_destroy(&j->mu);
fail_fd:
	close(j->done_fd);
	j->done_fd = -1;
	return BB_ENOMEM;
}

int bb_journal_commit_begin(struct bb_journal *j)
{
	struct bb_buf t;

	if (!j->running || j->busy || (!j->pending.len && !j->pending.err))
		return BB_EAGAIN;
	pthread_mutex_lock(&j->mu);
	t = j->inflight;
	j->inflight = j->pending;
	j->pending = t;
	bb_buf_reset(&j->pending);
	j->busy = true;
	j->result = BB_EAGAIN; /* the thread's "not yet" */
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	return 0;
}

int bb_journal_commit_end(struct bb_journal *j)
{
	uint64_t n;
	int rc;

	if (!j->running || !j->busy)
		return BB_EAGAIN;
	pthread_mutex_lock(&j->mu);
	rc = j->result;
	if (rc != BB_EAGAIN) {
		j->busy = false;
		bb_buf_reset(&j->inflight);
		if (rc)
			errno = j->result_errno;
	}
	pthread_mutex_unlock(&j->mu);
	if (rc != BB_EAGAIN) {
		int e = errno;

		/* the eventfd is drained so the loop stops reporting it */
		if (read(j->done_fd, &n, sizeof(n)) < 0)
			(void)n;
		errno = e;
	}
	return rc;
}

/* Waits for the batch in flight: the loop may be gone, so poll the result
 * under the lock rather than the eventfd. */
static int wait_idle(struct bb_journal *j)
{
	int rc;

	for (;;) {
		rc = bb_journal_commit_end(j);
		if (rc != BB_EAGAIN || !j->busy)
			return rc == BB_EAGAIN ? 0 : rc;
		usleep(1000);
	}
}

void bb_journal_commit_stop(struct bb_journal *j)
{
	if (!j->running)
		return;
	wait_idle(j);
	pthread_mutex_lock(&j->mu);
	j->quit = true;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	pthread_join(j->thread, NULL);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	close(j->done_fd);
	j->done_fd = -1;
	j->running = false;
	bb_buf_free(&j->inflight);
}
