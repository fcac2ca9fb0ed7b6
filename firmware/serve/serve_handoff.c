/* The hand-off service on the event loop. The engine decides; this file
 * starts the probes it asks for (never blocking: the board's probe),
 * runs the actions, and keeps the engine's one-line state in
 * <state_dir>/handoff.state so that a restart neither forgets that the node
 * was handed off nor repeats an action. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "boot/boot.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/parse.h"
#include "firmware/serve/log.h"
#include "firmware/serve/serve.h"
#include "firmware/serve/serve_handoff.h"

static void kick(struct bb_serve_handoff *hs);

static void engine_config(const struct bb_config *cfg,
			  struct bb_handoff_config *c)
{
	const struct bb_cfg_handoff *h = &cfg->handoff;
	size_t i;
	unsigned bit;

	memset(c, 0, sizeof(*c));
	/* the config check has validated every string */
	for (i = 0; i < h->nprobes && i < BB_HANDOFF_MAX_PROBES; i++)
		if (!bb_probe_parse(h->probes[i], strlen(h->probes[i]),
				    &c->probes[c->nprobes]))
			c->nprobes++;
	if (!h->nactions)
		c->actions =
		    BB_ACT_LOCAL_BOOT | BB_ACT_DHCP_STANDDOWN | BB_ACT_EXPORT;
	for (i = 0; i < h->nactions; i++)
		if (!bb_action_parse(h->actions[i], strlen(h->actions[i]),
				     &bit))
			c->actions |= bit;
	c->interval_ms = h->interval * 1000u;
	c->timeout_ms = h->timeout * 1000u;
	c->confirm = h->confirm;
	bb_handoff_config_defaults(c);
}

static void save(struct bb_serve_handoff *hs)
{
	char line[256];
	int n = bb_handoff_encode(&hs->h, line, sizeof(line));

	if (n < 0 || !strcmp(line, hs->saved))
		return;
	if (bb_write_file_atomic(hs->path, line, (size_t)n, 0600)) {
		bb_err("handoff: cannot write %s; the state is kept in memory",
		       hs->path);
		return;
	}
	snprintf(hs->saved, sizeof(hs->saved), "%s", line);
}

static void load(struct bb_serve_handoff *hs)
{
	struct bb_buf b = {0};
	char acts[64];

	if (bb_read_file(hs->path, &b, 4096)) {
		bb_buf_free(&b);
		return; /* first start */
	}
	if (bb_handoff_decode(&hs->h, b.p, b.len))
		bb_warn("handoff: %s is damaged; starting from discovered",
			hs->path);
	else
		bb_info(
		    "handoff: %s is %s, actions done: %s",
		    hs->s->cfg->handoff.management, bb_phase_name(hs->h.phase),
		    bb_action_names(hs->h.actions_done, acts, sizeof(acts)));
	snprintf(hs->saved, sizeof(hs->saved), "%.*s", (int)b.len, b.p);
	bb_buf_free(&b);
}

static void on_probe(void *arg, bool ok, const char *err)
{
	struct bb_serve_handoff *hs = arg;
	enum bb_phase before = hs->h.phase;
	const struct bb_probe *p = &hs->h.cfg.probes[hs->run_probe];

	hs->run = NULL;
	if (!ok)
		bb_debug("handoff: probe %s:%u failed: %s",
			 p->kind == BB_PROBE_TCP ? "tcp" : "http(s)", p->port,
			 err ? err : "?");
	bb_handoff_probe_done(&hs->h, hs->run_probe, ok, err, bb_board_now_ms(),
			      bb_board_wall_now());
	if (hs->h.phase != before)
		bb_info("handoff: %s is %s (every probe passed %u time(s))",
			hs->s->cfg->handoff.management,
			bb_phase_name(hs->h.phase), hs->h.cfg.confirm);
	save(hs);
	kick(hs);
}

