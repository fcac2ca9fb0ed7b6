/* A whole artifact fetch (services/cache/fetch_machine.c) with a fake
 * clock: the first two bytes choose the set-up (https or http, a proxy, a
 * resume offset, the redirect limit, a size limit, a small split threshold
 * and whether the board can start and adopt the parts); the rest is a
 * script of control bytes and payload. Each control byte either answers
 * the machine's read with the next few payload bytes (the servers' and
 * proxies' replies: heads, redirects, 206/200/416, chunked bodies), ends
 * the stream, moves the clock (the deadline fires when due), sets the size
 * of writes and body takes, completes a pending connect, or drives the
 * parts of a split body. Invariants are checked after every step: buffer
 * bounds, body bytes contiguous at the offsets given, never more than
 * announced or allowed, the redirect limit, https never downgraded,
 * requests with one end of head and a Range exactly when resuming, and a
 * deadline always ahead. The same bytes go through the second part's head
 * check. A bit of the second byte makes it a general request (board.h's
 * bb_board_fetch on lwIP: a POST with a body, any status the answer):
 * then no redirect is followed and the body follows the head whole. */
#include <stdint.h>
#include <stddef.h>

#define FD_FILE 4096
#include "tests/unit/fetch_drive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct script {
	const uint8_t *p, *end;
};

static bool resolving_wait;
static const char post_body[] = "{\"certificate_request\":\"x\"}";

static void check_request(const struct bb_fetchm *m)
{
	const char *end;

	if (m->out_len < 4 || m->out_len >= sizeof(m->out))
		__builtin_trap();
	/* a Location or a host can never add a header line */
	end = strstr(m->out, "\r\n\r\n");
	if (!end || (size_t)(end - m->out) + 4 != m->out_len)
		__builtin_trap();
	if (!strncmp(m->out, "CONNECT ", 8))
		return;
	if (m->cfg.method) {
		if (strncmp(m->out, "POST /", 6) || strstr(m->out, "Range:") ||
		    !strstr(m->out, "Content-Length: 27\r\n"))
			__builtin_trap();
		return;
	}
	if (strncmp(m->out, "GET /", 5))
		__builtin_trap();
	if ((strstr(m->out, "\r\nRange: bytes=") != NULL) != (m->have != 0))
		__builtin_trap();
}

static void check(const struct fdrive *d, bool https)
{
	const struct bb_fetchm *m = &d->m;

	if (d->bad || m->out_off > m->out_len || m->in_len > sizeof(m->in) ||
	    m->body_off + m->body_len > sizeof(m->in))
		__builtin_trap();
	if (m->have > m->cfg.max_bytes)
		__builtin_trap();
	if (m->step >= BB_FMS_BODY && m->step != BB_FMS_FAILED && m->total &&
	    m->have > m->total)
		__builtin_trap();
	if (m->redirects > m->cfg.max_redirects + 1 ||
	    d->conns > m->cfg.max_redirects + 1)
		__builtin_trap();
	if (https && !m->url.tls)
		__builtin_trap();
	if (m->cfg.method &&
	    (d->conns > 1 || m->redirects || m->restart ||
	     (m->step > BB_FMS_SEND && m->step != BB_FMS_FAILED &&
	      m->sbody_off != m->cfg.body_len)))
		__builtin_trap();
	if (m->step == BB_FMS_DONE &&
	    (!m->complete || (m->total && m->have != m->total)))
		__builtin_trap();
	if (m->step == BB_FMS_FAILED && (m->err >= 0 || !m->msg[0]))
		__builtin_trap();
	if (m->step < BB_FMS_DONE && m->step != BB_FMS_HEADED &&
	    m->deadline > d->now + 5000)
		__builtin_trap();
	if (bb_fetchm_act(m) == BB_FM_WRITE && m->out_off == 0)
		check_request(m);
}

/* The second part's request (for wherever the redirects led) and its
 * check of the reply head, on the same bytes. */
static void range_part(const struct bb_fetchm *m, const uint8_t *p, size_t n)
{
	char req[BB_FETCHM_OUT];
	const char *end;
	long used =
	    bb_fetch_range_head((const char *)p, n, 0x20000, 0x40000, 0x40000);
	int len =
	    bb_fetch_range_request(&m->url, 0x20000, 0x40000, req, sizeof(req));

	if (used > 0 && (size_t)used > n)
		__builtin_trap();
	if (len < 0)
		__builtin_trap(); /* any URL the machine holds fits */
	end = strstr(req, "\r\n\r\n");
	if (!end || end + 4 != req + len)
		__builtin_trap();
}

