/* board.h's hand-off probe on the Linux board: board/linux/probe.c on the
 * board's loop. */
#include "board/board.h"
#include "board/linux/loop.h"
#include "board/linux/probe.h"
#include "common/err.h"

struct bb_board_probe *bb_board_probe_start(uint32_t ip,
					    const struct bb_probe *p,
					    const struct bb_board_probe_opts *o,
					    bb_board_probe_fn fn, void *arg)
{
	struct bb_probe_opts po = {o->timeout_ms, o->ca_file, o->sni};
	struct bb_probe_run *r =
	    bb_probe_start(bb_loop_board(), ip, p, &po, fn, arg);

	if (!r)
		bb_board_fail(BB_EIO, "cannot start the probe");
	return (struct bb_board_probe *)r;
}

void bb_board_probe_cancel(struct bb_board_probe *r)
{
	bb_probe_cancel((struct bb_probe_run *)r);
}
