/* File helpers of the Linux board: opening beneath a root (the state
 * files of board/board.h are board/posix/state_file.c). */
#ifndef BB_LINUX_FSUTIL_H
#define BB_LINUX_FSUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "board/board.h"
#include "common/buf.h"

/* Opens rel (a client's path, already free of "..") for reading beneath
 * the directory rootfd: nothing in rel may leave the root (openat2
 * RESOLVE_BENEATH). A symlink that the root itself holds as rel's last
 * component may point outside only when the link and its target have the
 * same owner (nginx's "disable_symlinks if_not_owner"): Debian's
 * /usr/lib/ipxe/ipxe.efi -> /boot/ipxe.efi is served, a link planted by
 * another user is not. Returns an fd or -1 with errno (EXDEV, EACCES...). */
int bb_open_beneath(int rootfd, const char *rel);

/* Whether root/rel resolves without leaving root, links followed and
 * nothing opened (O_PATH, openat2 RESOLVE_BENEATH): 0 it stays, -1 it
 * does not exist (ENOENT, ENOTDIR), 1 otherwise: it leads out (EXDEV,
 * ELOOP) or this kernel cannot tell (no openat2): check the slow way. */
int bb_beneath(const char *root, const char *rel);

/* From now on, resolve as on a kernel without openat2 (tests). */
void bb_fsutil_without_openat2(void);

/* root/rel opened for serving (confine.c), under the rules of
 * bb_open_beneath, and fstat'ed: a regular file, or -1 with errno
 * (ENOENT, EXDEV: not served). root's descriptor and the decisions on
 * paths through links are kept; bb_confine_flush forgets them (reload). */
struct bb_confined {
	int fd;
	uint64_t size, mtime_ns;
};
int bb_confine_open(const char *root, const char *rel, struct bb_confined *out);
void bb_confine_flush(void);

#endif
