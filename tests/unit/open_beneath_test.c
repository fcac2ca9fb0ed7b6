/* Opening beneath a root, with openat2 and with the component walk used
 * where openat2 answers ENOSYS (seccomp filters, old kernels): the same
 * files are served and nothing that leads out is, either way. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/linux/fsutil.h"
#include "test.h"

static char root[64], outside[80];
static int rootfd;

static void mk(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	char p[256], q[256];

	snprintf(root, sizeof(root), "/tmp/bb-beneath-%d", (int)getpid());
	snprintf(outside, sizeof(outside), "%s-out", root);
	mkdir(root, 0755);
	mkdir(outside, 0755);
	snprintf(p, sizeof(p), "%s/sub", root);
	mkdir(p, 0755);
	mk("plain", "a");
	mk("sub/nested", "b");
	snprintf(p, sizeof(p), "%s/secret", outside);
	fclose(fopen(p, "w"));
	snprintf(p, sizeof(p), "%s/up", root);
	symlink("../", p);
	snprintf(q, sizeof(q), "%s/secret", outside);
	snprintf(p, sizeof(p), "%s/leak", root);
	symlink(q, p); /* same owner: the owner rule serves it */
	snprintf(p, sizeof(p), "%s/dirlink", root);
	symlink(outside, p);
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
}

static bool opens(const char *rel)
{
	int fd = bb_open_beneath(rootfd, rel);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void cases(void)
{
	CHECK(opens("plain"));
	CHECK(opens("sub/nested"));
	CHECK(!opens("missing"));
	CHECK(!opens("../bb-beneath-x"));
	CHECK(!opens("sub/../../etc/passwd"));
	CHECK(!opens("up/etc/passwd"));
	CHECK(!opens("dirlink/secret")); /* a directory link out */
	CHECK(opens("leak"));		 /* a last-component link, same owner */
}

static void test_openat2(void)
{
	cases();
}

static void test_walk(void)
{
	bb_fsutil_without_openat2();
	cases();
	CHECK(!opens("sub/missing"));
	CHECK(bb_open_beneath(rootfd, "plain/x") < 0);
}

int main(void)
{
	char cmd[200];

	setup();
	RUN(test_openat2);
	RUN(test_walk);
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", root, outside);
	if (system(cmd))
		return 1;
	return bb_test_done();
}
