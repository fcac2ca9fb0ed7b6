#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/linux/fsutil.h"
#include "board/linux/journal_file.h"
#include "common/err.h"

int bb_journal_open(struct bb_journal *j, const char *path,
		    struct bb_buf *content)
{
	int rc;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	j->done_fd = -1;
	if (strlen(path) >= sizeof(j->path) || bb_mkdirs_parent(path, 0755))
		return BB_EINVAL;
	strcpy(j->path, path);
	rc = bb_read_file(path, content, (size_t)1 << 30);
	if (rc && rc != BB_ENOENT)
		return rc;
	j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0)
		return BB_EIO;
	j->size = content->len;
	return 0;
}

int bb_journal_truncate(struct bb_journal *j, uint64_t len)
{
	if (ftruncate(j->fd, (off_t)len) || fsync(j->fd))
		return BB_EIO;
	j->size = len;
	return 0;
}

void bb_journal_append(struct bb_journal *j, const void *rec, size_t len)
{
	bb_buf_append(&j->pending, rec, len);
}

int bb_journal_write_durable(struct bb_journal *j, const void *data, size_t len)
{
	const char *p = data;
	size_t left = len;

	while (left) {
		ssize_t n = write(j->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return BB_EIO;
		p += n;
		left -= (size_t)n;
		j->size += (uint64_t)n;
	}
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
	fd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return BB_EIO;
	close(j->fd);
	j->fd = fd;
	j->size = len;
	return 0;
}

void bb_journal_close(struct bb_journal *j)
{
	bb_journal_commit_stop(j);
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	bb_buf_free(&j->pending);
}
