#include <stdlib.h>
#include <string.h>

#include "tftp/tftp_session.h"

struct sess {
	uint32_t ip;
	uint16_t port;
	bool open; /* the board opened the file: x is valid */
	enum bb_tftp_end end;
	uint64_t t0, end_by;
	struct bb_tftp_rrq rrq;
	struct bb_tftp_xfer x;
};

struct bb_tftp_sessions {
	struct bb_tftp_limits l;
	struct sess **s; /* l.max_sessions slots, allocated when taken */
	uint32_t n, hint;
};

struct bb_tftp_sessions *bb_tftp_sessions_new(const struct bb_tftp_limits *l)
{
	struct bb_tftp_sessions *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->l = *l;
	if (!t->l.max_sessions)
		t->l.max_sessions = 4096;
	if (!t->l.per_source)
		t->l.per_source = 8;
	if (!t->l.lifetime_ms)
		t->l.lifetime_ms = 600000;
	t->s = calloc(t->l.max_sessions, sizeof(*t->s));
	if (!t->s) {
		free(t);
		return NULL;
	}
	return t;
}

void bb_tftp_sessions_free(struct bb_tftp_sessions *t)
{
	uint32_t i;

	if (!t)
		return;
	for (i = 0; i < t->l.max_sessions; i++)
		free(t->s[i]);
	free(t->s);
	free(t);
}

uint32_t bb_tftp_sessions_count(const struct bb_tftp_sessions *t)
{
	return t->n;
}

static void out_reset(struct bb_tftp_out *out)
{
	out->pkt_len = 0;
	out->ntrains = 0;
}

static void out_error(struct bb_tftp_out *out, uint16_t code, const char *msg)
{
	int n = bb_tftp_build_error(code, msg, out->pkt, sizeof(out->pkt));

	out->pkt_len = n > 0 ? (size_t)n : 0;
}

/* A repeat of a request whose first answer is still unacknowledged (the
 * client's own retransmission) is not a second transfer; the same client
 * asking with other options is (EDK2 asks for tsize alone first). Counts the
 * sessions of ip on the way. */
static bool same_rrq(const struct bb_tftp_rrq *a, const struct bb_tftp_rrq *b)
{
	return !strcmp(a->file, b->file) && a->has_blksize == b->has_blksize &&
	       a->has_tsize == b->has_tsize &&
	       a->has_timeout == b->has_timeout &&
	       a->has_window == b->has_window && a->blksize == b->blksize &&
	       a->timeout == b->timeout && a->windowsize == b->windowsize;
}

static bool repeated(const struct bb_tftp_sessions *t, uint32_t ip,
		     uint16_t port, const struct bb_tftp_rrq *r,
		     uint32_t *from_ip)
{
	uint32_t i;

	*from_ip = 0;
	for (i = 0; i < t->l.max_sessions; i++) {
		const struct sess *s = t->s[i];

		if (!s || s->ip != ip)
			continue;
		++*from_ip;
		if (s->port == port && !s->x.proven && !s->end &&
		    same_rrq(&s->rrq, r))
			return true;
	}
	return false;
}

static int take_slot(struct bb_tftp_sessions *t)
{
	uint32_t i, k;

	for (k = 0; k < t->l.max_sessions; k++) {
		i = (t->hint + k) % t->l.max_sessions;
		if (!t->s[i]) {
			t->s[i] = calloc(1, sizeof(*t->s[i]));
			if (!t->s[i])
				return -1;
			t->hint = i + 1;
			t->n++;
			return (int)i;
		}
	}
	return -1;
}

int bb_tftp_request(struct bb_tftp_sessions *t, uint32_t ip, uint16_t port,
		    const uint8_t *pkt, size_t len, uint64_t now,
		    struct bb_tftp_out *out)
{
	struct bb_tftp_rrq r;
	const char *msg;
	uint32_t from_ip;
	struct sess *s;
	int code = bb_tftp_parse_request(pkt, len, &r, &msg), id;

	out_reset(out);
	if (code) {
		out_error(out, (uint16_t)code, msg);
		return -1;
	}
	if (repeated(t, ip, port, &r, &from_ip))
		return -1;
	if (from_ip >= t->l.per_source) {
		out_error(out, BB_TFTP_EUNDEF, "too many transfers from you");
		return -1;
	}
	if (t->n >= t->l.max_sessions || (id = take_slot(t)) < 0) {
		out_error(out, BB_TFTP_EUNDEF, "server busy");
		return -1;
	}
	s = t->s[id];
	s->ip = ip;
	s->port = port;
	s->rrq = r;
	s->t0 = now;
	s->end_by = now + t->l.lifetime_ms;
	return id;
}

static struct sess *get(const struct bb_tftp_sessions *t, int id)
{
	return id >= 0 && (uint32_t)id < t->l.max_sessions ? t->s[id] : NULL;
}

const struct bb_tftp_rrq *bb_tftp_session_rrq(const struct bb_tftp_sessions *t,
					      int id)
{
	struct sess *s = get(t, id);

	return s ? &s->rrq : NULL;
}

void bb_tftp_release(struct bb_tftp_sessions *t, int id)
{
	struct sess *s = get(t, id);

	if (!s)
		return;
	free(s);
	t->s[id] = NULL;
	t->n--;
}

void bb_tftp_refuse(struct bb_tftp_sessions *t, int id, uint16_t code,
		    const char *msg, struct bb_tftp_out *out)
{
	out_reset(out);
	out_error(out, code, msg);
	bb_tftp_release(t, id);
}

