#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/parse.h"
#include "handoff/handoff.h"

static const char *const phase_names[BB_PHASE_COUNT] = {
    "discovered", "booting", "installing", "up", "handed-off",
};

static const struct {
	const char *name;
	unsigned bit;
} action_names[] = {
    {"local-boot", BB_ACT_LOCAL_BOOT},
    {"dhcp-standdown", BB_ACT_DHCP_STANDDOWN},
    {"export", BB_ACT_EXPORT},
    {"hook", BB_ACT_HOOK},
};

#define NACTIONS (sizeof(action_names) / sizeof(action_names[0]))

const char *bb_phase_name(enum bb_phase p)
{
	return (unsigned)p < BB_PHASE_COUNT ? phase_names[p] : "unknown";
}

int bb_phase_parse(const char *s, size_t len, enum bb_phase *out)
{
	int i;

	for (i = 0; i < BB_PHASE_COUNT; i++)
		if (strlen(phase_names[i]) == len &&
		    !memcmp(phase_names[i], s, len)) {
			*out = (enum bb_phase)i;
			return 0;
		}
	return BB_EMALFORMED;
}

int bb_probe_parse(const char *s, size_t len, struct bb_probe *out)
{
	const char *colon = memchr(s, ':', len);
	const char *port, *slash;
	size_t klen, plen;
	struct bb_probe p = {0};
	uint32_t v;

	if (!colon)
		return BB_EMALFORMED;
	klen = (size_t)(colon - s);
	if (klen == 3 && !memcmp(s, "tcp", 3))
		p.kind = BB_PROBE_TCP;
	else if (klen == 4 && !memcmp(s, "http", 4))
		p.kind = BB_PROBE_HTTP;
	else if (klen == 5 && !memcmp(s, "https", 5))
		p.kind = BB_PROBE_HTTPS;
	else
		return BB_EMALFORMED;
	port = colon + 1;
	slash = memchr(port, '/', len - klen - 1);
	plen = slash ? (size_t)(slash - port) : len - klen - 1;
	if (bb_parse_u32(port, plen, 0, 0xffffffffu, &v))
		return BB_EMALFORMED;
	if (v == 0 || v > 65535)
		return BB_EINVAL;
	p.port = (uint16_t)v;
	if (p.kind == BB_PROBE_TCP) {
		if (slash)
			return BB_EMALFORMED;
	} else {
		size_t rest = slash ? len - (size_t)(slash - s) : 0;

		if (rest >= sizeof(p.path))
			return BB_EMALFORMED;
		if (rest)
			memcpy(p.path, slash, rest);
		else
			p.path[0] = '/';
		if (memchr(p.path, ' ', strlen(p.path)) ||
		    strlen(p.path) != (rest ? rest : 1))
			return BB_EMALFORMED; /* spaces or NULs in the path */
	}
	*out = p;
	return 0;
}

int bb_action_parse(const char *s, size_t len, unsigned *bit)
{
	size_t i;

	for (i = 0; i < NACTIONS; i++)
		if (strlen(action_names[i].name) == len &&
		    !memcmp(action_names[i].name, s, len)) {
			*bit = action_names[i].bit;
			return 0;
		}
	return BB_EMALFORMED;
}

char *bb_action_names(unsigned mask, char *buf, size_t cap)
{
	size_t i, o = 0;

	if (!cap)
		return buf;
	buf[0] = 0;
	for (i = 0; i < NACTIONS; i++) {
		int n;

		if (!(mask & action_names[i].bit))
			continue;
		n = snprintf(buf + o, cap - o, "%s%s", o ? "," : "",
			     action_names[i].name);
		if (n < 0 || (size_t)n >= cap - o)
			break;
		o += (size_t)n;
	}
	return buf;
}

void bb_handoff_config_defaults(struct bb_handoff_config *c)
{
	if (!c->interval_ms)
		c->interval_ms = 10000;
	if (!c->backoff_max_ms)
		c->backoff_max_ms = 120000;
	if (!c->timeout_ms)
		c->timeout_ms = 5000;
	if (!c->confirm)
		c->confirm = 2;
	if (c->nprobes == 0) {
		/* Talos: apid answers first, then the Kubernetes API is ready
		 */
		c->probes[0] =
		    (struct bb_probe){.kind = BB_PROBE_TCP, .port = 50000};
		c->probes[1] = (struct bb_probe){
		    .kind = BB_PROBE_HTTPS, .port = 6443, .path = "/readyz"};
		c->nprobes = 2;
	}
}

void bb_handoff_init(struct bb_handoff *h, const struct bb_handoff_config *cfg,
		     uint64_t now_ms)
{
	memset(h, 0, sizeof(*h));
	h->cfg = *cfg;
	bb_handoff_config_defaults(&h->cfg);
	h->next_ms = now_ms;
}

void bb_handoff_reconfigure(struct bb_handoff *h,
			    const struct bb_handoff_config *cfg)
{
	h->cfg = *cfg;
	bb_handoff_config_defaults(&h->cfg);
	/* a new probe list starts a new round */
	h->probe_idx = 0;
	h->pass_rounds = 0;
	h->in_flight = false;
}

static void set_phase(struct bb_handoff *h, enum bb_phase p, int64_t wall)
{
	if (h->phase == p)
		return;
	h->phase = p;
	h->phase_since = wall;
}

static unsigned pending_actions(const struct bb_handoff *h)
{
	return h->cfg.actions & ~h->actions_done;
}

