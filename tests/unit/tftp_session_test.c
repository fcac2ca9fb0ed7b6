/* The TFTP session engine with a fake clock: one case per finding of the
 * probe (issue 11: 2, 6, 12, 13) and per malformed datagram. */
#include "tftp/tftp_session.h"
#include "tests/unit/test.h"

/* a request written as the wire bytes, NULs included */
#define REQ(s) (const uint8_t *)(s), sizeof(s) - 1

#define IP_A 0x0a000005u
#define IP_B 0x0a000006u

static const struct bb_tftp_limits gso = {.train_bytes = 65000,
					  .train_blocks = 64};

static int blocks_out(const struct bb_tftp_out *o)
{
	int n = 0;
	size_t i;

	for (i = 0; i < o->ntrains; i++)
		n += (int)o->train[i].count;
	return n;
}

static void ack(struct bb_tftp_sessions *t, int id, uint16_t b, uint64_t now,
		struct bb_tftp_out *o)
{
	uint8_t a[4] = {0, BB_TFTP_ACK, (uint8_t)(b >> 8), (uint8_t)b};

	bb_tftp_input(t, id, a, sizeof(a), now, o);
}

/* Finding 2: blksize 65000 over loopback (a path MTU of 65536) is past
 * the GSO train; the train must still hold the block. */
static void test_blksize_past_train(void)
{
	struct bb_tftp_sessions *t = bb_tftp_sessions_new(&gso);
	struct bb_tftp_out o;
	int id = bb_tftp_request(t, IP_A, 1000,
				 REQ("\0\1small.bin\0octet\0blksize\0"
				     "65000\0"),
				 0, &o);

	CHECK(id >= 0);
	bb_tftp_open(t, id, 100000, 65464, 0, &o);
	CHECK(o.pkt_len > 0); /* the OACK */
	ack(t, id, 0, 1, &o);
	CHECK_EQ(o.ntrains, 1);
	CHECK_EQ(o.train[0].count, 1);
	CHECK_EQ(o.train[0].seg, 65004);
	CHECK_EQ(o.train[0].len, 65000);
	ack(t, id, 1, 2, &o);
	CHECK_EQ(o.train[0].len, 35000);
	ack(t, id, 2, 3, &o);
	CHECK_EQ(bb_tftp_session_end(t, id), BB_TFTP_END_OK);
	bb_tftp_sessions_free(t);
}

/* Every blksize the parser lets through, with a window of 64: trains of
 * at least one block that fit the GSO limits and cover the window. */
static void test_blksize_sweep(void)
{
	struct bb_tftp_rrq r = {
	    .has_blksize = true, .has_window = true, .windowsize = 64};
	struct bb_tftp_train tr[BB_TFTP_TRAINS_MAX];
	struct bb_tftp_xfer x;
	uint32_t b;
	int bad = 0;

	for (b = 8; b <= 65464; b++) {
		size_t n, i;
		uint32_t sum = 0;

		r.blksize = b;
		bb_tftp_start(&x, &r, (uint64_t)b * 70, 65464, 0);
		n = bb_tftp_trains(&x, 1, 64, 65000, 64, tr, 64);
		for (i = 0; i < n; i++) {
			sum += tr[i].count;
			if (!tr[i].count || tr[i].count > 64 ||
			    (tr[i].count > 1 &&
			     (uint64_t)tr[i].count * tr[i].seg > 65000))
				bad++;
		}
		if (sum != 64)
			bad++;
	}
	CHECK_EQ(bad, 0);
}

/* Finding 6: 4200 requests from one address (timeout 255) hold at most
 * per_source slots; a second client still gets one. */
static void test_per_source_cap(void)
{
	struct bb_tftp_sessions *t = bb_tftp_sessions_new(&gso);
	struct bb_tftp_out o;
	int i, taken = 0, refused = 0, id;

	for (i = 0; i < 4200; i++) {
		id = bb_tftp_request(t, IP_A, (uint16_t)(1024 + i),
				     REQ("\0\1f\0octet\0timeout\0"
					 "255\0"),
				     0, &o);
		if (id >= 0) {
			bb_tftp_open(t, id, 10, 1468, 0, &o);
			taken++;
		} else {
			refused += o.pkt_len > 4 && o.pkt[1] == BB_TFTP_ERROR;
		}
	}
	CHECK_EQ(taken, 8);
	CHECK_EQ(refused, 4192);
	CHECK_EQ(bb_tftp_sessions_count(t), 8);
	id = bb_tftp_request(t, IP_B, 1024, REQ("\0\1f\0octet\0"), 0, &o);
	CHECK(id >= 0);
	bb_tftp_sessions_free(t);
}

