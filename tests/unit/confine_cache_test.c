/* bb_confine_open: what HTTP serves beneath a root, and that a decision
 * kept on a link is never used once the link or its file changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/linux/fsutil.h"
#include "tests/unit/test.h"

static char top[64], root[128], out[128];

static void put(const char *path, const char *bytes)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(bytes, f);
		fclose(f);
	}
}

/* the bytes served for rel, "" when refused */
static const char *get(const char *rel)
{
	static char buf[64];
	struct bb_confined f;
	ssize_t n;

	if (bb_confine_open(root, rel, &f))
		return "";
	n = pread(f.fd, buf, sizeof(buf) - 1, 0);
	close(f.fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

/* path becomes a link to target, in one rename (what an operator's
 * ln -sfn or a deploy does) */
static void relink(const char *target, const char *path)
{
	char tmp[256];

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	CHECK_EQ(symlink(target, tmp), 0);
	CHECK_EQ(rename(tmp, path), 0);
}

static void setup(void)
{
	char p[256];

	snprintf(top, sizeof(top), "/tmp/confine-XXXXXX");
	CHECK(mkdtemp(top) != NULL);
	snprintf(root, sizeof(root), "%s/root", top);
	snprintf(out, sizeof(out), "%s/out", top);
	mkdir(root, 0755);
	mkdir(out, 0755);
	snprintf(p, sizeof(p), "%s/sub", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/a", root);
	put(p, "a");
	snprintf(p, sizeof(p), "%s/secret", out);
	put(p, "secret");
}

static void test_plain_and_relative(void)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/rel", root);
	CHECK_EQ(symlink("a", p), 0);
	snprintf(p, sizeof(p), "%s/up", root);
	CHECK_EQ(symlink("../out/secret", p), 0);
	CHECK_STR(get("a"), "a");
	CHECK_STR(get("rel"), "a");
	CHECK_STR(get("missing"), "");
	CHECK_STR(get("sub"), ""); /* a directory is not a file */
	/* outward, but link and file have one owner: served (the rule of
	 * bb_open_beneath, nginx's if_not_owner) */
	CHECK_STR(get("up"), "secret");
}

static void test_kept_link_follows_changes(void)
{
	char link[256], target[256], p[256];

	snprintf(link, sizeof(link), "%s/abs", root);
	snprintf(target, sizeof(target), "%s/a", root);
	CHECK_EQ(symlink(target, link), 0);
	CHECK_STR(get("abs"), "a");
	CHECK_STR(get("abs"), "a"); /* from the kept decision */
	/* its file replaced: the new bytes, not the old inode */
	snprintf(p, sizeof(p), "%s/a.new", root);
	put(p, "A2");
	CHECK_EQ(rename(p, target), 0);
	CHECK_STR(get("abs"), "A2");
	/* the link now leads out to a file another user owns: refused,
	 * though the decision on the old link was kept */
	snprintf(p, sizeof(p), "%s/secret", out);
	if (!geteuid() && !chown(p, 65534, 65534)) {
		relink(p, link);
		CHECK_STR(get("abs"), "");
		CHECK_STR(get("abs"), "");
	}
	/* a link into a subdirectory, then that subdirectory swapped for a
	 * link out of the root */
	snprintf(p, sizeof(p), "%s/sub/b", root);
	put(p, "b");
	snprintf(target, sizeof(target), "%s/sub/b", root);
	relink(target, link);
	CHECK_STR(get("abs"), "b");
	snprintf(p, sizeof(p), "%s/sub", root);
	snprintf(target, sizeof(target), "%s/sub.old", root);
	CHECK_EQ(rename(p, target), 0);
	CHECK_EQ(symlink(out, p), 0);
	snprintf(p, sizeof(p), "%s/b", out);
	put(p, "outside");
	if (!geteuid())
		CHECK_EQ(chown(p, 65534, 65534), 0);
	CHECK(strcmp(get("abs"), "b") != 0); /* not the old file */
	if (!geteuid())
		CHECK_STR(get("abs"), "");
	bb_confine_flush();
	CHECK_STR(get("a"), "A2");
}

int main(void)
{
	char cmd[160];

	setup();
	RUN(test_plain_and_relative);
	RUN(test_kept_link_follows_changes);
	bb_confine_flush();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", top);
	return bb_test_done();
}
