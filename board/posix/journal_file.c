#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/board.h"
#include "board/posix/journal_file.h"
#include "common/err.h"

int bb_journal_open(struct bb_journal *j, const char *path,
		    struct bb_buf *content)
{
	int rc;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	if (strlen(path) >= sizeof(j->path) || bb_mkdirs_parent(path, 0755))
		return BB_EINVAL;
	strcpy(j->path, path);
	rc = bb_read_file(path, content, (size_t)1 << 30);
	if (rc && rc != BB_ENOENT)
		return rc;
	j->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0)
		return BB_EIO;
	j->alloc = content->len;
	j->size = bb_journal_write_point(content->p, content->len);
	content->len = j->size;
	return 0;
}

uint64_t bb_journal_write_point(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t z = len;

	while (z && !p[z - 1])
		z--;
	/* a short run may be the last record's own bytes: keep it whole */
	return len - z > BB_JOURNAL_ZERO_GAP ? z + BB_JOURNAL_ZERO_GAP : len;
}

int bb_journal_truncate(struct bb_journal *j, uint64_t len)
{
	if (ftruncate(j->fd, (off_t)len) || fsync(j->fd))
		return BB_EIO;
	j->size = j->alloc = len;
	return 0;
}

void bb_journal_append(struct bb_journal *j, const void *rec, size_t len)
{
	bb_buf_append(&j->pending, rec, len);
}

static int pwrite_all(int fd, const void *data, size_t len, uint64_t off)
{
	const char *p = data;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return BB_EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Zeros from the end of the file to the chunk boundary past the write
 * point plus half a chunk, made durable by the caller's fdatasync; false
 * when the file was long enough. A failure only leaves the file shorter:
 * the next commit grows it. */
static bool grow(struct bb_journal *j)
{
	static const char zeros[64 << 10];
	uint64_t to = (j->size + BB_JOURNAL_CHUNK / 2 + BB_JOURNAL_CHUNK - 1) /
		      BB_JOURNAL_CHUNK * BB_JOURNAL_CHUNK;

	if (j->alloc < j->size)
		j->alloc = j->size;
	if (j->alloc >= j->size + BB_JOURNAL_CHUNK / 2)
		return false;
	/* extents in one piece where the file system can; the zeros still
	 * have to be written, or the first write to an unwritten extent
	 * commits its conversion */
	(void)posix_fallocate(j->fd, (off_t)j->alloc, (off_t)(to - j->alloc));
	while (j->alloc < to) {
		size_t n = to - j->alloc < sizeof(zeros)
			       ? (size_t)(to - j->alloc)
			       : sizeof(zeros);

		if (pwrite_all(j->fd, zeros, n, j->alloc))
			break;
		j->alloc += n;
	}
	return true;
}

void bb_journal_grow(struct bb_journal *j)
{
	if (grow(j))
		(void)fdatasync(j->fd);
}

int bb_journal_write_durable(struct bb_journal *j, const void *data, size_t len)
{
	if (pwrite_all(j->fd, data, len, j->size))
		return BB_EIO;
	j->size += len;
	grow(j);
	if (fdatasync(j->fd))
		return BB_EIO;
	j->syncs++;
	j->bytes += len;
	return 0;
}

int bb_journal_sync(struct bb_journal *j)
{
	int rc = 0;

	if (!j->pending.len && !j->pending.err)
		return 0;
	if (j->pending.err)
		rc = BB_ENOMEM;
	if (!rc)
		rc = bb_journal_write_durable(j, j->pending.p, j->pending.len);
	bb_buf_reset(&j->pending);
	return rc;
}

int bb_journal_rewrite(struct bb_journal *j, const void *data, size_t len)
{
	int fd, rc = bb_write_file_atomic(j->path, data, len, 0600);

	if (rc)
		return rc;
	/* the old descriptor points at the replaced file */
	fd = open(j->path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return BB_EIO;
	close(j->fd);
	j->fd = fd;
	j->size = j->alloc = len;
	return 0;
}

void bb_journal_close(struct bb_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	bb_buf_free(&j->pending);
}
