/* Opening a file for HTTP beneath a root at the cost of one open: the
 * root's descriptor is kept (its path re-checked once a second, and on
 * bb_confine_flush), a path that stays beneath opens with one openat2,
 * and the slow decision for one that goes through an absolute or outward
 * link (realpath, the owner rule) is kept per path, with the identity of
 * the link and of the file it led to: both are checked on every use, so a
 * link changed after the decision is decided again, never served on the
 * old one. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "board/linux/fsutil.h"
#include "common/confine.h"

#define ROOTS	   8
#define LINKS	   256 /* decisions kept, direct-mapped by hash */
#define RECHECK_MS 1000

struct ident {
	dev_t dev;
	ino_t ino;
	int64_t ctime_ns;
};

struct root {
	char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	uint64_t checked_ms;
};

struct decision {
	char *key;  /* root "\n" rel */
	char *file; /* the real path the decision allowed */
	struct ident link, target;
};

static struct root roots[ROOTS];
static struct decision links[LINKS];

static uint64_t coarse_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct ident ident_of(const struct stat *st)
{
	return (struct ident){st->st_dev, st->st_ino,
			      (int64_t)st->st_ctim.tv_sec * 1000000000 +
				  st->st_ctim.tv_nsec};
}

static bool same(const struct ident *a, const struct ident *b)
{
	return a->dev == b->dev && a->ino == b->ino &&
	       a->ctime_ns == b->ctime_ns;
}

static int openat2_how(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC,
			       .resolve = resolve};

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static void root_drop(struct root *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/* The kept descriptor of root; -1 when it cannot be opened. A directory
 * put in root's place is noticed within RECHECK_MS. */
static int root_fd(const char *path)
{
	struct root *r, *free_slot = NULL;
	uint64_t now = coarse_ms();
	struct stat st;
	size_t i;

	for (i = 0; i < ROOTS; i++) {
		r = &roots[i];
		if (!r->path) {
			if (!free_slot)
				free_slot = r;
			continue;
		}
		if (strcmp(r->path, path))
			continue;
		if (now - r->checked_ms < RECHECK_MS)
			return r->fd;
		if (!stat(path, &st) && st.st_dev == r->dev &&
		    st.st_ino == r->ino) {
			r->checked_ms = now;
			return r->fd;
		}
		root_drop(r);
		free_slot = r;
		break;
	}
	if (!free_slot) {
		free_slot = &roots[0]; /* more roots than slots: recycle */
		root_drop(free_slot);
	}
	r = free_slot;
	r->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) || !(r->path = strdup(path))) {
		root_drop(r);
		return -1;
	}
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	r->checked_ms = now;
	return r->fd;
}

/* fd into out when st (its fstat) is a regular file */
static int regular(int fd, struct bb_confined *out, const struct stat *st)
{
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		errno = ENOENT;
		return -1;
	}
	out->fd = fd;
	out->size = (uint64_t)st->st_size;
	out->mtime_ns = (uint64_t)st->st_mtim.tv_sec * 1000000000ull +
			(uint64_t)st->st_mtim.tv_nsec;
	return 0;
}

static uint32_t hash(const char *a, const char *b)
{
	uint32_t h = 2166136261u;

	for (; *a; a++)
		h = (h ^ (uint8_t)*a) * 16777619u;
	h = (h ^ '\n') * 16777619u;
	for (; *b; b++)
		h = (h ^ (uint8_t)*b) * 16777619u;
	return h;
}

static bool key_is(const char *key, const char *root, const char *rel)
{
	size_t n = strlen(root);

	return !strncmp(key, root, n) && key[n] == '\n' &&
	       !strcmp(key + n + 1, rel);
}

/* The real path of root/rel when it may be served, decided by the rule
 * of services/common/confine.c on the facts gathered here (realpath,
 * lstat): inside root's real path, or rel's last component is a link in
 * a directory inside root whose owner also owns the target. *outward
 * tells the caller to check the owner again on the file it opens. */
static bool decide(const char *root, const char *joined, char *rfile,
		   struct stat *lst, bool *outward)
{
	char rroot[PATH_MAX], dir[PATH_MAX + 256], rdir[PATH_MAX], *slash;
	struct bb_confine_facts f = {0};
	struct stat st;

