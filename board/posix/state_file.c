/* board.h's state files on POSIX (whole reads with a cap, durable
 * replace, mkdir -p), shared by the boards whose files are POSIX files. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/board.h"
#include "common/buf.h"
#include "common/err.h"

int bb_mkdirs(const char *dir, unsigned int mode)
{
	char p[1024];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(p))
		return BB_EINVAL;
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != 0)
			continue;
		p[i] = 0;
		if (mkdir(p, mode) && errno != EEXIST)
			return BB_EIO;
		p[i] = i == n ? 0 : '/';
	}
	return 0;
}

int bb_mkdirs_parent(const char *path, unsigned int mode)
{
	char p[1024];
	char *slash;

	if (strlen(path) >= sizeof(p))
		return BB_EINVAL;
	strcpy(p, path);
	slash = strrchr(p, '/');
	if (!slash || slash == p)
		return 0;
	*slash = 0;
	return bb_mkdirs(p, mode);
}

int bb_read_file(const char *path, struct bb_buf *out, size_t max)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? BB_ENOENT : BB_EIO;
	out->limit = max;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		bb_buf_append(out, chunk, (size_t)n);
	close(fd);
	if (n < 0)
		return BB_EIO;
	return out->err;
}

int bb_fsync_parent(const char *path)
{
	char p[1024];
	char *slash;
	int fd, rc;

	if (strlen(path) >= sizeof(p))
		return BB_EINVAL;
	strcpy(p, path);
	slash = strrchr(p, '/');
	if (!slash)
		strcpy(p, ".");
	else if (slash == p)
		p[1] = 0;
	else
		*slash = 0;
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return BB_EIO;
	rc = fsync(fd) ? BB_EIO : 0;
	close(fd);
	return rc;
}

/* A fresh temp name beside path, created exclusively and never through a
 * link: in a directory others can write to, a planted "<path>.tmp" (to
 * read what we write) or a symlink (to make us clobber its target) makes
 * the open fail and another name is tried. */
static int open_temp(const char *path, mode_t mode, char *tmp, size_t cap)
{
	uint64_t r;
	int i, fd;

	for (i = 0; i < 16; i++) {
		if (bb_board_random(&r, sizeof(r)) ||
		    snprintf(tmp, cap, "%s.tmp.%016llx", path,
			     (unsigned long long)r) >= (int)cap)
			return -1;
		fd = open(tmp,
			  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			  mode & 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

int bb_write_file_atomic(const char *path, const void *data, size_t len,
			 unsigned int mode)
{
	char tmp[1100];
	const char *p = data;
	int fd;

	fd = open_temp(path, mode, tmp, sizeof(tmp));
	if (fd < 0)
		return BB_EIO;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			goto out_unlink;
		p += n;
		len -= (size_t)n;
	}
	/* the mode once the bytes are in: until then only we may read */
	if (fchmod(fd, mode) || fsync(fd))
		goto out_unlink;
	close(fd);
	if (rename(tmp, path)) {
		unlink(tmp);
		return BB_EIO;
	}
	return bb_fsync_parent(path);
out_unlink:
	close(fd);
	unlink(tmp);
	return BB_EIO;
}
