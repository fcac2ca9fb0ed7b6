/* The confinement rule of the file routes (services/common/confine.c) on
 * resolved paths from the input: "root\nfile\ndir\n" and a flags byte.
 * Checked against an oracle that compares components: for paths in
 * resolved form, within means root's components are a prefix of the
 * path's; for any bytes, within means the path starts with the root's bytes
 * followed by '/' or its end; and a file leads out only through a link
 * whose owner owns the target, in a directory that is itself within. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/confine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Resolved form: absolute, no empty, "." or ".." component, no trailing
 * '/' (but "/" itself). */
static bool resolved(const char *p)
{
	const char *c = p + 1, *e;

	if (p[0] != '/')
		return false;
	if (!p[1])
		return true;
	for (;; c = e + 1) {
		e = strchr(c, '/');
		if (!e)
			e = c + strlen(c);
		if (e == c || (e - c == 1 && c[0] == '.') ||
		    (e - c == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!*e)
			return true;
	}
}

/* Component prefix, for resolved paths. */
static bool oracle_within(const char *root, const char *path)
{
	const char *r = root + 1, *p = path + 1;

	while (*r) {
		size_t rl = strcspn(r, "/"), pl = strcspn(p, "/");

		if (rl != pl || memcmp(r, p, rl))
			return false;
		r += rl + (r[rl] == '/');
		p += pl + (p[pl] == '/');
	}
	return true;
}

static void check_within(const char *root, const char *path)
{
	size_t rl = strlen(root), pl = strlen(path);
	bool w = bb_path_within(root, rl, path, pl);

	if (resolved(root) && resolved(path) && w != oracle_within(root, path))
		__builtin_trap();
	if (w && rl > 1 &&
	    (pl < rl || memcmp(path, root, rl) ||
	     (path[rl] && path[rl] != '/')))
		__builtin_trap();
	if (w && path[0] != '/')
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *part[3] = {NULL, NULL, NULL}, *p;
	struct bb_confine_facts f;
	uint8_t flags = size ? data[size - 1] : 0;
	bool within_file, within_dir;
	int i;

	if (size > 4096 || !(text = malloc(size + 1)))
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	for (i = 0, p = text; i < 3 && p; i++) {
		part[i] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = 0;
	}
	if (!part[1] || !part[2]) {
		free(text);
		return 0;
	}
	check_within(part[0], part[1]);
	check_within(part[0], part[2]);
	/* a NUL inside the counted bytes is never within */
	if (size >= 2 && bb_path_within("/", 1, (const char *)data, size) &&
	    memchr(data, 0, size))
		__builtin_trap();
	f = (struct bb_confine_facts){part[0], part[1],
				      flags & 4 ? NULL : part[2], flags & 1,
				      (flags & 2) != 0};
	within_file =
	    bb_path_within(part[0], strlen(part[0]), part[1], strlen(part[1]));
	within_dir = f.dir && bb_path_within(part[0], strlen(part[0]), f.dir,
					     strlen(f.dir));
	if (bb_path_confined(&f) !=
	    (within_file || (f.last_is_link && f.same_owner && within_dir)))
		__builtin_trap();
	free(text);
	return 0;
}
