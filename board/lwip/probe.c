/* board.h's TCP connect probe on the lwIP board (hand-off: is the
 * management node up): an outbound connection (tcp_dial.c) that either
 * opens, fails or outlives timeout_ms; then it is closed and done told. */
#include <stdlib.h>

#include "board/lwip/board_lwip.h"
#include "board/lwip/tcp_dial.h"
#include "common/err.h"

struct probe {
	struct bb_lwip_dial *c;
	struct bb_board_timer *t;
	void (*done)(void *arg, int rc);
	void *arg;
};

static void end(struct probe *p, int rc)
{
	void (*done)(void *, int) = p->done;
	void *arg = p->arg;

	bb_lwip_dial_close(p->c);
	bb_board_timer_free(p->t);
	free(p);
	done(arg, rc);
}

static void on_event(void *arg)
{
	struct probe *p = arg;
	enum bb_dial_state st = bb_lwip_dial_state(p->c);

	if (st != BB_DIAL_CONNECTING)
		end(p, st == BB_DIAL_OPEN ? 0 : BB_EIO);
}

static void on_timeout(void *arg)
{
	end(arg, BB_ETIMEDOUT);
}

int bb_board_probe_start(uint32_t ip, uint16_t port, uint32_t timeout_ms,
			 void (*done)(void *arg, int rc), void *arg)
{
	struct probe *p = calloc(1, sizeof(*p));

	if (!p || !(p->t = bb_board_timer_new(on_timeout, p))) {
		free(p);
		return bb_board_fail(BB_ENOMEM, "out of memory for a probe");
	}
	p->done = done;
	p->arg = arg;
	p->c = bb_lwip_dial(ip, port, on_event, p);
	if (!p->c) {
		bb_board_timer_free(p->t);
		free(p);
		return BB_ENOMEM; /* tcp_dial's message stays */
	}
	bb_board_timer_arm(p->t, timeout_ms);
	return 0;
}
