/* The part of board.h that this board does not offer: hooks (no
 * processes on a firmware board). It answers BB_EUNSUPP, so a
 * caller can tell "not here" from a failure. Log output goes to stderr. */
#include <stdio.h>

#include "board/lwip/board_lwip.h"
#include "common/err.h"

int bb_spawn(const char *path, const char *const *argv, const char *const *env,
	     bb_spawn_fn done, void *arg, struct bb_spawn **out)
{
	(void)path;
	(void)argv;
	(void)env;
	(void)done;
	(void)arg;
	if (out)
		*out = NULL;
	return bb_board_fail(BB_EUNSUPP, "no processes on the lwIP board");
}

void bb_spawn_stop(struct bb_spawn *p)
{
	(void)p;
}

void bb_board_log_write(const char *text, size_t len)
{
	fwrite(text, 1, len, stderr);
}
