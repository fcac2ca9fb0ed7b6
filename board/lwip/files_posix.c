/* board.h files and the lease journal, on POSIX files: this build of the
 * lwIP board runs on Linux, so files beneath a root and the journal use
 * the Linux board's helpers (openat2 beneath the root, durable replace,
 * the journal file). A board with flash replaces this file alone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/linux/fsutil.h"
#include "board/linux/journal_file.h"
#include "board/lwip/board_lwip.h"
#include "common/err.h"

struct bb_root {
	int fd;
	char dir[1024];
};

struct bb_file {
	int fd;
	uint64_t size;
	int64_t mtime;
};

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

	if (fd < 0)
		return bb_board_fail(errno == ENOENT ? BB_ENOENT : BB_EACCES,
				     "%s", strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return bb_board_fail(BB_EACCES, "not a regular file");
	}
	f = malloc(sizeof(*f));
	if (!f) {
		close(fd);
		return bb_board_fail(BB_ENOMEM, "out of memory");
	}
	f->fd = fd;
	f->size = (uint64_t)st.st_size;
	f->mtime = (int64_t)st.st_mtime;
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
	if (!f)
		return;
	close(f->fd);
	free(f);
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

/* The journal commits inline: no thread on this board, one fdatasync
 * per batch on the loop (the batch is what one loop turn produced). */
struct bb_jr {
	struct bb_journal j;
};

int bb_jr_open(const char *path,
	       size_t (*replay)(void *arg, const uint8_t *p, size_t len),
	       void *arg, struct bb_jr **out)
{
	struct bb_buf content = {0};
	struct bb_jr *j = calloc(1, sizeof(*j));
	size_t good;
	int rc;

	if (!j)
		return bb_board_fail(BB_ENOMEM, "out of memory");
	j->j.fd = -1;
	j->j.done_fd = -1;
	bb_mkdirs_parent(path, 0755);
	rc = bb_journal_open(&j->j, path, &content);
	if (rc) {
		bb_buf_free(&content);
		free(j);
		return bb_board_fail(rc, "%s: %s", path, strerror(errno));
	}
	good = replay(arg, (const uint8_t *)content.p, content.len);
	if (good < content.len)
		bb_journal_truncate(&j->j, good);
	bb_buf_free(&content);
	*out = j;
	return 0;
}

void bb_jr_append(struct bb_jr *j, const void *rec, size_t len)
{
	bb_journal_append(&j->j, rec, len);
}

int bb_jr_commit(struct bb_jr *j, void (*done)(void *arg, int rc), void *arg)
{
	int rc = bb_journal_sync(&j->j);

	if (rc)
		bb_board_fail(rc, "%s: %s", j->j.path, strerror(errno));
	done(arg, rc);
	return 0;
}

bool bb_jr_busy(const struct bb_jr *j)
{
	(void)j;
	return false;
}

int bb_jr_rewrite(struct bb_jr *j, const void *data, size_t len)
{
	return bb_journal_rewrite(&j->j, data, len);
}

uint64_t bb_jr_size(const struct bb_jr *j)
{
	return j->j.size;
}

void bb_jr_close(struct bb_jr *j)
{
	if (!j)
		return;
	bb_journal_close(&j->j);
	free(j);
}
