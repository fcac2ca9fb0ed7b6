#include "common/err.h"
#include "handoff/handoff.h"
#include "tests/unit/test.h"

#define S(x) x, sizeof(x) - 1

static void test_probe_parse(void)
{
	struct bb_probe p;

	CHECK_EQ(bb_probe_parse(S("tcp:50000"), &p), 0);
	CHECK_EQ(p.kind, BB_PROBE_TCP);
	CHECK_EQ(p.port, 50000);
	CHECK_EQ(bb_probe_parse(S("https:6443/readyz"), &p), 0);
	CHECK_EQ(p.kind, BB_PROBE_HTTPS);
	CHECK_STR(p.path, "/readyz");
	CHECK_EQ(bb_probe_parse(S("http:8080"), &p), 0);
	CHECK_STR(p.path, "/");
	CHECK_EQ(bb_probe_parse(S("tcp:0"), &p), BB_EINVAL);
	CHECK_EQ(bb_probe_parse(S("tcp:65536"), &p), BB_EINVAL);
	CHECK_EQ(bb_probe_parse(S("tcp:50000/x"), &p), BB_EMALFORMED);
	CHECK_EQ(bb_probe_parse(S("udp:53"), &p), BB_EMALFORMED);
	CHECK_EQ(bb_probe_parse(S("https:"), &p), BB_EMALFORMED);
	CHECK_EQ(bb_probe_parse(S("https:6443/a b"), &p), BB_EMALFORMED);
	CHECK_EQ(bb_probe_parse("https:6443/a\0b", 13, &p), BB_EMALFORMED);
	CHECK_EQ(bb_probe_parse(S("tcp"), &p), BB_EMALFORMED);
}

static void test_actions(void)
{
	unsigned bit = 0;
	char buf[64];

	CHECK_EQ(bb_action_parse(S("local-boot"), &bit), 0);
	CHECK_EQ(bit, BB_ACT_LOCAL_BOOT);
	CHECK_EQ(bb_action_parse(S("dhcp-standdown"), &bit), 0);
	CHECK_EQ(bb_action_parse(S("reboot"), &bit), BB_EMALFORMED);
	CHECK_STR(bb_action_names(BB_ACT_LOCAL_BOOT | BB_ACT_EXPORT, buf,
				  sizeof(buf)),
		  "local-boot,export");
	CHECK_STR(bb_action_names(0, buf, sizeof(buf)), "");
}

static struct bb_handoff_config talos(void)
{
	struct bb_handoff_config c = {0};

	c.actions = BB_ACT_LOCAL_BOOT | BB_ACT_DHCP_STANDDOWN | BB_ACT_EXPORT;
	c.interval_ms = 1000;
	c.backoff_max_ms = 8000;
	c.confirm = 2;
	bb_handoff_config_defaults(&c);
	return c;
}

/* Runs the engine from now until `until`, answering probes with pass(i) and
 * counting actions asked for. Returns the time reached. */
static int actions_asked;
static uint64_t drive(struct bb_handoff *h, uint64_t now, uint64_t until,
		      int (*pass)(size_t probe, uint64_t now))
{
	struct bb_handoff_step st;
	int guard = 0;

	while (now <= until && guard++ < 10000) {
		bb_handoff_poll(h, now, &st);
		if (st.op == BB_HO_PROBE) {
			bool ok = pass(st.probe, now);

			bb_handoff_probe_done(h, st.probe, ok,
					      ok ? NULL : "refused", now + 10,
					      (int64_t)now / 1000);
			now += 10;
		} else if (st.op == BB_HO_ACTIONS) {
			actions_asked++;
			bb_handoff_actions_done(h, st.actions,
						(int64_t)now / 1000);
		} else {
			if (st.wake_ms == UINT64_MAX)
				break;
			now = st.wake_ms;
		}
	}
	return now;
}

static int always_down(size_t p, uint64_t now)
{
	(void)p;
	(void)now;
	return 0;
}

static int always_up(size_t p, uint64_t now)
{
	(void)p;
	(void)now;
	return 1;
}

/* apid answers from t=20 s, the Kubernetes API from t=40 s */
static int staged(size_t p, uint64_t now)
{
	return p == 0 ? now >= 20000 : now >= 40000;
}

