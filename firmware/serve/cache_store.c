#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/serve/cache_store.h"
#include "board/board.h"
#include "cache/fetch_machine.h"
#include "common/err.h"

int bb_cache_store_path(const struct bb_cache_store *s,
			const struct bb_cache_key *k, char *buf, size_t cap)
{
	char rel[256];
	int n;

	if (bb_cache_relpath(k, rel, sizeof(rel)) < 0)
		return BB_ENOSPC;
	n = snprintf(buf, cap, "%s/%s", s->dir, rel);
	return n < 0 || (size_t)n >= cap ? BB_ENOSPC : 0;
}

int bb_cache_store_part_path(const struct bb_cache_store *s,
			     const struct bb_cache_key *k, char *buf,
			     size_t cap)
{
	size_t n;

	if (bb_cache_store_path(s, k, buf, cap))
		return BB_ENOSPC;
	n = strlen(buf);
	if (n + 6 > cap)
		return BB_ENOSPC;
	memcpy(buf + n, ".part", 6);
	return 0;
}

int bb_cache_store_open(struct bb_cache_store *s, const char *dir, char *msg,
			size_t msg_cap)
{
	char path[1024];
	struct bb_buf b = {0};
	size_t bad = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	msg[0] = 0;
	if (strlen(dir) >= sizeof(s->dir))
		return BB_EINVAL;
	strcpy(s->dir, dir);
	if (bb_mkdirs(dir, 0755))
		return BB_EIO;
	snprintf(path, sizeof(path), "%s/index", dir);
	rc = bb_read_file(path, &b, (size_t)16 << 20);
	if (rc == BB_ENOENT)
		return 0;
	if (rc)
		return rc;
	if (bb_cache_index_parse(&s->idx, b.p ? b.p : "", b.len, &bad))
		snprintf(msg, msg_cap,
			 "%s:%zu: damaged index line; entries from there on "
			 "are dropped and will be fetched again",
			 path, bad);
	bb_buf_free(&b);
	return 0;
}

void bb_cache_store_close(struct bb_cache_store *s)
{
	bb_cache_index_free(&s->idx);
}

int bb_cache_store_save(struct bb_cache_store *s)
{
	char path[1024];
	struct bb_buf b = {0};
	int rc;

	snprintf(path, sizeof(path), "%s/index", s->dir);
	if (bb_cache_index_format(&s->idx, &b)) {
		bb_buf_free(&b);
		return BB_ENOMEM;
	}
	rc = bb_write_file_atomic(path, b.p ? b.p : "", b.len, 0644);
	bb_buf_free(&b);
	return rc;
}

bool bb_cache_store_has(struct bb_cache_store *s, const struct bb_cache_key *k)
{
	struct bb_cache_entry *e = bb_cache_index_find(&s->idx, k);
	char path[1024];
	uint64_t size;

	if (!e || bb_cache_store_path(s, k, path, sizeof(path)) ||
	    bb_path_size(path, &size))
		return false;
	return size == e->length;
}

void bb_cache_store_touch(struct bb_cache_store *s,
			  const struct bb_cache_key *k, int64_t now)
{
	struct bb_cache_entry *e = bb_cache_index_find(&s->idx, k);

	if (e)
		e->last_used = now;
}

int bb_cache_store_remove(struct bb_cache_store *s,
			  const struct bb_cache_key *k)
{
	char path[1024];

	if (!bb_cache_store_path(s, k, path, sizeof(path)))
		remove(path);
	bb_cache_index_remove(&s->idx, k);
	return bb_cache_store_save(s);
}

/* --- one artifact fetch, with retries on resumable failures --- */

struct bb_cache_job {
	struct bb_cache_store *s;
	struct bb_cache_key key;
	struct bb_cache_fetch_opts o;
	struct bb_cache_fetch_cb cb;
	char url[512];
	char part[1024];
	int fd;
	int tries;
	struct bb_board_download *fetch;
	struct bb_board_timer *retry;
	struct bb_board_timer *lock; /* polls the .part's lock */
	unsigned lock_polls;
};

/* Another process holding the .part is polled for (a board has no
 * waiting lock on its loop), for up to an hour: a fetch of a large
 * artifact over a slow line takes minutes */
