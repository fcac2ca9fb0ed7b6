/* board/board.h's lease journal on POSIX files, for both boards: the
 * journal file of board/posix/journal_file.c, committed inline, one
 * fdatasync per batch (what one turn of its loop produced). On Linux it
 * runs in the DHCP service's lane, a thread of its own, so the wait for
 * the disk holds up no one else: measured in the boot storm, DHCP p99 at
 * the load tool went from 12.8-18.0 ms with a committer thread (a
 * hand-off to it and back, each waiting for a CPU) to 5.8-6.9 ms. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/posix/journal_file.h"
#include "common/err.h"

struct bb_jr {
	struct bb_journal j;
};

int bb_jr_open(const char *path,
	       size_t (*replay)(void *arg, const uint8_t *p, size_t len),
	       void *arg, struct bb_jr **out)
{
	struct bb_buf content = {0};
	struct bb_jr *j = calloc(1, sizeof(*j));
	size_t good;
	int rc;

	if (!j)
		return bb_board_fail(BB_ENOMEM, "out of memory");
	j->j.fd = -1;
	bb_mkdirs_parent(path, 0755);
	rc = bb_journal_open(&j->j, path, &content);
	if (rc) {
		bb_buf_free(&content);
		free(j);
		return bb_board_fail(rc, "%s", strerror(errno));
	}
	good = replay(arg, (const uint8_t *)content.p, content.len);
	if (good < content.len)
		bb_journal_truncate(&j->j, good);
	bb_buf_free(&content);
	/* now, not in the first commit, which an ACK would wait for */
	bb_journal_grow(&j->j);
	*out = j;
	return 0;
}

void bb_jr_append(struct bb_jr *j, const void *rec, size_t len)
{
	bb_journal_append(&j->j, rec, len);
}

int bb_jr_commit(struct bb_jr *j, void (*done)(void *arg, int rc), void *arg)
{
	int rc = bb_journal_sync(&j->j);

	if (rc)
		bb_board_fail(rc, "%s", strerror(errno));
	done(arg, rc);
	return 0;
}

bool bb_jr_busy(const struct bb_jr *j)
{
	(void)j;
	return false;
}

int bb_jr_rewrite(struct bb_jr *j, const void *data, size_t len)
{
	int rc = bb_journal_rewrite(&j->j, data, len);

	return rc ? bb_board_fail(rc, "%s", strerror(errno)) : 0;
}

uint64_t bb_jr_size(const struct bb_jr *j)
{
	return j->j.size;
}

void bb_jr_close(struct bb_jr *j)
{
	if (!j)
		return;
	if (j->j.fd >= 0)
		bb_journal_sync(&j->j);
	bb_journal_close(&j->j);
	free(j);
}