static void test_total_cap_and_refuse(void)
{
	struct bb_tftp_limits l = gso;
	struct bb_tftp_sessions *t;
	struct bb_tftp_out o;
	int a, b;

	l.max_sessions = 2;
	t = bb_tftp_sessions_new(&l);
	a = bb_tftp_request(t, IP_A, 1, REQ("\0\1f\0octet\0"), 0, &o);
	b = bb_tftp_request(t, IP_B, 1, REQ("\0\1f\0octet\0"), 0, &o);
	CHECK(a >= 0 && b >= 0);
	CHECK_EQ(bb_tftp_request(t, IP_B + 1, 1, REQ("\0\1f\0octet\0"), 0, &o),
		 -1);
	CHECK(o.pkt_len > 4 && o.pkt[1] == BB_TFTP_ERROR);
	/* the board could not open the file: the slot is free again */
	bb_tftp_refuse(t, a, BB_TFTP_ENOTFOUND, "file not found", &o);
	CHECK_EQ(o.pkt[3], BB_TFTP_ENOTFOUND);
	CHECK(bb_tftp_request(t, IP_B + 1, 1, REQ("\0\1f\0octet\0"), 0, &o) >=
	      0);
	bb_tftp_sessions_free(t);
}

/* A client's own retransmitted RRQ is not a second transfer. */
static void test_repeated_request(void)
{
	struct bb_tftp_sessions *t = bb_tftp_sessions_new(&gso);
	struct bb_tftp_out o;
	int id = bb_tftp_request(t, IP_A, 7, REQ("\0\1f\0octet\0"), 0, &o);

	bb_tftp_open(t, id, 1000, 1468, 0, &o);
	CHECK_EQ(bb_tftp_request(t, IP_A, 7, REQ("\0\1f\0octet\0"), 10, &o),
		 -1);
	CHECK_EQ(o.pkt_len, 0);
	CHECK_EQ(bb_tftp_sessions_count(t), 1);
	/* other options: a new request (its ERROR to the first was lost) */
	CHECK(bb_tftp_request(t, IP_A, 7,
			      REQ("\0\1f\0octet\0tsize\0"
				  "0\0"),
			      20, &o) >= 0);
	CHECK_EQ(bb_tftp_sessions_count(t), 2);
	bb_tftp_sessions_free(t);
}

/* Finding 12: a spoofed RRQ without options gets its block twice, not 6
 * times; once the peer acknowledged, the full count of retries. */
static void test_unproven_resends(void)
{
	struct bb_tftp_sessions *t = bb_tftp_sessions_new(&gso);
	struct bb_tftp_out o;
	uint64_t now = 0;
	int id = bb_tftp_request(t, IP_A, 7, REQ("\0\1f\0octet\0"), 0, &o),
	    sends, guard;

	bb_tftp_open(t, id, 5000, 1468, now, &o);
	sends = blocks_out(&o);
	for (guard = 0; guard < 100 && !bb_tftp_session_end(t, id); guard++) {
		now = bb_tftp_session_deadline(t, id);
		bb_tftp_tick(t, id, now, &o);
		sends += blocks_out(&o);
	}
	CHECK_EQ(sends, 2);
	CHECK_EQ(bb_tftp_session_end(t, id), BB_TFTP_END_TIMEOUT);
	bb_tftp_release(t, id);

	id = bb_tftp_request(t, IP_A, 8, REQ("\0\1f\0octet\0"), now, &o);
	bb_tftp_open(t, id, 5000, 1468, now, &o);
	ack(t, id, 1, now, &o);
	sends = blocks_out(&o);
	for (guard = 0; guard < 100 && !bb_tftp_session_end(t, id); guard++) {
		now = bb_tftp_session_deadline(t, id);
		bb_tftp_tick(t, id, now, &o);
		sends += blocks_out(&o);
	}
	CHECK_EQ(sends, 1 + BB_TFTP_RETRIES);
	bb_tftp_sessions_free(t);
}

