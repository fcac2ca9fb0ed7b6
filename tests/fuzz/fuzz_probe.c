/* A whole hand-off probe (services/handoff/probe_reply.c) on a fake clock.
 * The first byte picks the kind; then each control byte either connects,
 * finishes the handshake, completes a send of some size, delivers the next
 * few payload bytes as one read, moves the clock or ends the stream.
 * Checked after every step: a verdict never changes once given, "up" only
 * for a connected tcp: probe or an answer whose bytes hold a 200 status
 * line and "ok" right after the blank line, nothing held past the buffer,
 * and the deadline ends every probe. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handoff/probe_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An oracle written apart from the engine: the bytes that could make an
 * http(s) probe pass. */
static bool looks_up(const uint8_t *b, size_t n)
{
	const uint8_t *e = memmem(b, n, "\r\n\r\n", 4);

	return n >= 18 && !memcmp(b, "HTTP/1.", 7) &&
	       !memcmp(b + 8, " 200", 4) && e &&
	       (size_t)(b + n - (e + 4)) >= 2 && !memcmp(e + 4, "ok", 2);
}

static void check(const struct bb_probe_reply *r, bool was_done, bool was_ok,
		  bool connected)
{
	if (r->resp_len > sizeof(r->resp) || r->req_off > r->req_len)
		__builtin_trap();
	if (was_done && (!bb_probe_reply_done(r) || r->ok != was_ok))
		__builtin_trap();
	if (!bb_probe_reply_done(r))
		return;
	if (r->ok != (r->why == NULL))
		__builtin_trap();
	if (r->ok && (!connected || (r->kind != BB_PROBE_TCP &&
				     !looks_up(r->resp, r->resp_len))))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bb_probe_reply r;
	struct bb_probe p = {.port = 6443, .path = "/readyz"};
	const uint8_t *s = data, *end = data + size, *out;
	uint64_t now = 1000;
	bool connected = false;
	int steps = 0;

	if (size < 1)
		return 0;
	p.kind = (enum bb_probe_kind)(*s++ % 3);
	if (bb_probe_reply_init(&r, &p, 0x0a000001, now, 2000))
		__builtin_trap();
	while (s < end && steps++ < 4096) {
		uint8_t op = *s++;
		size_t n = (size_t)(op >> 3) + 1;
		bool was_done = bb_probe_reply_done(&r), was_ok = r.ok;

		switch (op & 7) {
		case 0:
			connected = r.stage == BB_PS_CONNECTING || connected;
			bb_probe_reply_connected(&r);
			break;
		case 1: bb_probe_reply_handshaken(&r); break;
		case 2:
			if (bb_probe_reply_out(&r, &out) > 0 &&
			    memcmp(out - r.req_off, "GET /readyz ", 12))
				__builtin_trap();
			bb_probe_reply_sent(&r, n * 8);
			break;
		case 3:
		case 4: /* one read of the next n payload bytes */
			if (n > (size_t)(end - s))
				n = (size_t)(end - s);
			if (bb_probe_reply_input(&r, s, n) > n)
				__builtin_trap();
			s += n;
			break;
		case 5: /* time passes */
			now += n * (op & 0x80 ? 97 : 7);
			bb_probe_reply_tick(&r, now);
			if (now >= r.deadline_ms && !bb_probe_reply_done(&r))
				__builtin_trap();
			break;
		case 6:
			if (op == 0xfe)
				bb_probe_reply_eof(&r);
			break;
		default: /* a whole send, then many bytes in one read */
			bb_probe_reply_sent(&r, 1 << 20);
			n = (size_t)(end - s);
			s += bb_probe_reply_input(&r, s, n);
			break;
		}
		check(&r, was_done, was_ok, connected);
	}
	/* the clock alone ends every probe */
	bb_probe_reply_tick(&r, r.deadline_ms);
	if (!bb_probe_reply_done(&r))
		__builtin_trap();
	return 0;
}