static void test_sequence_to_handoff(void)
{
	struct bb_handoff_config c = talos();
	struct bb_handoff h;

	bb_handoff_init(&h, &c, 0);
	actions_asked = 0;
	bb_handoff_boot_event(&h, BB_PHASE_BOOTING, 1);
	bb_handoff_boot_event(&h, BB_PHASE_INSTALLING, 2);
	drive(&h, 0, 30000, staged);
	CHECK_EQ(h.phase, BB_PHASE_INSTALLING);
	CHECK(h.last_error[0] != 0); /* the failure is visible */
	CHECK(h.probes_failed > 0);
	drive(&h, 30000, 120000, staged);
	CHECK_EQ(h.phase, BB_PHASE_HANDED_OFF);
	CHECK_EQ(actions_asked, 1);
	CHECK_EQ(h.actions_done, c.actions);
	CHECK(h.reachable);
}

/* An action added to the config after the hand-off runs once, alone. */
static void test_action_added_later(void)
{
	struct bb_handoff_config c = talos();
	struct bb_handoff h;
	struct bb_handoff_step st;

	c.actions = BB_ACT_LOCAL_BOOT;
	bb_handoff_init(&h, &c, 0);
	actions_asked = 0;
	drive(&h, 0, 120000, always_up);
	CHECK_EQ(h.phase, BB_PHASE_HANDED_OFF);
	CHECK_EQ(actions_asked, 1);
	c.actions |= BB_ACT_DHCP_STANDDOWN;
	bb_handoff_reconfigure(&h, &c);
	bb_handoff_poll(&h, 120000, &st);
	CHECK_EQ(st.op, BB_HO_ACTIONS);
	CHECK_EQ(st.actions, BB_ACT_DHCP_STANDDOWN);
	bb_handoff_actions_done(&h, st.actions, 121);
	CHECK_EQ(h.actions_done, BB_ACT_LOCAL_BOOT | BB_ACT_DHCP_STANDDOWN);
	CHECK_EQ(h.phase, BB_PHASE_HANDED_OFF);
	drive(&h, 120000, 240000, always_up);
	CHECK_EQ(actions_asked, 1);
}

static void test_backoff_bounded(void)
{
	struct bb_handoff_config c = talos();
	struct bb_handoff h;
	struct bb_handoff_step st;
	uint64_t now = 0, last = 0, gap = 0;
	int i;

	bb_handoff_init(&h, &c, 0);
	for (i = 0; i < 20; i++) {
		bb_handoff_poll(&h, now, &st);
		if (st.op == BB_HO_WAIT) {
			gap = st.wake_ms - last;
			now = st.wake_ms;
			continue;
		}
		CHECK_EQ(st.op, BB_HO_PROBE);
		CHECK_EQ(st.probe, 0); /* a failed round restarts at probe 0 */
		bb_handoff_probe_done(&h, st.probe, false, "timeout", now, 0);
		last = now;
	}
	CHECK_EQ(gap, c.backoff_max_ms);
	CHECK_EQ(h.phase, BB_PHASE_DISCOVERED);
}

static int flap_state;
static int flapping(size_t p, uint64_t now)
{
	(void)p;
	/* up, down, up, down ... every 5 s */
	flap_state = (now / 5000) % 2 == 0;
	return flap_state;
}

static void test_flapping_no_repeat(void)
{
	struct bb_handoff_config c = talos();
	struct bb_handoff h;

	bb_handoff_init(&h, &c, 0);
	actions_asked = 0;
	drive(&h, 0, 200000, flapping);
	CHECK_EQ(h.phase, BB_PHASE_HANDED_OFF);
	CHECK_EQ(actions_asked, 1);
	/* still probing for status after hand-off, never acting again */
	drive(&h, 200000, 400000, always_down);
	CHECK_EQ(actions_asked, 1);
	CHECK(!h.reachable);
	drive(&h, 400000, 500000, always_up);
	CHECK_EQ(actions_asked, 1);
	CHECK_EQ(h.phase, BB_PHASE_HANDED_OFF);
}