#define LOCK_POLL_MS  250
#define LOCK_POLL_MAX (3600u * 1000 / LOCK_POLL_MS)

static void job_free(struct bb_cache_job *j)
{
	bb_board_timer_free(j->retry);
	bb_board_timer_free(j->lock);
	if (j->fd >= 0)
		bb_fd_close(j->fd);
	free(j);
}

void bb_cache_store_cancel(struct bb_cache_job *j)
{
	if (!j)
		return;
	if (j->fetch)
		bb_board_download_cancel(j->fetch);
	job_free(j);
}

static void job_done(struct bb_cache_job *j, int err, const char *msg)
{
	j->cb.done(j->cb.arg, err, msg);
	job_free(j);
}

/* The bytes are on disk and synced: check them, then publish. */
static void publish(struct bb_cache_job *j,
		    const struct bb_board_download_result *r)
{
	struct bb_cache_entry *old = bb_cache_index_find(&j->s->idx, &j->key);
	struct bb_cache_entry e = {0};
	char final[1024], msg[1200];

	if (old &&
	    (old->length != r->length || memcmp(old->sha256, r->sha256, 32))) {
		/* the factory builds images reproducibly: a different digest
		 * for the same schematic/version is corruption or tampering */
		remove(j->part);
		snprintf(msg, sizeof(msg),
			 "%s: sha256 or length differs from the one recorded "
			 "at first fetch; discarded",
			 j->key.artifact);
		job_done(j, BB_ECRYPTO, msg);
		return;
	}
	bb_cache_store_path(j->s, &j->key, final, sizeof(final));
	if (rename(j->part, final) || bb_fsync_parent(final)) {
		snprintf(msg, sizeof(msg), "%s: cannot publish: %s", final,
			 strerror(errno));
		job_done(j, BB_EIO, msg);
		return;
	}
	e.key = j->key;
	e.length = r->length;
	memcpy(e.sha256, r->sha256, 32);
	e.fetched = old ? old->fetched : bb_board_wall_now();
	e.last_used = old ? old->last_used : e.fetched;
	if (bb_cache_index_put(&j->s->idx, &e) || bb_cache_store_save(j->s)) {
		job_done(j, BB_EIO, "cannot write the cache index");
		return;
	}
	job_done(j, 0, r->msg);
}

static void on_fetch_done(void *arg, const struct bb_board_download_result *r)
{
	struct bb_cache_job *j = arg;
	uint32_t wait_ms;

	j->fetch = NULL;
	if (!r->err) {
		publish(j, r);
		return;
	}
	wait_ms = bb_fetch_retry_ms(r->resumable, j->tries, j->o.retries);
	if (wait_ms) {
		bb_board_timer_arm(j->retry, wait_ms);
		return;
	}
	if (!r->resumable)
		remove(j->part);
	job_done(j, r->err, r->msg);
}

static void on_progress(void *arg, uint64_t have, uint64_t total)
{
	struct bb_cache_job *j = arg;

	if (j->cb.progress)
		j->cb.progress(j->cb.arg, have, total);
}

/* 0, or -1 when no fetch could start (nothing called back) */
static int try_start(struct bb_cache_job *j)
{
	struct bb_board_download_opts fo = {0};
	struct bb_board_download_cb fcb = {on_progress, on_fetch_done, j};
	uint64_t size;

	j->tries++;
	if (bb_fd_resume_size(j->fd, &size))
		return -1;
	fo.url = j->url;
	fo.ca_bundle = j->o.ca_bundle;
	fo.system_ca = j->o.system_ca;
	fo.proxy = j->o.proxy;
	fo.read_timeout_ms = j->o.read_timeout_ms;
	fo.fd = j->fd;
	fo.offset = size;
	fo.max_bytes = j->o.max_bytes;
	j->fetch = bb_board_download_start(&fo, &fcb);
	return j->fetch ? 0 : -1;
}

static void on_retry(void *arg)
{
	struct bb_cache_job *j = arg;

	if (try_start(j))
		job_done(j, BB_EINVAL, "cannot restart the fetch");
}

