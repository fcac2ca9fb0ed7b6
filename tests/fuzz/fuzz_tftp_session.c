/* Whole TFTP sessions with a fake clock: the fuzz bytes are requests
 * (raw or built with options), ACKs (in order, duplicate, old, random),
 * losses (time passing), client errors, board failures and odd datagrams,
 * for up to 8 sessions at once under random limits. Traps when a train
 * is empty, leaves the file, breaks the GSO limits, when a session could
 * spin (a tick leaves a deadline in the past), outlives its lifetime,
 * or when the caps are exceeded. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "tftp/tftp_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOTS 8
#define IP0   0x0a000000u

struct in {
	const uint8_t *p;
	size_t n;
};

struct peer {
	int id;
	uint32_t ip;
	uint64_t size, t0;
	uint32_t max_blk, seg, hi;
};

static struct bb_tftp_limits lim;
static struct peer peers[SLOTS];
static struct bb_tftp_out out;

static uint8_t u8(struct in *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

static void must(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_out(struct peer *p)
{
	size_t i;

	must(out.pkt_len <= sizeof(out.pkt) && out.ntrains <= 64);
	for (i = 0; i < out.ntrains; i++) {
		const struct bb_tftp_train *tr = &out.train[i];

		must(tr->count >= 1 && tr->first >= 1);
		/* 512 is the default whatever the MTU (RFC 1350) */
		must(tr->seg >= 12 &&
		     (tr->seg - 4 <= p->max_blk || tr->seg == 516));
		must(!p->seg || tr->seg == p->seg);
		p->seg = tr->seg;
		if (tr->count > 1)
			must(tr->count <= lim.train_blocks &&
			     (uint64_t)tr->count * tr->seg <= lim.train_bytes);
		must(tr->off + tr->len <= p->size);
		must(tr->len <= (uint64_t)tr->count * (tr->seg - 4));
		if (tr->first + tr->count - 1 > p->hi)
			p->hi = tr->first + tr->count - 1;
	}
}

static void settle(struct bb_tftp_sessions *t, struct peer *p, uint64_t now)
{
	struct bb_tftp_report r;

	check_out(p);
	if (!bb_tftp_session_end(t, p->id)) {
		must(now < p->t0 + lim.lifetime_ms);
		must(bb_tftp_session_deadline(t, p->id) <=
		     p->t0 + lim.lifetime_ms);
		return;
	}
	bb_tftp_session_report(t, p->id, now, &r);
	must(r.bytes <= p->size && r.result != NULL);
	bb_tftp_release(t, p->id);
	p->id = -1;
}

static size_t build_rrq(struct in *f, uint8_t *b)
{
	static const char *const names[] = {"blksize", "windowsize", "timeout",
					    "tsize", "BLKSIZE"};
	size_t n = 0, k, opts = u8(f) % 5;

	memcpy(b, "\0\1f\0octet", 10);
	n = 10;
	for (k = 0; k < opts; k++) {
		const char *o = names[u8(f) % 5];
		unsigned v = (unsigned)u8(f) << 8 | u8(f);
		int len;

		if (u8(f) & 1)
			v %= 80;
		b[n++] = 0;
		memcpy(b + n, o, strlen(o));
		n += strlen(o) + 1;
		b[n - 1] = 0;
		len = 0;
		do { /* decimal, written backwards then reversed */
			b[n + (size_t)len++] = (uint8_t)('0' + v % 10);
			v /= 10;
		} while (v);
		for (int i = 0; i < len / 2; i++) {
			uint8_t c = b[n + (size_t)i];

			b[n + (size_t)i] = b[n + (size_t)len - 1 - (size_t)i];
			b[n + (size_t)len - 1 - (size_t)i] = c;
		}
		n += (size_t)len;
	}
	b[n++] = 0;
	return n;
}