size_t bb_tftp_trains(const struct bb_tftp_xfer *x, uint32_t first,
		      uint32_t count, uint32_t train_bytes,
		      uint32_t train_blocks, struct bb_tftp_train *tr,
		      size_t cap)
{
	uint32_t seg = x->blksize + 4, per = train_blocks ? train_blocks : 1;
	uint32_t i, k, j;
	size_t n = 0;

	/* a train of one block is a plain datagram: any blksize goes */
	if (!train_bytes || seg > train_bytes / 2)
		per = 1;
	else if (train_bytes / seg < per)
		per = train_bytes / seg;
	for (i = 0; i < count && n < cap; i += k, n++) {
		k = count - i < per ? count - i : per;
		tr[n].first = first + i;
		tr[n].count = k;
		tr[n].seg = seg;
		tr[n].len = 0;
		for (j = 0; j < k; j++) {
			uint64_t off;
			size_t len;

			bb_tftp_block_range(x, first + i + j, &off, &len);
			if (!j)
				tr[n].off = off;
			tr[n].len += len;
		}
	}
	return n;
}

static void pump(struct bb_tftp_sessions *t, struct sess *s, uint64_t now,
		 struct bb_tftp_out *out)
{
	struct bb_tftp_send plan;
	int n;

	if (s->x.done) {
		s->end = BB_TFTP_END_OK;
		return;
	}
	bb_tftp_next(&s->x, now, &plan);
	if (plan.oack) {
		n = bb_tftp_build_oack(&s->x, &s->rrq, out->pkt,
				       sizeof(out->pkt));
		out->pkt_len = n > 0 ? (size_t)n : 0;
		return;
	}
	out->ntrains =
	    bb_tftp_trains(&s->x, plan.first, plan.count, t->l.train_bytes,
			   t->l.train_blocks, out->train, BB_TFTP_TRAINS_MAX);
}

void bb_tftp_open(struct bb_tftp_sessions *t, int id, uint64_t size,
		  uint32_t max_blksize, uint64_t now, struct bb_tftp_out *out)
{
	struct sess *s = get(t, id);

	out_reset(out);
	if (!s || s->open)
		return;
	s->open = true;
	bb_tftp_start(&s->x, &s->rrq, size, max_blksize, now);
	pump(t, s, now, out);
}

/* The whole life is over: tell the client why, once. */
static bool expired(struct sess *s, uint64_t now, struct bb_tftp_out *out)
{
	if (now < s->end_by)
		return false;
	s->end = BB_TFTP_END_LIFETIME;
	if (s->x.proven)
		out_error(out, BB_TFTP_EUNDEF, "transfer took too long");
	return true;
}

void bb_tftp_input(struct bb_tftp_sessions *t, int id, const uint8_t *pkt,
		   size_t len, uint64_t now, struct bb_tftp_out *out)
{
	struct sess *s = get(t, id);
	uint16_t op;

	out_reset(out);
	if (!s || !s->open || s->end || expired(s, now, out))
		return;
	op = len >= 2 ? (uint16_t)(pkt[0] << 8 | pkt[1]) : 0;
	if (op == BB_TFTP_ACK && len >= 4) {
		bb_tftp_ack(&s->x, (uint16_t)(pkt[2] << 8 | pkt[3]), now);
	} else if (op == BB_TFTP_ERROR) {
		/* e.g. a PXE ROM that only wanted tsize */
		s->end = BB_TFTP_END_CLIENT;
		return;
	} else {
		return; /* nothing a reader sends us: no answer, no resend */
	}
	pump(t, s, now, out);
}

void bb_tftp_tick(struct bb_tftp_sessions *t, int id, uint64_t now,
		  struct bb_tftp_out *out)
{
	struct sess *s = get(t, id);

	out_reset(out);
	if (!s || !s->open || s->end || expired(s, now, out))
		return;
	if (now < s->x.deadline)
		return;
	if (!bb_tftp_timeout(&s->x, now)) {
		s->end = BB_TFTP_END_TIMEOUT;
		return;
	}
	pump(t, s, now, out);
}

void bb_tftp_fail(struct bb_tftp_sessions *t, int id, enum bb_tftp_end why)
{
	struct sess *s = get(t, id);

	if (s && !s->end)
		s->end = why > BB_TFTP_END_OK && why <= BB_TFTP_END_STOPPED
			     ? why
			     : BB_TFTP_END_GONE;
}

enum bb_tftp_end bb_tftp_session_end(const struct bb_tftp_sessions *t, int id)
{
	struct sess *s = get(t, id);

	return s ? s->end : BB_TFTP_END_GONE;
}

uint64_t bb_tftp_session_deadline(const struct bb_tftp_sessions *t, int id)
{
	struct sess *s = get(t, id);

	if (!s)
		return 0;
	return s->open && s->x.deadline < s->end_by ? s->x.deadline : s->end_by;
}

void bb_tftp_session_report(const struct bb_tftp_sessions *t, int id,
			    uint64_t now, struct bb_tftp_report *r)
{
	static const char *const why[] = {
	    [BB_TFTP_RUNNING] = "running",
	    [BB_TFTP_END_OK] = "ok",
	    [BB_TFTP_END_CLIENT] = "ended by the client",
	    [BB_TFTP_END_TIMEOUT] = "timed out",
	    [BB_TFTP_END_LIFETIME] = "took too long",
	    [BB_TFTP_END_GONE] = "client gone",
	    [BB_TFTP_END_READ] = "file read failed",
	    [BB_TFTP_END_STOPPED] = "server stopped",
	};
	struct sess *s = get(t, id);

	memset(r, 0, sizeof(*r));
	r->result = why[BB_TFTP_END_GONE];
	if (!s)
		return;
	r->ip = s->ip;
	r->port = s->port;
	r->file = s->rrq.file;
	r->bytes = s->open ? bb_tftp_acked_bytes(&s->x) : 0;
	r->ms = now > s->t0 ? now - s->t0 : 0;
	r->result = why[s->end];
}
