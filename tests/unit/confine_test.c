/* The confinement rule (services/common/confine.c): beneath or not, the
 * prefix that is not a parent, the root directory, bytes that are not a
 * path, and the one way out (a link its owner made). */
#include "common/confine.h"
#include "tests/unit/test.h"

#define W(root, path) bb_path_within(root, strlen(root), path, strlen(path))

static void test_within(void)
{
	CHECK(W("/srv/tftp", "/srv/tftp"));
	CHECK(W("/srv/tftp", "/srv/tftp/ipxe.efi"));
	CHECK(W("/srv/tftp", "/srv/tftp/a/b/c"));
	CHECK(!W("/srv/tftp", "/srv/tftpx/ipxe.efi")); /* a sibling */
	CHECK(!W("/srv/tftp", "/srv/tft"));
	CHECK(!W("/srv/tftp", "/srv"));
	CHECK(!W("/srv/tftp", "/etc/passwd"));
	CHECK(!W("/srv/tftp", ""));
	/* the root directory: everything absolute is beneath (this was
	 * refused before: the check wanted a '/' after the root's "/") */
	CHECK(W("/", "/etc/passwd"));
	CHECK(W("/", "/"));
	CHECK(!W("/", "etc"));
}

static void test_malformed(void)
{
	CHECK(!W("", "/a"));
	CHECK(!W("srv", "srv/a"));    /* not absolute */
	CHECK(!W("/srv/", "/srv/a")); /* not resolved: refused, not guessed */
	CHECK(!bb_path_within("/srv", 4, "/srv/a\0/../etc", 14));
	CHECK(!bb_path_within("/s\0v", 4, "/s\0v/a", 6));
	/* only the counted bytes count */
	CHECK(bb_path_within("/srv/x", 4, "/srv/a", 6));
	CHECK(!bb_path_within("/srv", 4, "/srv/a", 3));
}

static void test_confined(void)
{
	struct bb_confine_facts f = {"/srv/assets", "/srv/assets/a.txt", NULL,
				     false, false};

	CHECK(bb_path_confined(&f));
	/* outside through something other than the last component */
	f.file = "/etc/passwd";
	f.dir = "/etc";
	f.last_is_link = true;
	f.same_owner = true;
	CHECK(!bb_path_confined(&f));
	/* the last component, a link its owner made */
	f.dir = "/srv/assets/sub";
	CHECK(bb_path_confined(&f));
	/* ... planted by someone else */
	f.same_owner = false;
	CHECK(!bb_path_confined(&f));
	/* not a link at all (a directory link higher up) */
	f.same_owner = true;
	f.last_is_link = false;
	CHECK(!bb_path_confined(&f));
	/* no directory found */
	f.last_is_link = true;
	f.dir = NULL;
	CHECK(!bb_path_confined(&f));
	f.root = NULL;
	CHECK(!bb_path_confined(&f));
}

int main(void)
{
	RUN(test_within);
	RUN(test_malformed);
	RUN(test_confined);
	return bb_test_done();
}
