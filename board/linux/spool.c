#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "board/linux/spool.h"
#include "common/err.h"

#define SLOTS 64
/* the writer is woken (and wakes the loop) once per this many chunks, not
 * per chunk: a wakeup across cores costs as much as hashing a chunk */
#define BATCH 16

struct bb_spool {
	int fd, efd;
	struct bb_sha256 *sha;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more, less; /* something to write; room or drained */
	/* under mu */
	unsigned head, count;
	uint64_t written;
	int err;
	bool quit, flush;      /* flush: drain or free is waiting */
	bool sleeping;	       /* the writer waits in more */
	bool sync_req, synced; /* fdatasync() once all is written */
	int sync_err;
	size_t len[SLOTS];
	bool in_file[SLOTS];
	uint8_t slot[SLOTS][BB_SPOOL_CHUNK];
};

/* Starts writeback of each full window as it is written: hundreds of MiB
 * left dirty make every fdatasync() on the file system wait behind them
 * (the lease journal's, while a fetch runs) and leave it all for the
 * final one. */
#define PACE (4u << 20)

void bb_writeback_pace(int fd, uint64_t before, uint64_t after)
{
	uint64_t w = before / PACE * PACE;

	if (after / PACE > before / PACE)
		sync_file_range(fd, (off_t)w, (off_t)(after / PACE * PACE - w),
				SYNC_FILE_RANGE_WRITE);
}

static int write_at(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return BB_EIO;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* p == NULL slots: the bytes are in the file already (another connection
 * wrote them); read them back to hash them in order */
static int read_at(int fd, uint8_t *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return BB_EIO;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static void *writer(void *arg)
{
	struct bb_spool *s = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->quit && !s->flush && s->count < BATCH &&
		       !(s->sync_req && !s->synced)) {
			s->sleeping = true;
			pthread_cond_wait(&s->more, &s->mu);
			s->sleeping = false;
		}
		/* once awake, everything queued (also what comes meanwhile) */
		while (s->count) {
			unsigned i = s->head;
			size_t n = s->len[i];
			uint64_t off = s->written;
			int rc;

			pthread_mutex_unlock(&s->mu);
			/* the slot stays ours until count drops */
			rc = s->err ? 0
			     : s->in_file[i]
				 ? read_at(s->fd, s->slot[i], n, off)
				 : write_at(s->fd, s->slot[i], n, off);
			if (!rc && !s->err)
				bb_sha256_update(s->sha, s->slot[i], n);
			pthread_mutex_lock(&s->mu);
			if (rc)
				s->err = rc;
			else if (!s->err) {
				if (!s->in_file[i])
					bb_writeback_pace(s->fd, s->written,
							  s->written + n);
				s->written += n;
			}
			s->head = (s->head + 1) % SLOTS;
			s->count--;
		}
		s->flush = false;
		if (s->sync_req && !s->synced) {
			int rc;

			pthread_mutex_unlock(&s->mu);
			rc = fdatasync(s->fd);
			pthread_mutex_lock(&s->mu);
			s->sync_err = rc ? BB_EIO : 0;
			s->synced = true;
		}
		pthread_cond_broadcast(&s->less);
		if (s->quit)
			break;
		/* not under the lock: the loop takes it for every put */
		pthread_mutex_unlock(&s->mu);
		while (write(s->efd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct bb_spool *bb_spool_new(int fd, uint64_t offset, struct bb_sha256 *sha)
{
	struct bb_spool *s = malloc(sizeof(*s));

	if (!s)
		return NULL;
	memset(s, 0, offsetof(struct bb_spool, slot));
	s->fd = fd;
	s->sha = sha;
	s->written = offset;
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0)
		goto fail;
	if (pthread_mutex_init(&s->mu, NULL))
		goto fail_fd;
	if (pthread_cond_init(&s->more, NULL))
		goto fail_mu;
	if (pthread_cond_init(&s->less, NULL))
		goto fail_more;
	if (pthread_create(&s->thread, NULL, writer, s))
		goto fail_less;
	return s;
fail_less:
	pthread_cond_destroy(&s->less);
fail_more:
	pthread_cond_destroy(&s->more);
fail_mu:
	pthread_mutex_destroy(&s->mu);
fail_fd:
	close(s->efd);
fail:
	free(s);
	return NULL;
}

int bb_spool_fd(const struct bb_spool *s)
{
	return s->efd;
}

int bb_spool_put(struct bb_spool *s, const void *p, size_t n)
{
	unsigned i;

	if (n > BB_SPOOL_CHUNK)
		return BB_EINVAL;
	pthread_mutex_lock(&s->mu);
	if (s->count == SLOTS) {
		pthread_mutex_unlock(&s->mu);
		return BB_EAGAIN;
	}
	i = (s->head + s->count) % SLOTS;
	pthread_mutex_unlock(&s->mu);
	/* a free slot is the producer's alone until count covers it */
	if (p)
		memcpy(s->slot[i], p, n);
	s->in_file[i] = !p;
	s->len[i] = n;
	pthread_mutex_lock(&s->mu);
	s->count++;
	if (s->sleeping && s->count >= BATCH)
		pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

void bb_spool_kick(struct bb_spool *s)
{
	pthread_mutex_lock(&s->mu);
	if (s->count && s->sleeping) {
		s->flush = true;
		pthread_cond_signal(&s->more);
	}
	pthread_mutex_unlock(&s->mu);
}

uint64_t bb_spool_written(struct bb_spool *s, int *err)
{
	uint64_t n, w;

	if (read(s->efd, &n, sizeof(n)) < 0)
		n = 0; /* nothing new: fine */
	pthread_mutex_lock(&s->mu);
	w = s->written;
	*err = s->err;
	pthread_mutex_unlock(&s->mu);
	return w;
}

int bb_spool_drain(struct bb_spool *s)
{
	int err;

	pthread_mutex_lock(&s->mu);
	if (s->count) {
		s->flush = true;
		pthread_cond_signal(&s->more);
	}
	while (s->count)
		pthread_cond_wait(&s->less, &s->mu);
	err = s->err;
	pthread_mutex_unlock(&s->mu);
	return err;
}

void bb_spool_sync(struct bb_spool *s)
{
	pthread_mutex_lock(&s->mu);
	s->sync_req = true;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->mu);
}

bool bb_spool_synced(struct bb_spool *s, int *err)
{
	bool done;

	pthread_mutex_lock(&s->mu);
	done = s->synced && !s->count;
	*err = s->err ? s->err : s->sync_err;
	pthread_mutex_unlock(&s->mu);
	return done;
}

int bb_spool_seek(struct bb_spool *s, uint64_t off)
{
	int rc = BB_EINVAL;

	pthread_mutex_lock(&s->mu);
	if (!s->count && !s->err) {
		s->written = off;
		rc = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

void bb_spool_free(struct bb_spool *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = true;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->less);
	pthread_cond_destroy(&s->more);
	pthread_mutex_destroy(&s->mu);
	close(s->efd);
	free(s);
}