/* Finding 6: with timeout 255 a session lived 25 min (OACK) to 2 h;
 * now no wait passes the lifetime, and it ends there. */
static void test_lifetime(void)
{
	struct bb_tftp_limits l = gso;
	struct bb_tftp_sessions *t;
	struct bb_tftp_out o;
	uint64_t now = 0;
	int id, guard;

	l.lifetime_ms = 300000;
	t = bb_tftp_sessions_new(&l);
	id = bb_tftp_request(t, IP_A, 7,
			     REQ("\0\1f\0octet\0timeout\0"
				 "255\0"),
			     0, &o);
	bb_tftp_open(t, id, 1u << 20, 1468, now, &o);
	ack(t, id, 0, 1, &o);
	ack(t, id, 1, 2, &o);
	for (guard = 0; guard < 100 && !bb_tftp_session_end(t, id); guard++) {
		CHECK(bb_tftp_session_deadline(t, id) <= 300000);
		now = bb_tftp_session_deadline(t, id);
		bb_tftp_tick(t, id, now, &o);
	}
	CHECK(now <= 300000);
	CHECK(bb_tftp_session_end(t, id) == BB_TFTP_END_LIFETIME ||
	      bb_tftp_session_end(t, id) == BB_TFTP_END_TIMEOUT);
	bb_tftp_sessions_free(t);

	l.lifetime_ms = 5000; /* a client that keeps acking, slowly */
	t = bb_tftp_sessions_new(&l);
	id = bb_tftp_request(t, IP_A, 7, REQ("\0\1f\0octet\0"), 0, &o);
	bb_tftp_open(t, id, 1u << 20, 1468, 0, &o);
	for (now = 0; now < 10000; now += 900) {
		ack(t, id, (uint16_t)(now / 900 + 1), now, &o);
		if (bb_tftp_session_end(t, id))
			break;
	}
	CHECK_EQ(bb_tftp_session_end(t, id), BB_TFTP_END_LIFETIME);
	CHECK(o.pkt_len > 4 && o.pkt[1] == BB_TFTP_ERROR);
	CHECK_EQ(now, 5400);
	bb_tftp_sessions_free(t);
}

/* Finding 13: an aborted transfer reports what the client acknowledged,
 * not the file's size. */
static void test_report_acked_bytes(void)
{
	struct bb_tftp_sessions *t = bb_tftp_sessions_new(&gso);
	struct bb_tftp_out o;
	struct bb_tftp_report r;
	static const uint8_t err[] = {0, BB_TFTP_ERROR, 0, 0, 'x', 0};
	int id = bb_tftp_request(t, IP_A, 7, REQ("\0\1f\0octet\0"), 0, &o);

	bb_tftp_open(t, id, 5000, 1468, 0, &o);
	ack(t, id, 1, 10, &o);
	ack(t, id, 2, 20, &o);
	bb_tftp_input(t, id, err, sizeof(err), 30, &o);
	CHECK_EQ(bb_tftp_session_end(t, id), BB_TFTP_END_CLIENT);
	bb_tftp_session_report(t, id, 40, &r);
	CHECK_EQ(r.bytes, 1024);
	CHECK_EQ(r.ms, 40);
	CHECK_STR(r.file, "f");
	CHECK_STR(r.result, "ended by the client");
	bb_tftp_release(t, id);
	/* the first reason the board gives stands */
	id = bb_tftp_request(t, IP_A, 8, REQ("\0\1f\0octet\0"), 0, &o);
	bb_tftp_open(t, id, 5000, 1468, 0, &o);
	bb_tftp_fail(t, id, BB_TFTP_END_STOPPED);
	bb_tftp_fail(t, id, BB_TFTP_END_READ);
	bb_tftp_session_report(t, id, 40, &r);
	CHECK_STR(r.result, "server stopped");
	bb_tftp_release(t, id);
	id = bb_tftp_request(t, IP_A, 9, REQ("\0\1f\0octet\0"), 0, &o);
	bb_tftp_open(t, id, 5000, 1468, 0, &o);
	bb_tftp_fail(t, id, (enum bb_tftp_end)99); /* not a reason: gone */
	bb_tftp_session_report(t, id, 40, &r);
	CHECK_STR(r.result, "client gone");
	bb_tftp_sessions_free(t);
}