static void start_probe(struct bb_serve_handoff *hs, size_t idx)
{
	struct bb_board_probe_opts o = {0};
	uint32_t ip = bb_handoff_management_ip(hs->s);
	char a[16];

	hs->run_probe = idx;
	if (!ip) {
		bb_handoff_probe_done(&hs->h, idx, false,
				      "no address known for the node",
				      bb_board_now_ms(), bb_board_wall_now());
		kick(hs);
		return;
	}
	if (ip != hs->target)
		bb_info("handoff: probing %s at %s",
			hs->s->cfg->handoff.management, bb_fmt_ipv4(ip, a));
	hs->target = ip;
	o.timeout_ms = hs->h.cfg.timeout_ms;
	o.ca_file = hs->s->cfg->handoff.ca_bundle;
	hs->run =
	    bb_board_probe_start(ip, &hs->h.cfg.probes[idx], &o, on_probe, hs);
	if (!hs->run) {
		bb_handoff_probe_done(&hs->h, idx, false, "cannot start",
				      bb_board_now_ms(), bb_board_wall_now());
		kick(hs);
	}
}

static void run_actions(struct bb_serve_handoff *hs, unsigned mask)
{
	unsigned done = bb_handoff_run_actions(hs, mask);
	char a[64];

	bb_handoff_actions_done(&hs->h, done, bb_board_wall_now());
	if (done != mask)
		bb_err("handoff: actions not done: %s; tried again in "
		       "%u s",
		       bb_action_names(mask & ~done, a, sizeof(a)),
		       hs->h.cfg.interval_ms / 1000);
	if (hs->h.phase == BB_PHASE_HANDED_OFF)
		bb_info("handoff: %s handed off (%s)",
			hs->s->cfg->handoff.management,
			bb_action_names(hs->h.actions_done, a, sizeof(a)));
	save(hs);
}

static void on_timer(void *arg)
{
	kick(arg);
}

/* Runs the engine until it waits; a step that completes at once (an
 * action, a probe that cannot start) loops, bounded so that a stuck engine
 * cannot spin. */
static void kick(struct bb_serve_handoff *hs)
{
	struct bb_handoff_step st;
	uint64_t now = bb_board_now_ms();
	int rounds;

	for (rounds = 0; rounds < 4; rounds++) {
		if (hs->run)
			return; /* its callback kicks again */
		bb_handoff_poll(&hs->h, now, &st);
		if (st.op == BB_HO_PROBE) {
			start_probe(hs, st.probe);
			return;
		}
		if (st.op != BB_HO_ACTIONS)
			break;
		run_actions(hs, st.actions);
		if (st.actions & ~hs->h.actions_done)
			break; /* one failed: again after an interval */
	}
	bb_board_timer_arm(hs->timer,
			   st.op == BB_HO_WAIT && st.wake_ms != UINT64_MAX
			       ? (st.wake_ms > now ? st.wake_ms - now : 0)
			       : hs->h.cfg.interval_ms);
}

/* The management node's phase is the hand-off's own. */
static bool phase_of(void *arg, const struct bb_boot_machine *m,
		     enum bb_phase *out)
{
	struct bb_serve_handoff *hs = arg;

	if (!bb_serve_handoff_is_management(hs->s, m))
		return false;
	*out = hs->h.phase;
	return true;
}

static void boot_moved(void *arg, struct bb_boot_machine *m)
{
	struct bb_serve_handoff *hs = arg;

	/* installed after the hand-off: its next boot is from its disk */
	if (m->state >= BB_BOOT_INITRD &&
	    (hs->h.actions_done & BB_ACT_LOCAL_BOOT))
		m->local_boot = true;
	if (!bb_serve_handoff_is_management(hs->s, m))
		return;
	if (m->state == BB_BOOT_BOOTING)
		bb_handoff_boot_event(&hs->h, BB_PHASE_BOOTING,
				      bb_board_wall_now());
	else if (m->state >= BB_BOOT_KERNEL)
		bb_handoff_boot_event(&hs->h, BB_PHASE_INSTALLING,
				      bb_board_wall_now());
	save(hs);
}

