/* One hand-off probe's exchange, I/O-free: the board connects (and runs
 * TLS for https:), then moves the request out and the reply in; this
 * decides. Up means a TCP connect for tcp:, and for http(s): a status line
 * "HTTP/1.x 200" and a body of "ok" (a trailing CR/LF allowed), the
 * Kubernetes API's /readyz. The reply is judged as soon as it is whole (its
 * Content-Length is in, or EOF), and at the latest when
 * BB_PROBE_REPLY_MAX bytes are in: nothing a server sends makes the probe
 * wait or hold more. One deadline from the start bounds the whole probe;
 * the reason given on expiry names the stage it was in. */
#ifndef BB_PROBE_REPLY_H
#define BB_PROBE_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handoff/handoff.h"

#define BB_PROBE_REQ_MAX   256
#define BB_PROBE_REPLY_MAX 1024

enum bb_probe_stage {
	BB_PS_CONNECTING = 0,
	BB_PS_HANDSHAKE, /* https: the board runs the TLS handshake */
	BB_PS_SENDING,
	BB_PS_READING,
	BB_PS_DONE,
};

struct bb_probe_reply {
	enum bb_probe_kind kind;
	enum bb_probe_stage stage;
	uint64_t deadline_ms;
	char req[BB_PROBE_REQ_MAX];
	size_t req_len, req_off;
	uint8_t resp[BB_PROBE_REPLY_MAX];
	size_t resp_len;
	/* the verdict, once stage is BB_PS_DONE: ok, or why not (a static
	 * string) */
	bool ok;
	const char *why;
};

/* Builds the GET for probe p against ip (host byte order; the Host
 * header); the deadline is now_ms + timeout_ms (5 s when 0). 0, or
 * BB_ENOSPC when the request does not fit. */
int bb_probe_reply_init(struct bb_probe_reply *r, const struct bb_probe *p,
			uint32_t ip, uint64_t now_ms, uint32_t timeout_ms);

/* The connection is up: tcp: probes are done (up), https: ones go on to
 * the handshake, http: ones to sending. */
void bb_probe_reply_connected(struct bb_probe_reply *r);
/* The TLS handshake is done. */
void bb_probe_reply_handshaken(struct bb_probe_reply *r);

/* The request bytes still to send (0 outside BB_PS_SENDING) at *out. */
size_t bb_probe_reply_out(const struct bb_probe_reply *r, const uint8_t **out);
/* n of them left (n is clamped to what was pending); after the last one
 * the probe reads. */
void bb_probe_reply_sent(struct bb_probe_reply *r, size_t n);

/* How many reply bytes the probe still takes (0 when not reading). */
size_t bb_probe_reply_room(const struct bb_probe_reply *r);
/* n reply bytes arrived; takes at most bb_probe_reply_room() of them and
 * returns how many it took. May reach the verdict. */
size_t bb_probe_reply_input(struct bb_probe_reply *r, const uint8_t *b,
			    size_t n);
/* The server closed its side (or TLS close_notify): judge what came. */
void bb_probe_reply_eof(struct bb_probe_reply *r);

/* Time passed: at or past the deadline an unfinished probe fails with the
 * stage's reason. */
void bb_probe_reply_tick(struct bb_probe_reply *r, uint64_t now_ms);

static inline bool bb_probe_reply_done(const struct bb_probe_reply *r)
{
	return r->stage == BB_PS_DONE;
}

#endif
