/* board.h's hand-off probe on the lwIP board, tcp: probes only (is the
 * management node up): an outbound connection (tcp_dial.c) that either
 * opens, fails or outlives timeout_ms; then it is closed and fn told.
 * http(s): probes need the request and TLS client on the dial, which the
 * artifact download has but the probe does not use yet. */
#include <stdlib.h>

#include "handoff/handoff.h"

#include "board/lwip/board_lwip.h"
#include "board/lwip/tcp_dial.h"
#include "common/err.h"

struct bb_board_probe {
	struct bb_lwip_dial *c;
	struct bb_board_timer *t;
	bb_board_probe_fn fn;
	void *arg;
};
#define probe bb_board_probe

static void forget(struct probe *p)
{
	bb_lwip_dial_close(p->c);
	bb_board_timer_free(p->t);
	free(p);
}

static void end(struct probe *p, int rc)
{
	bb_board_probe_fn fn = p->fn;
	void *arg = p->arg;

	forget(p);
	fn(arg, rc == 0,
	   rc == 0		 ? NULL
	   : rc == BB_ETIMEDOUT ? "connect timed out"
				: "connection refused or unreachable");
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

struct bb_board_probe *bb_board_probe_start(uint32_t ip,
					    const struct bb_probe *pr,
					    const struct bb_board_probe_opts *o,
					    bb_board_probe_fn fn, void *arg)
{
	struct probe *p;

	if (pr->kind != BB_PROBE_TCP) {
		bb_board_fail(BB_EUNSUPP, "only tcp: probes on the lwIP board");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->t = bb_board_timer_new(on_timeout, p))) {
		free(p);
		bb_board_fail(BB_ENOMEM, "out of memory for a probe");
		return NULL;
	}
	p->fn = fn;
	p->arg = arg;
	p->c = bb_lwip_dial(ip, pr->port, on_event, p);
	if (!p->c) {
		bb_board_timer_free(p->t);
		free(p);
		return NULL; /* tcp_dial's message stays */
	}
	bb_board_timer_arm(p->t, o->timeout_ms);
	return p;
}

void bb_board_probe_cancel(struct bb_board_probe *p)
{
	if (p)
		forget(p);
}
