/* Hand-off probes on the event loop: a TCP connect, or an HTTP(S) GET whose
 * answer must be 200 with body "ok" (the Kubernetes API's /readyz). Never
 * blocks: connect, TLS handshake and reads are driven by loop events, and a
 * timer bounds the whole probe. What to send, what the answer means and the
 * deadline are services/handoff/probe_reply.c's; this only moves bytes. */
#ifndef BB_LINUX_PROBE_H
#define BB_LINUX_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "board/linux/loop.h"
#include "handoff/handoff.h"

struct bb_probe_run;

/* err is NULL on success, else a short static-or-stack reason valid only
 * during the call. The run is freed after the callback returns. */
typedef void (*bb_probe_cb)(void *arg, bool ok, const char *err);

struct bb_probe_opts {
	uint32_t timeout_ms;
	const char *ca_file; /* HTTPS: verify against this; NULL: no verify */
	const char *sni;     /* HTTPS server name; NULL: none (IP target) */
};

/* Starts probe p against ip (host byte order). NULL when it could not even
 * start (the callback is then not called). */
struct bb_probe_run *bb_probe_start(struct bb_loop *loop, uint32_t ip,
				    const struct bb_probe *p,
				    const struct bb_probe_opts *o,
				    bb_probe_cb cb, void *arg);
/* Stops a run without calling its callback. */
void bb_probe_cancel(struct bb_probe_run *r);

#endif
