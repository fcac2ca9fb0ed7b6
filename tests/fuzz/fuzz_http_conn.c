/* A whole HTTP connection (services/http/http_conn.c) with a fake clock:
 * the input is a script of control bytes and payload. Each control byte
 * either delivers the next few payload bytes as one read, moves the clock
 * (and fires the timer when due), sets the size of the next write
 * completions, or ends the stream. Invariants are checked after every
 * step: the buffer bounds, a request view inside the buffer, the header
 * deadline fixed from the head's first byte, a head left waiting only when
 * the parser itself says it is partial, and deadlines that keep the
 * connection from living forever. Small limits (max_body 40000) so the
 * buffer's growth and shrinking are reached often. */
#include <stdint.h>
#include <stddef.h>

#include "common/err.h"
#include "tests/unit/http_conn_drive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct script {
	const uint8_t *p, *end;
	uint8_t wsize;
};

static size_t write_size(void *arg, size_t want)
{
	struct script *s = arg;

	(void)want;
	return s->wsize ? s->wsize : 0;
}

static void check(const struct drive *d, uint64_t head_start)
{
	const struct bb_http_conn *c = &d->c;
	struct bb_http_head h;
	const uint8_t *body;
	size_t blen;

	if (c->in_len > c->in_cap || c->out_off > c->out.len)
		__builtin_trap();
	if (c->st == BB_HC_HEAD && c->deadline > head_start + d->cfg.header_ms)
		__builtin_trap(); /* a read moved the header deadline */
	if (c->st != BB_HC_DEAD &&
	    c->deadline > d->now + d->cfg.idle_ms + d->cfg.header_ms)
		__builtin_trap();
	/* skipping a parse must never hide a verdict */
	if (c->st == BB_HC_HEAD &&
	    bb_http_parse_head(c->in, c->in_len, &h) != BB_EPARTIAL)
		__builtin_trap();
	if (c->st == BB_HC_READY) {
		bb_http_conn_request(c, &h, &body, &blen);
		if (c->head_len + blen > c->in_len || h.target < c->in ||
		    h.target + h.target_len > c->in + c->in_len)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct drive d;
	static char filler[4096];
	struct script s = {data, data + size, 0};
	uint64_t head_start = 0;
	int steps = 0;

	if (!filler[0])
		memset(filler, 'x', sizeof(filler));
	drive_init(&d, 40000, 2000, 5000);
	d.write_size = write_size;
	d.arg = &s;
	while (s.p < s.end && d.c.st != BB_HC_DEAD && steps++ < 4096) {
		uint8_t op = *s.p++;
		size_t n = (size_t)(op >> 2) + 1;
		enum bb_http_conn_state before = d.c.st;
		unsigned done = d.answered + d.errors;

		switch (op & 3) {
		case 0: /* one read of the next n payload bytes */
			if (n > (size_t)(s.end - s.p))
				n = (size_t)(s.end - s.p);
			drive_feed(&d, (const char *)s.p, n, n);
			s.p += n;
			break;
		case 1: /* n * 512 filler bytes in reads of 1-4 KiB: bodies
			 * past the buffer's size from a short input */
			for (n *= 512; n;) {
				size_t k =
				    n < sizeof(filler) ? n : sizeof(filler);

				k = k > (size_t)(op & 0x30) * 256 + 1024
					? (size_t)(op & 0x30) * 256 + 1024
					: k;
				drive_feed(&d, filler, k, k);
				n -= k;
				if (d.c.st == BB_HC_DEAD)
					break;
			}
			break;
		case 2: /* time passes */
			d.now += (uint64_t)(op >> 2) * (op & 0x80 ? 250 : 20);
			bb_http_conn_tick(&d.c, d.now);
			drive_run(&d);
			break;
		default: /* write completions of this size from now on */
			s.wsize = (uint8_t)(op >> 2);
			if (op == 0xff) {
				bb_http_conn_received(&d.c, 0, d.now);
				drive_run(&d);
			}
			break;
		}
		/* a new head began during this step (pipelined ones start
		 * their clock when the previous answer is out) */
		if (d.c.st == BB_HC_HEAD &&
		    (before != BB_HC_HEAD || done != d.answered + d.errors))
			head_start = d.now;
		check(&d, head_start);
	}
	/* the clock alone ends every connection */
	for (steps = 0; steps < 8 && d.c.st != BB_HC_DEAD; steps++) {
		d.now = d.c.deadline;
		bb_http_conn_tick(&d.c, d.now);
		drive_run(&d);
		if (bb_http_conn_want_shut(&d.c))
			d.c.shut = true;
	}
	if (d.c.st != BB_HC_DEAD)
		__builtin_trap();
	bb_http_conn_free(&d.c);
	return 0;
}