void bb_handoff_poll(struct bb_handoff *h, uint64_t now_ms,
		     struct bb_handoff_step *step)
{
	memset(step, 0, sizeof(*step));
	step->op = BB_HO_WAIT;
	step->wake_ms = UINT64_MAX;
	/* HANDED_OFF too: an action added to the config later runs once */
	if (h->phase >= BB_PHASE_UP && pending_actions(h)) {
		step->op = BB_HO_ACTIONS;
		step->actions = pending_actions(h);
		return;
	}
	if (h->in_flight || h->cfg.nprobes == 0)
		return;
	if (now_ms < h->next_ms) {
		step->wake_ms = h->next_ms;
		return;
	}
	h->in_flight = true;
	h->probes_run++;
	step->op = BB_HO_PROBE;
	step->probe = h->probe_idx;
}

static uint64_t backoff(const struct bb_handoff *h)
{
	uint64_t d = h->cfg.interval_ms;
	uint32_t i;

	for (i = 1; i < h->fail_streak && d < h->cfg.backoff_max_ms; i++)
		d *= 2;
	return d < h->cfg.backoff_max_ms ? d : h->cfg.backoff_max_ms;
}

static void maybe_up(struct bb_handoff *h, int64_t wall)
{
	if (h->phase < BB_PHASE_UP && h->pass_rounds >= h->cfg.confirm)
		set_phase(h, BB_PHASE_UP, wall);
}

void bb_handoff_probe_done(struct bb_handoff *h, size_t probe, bool ok,
			   const char *err, uint64_t now_ms, int64_t wall)
{
	/* a report for a probe we did not start (stale, after reconfigure) */
	if (!h->in_flight || probe != h->probe_idx)
		return;
	h->in_flight = false;
	if (!ok) {
		h->probes_failed++;
		h->fail_streak++;
		h->pass_rounds = 0;
		h->probe_idx = 0;
		h->reachable = false;
		snprintf(h->last_error, sizeof(h->last_error), "%s",
			 err ? err : "failed");
		h->next_ms = now_ms + backoff(h);
		return;
	}
	if (++h->probe_idx < h->cfg.nprobes) {
		h->next_ms = now_ms; /* the rest of the round right away */
		return;
	}
	h->probe_idx = 0;
	h->fail_streak = 0;
	h->reachable = true;
	h->last_error[0] = 0;
	h->pass_rounds++;
	h->next_ms = now_ms + h->cfg.interval_ms;
	maybe_up(h, wall);
}

void bb_handoff_actions_done(struct bb_handoff *h, unsigned mask, int64_t wall)
{
	h->actions_done |= mask & h->cfg.actions;
	if (h->phase == BB_PHASE_UP && !pending_actions(h))
		set_phase(h, BB_PHASE_HANDED_OFF, wall);
}

void bb_handoff_boot_event(struct bb_handoff *h, enum bb_phase reached,
			   int64_t wall)
{
	if (reached > BB_PHASE_INSTALLING)
		return;
	if (reached > h->phase)
		set_phase(h, reached, wall);
}

void bb_handoff_reset(struct bb_handoff *h, int64_t wall)
{
	set_phase(h, BB_PHASE_DISCOVERED, wall);
	h->actions_done = 0;
	h->pass_rounds = 0;
	h->probe_idx = 0;
	h->in_flight = false;
}

int bb_handoff_encode(const struct bb_handoff *h, char *buf, size_t cap)
{
	char acts[128];
	int n;

	n = snprintf(buf, cap, "phase=%s since=%lld actions=%s\n",
		     bb_phase_name(h->phase), (long long)h->phase_since,
		     bb_action_names(h->actions_done, acts, sizeof(acts)));
	if (n < 0 || (size_t)n >= cap)
		return BB_ENOSPC;
	return n;
}

/* Splits "key=value" words separated by single spaces, ending in '\n'. */
static int decode_field(struct bb_handoff *t, const char *k, size_t klen,
			const char *v, size_t vlen)
{
	uint32_t secs;

	if (klen == 5 && !memcmp(k, "phase", 5))
		return bb_phase_parse(v, vlen, &t->phase);
	if (klen == 5 && !memcmp(k, "since", 5)) {
		if (bb_parse_u32(v, vlen, 0, 0xffffffffu, &secs))
			return BB_EMALFORMED;
		t->phase_since = secs;
		return 0;
	}
	if (klen == 7 && !memcmp(k, "actions", 7)) {
		t->actions_done = 0;
		while (vlen) {
			const char *c = memchr(v, ',', vlen);
			size_t n = c ? (size_t)(c - v) : vlen;
			unsigned bit;

			if (bb_action_parse(v, n, &bit))
				return BB_EMALFORMED;
			t->actions_done |= bit;
			v += n;
			vlen -= n;
			if (c) {
				v++;
				vlen--;
				if (!vlen)
					return BB_EMALFORMED;
			}
		}
		return 0;
	}
	return BB_EMALFORMED;
}

int bb_handoff_decode(struct bb_handoff *h, const char *buf, size_t len)
{
	struct bb_handoff t = *h;
	size_t i = 0;

	if (!len || buf[len - 1] != '\n')
		return BB_EMALFORMED;
	len--;
	while (i < len) {
		const char *w = buf + i, *sp, *eq;
		size_t wlen;

		sp = memchr(w, ' ', len - i);
		wlen = sp ? (size_t)(sp - w) : len - i;
		eq = memchr(w, '=', wlen);
		if (!eq || eq == w)
			return BB_EMALFORMED;
		if (decode_field(&t, w, (size_t)(eq - w), eq + 1,
				 wlen - (size_t)(eq - w) - 1))
			return BB_EMALFORMED;
		i += wlen + (sp ? 1 : 0);
	}
	t.in_flight = false;
	t.probe_idx = 0;
	t.pass_rounds = 0;
	*h = t;
	return 0;
}
