#include <string.h>

#include "common/confine.h"

bool bb_path_within(const char *root, size_t rlen, const char *path,
		    size_t plen)
{
	if (!rlen || root[0] != '/' || memchr(root, 0, rlen) ||
	    memchr(path, 0, plen))
		return false;
	if (rlen == 1) /* "/": every absolute path is beneath it */
		return plen && path[0] == '/';
	if (root[rlen - 1] == '/' || plen < rlen || memcmp(path, root, rlen))
		return false;
	return plen == rlen || path[rlen] == '/';
}

static bool within(const char *root, const char *path)
{
	return root && path &&
	       bb_path_within(root, strlen(root), path, strlen(path));
}

bool bb_path_confined(const struct bb_confine_facts *f)
{
	if (within(f->root, f->file))
		return true;
	/* only the last component may lead out, and only by its owner's
	 * will */
	return f->last_is_link && f->same_owner && within(f->root, f->dir);
}
