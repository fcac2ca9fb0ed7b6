/* Hand-off to the management node, I/O-free. The engine decides when to run
 * which probe (TCP connect to apid, HTTPS /readyz on the Kubernetes API), with
 * backoff while the node is down, declares the node "up" after enough
 * consecutive passing rounds, and asks once for the hand-off actions. It
 * never repeats an action that is done, however the probes flap afterwards;
 * only an operator's reinstall resets it. The board runs the probes and the
 * actions and reports back; the engine's state persists as one text line. */
#ifndef BB_HANDOFF_H
#define BB_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BB_HANDOFF_MAX_PROBES 4

enum bb_phase {
	BB_PHASE_DISCOVERED = 0, /* seen on the network */
	BB_PHASE_BOOTING,	 /* its iPXE script was served */
	BB_PHASE_INSTALLING,	 /* kernel and initrd served */
	BB_PHASE_UP,		 /* probes pass */
	BB_PHASE_HANDED_OFF,	 /* every configured action done */
	BB_PHASE_COUNT
};

const char *bb_phase_name(enum bb_phase p);
/* 0 or BB_EMALFORMED. */
int bb_phase_parse(const char *s, size_t len, enum bb_phase *out);

enum bb_probe_kind { BB_PROBE_TCP, BB_PROBE_HTTP, BB_PROBE_HTTPS };

struct bb_probe {
	enum bb_probe_kind kind;
	uint16_t port;
	char path[128]; /* HTTP(S) only, starts with '/' */
};

/* "tcp:50000", "https:6443/readyz", "http:8080/healthz". 0 or BB_EMALFORMED
 * (BB_EINVAL for a port out of 1..65535). */
int bb_probe_parse(const char *s, size_t len, struct bb_probe *out);

#define BB_ACT_LOCAL_BOOT     1u /* installed machines boot their disk */
#define BB_ACT_DHCP_STANDDOWN 2u /* no new leases in the handed-over scope */
#define BB_ACT_EXPORT	      4u /* machines + leases for the cluster */
#define BB_ACT_HOOK	      8u /* an operator's command */

/* "local-boot", "dhcp-standdown", "export", "hook" -> one BB_ACT_* bit. */
int bb_action_parse(const char *s, size_t len, unsigned *bit);
/* Comma-separated names of the bits in mask into buf; returns buf. */
char *bb_action_names(unsigned mask, char *buf, size_t cap);

struct bb_handoff_config {
	struct bb_probe probes[BB_HANDOFF_MAX_PROBES];
	size_t nprobes;
	unsigned actions;	 /* BB_ACT_* */
	uint32_t interval_ms;	 /* between rounds, default 10 s */
	uint32_t backoff_max_ms; /* cap of the failure backoff, default 2 min */
	uint32_t timeout_ms;	 /* one probe, default 5 s */
	uint32_t confirm;	 /* passing rounds before "up", default 2 */
};

/* Fills defaults for zero fields and the Talos probes when nprobes is 0. */
void bb_handoff_config_defaults(struct bb_handoff_config *cfg);

struct bb_handoff {
	struct bb_handoff_config cfg;
	enum bb_phase phase;
	int64_t phase_since; /* wall clock of the last phase change */
	unsigned actions_done;
	/* probing */
	size_t probe_idx; /* next probe in the current round */
	bool in_flight;
	uint64_t next_ms;     /* earliest start of the next probe */
	uint32_t pass_rounds; /* consecutive complete passing rounds */
	uint32_t fail_streak;
	bool reachable;	      /* the last complete round passed */
	char last_error[128]; /* the last probe failure, for status */
	uint64_t probes_run, probes_failed;
};

enum bb_handoff_op {
	BB_HO_WAIT = 0, /* nothing now; poll again at step.wake_ms */
	BB_HO_PROBE,   /* run cfg.probes[step.probe], report with _probe_done */
	BB_HO_ACTIONS, /* run step.actions, report with _actions_done */
};

struct bb_handoff_step {
	enum bb_handoff_op op;
	size_t probe;
	unsigned actions;
	uint64_t wake_ms; /* for BB_HO_WAIT; UINT64_MAX: only an event wakes */
};

void bb_handoff_init(struct bb_handoff *h, const struct bb_handoff_config *cfg,
		     uint64_t now_ms);
/* New config, state kept (SIGHUP). */
void bb_handoff_reconfigure(struct bb_handoff *h,
			    const struct bb_handoff_config *cfg);

/* What to do now. Call after init, after every report and when wake_ms
 * passes. A BB_HO_PROBE step marks the probe in flight. */
void bb_handoff_poll(struct bb_handoff *h, uint64_t now_ms,
		     struct bb_handoff_step *step);

/* The board's report of a probe started by poll. err: NULL on success or a
 * short reason (copied, truncated). After cfg.confirm complete passing rounds
 * the node is "up" (phase_since = wall). */
void bb_handoff_probe_done(struct bb_handoff *h, size_t probe, bool ok,
			   const char *err, uint64_t now_ms, int64_t wall);

/* The board finished (some of) the actions asked for. */
void bb_handoff_actions_done(struct bb_handoff *h, unsigned mask, int64_t wall);

/* The boot service saw the machine move (booting, installing). Phases only
 * move forward this way; probes decide up. */
void bb_handoff_boot_event(struct bb_handoff *h, enum bb_phase reached,
			   int64_t wall);

/* `bootbox machines reinstall NAME`: back to discovered, actions undone. */
void bb_handoff_reset(struct bb_handoff *h, int64_t wall);

/* Persistence: "phase=<name> since=<unix> actions=<names>\n".
 * encode returns bytes written or BB_ENOSPC; decode 0 or BB_EMALFORMED and
 * leaves h unchanged on error. */
int bb_handoff_encode(const struct bb_handoff *h, char *buf, size_t cap);
int bb_handoff_decode(struct bb_handoff *h, const char *buf, size_t len);

#endif