static void request(struct bb_tftp_sessions *t, struct in *f, uint64_t now)
{
	static const uint32_t mtus[] = {8, 512, 1468, 8968, 65464};
	uint8_t b[256];
	uint32_t ip = IP0 + u8(f) % 3;
	uint16_t port = (uint16_t)(u8(f) % 4);
	size_t len, i, from_ip = 0;
	uint8_t how = u8(f);
	int id;

	if (how & 1) {
		len = u8(f) % 64;
		len = len < f->n ? len : f->n;
		memcpy(b, f->p, len);
		f->p += len;
		f->n -= len;
	} else {
		len = build_rrq(f, b);
	}
	id = bb_tftp_request(t, ip, port, b, len, now, &out);
	must(out.ntrains == 0);
	if (id < 0)
		return;
	must(id < SLOTS && peers[id].id < 0);
	for (i = 0; i < SLOTS; i++)
		from_ip += peers[i].id >= 0 && peers[i].ip == ip;
	must(from_ip < lim.per_source);
	if (how & 2) {
		bb_tftp_refuse(t, id, 1, "no", &out);
		return;
	}
	peers[id] = (struct peer){.id = id, .ip = ip, .t0 = now};
	peers[id].size = (uint64_t)u8(f) * u8(f) * (1 + u8(f) % 64);
	peers[id].max_blk = how & 4 ? mtus[u8(f) % 5] : 8 + u8(f) * 97u;
	bb_tftp_open(t, id, peers[id].size, peers[id].max_blk, now, &out);
	settle(t, &peers[id], now);
}

static void input(struct bb_tftp_sessions *t, struct peer *p, struct in *f,
		  uint8_t op, uint64_t now)
{
	uint8_t d[8] = {0, BB_TFTP_ACK, 0, 0, 0, 0, 0, 0};
	uint32_t b = p->hi;
	size_t len = 4;

	if (op == 2)
		b = (uint32_t)u8(f) << 8 | u8(f);
	else if (op == 3)
		b = p->hi - u8(f) % 4;
	else if (op == 4) {
		len = u8(f) % 8;
		for (size_t i = 0; i < len; i++)
			d[i] = u8(f);
	} else if (op == 7) {
		d[1] = BB_TFTP_ERROR;
		len = 6;
	}
	if (op != 4 && op != 7) {
		d[2] = (uint8_t)(b >> 8);
		d[3] = (uint8_t)b;
	}
	bb_tftp_input(t, p->id, d, len, now, &out);
	settle(t, p, now);
}

static void tick_all(struct bb_tftp_sessions *t, uint64_t now)
{
	size_t i;

	for (i = 0; i < SLOTS; i++) {
		struct peer *p = &peers[i];

		if (p->id < 0 || bb_tftp_session_deadline(t, p->id) > now)
			continue;
		bb_tftp_tick(t, p->id, now, &out);
		if (!bb_tftp_session_end(t, p->id))
			must(bb_tftp_session_deadline(t, p->id) > now);
		settle(t, p, now);
	}
}

/* Loss of everything from here: each session must end, within its
 * lifetime, in a bounded number of ticks. */
static void drain(struct bb_tftp_sessions *t, uint64_t now)
{
	int round;
	size_t i;

	for (round = 0; round < 128; round++) {
		uint64_t next = UINT64_MAX;

		for (i = 0; i < SLOTS; i++)
			if (peers[i].id >= 0 &&
			    bb_tftp_session_deadline(t, peers[i].id) < next)
				next = bb_tftp_session_deadline(t, peers[i].id);
		if (next == UINT64_MAX)
			return;
		now = next > now ? next : now;
		tick_all(t, now);
	}
	must(bb_tftp_sessions_count(t) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in f = {data, size};
	struct bb_tftp_sessions *t;
	uint64_t now = 0;
	int steps;
	size_t i;

	lim.max_sessions = 1 + u8(&f) % SLOTS;
	lim.per_source = 1 + u8(&f) % 4;
	lim.lifetime_ms = 1000 + u8(&f) * 4000u;
	lim.train_bytes = u8(&f) & 1 ? 65000 : (uint32_t)u8(&f) << 8;
	lim.train_blocks = 1 + u8(&f) % 64;
	t = bb_tftp_sessions_new(&lim);
	if (!t)
		return 0;
	for (i = 0; i < SLOTS; i++)
		peers[i].id = -1;
	for (steps = 0; f.n && steps < 4096; steps++) {
		uint8_t op = u8(&f);
		struct peer *p = &peers[(op >> 3) % SLOTS];

		op &= 7;
		if (op == 0)
			request(t, &f, now);
		else if (op == 5) {
			uint8_t d = u8(&f);

			now += d & 1 ? (uint64_t)d * 1000 : d;
			tick_all(t, now);
		} else if (p->id < 0)
			continue;
		else if (op == 6) {
			bb_tftp_fail(t, p->id, (enum bb_tftp_end)(u8(&f) % 8));
			out.pkt_len = out.ntrains = 0; /* it puts nothing out */
			settle(t, p, now);
		} else
			input(t, p, &f, op, now);
	}
	drain(t, now);
	bb_tftp_sessions_free(t);
	return 0;
}