	if (!realpath(root, rroot) || !realpath(joined, rfile) ||
	    lstat(joined, lst))
		return false;
	f.root = rroot;
	f.file = rfile;
	*outward = !bb_path_within(rroot, strlen(rroot), rfile, strlen(rfile));
	if (!*outward)
		return bb_path_confined(&f);
	snprintf(dir, sizeof(dir), "%s", joined);
	slash = strrchr(dir, '/');
	*slash = 0;
	f.dir = realpath(dir, rdir);
	f.last_is_link = S_ISLNK(lst->st_mode);
	f.same_owner =
	    f.last_is_link && !stat(joined, &st) && st.st_uid == lst->st_uid;
	return bb_path_confined(&f);
}

static void forget(struct decision *d)
{
	free(d->key);
	free(d->file);
	d->key = d->file = NULL;
}

/* The kept decision on root/rel (rfd: root) while the link and its file
 * are the ones it was made on: 0 and out filled, else -1 and the decision
 * is forgotten. */
static int kept(struct decision *d, int rfd, const char *rel,
		struct bb_confined *out)
{
	struct stat st;
	struct ident id;
	int fd;

	if (!fstatat(rfd, rel, &st, AT_SYMLINK_NOFOLLOW)) {
		id = ident_of(&st);
		if (same(&id, &d->link)) {
			/* a real path has no links: nothing is followed */
			fd = openat2_how(
			    AT_FDCWD, d->file, O_RDONLY | O_NONBLOCK | O_NOCTTY,
			    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
			if (fd >= 0 && !fstat(fd, &st)) {
				id = ident_of(&st);
				if (same(&id, &d->target))
					return regular(fd, out, &st);
			}
			if (fd >= 0)
				close(fd);
		}
	}
	forget(d);
	return -1;
}

/* root/rel through a link, decided the slow way, and kept in d. */
static int through_link(struct decision *d, const char *root, const char *rel,
			const char *joined, struct bb_confined *out)
{
	char rfile[PATH_MAX];
	struct stat lst, st;
	bool outward;
	int fd;

	if (!decide(root, joined, rfile, &lst, &outward)) {
		errno = EXDEV;
		return -1;
	}
	fd = openat2_how(AT_FDCWD, rfile, O_RDONLY | O_NONBLOCK | O_NOCTTY,
			 RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (fd < 0 && errno == ENOSYS)
		fd = open(rfile, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || (outward && st.st_uid != lst.st_uid)) {
		close(fd);
		errno = EACCES;
		return -1;
	}
	forget(d);
	d->key = malloc(strlen(root) + strlen(rel) + 2);
	d->file = strdup(rfile);
	if (d->key && d->file) {
		sprintf(d->key, "%s\n%s", root, rel);
		d->link = ident_of(&lst);
		d->target = ident_of(&st);
	} else {
		forget(d);
	}
	return regular(fd, out, &st);
}

int bb_confine_open(const char *root, const char *rel, struct bb_confined *out)
{
	char joined[PATH_MAX + 256];
	struct decision *d = &links[hash(root, rel) % LINKS];
	struct stat st;
	int rfd, fd;

	if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", root, rel) >=
	    sizeof(joined)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	rfd = root_fd(root);
	if (rfd < 0)
		return -1;
	/* a path known to go through a link: not the openat2 that fails */
	if (d->key && key_is(d->key, root, rel) && !kept(d, rfd, rel, out))
		return 0;
	fd = openat2_how(rfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY,
			 RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	if (fd >= 0 && fstat(fd, &st)) {
		close(fd);
		return -1;
	}
	if (fd >= 0)
		return regular(fd, out, &st);
	/* EXDEV, ELOOP: through a link that leads out or is absolute;
	 * ENOSYS: no openat2, the slow way */
	if (errno != EXDEV && errno != ELOOP && errno != ENOSYS)
		return -1;
	return through_link(d, root, rel, joined, out);
}

void bb_confine_flush(void)
{
	size_t i;

	for (i = 0; i < ROOTS; i++)
		if (roots[i].path)
			root_drop(&roots[i]);
	for (i = 0; i < LINKS; i++)
		forget(&links[i]);
}
