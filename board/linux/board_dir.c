/* board.h's directories by path on Linux. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
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
