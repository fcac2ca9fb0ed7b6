/* board.h's directories and files by path on Linux. */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "board/board.h"
#include "common/err.h"

int bb_list_dir(const char *dir, int (*fn)(void *arg, const char *name),
		void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return bb_board_fail(BB_ENOENT, "%s: %s", dir, strerror(errno));
	while (!rc && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rc = fn(arg, e->d_name);
	closedir(d);
	return rc;
}

bool bb_is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

int bb_path_size(const char *path, uint64_t *size)
{
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return BB_ENOENT;
	*size = (uint64_t)st.st_size;
	return 0;
}

int bb_fd_open_rw(const char *path, int *fd)
{
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0)
		return bb_board_fail(BB_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

int bb_fd_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st))
		return bb_board_fail(BB_EIO, "fstat: %s", strerror(errno));
	*size = (uint64_t)st.st_size;
	return 0;
}

/* the largest block a hole is counted in here: the bytes of the block
 * where the first hole starts may be zeros, not data */
#define HOLE_BLOCK (64u << 10)

int bb_fd_resume_size(int fd, uint64_t *size)
{
	off_t hole;

	if (bb_fd_size(fd, size))
		return BB_EIO;
	/* no SEEK_HOLE on this file system: it says no hole */
	hole = lseek(fd, 0, SEEK_HOLE);
	if (hole < 0 || (uint64_t)hole >= *size)
		return 0;
	*size = (uint64_t)hole > HOLE_BLOCK
		    ? ((uint64_t)hole - HOLE_BLOCK) / HOLE_BLOCK * HOLE_BLOCK
		    : 0;
	if (ftruncate(fd, (off_t)*size))
		return bb_board_fail(BB_EIO, "ftruncate: %s", strerror(errno));
	return 0;
}

int bb_fd_trylock(int fd)
{
	int rc = flock(fd, LOCK_EX | LOCK_NB);

	if (rc && errno == EINTR) /* a signal: once more */
		rc = flock(fd, LOCK_EX | LOCK_NB);
	if (!rc)
		return 0;
	if (errno == EWOULDBLOCK)
		return BB_EAGAIN;
	return bb_board_fail(BB_EIO, "flock: %s", strerror(errno));
}

bool bb_fd_is_path(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

void bb_fd_close(int fd)
{
	close(fd);
}
