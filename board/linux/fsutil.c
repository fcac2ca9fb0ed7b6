#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/linux/fsutil.h"
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
		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r) ||
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

/* Without openat2 (a kernel before 5.6, or a seccomp filter that answers
 * ENOSYS, as systemd's RestrictSUIDSGID= and some container profiles do):
 * one component at a time, no link followed and no "..", which is
 * stricter than RESOLVE_BENEATH (a link inside the root is refused too;
 * bb_open_beneath then applies its owner rule to a last component). */
static int walk_beneath(int dirfd, const char *rel, int flags)
{
	char comp[256];
	int dfd = dirfd, fd;

	for (;;) {
		const char *slash = strchr(rel, '/');
		size_t n = slash ? (size_t)(slash - rel) : strlen(rel);

		if (n >= sizeof(comp) || (n == 2 && !memcmp(rel, "..", 2))) {
			fd = -1;
			errno = EXDEV;
			break;
		}
		memcpy(comp, rel, n);
		comp[n] = 0;
		if (!slash) {
			fd = openat(dfd, n ? comp : ".",
				    flags | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 && errno == ELOOP)
				errno = EXDEV; /* a link: it may lead out */
			break;
		}
		fd = n ? openat(dfd, comp,
				O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
		       : dup(dfd);
		if (fd < 0) {
			if (errno == ELOOP || errno == ENOTDIR)
				errno = errno == ELOOP ? EXDEV : ENOENT;
			break;
		}
		if (dfd != dirfd)
			close(dfd);
		dfd = fd;
		rel = slash + 1;
	}
	if (dfd != dirfd) {
		int e = errno;

		close(dfd);
		errno = e;
	}
	return fd;
}

static bool no_openat2;

void bb_fsutil_without_openat2(void)
{
	no_openat2 = true;
}

static int openat2_beneath(int dirfd, const char *rel, int flags)
{
	struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC,
			       .resolve =
				   RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
	int fd;

	if (!no_openat2) {
		fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		no_openat2 = true;
	}
	return walk_beneath(dirfd, rel, flags);
}

int bb_beneath(const char *root, const char *rel)
{
	int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd, e;

	if (dfd < 0)
		return -1;
	fd = openat2_beneath(dfd, rel, O_PATH);
	e = errno;
	close(dfd);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	errno = e;
	/* EXDEV, ELOOP: it leads out; ENOSYS (no openat2) and the rest: the
	 * caller finds out the slow way */
	return e == ENOENT || e == ENOTDIR ? -1 : 1;
}

int bb_open_beneath(int rootfd, const char *rel)
{
	char dir[1024];
	const char *base = strrchr(rel, '/');
	struct stat lst, st;
	int dfd, fd = openat2_beneath(rootfd, rel, O_RDONLY);

	if (fd >= 0 || (errno != EXDEV && errno != ELOOP))
		return fd;
	if (base) {
		if ((size_t)(base - rel) >= sizeof(dir))
			return -1;
		memcpy(dir, rel, (size_t)(base - rel));
		dir[base - rel] = 0;
		base++;
	} else {
		strcpy(dir, ".");
		base = rel;
	}
	/* everything but the last component must stay beneath */
	dfd = openat2_beneath(rootfd, dir, O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return -1;
	if (fstatat(dfd, base, &lst, AT_SYMLINK_NOFOLLOW) ||
	    !S_ISLNK(lst.st_mode)) {
		close(dfd);
		errno = EXDEV;
		return -1;
	}
	fd = openat(dfd, base, O_RDONLY | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || st.st_uid != lst.st_uid) {
		close(fd);
		errno = EACCES;
		return -1;
	}
	return fd;
}
