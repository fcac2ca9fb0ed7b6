/* board.h's background write on the lwIP board, which has no thread.
 * This build of the lwIP board runs on Linux, so its files beneath a root
 * are the Linux board's (board/linux/board_file.c) and its lease journal
 * is the POSIX one both boards share (board/posix/journal_inline.c); a
 * board with flash replaces both. */
#include "board/lwip/board_lwip.h"

/* No thread here: the state file is replaced at once. */
int bb_write_file_bg(const char *path, const void *data, size_t len,
		     unsigned int mode, void (*done)(void *arg, int rc),
		     void *arg)
{
	done(arg, bb_write_file_atomic(path, data, len, mode));
	return 0;
}

void bb_write_file_bg_wait(void)
{
}