/* One read of up to n payload bytes (0: the end of the stream). */
static void feed(struct fdrive *d, struct script *s, size_t n)
{
	size_t room;
	uint8_t *p = bb_fetchm_rspace(&d->m, &room);

	if (!p || !room)
		__builtin_trap();
	if (n > (size_t)(s->end - s->p))
		n = (size_t)(s->end - s->p);
	if (n > room)
		n = room;
	memcpy(p, s->p, n);
	s->p += n;
	bb_fetchm_received(&d->m, n, d->now);
}

/* What the board does on its own: everything but reading and waiting. */
static enum bb_fetchm_act settle(struct fdrive *d, bool https)
{
	int guard = 0;
	enum bb_fetchm_act a;

	while ((a = bb_fetchm_act(&d->m)) != BB_FM_READ && a != BB_FM_WAIT &&
	       a != BB_FM_DONE && a != BB_FM_FAIL && guard++ < (1 << 17)) {
		if (a == BB_FM_CONNECT) {
			if (d->conns == FD_CONNS)
				__builtin_trap(); /* redirects unbounded */
			d->conns++;
			d->phase = 0;
			bb_fetchm_dialing(&d->m, resolving_wait, d->now);
			/* connected by a control byte */
		} else {
			fd_run(d, 1);
		}
		check(d, https);
	}
	if (guard >= (1 << 17))
		__builtin_trap(); /* the machine spins without an event */
	return a;
}

static void control(struct fdrive *d, struct script *s, uint8_t op,
		    enum bb_fetchm_act a)
{
	size_t n = (size_t)(op >> 3) + 1;

	switch (op & 7) {
	case 0:
	case 1:
		if (a == BB_FM_READ)
			feed(d, s, (op & 7) ? n * 97 : n);
		break;
	case 2:
		if (a == BB_FM_READ)
			bb_fetchm_received(&d->m, 0, d->now);
		break;
	case 3:
		d->now += (uint64_t)(op >> 3) * 50;
		bb_fetchm_tick(&d->m, d->now);
		break;
	case 4: d->write_size = op >> 3; break;
	case 5: d->take_size = (size_t)(op >> 3) * 7; break;
	case 6:
		if (d->m.step == BB_FMS_RESOLVING)
			bb_fetchm_dialing(&d->m, false, d->now);
		else
			bb_fetchm_connected(&d->m, d->now);
		break;
	case 7:
		if (op & 8)
			bb_fetchm_alive(&d->m, d->now);
		else if (op & 16)
			bb_fetchm_parts_done(&d->m);
		else
			bb_fetchm_unsplit(&d->m);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int redirs[4] = {0, -1, 1, 2};
	static struct fdrive d;
	struct script s;
	uint8_t f, lim;
	bool https;
	int steps = 0;

	if (size < 2)
		return 0;
	f = data[0];
	lim = data[1];
	s.p = data + 2;
	s.end = data + size;
	fd_init(&d);
	https = f & 2;
	resolving_wait = lim & 1;
	d.cfg.max_redirects = redirs[f >> 6];
	d.cfg.max_bytes = lim & 0x80 ? (uint64_t)(lim & 0x7f) * 97 + 64 : 0;
	d.cfg.split_min = f & 8 ? 64 : 0;
	d.split_ok = f & 16;
	d.adopt_ok = f & 32;
	if (lim & 2) {
		d.cfg.method = "POST";
		d.cfg.headers = "X-Test: 1\r\n";
		d.cfg.body = (const uint8_t *)post_body;
		d.cfg.body_len = sizeof(post_body) - 1;
	}
	if (fd_start(&d, https ? "https://origin.test/image/k" : "http://o/k",
		     f & 1 ? "http://proxy.test:3128" : NULL,
		     f & 4 && !(lim & 2) ? 7 : 0))
		__builtin_trap();
	while (steps++ < 4096) {
		enum bb_fetchm_act a = settle(&d, https);

		if (a == BB_FM_DONE || a == BB_FM_FAIL)
			break;
		if (s.p == s.end) {
			/* the script ends: the peer closes, time runs out */
			if (a == BB_FM_READ)
				bb_fetchm_received(&d.m, 0, d.now);
			else
				bb_fetchm_tick(&d.m, d.now += 60000);
		} else {
			control(&d, &s, *s.p++, a);
		}
		check(&d, https);
	}
	range_part(&d.m, data + 2, size - 2);
	if (bb_fetchm_act(&d.m) != BB_FM_DONE &&
	    bb_fetchm_act(&d.m) != BB_FM_FAIL && steps < 4096)
		__builtin_trap(); /* a fetch must end once its input does */
	return 0;
}
