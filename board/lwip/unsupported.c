/* The parts of board.h that this board does not offer yet: the general
 * outbound HTTP(S) request (the cfssl client; the artifact cache's
 * download is download.c, the TCP probe probe.c) and hooks (no processes
 * on a firmware board). They answer BB_EUNSUPP, so a
 * caller can tell "not here" from a failure. Log output goes to stderr. */
#include <stdio.h>

#include "board/lwip/board_lwip.h"
#include "common/err.h"

int bb_board_fetch_start(const struct bb_board_fetch_req *req,
			 bb_board_fetch_fn fn, void *arg,
			 struct bb_board_fetch **out)
{
	(void)req;
	(void)fn;
	(void)arg;
	if (out)
		*out = NULL;
	return bb_board_fail(BB_EUNSUPP, "no outbound HTTP on the lwIP board");
}

void bb_board_fetch_cancel(struct bb_board_fetch *f)
{
	(void)f;
}

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
