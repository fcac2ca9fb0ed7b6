/* board.h's set of files published at once, on Linux: the staging
 * directory beside the live one is exchanged with it in one
 * renameat2(RENAME_EXCHANGE); where the filesystem cannot exchange
 * directories, the files are moved one by one (each rename atomic). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/board.h"
#include "board/linux/fsutil.h"
#include "common/err.h"

/* Removes the plain files of dir (ours hold nothing else), then dir. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return BB_EIO;
	if (fsync(fd))
		rc = BB_EIO;
	close(fd);
	return rc;
}

int bb_dir_stage(const char *live, char *staged, size_t cap)
{
	if (snprintf(staged, cap, "%s.new", live) >= (int)cap)
		return BB_EINVAL;
	remove_dir(staged); /* a crash's leftovers */
	if (bb_mkdirs_parent(staged, 0755) ||
	    (mkdir(staged, 0700) && errno != EEXIST))
		return BB_EIO;
	return 0;
}

/* No RENAME_EXCHANGE here (some overlay and network filesystems): each
 * file on its own. */
static int move_files(const char *staged, const char *live)
{
	DIR *d = opendir(staged);
	struct dirent *e;
	char from[1100], to[1100];
	int rc = 0;

	if (!d)
		return BB_EIO;
	if (bb_mkdirs(live, 0700)) {
		closedir(d);
		return BB_EIO;
	}
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(from, sizeof(from), "%s/%s", staged, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", live, e->d_name);
		if (rename(from, to))
			rc = BB_EIO;
	}
	closedir(d);
	if (!rc)
		rc = sync_dir(live);
	if (!rc)
		remove_dir(staged);
	return rc;
}

int bb_dir_publish(const char *staged, const char *live)
{
	struct stat st;

	if (sync_dir(staged))
		return BB_EIO;
	if (stat(live, &st)) {
		if (errno != ENOENT || rename(staged, live))
			return BB_EIO;
		return bb_fsync_parent(live);
	}
	if (renameat2(AT_FDCWD, staged, AT_FDCWD, live, RENAME_EXCHANGE))
		return errno == EINVAL || errno == ENOSYS
			   ? move_files(staged, live)
			   : BB_EIO;
	if (bb_fsync_parent(live))
		return BB_EIO;
	remove_dir(staged); /* now the old set */
	return 0;
}
