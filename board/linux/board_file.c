/* board/board.h's files beneath a root on Linux: opened with openat2
 * beneath the root's descriptor (board/linux/fsutil.c: no name, link or
 * ".." leaves it), read with pread, replaced durably. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/linux/board_file.h"
#include "board/linux/fsutil.h"
#include "common/err.h"

struct bb_root {
	int fd;
	char dir[1024];
};

/* One descriptor per open file, however many transfers read it (a rack
 * booting at once opens one kernel 1000 times): shared by device and
 * inode, counted. */
struct bb_file {
	struct bb_file *next;
	dev_t dev;
	ino_t ino;
	int fd;
	uint32_t refs;
	uint64_t size;
	int64_t mtime;
};

static struct bb_file *open_files;

struct bb_root *bb_root_open(const char *dir)
{
	struct bb_root *r = calloc(1, sizeof(*r));

	if (!r) {
		bb_board_fail(BB_ENOMEM, "out of memory");
		return NULL;
	}
	r->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->fd < 0 || strlen(dir) >= sizeof(r->dir)) {
		bb_board_fail(BB_ENOENT, "%s: %s", dir, strerror(errno));
		if (r->fd >= 0)
			close(r->fd);
		free(r);
		return NULL;
	}
	strcpy(r->dir, dir);
	return r;
}

void bb_root_close(struct bb_root *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r);
}

int bb_file_open(struct bb_root *r, const char *name, struct bb_file **out)
{
	struct bb_file *f;
	struct stat st;
	int fd = bb_open_beneath(r->fd, name);

	if (fd < 0) /* out of fds is not "refused": try again later */
		return bb_board_fail(errno == ENOENT ? BB_ENOENT
				     : errno == EMFILE || errno == ENFILE
					 ? BB_EAGAIN
					 : BB_EACCES,
				     "%s", strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return bb_board_fail(BB_EACCES, "not a regular file");
	}
	for (f = open_files; f; f = f->next)
		if (f->dev == st.st_dev && f->ino == st.st_ino &&
		    f->mtime == (int64_t)st.st_mtime &&
		    f->size == (uint64_t)st.st_size) {
			close(fd);
			f->refs++;
			*out = f;
			return 0;
		}
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return bb_board_fail(BB_ENOMEM, "out of memory");
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->fd = fd;
	f->refs = 1;
	f->size = (uint64_t)st.st_size;
	f->mtime = (int64_t)st.st_mtime;
	f->next = open_files;
	open_files = f;
	*out = f;
	return 0;
}

uint64_t bb_file_size(const struct bb_file *f)
{
	return f->size;
}

int64_t bb_file_mtime(const struct bb_file *f)
{
	return f->mtime;
}

long bb_file_pread(struct bb_file *f, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(f->fd, buf, len, (off_t)off);

	if (n < 0)
		return bb_board_fail(BB_EIO, "read: %s", strerror(errno));
	return (long)n;
}

void bb_file_close(struct bb_file *f)
{
	struct bb_file **pp;

	if (!f || --f->refs)
		return;
	for (pp = &open_files; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	close(f->fd);
	free(f);
}

/* Not shared by inode: a handler's descriptor, opened under its own
 * confinement rule, is served once and closed. */
int bb_file_adopt(int fd, uint64_t size, struct bb_file **out)
{
	struct bb_file *f = calloc(1, sizeof(*f));

	if (!f) {
		close(fd);
		return bb_board_fail(BB_ENOMEM, "out of memory");
	}
	f->fd = fd;
	f->refs = 1;
	f->size = size;
	*out = f;
	return 0;
}

int bb_file_fd(const struct bb_file *f)
{
	return f->fd;
}

int bb_file_write_atomic(struct bb_root *r, const char *name, const void *data,
			 size_t len)
{
	char path[2048];

	if (strstr(name, "..") || name[0] == '/')
		return bb_board_fail(BB_EACCES, "name leaves the root");
	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	return bb_write_file_atomic(path, data, len, 0644);
}

int bb_dir_list(struct bb_root *r, const char *name,
		int (*fn)(void *arg, const char *entry, bool is_dir), void *arg)
{
	int fd = openat(r->fd, name[0] ? name : ".",
			O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (fd < 0 || strstr(name, ".."))
		return bb_board_fail(BB_ENOENT, "%s: %s", name,
				     strerror(errno));
	if (!(d = fdopendir(fd))) {
		close(fd);
		return bb_board_fail(BB_EIO, "%s", strerror(errno));
	}
	while (!rc && (e = readdir(d)))
		if (e->d_name[0] != '.' &&
		    (e->d_type == DT_REG || e->d_type == DT_DIR))
			rc = fn(arg, e->d_name, e->d_type == DT_DIR);
	closedir(d);
	return rc;
}
