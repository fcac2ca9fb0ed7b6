#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "board/linux/fsutil.h"
#include "board/linux/state_lock.h"
#include "common/err.h"

static long read_pid(int fd)
{
	char buf[24];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

int bb_state_lock(const char *dir, long *holder)
{
	char path[1024], pid[24];
	int fd, n;

	*holder = 0;
	if (bb_mkdirs(dir, 0755) ||
	    snprintf(path, sizeof(path), "%s/bootbox.lock", dir) >=
		(int)sizeof(path))
		return BB_EIO;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return BB_EIO;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		if (e == EWOULDBLOCK)
			*holder = read_pid(fd);
		close(fd);
		errno = e;
		return e == EWOULDBLOCK ? BB_EEXIST : BB_EIO;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n) {
		close(fd);
		return BB_EIO;
	}
	return fd;
}