/* Malformed or foreign datagrams on a transfer: no answer, no resend. */
static void test_malformed_input(void)
{
	static const uint8_t cases[][6] = {
	    {0},		      /* empty */
	    {0, BB_TFTP_ACK, 0},      /* short ACK */
	    {0, BB_TFTP_DATA, 0, 1},  /* a reader sends no DATA */
	    {0, BB_TFTP_RRQ, 'f', 0}, /* RRQ on the transfer's port */
	    {0, BB_TFTP_OACK, 0},
	    {0x12, 0x34, 0, 1},	    /* no such opcode */
	    {0, BB_TFTP_ACK, 0, 9}, /* ACK of a block never sent */
	    {0, BB_TFTP_ACK, 0, 0}, /* ACK 0 without an OACK */
	};
	static const size_t lens[] = {0, 3, 4, 4, 3, 4, 4, 4};
	struct bb_tftp_sessions *t = bb_tftp_sessions_new(&gso);
	struct bb_tftp_out o;
	int id = bb_tftp_request(t, IP_A, 7, REQ("\0\1f\0octet\0"), 0, &o);
	size_t i;

	bb_tftp_open(t, id, 5000, 1468, 0, &o);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t *g = bb_test_guard(cases[i], lens[i]);

		bb_tftp_input(t, id, g, lens[i], 10, &o);
		CHECK_EQ(o.pkt_len, 0);
		CHECK_EQ(o.ntrains, 0);
		CHECK_EQ(bb_tftp_session_end(t, id), BB_TFTP_RUNNING);
		bb_test_unguard(g, lens[i]);
	}
	/* a bad request at the listener: an ERROR, no slot */
	CHECK_EQ(bb_tftp_request(t, IP_B, 1, REQ("\0\2f\0octet\0"), 0, &o), -1);
	CHECK_EQ(o.pkt[3], BB_TFTP_EACCESS);
	CHECK_EQ(bb_tftp_request(t, IP_B, 1, REQ("\0\1f\0"), 0, &o), -1);
	CHECK_EQ(o.pkt[3], BB_TFTP_EBADOP);
	CHECK_EQ(bb_tftp_request(t, IP_B, 1, REQ(""), 0, &o), -1);
	CHECK_EQ(bb_tftp_sessions_count(t), 1);
	/* calls on a free or out-of-range id do nothing */
	bb_tftp_input(t, 4095, cases[1], 4, 0, &o);
	bb_tftp_tick(t, -1, 0, &o);
	bb_tftp_release(t, 1u << 30);
	CHECK_EQ(bb_tftp_session_end(t, 77), BB_TFTP_END_GONE);
	bb_tftp_sessions_free(t);
}

/* No GSO on the board (train_bytes 0): one block a datagram. */
static void test_no_trains(void)
{
	struct bb_tftp_limits l = {0};
	struct bb_tftp_sessions *t = bb_tftp_sessions_new(&l);
	struct bb_tftp_out o;
	int id = bb_tftp_request(t, IP_A, 7,
				 REQ("\0\1f\0octet\0windowsize\0"
				     "16\0"),
				 0, &o);

	bb_tftp_open(t, id, 100000, 1468, 0, &o);
	ack(t, id, 0, 1, &o);
	CHECK_EQ(o.ntrains, 16);
	CHECK_EQ(o.train[15].count, 1);
	CHECK_EQ(o.train[15].first, 16);
	CHECK_EQ(o.train[15].off, 15 * 512);
	bb_tftp_sessions_free(t);
}

int main(void)
{
	RUN(test_blksize_past_train);
	RUN(test_blksize_sweep);
	RUN(test_per_source_cap);
	RUN(test_total_cap_and_refuse);
	RUN(test_repeated_request);
	RUN(test_unproven_resends);
	RUN(test_lifetime);
	RUN(test_report_acked_bytes);
	RUN(test_malformed_input);
	RUN(test_no_trains);
	return bb_test_done();
}