/* The other process published k while this one waited: its index entry
 * (on disk) joins ours, so that our next save keeps it. */
static bool published_meanwhile(struct bb_cache_job *j)
{
	struct bb_cache_store *disk = calloc(1, sizeof(*disk));
	struct bb_cache_entry *e;
	char msg[256];
	bool yes = false;

	if (!disk || bb_cache_store_open(disk, j->s->dir, msg, sizeof(msg))) {
		free(disk);
		return false;
	}
	e = bb_cache_index_find(&disk->idx, &j->key);
	if (e && !bb_cache_index_put(&j->s->idx, e))
		yes = bb_cache_store_has(j->s, &j->key);
	bb_cache_store_close(disk);
	free(disk);
	return yes;
}

/* 0: the .part is ours, locked; BB_EAGAIN: another process holds it;
 * else an error. A .part renamed (published) or removed by the process
 * that held it is no longer the file at the path: opened again. */
static int lock_part(struct bb_cache_job *j)
{
	int i, rc = 0;

	for (i = 0; i < 2; i++) {
		if (j->fd < 0 && bb_fd_open_rw(j->part, &j->fd))
			return BB_EIO;
		rc = bb_fd_trylock(j->fd);
		if (rc || bb_fd_is_path(j->fd, j->part))
			return rc;
		bb_fd_close(j->fd);
		j->fd = -1;
	}
	return BB_EAGAIN; /* replaced twice: a third process is at it */
}

static void on_lock_poll(void *arg)
{
	struct bb_cache_job *j = arg;
	char msg[1200];
	int rc;

	if (published_meanwhile(j)) {
		job_done(j, 0, "by another process, while this one waited");
		return;
	}
	rc = lock_part(j);
	if (rc == BB_EAGAIN && ++j->lock_polls < LOCK_POLL_MAX) {
		bb_board_timer_arm(j->lock, LOCK_POLL_MS);
		return;
	}
	if (rc == BB_EAGAIN) {
		snprintf(msg, sizeof(msg),
			 "%s: another process has been fetching it for an "
			 "hour; giving up",
			 j->part);
		job_done(j, BB_EIO, msg);
		return;
	}
	/* ours now: what the other one left is resumed (or, published
	 * between our look at the index and the lock, found again) */
	if (rc)
		job_done(j, rc, "cannot lock the partial download");
	else if (published_meanwhile(j)) {
		remove(j->part); /* ours, opened again after the rename */
		job_done(j, 0, "by another process, while this one waited");
	} else if (try_start(j))
		job_done(j, BB_EINVAL, "cannot restart the fetch");
}

struct bb_cache_job *bb_cache_store_fetch(struct bb_cache_store *s,
					  const struct bb_cache_key *k,
					  const struct bb_cache_fetch_opts *o,
					  const struct bb_cache_fetch_cb *cb)
{
	char msg[1200];
	int rc;

	struct bb_cache_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->s = s;
	j->key = *k;
	j->o = *o;
	j->cb = *cb;
	j->fd = -1;
	if (!j->o.retries)
		j->o.retries = 3;
	j->retry = bb_board_timer_new(on_retry, j);
	j->lock = bb_board_timer_new(on_lock_poll, j);
	if (!j->retry || !j->lock ||
	    bb_cache_url(o->factory, k, j->url, sizeof(j->url)) < 0 ||
	    bb_cache_store_part_path(s, k, j->part, sizeof(j->part)) ||
	    bb_mkdirs_parent(j->part, 0755))
		goto fail;
	rc = lock_part(j);
	if (rc == BB_EAGAIN) {
		/* two `bootbox cache fetch`es (or serves) on one state dir:
		 * the second waits for the first rather than writing the
		 * same file under it */
		if (cb->waiting) {
			snprintf(msg, sizeof(msg),
				 "another process is fetching it (%s is "
				 "locked); waiting for it",
				 j->part);
			cb->waiting(cb->arg, msg);
		}
		bb_board_timer_arm(j->lock, LOCK_POLL_MS);
		return j;
	}
	if (rc || try_start(j))
		goto fail;
	return j;
fail:
	job_free(j);
	return NULL;
}
