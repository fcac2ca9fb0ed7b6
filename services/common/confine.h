/* The confinement rule for files served over HTTP and TFTP, on resolved
 * paths, without I/O (the caller runs realpath/lstat and passes what they
 * found): a file is served when its real path is its root or beneath it,
 * or when only its last component leads out, as a symbolic link whose
 * owner also owns the target (the operator's deliberate link, not one a
 * user planted). Paths are absolute and resolved: no "." or ".."
 * components and no trailing '/', except the root directory "/" itself. */
#ifndef BB_CONFINE_H
#define BB_CONFINE_H

#include <stdbool.h>
#include <stddef.h>

/* Is path root itself or beneath it, component-wise ("/srv/a" is not
 * beneath "/srv/ab")? Lengths are explicit; a NUL inside either makes it
 * false. */
bool bb_path_within(const char *root, size_t rlen, const char *path,
		    size_t plen);

struct bb_confine_facts {
	const char *root, *file, *dir; /* real paths: root, file, file's dir */
	bool last_is_link;	       /* lstat of the unresolved last part */
	bool same_owner;	       /* that link's owner owns its target */
};

/* The decision on those facts (dir may be NULL when the file is within). */
bool bb_path_confined(const struct bb_confine_facts *f);

#endif
