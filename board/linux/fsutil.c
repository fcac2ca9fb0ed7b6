#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/linux/fsutil.h"
#include "common/err.h"

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