static void test_one_pass_is_not_up(void)
{
	struct bb_handoff_config c = talos();
	struct bb_handoff h;
	struct bb_handoff_step st;

	bb_handoff_init(&h, &c, 0);
	bb_handoff_poll(&h, 0, &st);
	bb_handoff_probe_done(&h, 0, true, NULL, 1, 0);
	bb_handoff_poll(&h, 1, &st);
	CHECK_EQ(st.op, BB_HO_PROBE);
	CHECK_EQ(st.probe, 1);
	bb_handoff_probe_done(&h, 1, true, NULL, 2, 0);
	CHECK_EQ(h.phase, BB_PHASE_DISCOVERED); /* confirm = 2 */
	/* a stale report for a probe not in flight is ignored */
	bb_handoff_probe_done(&h, 1, true, NULL, 3, 0);
	CHECK_EQ(h.pass_rounds, 1);
}

/* Restart in every phase: encode, decode into a fresh engine, carry on. */
static void test_restart_every_phase(void)
{
	struct bb_handoff_config c = talos();
	int p;

	for (p = 0; p < BB_PHASE_COUNT; p++) {
		struct bb_handoff a, b;
		char line[256];
		int n;

		bb_handoff_init(&a, &c, 0);
		a.phase = (enum bb_phase)p;
		a.phase_since = 1700000000 + p;
		a.actions_done = p == BB_PHASE_HANDED_OFF ? c.actions
				 : p == BB_PHASE_UP	  ? BB_ACT_LOCAL_BOOT
							  : 0;
		n = bb_handoff_encode(&a, line, sizeof(line));
		CHECK(n > 0);
		bb_handoff_init(&b, &c, 0);
		CHECK_EQ(bb_handoff_decode(&b, line, (size_t)n), 0);
		CHECK_EQ(b.phase, a.phase);
		CHECK_EQ(b.phase_since, a.phase_since);
		CHECK_EQ(b.actions_done, a.actions_done);
		actions_asked = 0;
		drive(&b, 0, 100000, always_up);
		CHECK_EQ(b.phase, BB_PHASE_HANDED_OFF);
		/* a restart after hand-off asks for nothing again */
		CHECK_EQ(actions_asked, p == BB_PHASE_HANDED_OFF ? 0 : 1);
	}
}

static void test_decode_malformed(void)
{
	struct bb_handoff_config c = talos();
	struct bb_handoff h;
	static const char *const bad[] = {
	    "",
	    "phase=up", /* no newline */
	    "phase=sideways since=1 actions=\n",
	    "phase=up since=x actions=\n",
	    "phase=up since=1 actions=reboot\n",
	    "phase=up since=1 actions=export,\n",
	    "phase=up since=1 colour=blue\n",
	    "=up\n",
	    "phase up\n",
	};
	size_t i;

	bb_handoff_init(&h, &c, 0);
	h.phase = BB_PHASE_BOOTING;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i]);
		char *g = bb_test_guard(bad[i], n ? n : 1);

		CHECK_EQ(bb_handoff_decode(&h, g, n), BB_EMALFORMED);
		bb_test_unguard(g, n ? n : 1);
	}
	CHECK_EQ(h.phase, BB_PHASE_BOOTING); /* untouched */
}

static void test_reset_and_boot_events(void)
{
	struct bb_handoff_config c = talos();
	struct bb_handoff h;

	bb_handoff_init(&h, &c, 0);
	actions_asked = 0;
	drive(&h, 0, 100000, always_up);
	CHECK_EQ(h.phase, BB_PHASE_HANDED_OFF);
	bb_handoff_boot_event(&h, BB_PHASE_BOOTING, 5); /* never backwards */
	CHECK_EQ(h.phase, BB_PHASE_HANDED_OFF);
	bb_handoff_reset(&h, 6);
	CHECK_EQ(h.phase, BB_PHASE_DISCOVERED);
	CHECK_EQ(h.actions_done, 0);
	drive(&h, 100000, 200000, always_up);
	CHECK_EQ(actions_asked, 2); /* a reinstall hands off again */
}

int main(void)
{
	RUN(test_probe_parse);
	RUN(test_actions);
	RUN(test_sequence_to_handoff);
	RUN(test_action_added_later);
	RUN(test_backoff_bounded);
	RUN(test_flapping_no_repeat);
	RUN(test_one_pass_is_not_up);
	RUN(test_restart_every_phase);
	RUN(test_decode_malformed);
	RUN(test_reset_and_boot_events);
	return bb_test_done();
}
