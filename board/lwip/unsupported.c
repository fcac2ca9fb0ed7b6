/* The parts of board.h that this board does not offer yet: the general
 * outbound HTTP(S) request (the cfssl client; the artifact cache's
 * download is download.c, the TCP probe probe.c) and hooks (no processes
 * on a firmware board). They answer BB_EUNSUPP, so a
 * caller can tell "not here" from a failure. Log output goes to stderr. */
#include <stdio.h>

#include "board/lwip/board_lwip.h"
#include "common/err.h"

int bb_board_fetch_start(const char *method, const char *url,
			 const char *ca_path, const char *headers,
			 const void *body, size_t body_len,
			 const struct bb_board_fetch_ops *ops, void *arg,
			 struct bb_board_fetch **out)
{
	(void)method;
	(void)url;
	(void)ca_path;
	(void)headers;
	(void)body;
	(void)body_len;
	(void)ops;
	(void)arg;
	*out = NULL;
	return bb_board_fail(BB_EUNSUPP, "no outbound HTTP on the lwIP board");
}

void bb_board_fetch_cancel(struct bb_board_fetch *f)
{
	(void)f;
}

int bb_spawn(const char *const *argv, void (*done)(void *arg, int status),
	     void *arg)
{
	(void)argv;
	(void)done;
	(void)arg;
	return bb_board_fail(BB_EUNSUPP, "no hooks on the lwIP board");
}

void bb_board_log_write(int level, const char *line, size_t len)
{
	(void)level;
	fprintf(stderr, "%.*s\n", (int)len, line);
}
