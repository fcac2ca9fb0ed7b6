/* board/board.h's lease journal on Linux: the journal file with its
 * committer thread (journal_file.c, journal_commit.c). A commit hands what
 * was appended to the thread; its eventfd, in the loop's prio set, says
 * when the batch is durable, and done runs then. Without a thread (it
 * could not start) a commit syncs inline, pausing the loop. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/linux/journal_commit.h"
#include "board/linux/loop.h"
#include "common/err.h"

struct bb_jr {
	struct bb_loop *loop; /* the one it was opened on (a lane's) */
	struct bb_journal j;
	struct bb_journal_commit c;
	void (*done)(void *arg, int rc);
	void *arg;
};

static int failed(int rc)
{
	return bb_board_fail(rc, "%s", strerror(errno));
}

static void on_committed(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_jr *j = arg;
	int rc = bb_journal_commit_end(&j->c);

	(void)loop;
	(void)fd;
	(void)ev;
	if (rc == BB_EAGAIN)
		return;
	if (rc)
		failed(rc);
	j->done(j->arg, rc);
}

int bb_jr_open(const char *path,
	       size_t (*replay)(void *arg, const uint8_t *p, size_t len),
	       void *arg, struct bb_jr **out)
{
	struct bb_buf content = {0};
	struct bb_jr *j = calloc(1, sizeof(*j));
	struct bb_loop *loop = bb_loop_board();
	size_t good;
	int rc;

	if (!j)
		return bb_board_fail(BB_ENOMEM, "out of memory");
	rc = bb_journal_open(&j->j, path, &content);
	if (rc) {
		failed(rc);
		bb_buf_free(&content);
		bb_journal_close(&j->j);
		free(j);
		return rc;
	}
	good = replay(arg, (const uint8_t *)content.p, content.len);
	bb_buf_free(&content);
	if (good < j->j.size)
		bb_journal_truncate(&j->j, good);
	/* no thread or no loop slot: inline */
	j->loop = loop;
	if (!bb_journal_commit_start(&j->c, &j->j)) {
		if (bb_loop_add_fd(loop, j->c.done_fd, BB_EV_READ, on_committed,
				   j))
			bb_journal_commit_stop(&j->c);
		else
			bb_loop_set_prio(loop, j->c.done_fd);
	}
	*out = j;
	return 0;
}

void bb_jr_append(struct bb_jr *j, const void *rec, size_t len)
{
	bb_journal_append(&j->j, rec, len);
}

int bb_jr_commit(struct bb_jr *j, void (*done)(void *arg, int rc), void *arg)
{
	int rc;

	if (j->c.busy)
		return BB_EAGAIN;
	j->done = done;
	j->arg = arg;
	if (j->c.running && !bb_journal_commit_begin(&j->c))
		return 0;
	/* nothing pending, or no thread: here and now */
	rc = bb_journal_sync(&j->j);
	if (rc)
		failed(rc);
	done(arg, rc);
	return 0;
}

bool bb_jr_busy(const struct bb_jr *j)
{
	return j->c.busy;
}

int bb_jr_rewrite(struct bb_jr *j, const void *data, size_t len)
{
	int rc;

	if (j->c.busy)
		return BB_EAGAIN;
	rc = bb_journal_rewrite(&j->j, data, len);
	return rc ? failed(rc) : 0;
}

uint64_t bb_jr_size(const struct bb_jr *j)
{
	return j->j.size;
}

void bb_jr_close(struct bb_jr *j)
{
	if (!j)
		return;
	if (j->c.running)
		bb_loop_del_fd(j->loop, j->c.done_fd);
	/* records of unsent ACKs may still be written: harmless, the
	 * clients will ask again */
	bb_journal_commit_stop(&j->c);
	if (j->j.fd >= 0)
		bb_journal_sync(&j->j);
	bb_journal_close(&j->j);
	free(j);
}