int bb_serve_handoff_start(struct bb_serve *s)
{
	struct bb_serve_handoff *hs;
	struct bb_handoff_config c;
	const char *dir = s->cfg->appliance.state_dir;

	if (!s->cfg->handoff.enabled)
		return 0;
	hs = calloc(1, sizeof(*hs));
	if (!hs)
		return BB_ENOMEM;
	hs->s = s;
	s->handoff = hs;
	engine_config(s->cfg, &c);
	bb_handoff_init(&hs->h, &c, bb_board_now_ms());
	snprintf(hs->path, sizeof(hs->path), "%s/handoff.state", dir);
	if (bb_mkdirs(dir, 0755)) {
		bb_err("handoff: cannot create %s", dir);
		return BB_EIO;
	}
	load(hs);
	/* a stand-down survives restarts: DHCP starts after us */
	s->dhcp_standdown = (hs->h.actions_done & BB_ACT_DHCP_STANDDOWN) != 0;
	if (!s->cfg->handoff.ca_bundle)
		for (size_t i = 0; i < c.nprobes; i++)
			if (c.probes[i].kind == BB_PROBE_HTTPS) {
				bb_warn(
				    "handoff: no ca_bundle: the HTTPS probe "
				    "does not verify the node's certificate");
				break;
			}
	hs->timer = bb_board_timer_new(on_timer, hs);
	if (!hs->timer)
		return BB_ENOMEM;
	s->boot_hooks = (struct bb_serve_boot_hooks){
	    .moved = boot_moved, .phase = phase_of, .arg = hs};
	kick(hs);
	return 0;
}

int bb_serve_handoff_reload(struct bb_serve *s, const struct bb_config *next)
{
	struct bb_serve_handoff *hs = s->handoff;
	struct bb_handoff_config c;

	if (!hs) {
		if (next->handoff.enabled)
			bb_warn(
			    "handoff: enabling the hand-off needs a restart");
		return 0;
	}
	if (!next->handoff.enabled) {
		bb_warn("handoff: turning the hand-off off needs a restart");
		return 0;
	}
	if (hs->run) {
		bb_board_probe_cancel(hs->run);
		hs->run = NULL;
	}
	engine_config(next, &c);
	bb_handoff_reconfigure(&hs->h, &c);
	/* kicked from the loop: the new config is in s->cfg by then */
	bb_board_timer_arm(hs->timer, 0);
	return 0;
}

void bb_serve_handoff_stop(struct bb_serve *s)
{
	struct bb_serve_handoff *hs = s->handoff;

	if (!hs)
		return;
	if (hs->run)
		bb_board_probe_cancel(hs->run);
	bb_board_timer_free(hs->timer);
	memset(&s->boot_hooks, 0, sizeof(s->boot_hooks));
	free(hs);
	s->handoff = NULL;
}

bool bb_serve_handoff_is_management(const struct bb_serve *s,
				    const struct bb_boot_machine *m)
{
	return s->handoff && m->inventory &&
	       !strcmp(m->name, s->cfg->handoff.management);
}

void bb_serve_handoff_reinstall(struct bb_serve *s, struct bb_boot_machine *m)
{
	struct bb_serve_handoff *hs = s->handoff;

	bb_boot_reset(m, bb_board_wall_now());
	bb_info("machines: %s will be installed again at its next boot",
		m->name);
	if (!hs || !bb_serve_handoff_is_management(s, m))
		return;
	if (hs->run) {
		bb_board_probe_cancel(hs->run);
		hs->run = NULL;
	}
	bb_handoff_reset(&hs->h, bb_board_wall_now());
	bb_serve_dhcp_standdown(s, false);
	save(hs);
	kick(hs);
}
