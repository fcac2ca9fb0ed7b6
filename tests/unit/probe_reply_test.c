/* The hand-off probe's verdict (services/handoff/probe_reply.c): every
 * malformed or not-ready answer, whole and byte by byte, and the deadline
 * per stage on a fake clock. */
#include "common/err.h"
#include "handoff/probe_reply.h"
#include "tests/unit/test.h"

#define S(x) x, sizeof(x) - 1

static void start(struct bb_probe_reply *r, enum bb_probe_kind kind)
{
	struct bb_probe p = {.kind = kind, .port = 6443, .path = "/readyz"};
	const uint8_t *out;
	size_t n;

	CHECK_EQ(bb_probe_reply_init(r, &p, 0x0a000005, 1000, 700), 0);
	CHECK_EQ(r->deadline_ms, 1700);
	bb_probe_reply_connected(r);
	bb_probe_reply_handshaken(r);
	n = bb_probe_reply_out(r, &out);
	CHECK(n > 0 && !memcmp(out, "GET /readyz HTTP/1.1\r\n", 22));
	CHECK(memmem(out, n, "Host: 10.0.0.5:6443\r\n", 21) != NULL);
	bb_probe_reply_sent(r, n);
	CHECK_EQ(r->stage, BB_PS_READING);
}

/* The verdict on reply (NULL: up), fed whole then byte by byte; eof after
 * the bytes when asked. Both ways must agree. */
static const char *judge(const char *reply, size_t len, bool eof)
{
	struct bb_probe_reply a, b;
	size_t i;

	start(&a, BB_PROBE_HTTPS);
	start(&b, BB_PROBE_HTTP);
	bb_probe_reply_input(&a, (const uint8_t *)reply, len);
	for (i = 0; i < len && !bb_probe_reply_done(&b); i++)
		CHECK_EQ(
		    bb_probe_reply_input(&b, (const uint8_t *)reply + i, 1), 1);
	if (eof) {
		bb_probe_reply_eof(&a);
		bb_probe_reply_eof(&b);
	}
	CHECK_EQ(a.stage, b.stage);
	CHECK_EQ(a.ok, b.ok);
	if (!bb_probe_reply_done(&a))
		return "(pending)";
	CHECK(a.ok == (a.why == NULL));
	CHECK(a.why == b.why || (a.why && b.why && !strcmp(a.why, b.why)));
	return a.ok ? "up" : a.why;
}

#define UP	    "up"
#define J(lit, eof) judge(S(lit), eof)

static void test_ready(void)
{
	CHECK_STR(J("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false),
		  UP);
	CHECK_STR(J("HTTP/1.0 200 OK\r\nServer: x\r\n\r\nok\n", true), UP);
	CHECK_STR(
	    J("HTTP/1.1 200 OK\r\ncontent-length:  4 \r\n\r\nok\r\n", false),
	    UP);
	CHECK_STR(J("HTTP/1.1 200\r\n\r\nok", true), UP);
	/* bytes past Content-Length are not the body */
	CHECK_STR(
	    J("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokgarbage", false),
	    UP);
}

static void test_not_ready(void)
{
	const char *nr = "answered, not ready (status is not 200)";

	CHECK_STR(J("HTTP/1.1 500 Internal\r\n\r\n[-]etcd failed", true), nr);
	/* decided from the status line alone, before any more bytes */
	CHECK_STR(J("HTTP/1.1 404 ", false), nr);
	CHECK_STR(J("HTTP/1.1 2000 OK\r\n\r\nok", true), "not an HTTP answer");
	CHECK_STR(J("HTTP/1.1 201 Created\r\n\r\nok", true), nr);
}

static void test_malformed(void)
{
	const char *nh = "not an HTTP answer", *nok = "answered 200 without "
						      "\"ok\"";

	CHECK_STR(J("", true), nh);
	CHECK_STR(J("SSH-2.0-OpenSSH\r\n", false), nh);
	CHECK_STR(J("HTTP/2 200\r\n\r\nok", false), nh);
	CHECK_STR(J("HTTP/1.x 200 OK\r\n\r\nok", false), nh);
	CHECK_STR(J("HTTP/1.1 2x0 OK\r\n\r\nok", false), nh);
	/* found by fuzz_probe: a status of 000 was taken for "not yet" */
	CHECK_STR(J("HTTP/1.1 000 OK\r\n\r\nok", true), nh);
	CHECK_STR(J("HTTP/1.1 099 OK\r\n\r\nok", true), nh);
	CHECK_STR(J("http/1.1 200 OK\r\n\r\nok", false), nh);
	CHECK_STR(J("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nok", false),
		  nh);
	CHECK_STR(J("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
		    "Content-Length: 3\r\n\r\nok",
		    false),
		  nh);
	CHECK_STR(J("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok", false),
		  nh);
	CHECK_STR(J("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\nok",
		    false),
		  nh);
	/* a NUL is a byte like any other, not the end of the answer */
	CHECK_STR(judge("HTTP/1.1 200 OK\r\n\r\nok\0", 22, true), nok);
	CHECK_STR(judge("HTTP/1.1 200 OK\r\nX: \0\r\n\r\nok", 27, true), UP);
	CHECK_STR(J("HTTP/1.1 200 OK\r\n\r\nko", false), nok);
	CHECK_STR(J("HTTP/1.1 200 OK\r\n\r\nokay", false), nok);
	CHECK_STR(J("HTTP/1.1 200 OK\r\n\r\n", true), nok);
	CHECK_STR(J("HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n", false),
		  nok);
	CHECK_STR(J("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nok", false),
		  nok);
	CHECK_STR(J("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "2\r\nok\r\n0\r\n\r\n",
		    true),
		  nok);
}

static void test_truncated(void)
{
	CHECK_STR(J("HTTP/1.1 200 OK\r\nContent-Len", true),
		  "truncated answer");
	CHECK_STR(J("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no", true),
		  "truncated answer");
	CHECK_STR(J("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no", false),
		  "(pending)");
	CHECK_STR(J("HTTP/1.1 20", true), "not an HTTP answer");
	CHECK_STR(J("HTTP/1.1 200 OK\r\n\r\nok\r\n", false), "(pending)");
}

/* Headers that fill the buffer: judged when it is full, never waiting. */
static void test_full_buffer(void)
{
	struct bb_probe_reply r;
	char big[BB_PROBE_REPLY_MAX + 100];
	size_t n;

	start(&r, BB_PROBE_HTTP);
	memset(big, 'x', sizeof(big));
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	n = bb_probe_reply_input(&r, (const uint8_t *)big, sizeof(big));
	CHECK_EQ(n, BB_PROBE_REPLY_MAX);
	CHECK(bb_probe_reply_done(&r));
	CHECK_STR(r.why, "truncated answer");
	CHECK_EQ(bb_probe_reply_room(&r), 0);
	CHECK_EQ(bb_probe_reply_input(&r, (const uint8_t *)"x", 1), 0);
	/* a body of "ok" and line ends up to the limit is still "ok" */
	start(&r, BB_PROBE_HTTP);
	memset(big, '\n', sizeof(big));
	memcpy(big, "HTTP/1.1 200 OK\r\n\r\nok", 21);
	bb_probe_reply_input(&r, (const uint8_t *)big, sizeof(big));
	CHECK(bb_probe_reply_done(&r) && r.ok);
}

static void test_tcp_and_stages(void)
{
	struct bb_probe p = {.kind = BB_PROBE_TCP, .port = 50000};
	struct bb_probe_reply r;
	const uint8_t *out;

	CHECK_EQ(bb_probe_reply_init(&r, &p, 1, 0, 0), 0);
	CHECK_EQ(r.deadline_ms, 5000);
	CHECK_EQ(bb_probe_reply_out(&r, &out), 0);
	CHECK_EQ(bb_probe_reply_room(&r), 0);
	bb_probe_reply_connected(&r);
	CHECK(bb_probe_reply_done(&r) && r.ok);
	bb_probe_reply_tick(&r, 999999); /* a verdict never changes */
	CHECK(r.ok);

	/* the handshake step is skipped for http:, required for https: */
	p.kind = BB_PROBE_HTTPS;
	bb_probe_reply_init(&r, &p, 1, 0, 0);
	bb_probe_reply_sent(&r, 5);
	CHECK_EQ(r.req_off, 0);
	bb_probe_reply_connected(&r);
	CHECK_EQ(r.stage, BB_PS_HANDSHAKE);
	CHECK_EQ(bb_probe_reply_out(&r, &out), 0);
	bb_probe_reply_eof(&r);
	CHECK_STR(r.why, "closed during the TLS handshake");

	/* partial sends, then more than was pending */
	p.kind = BB_PROBE_HTTP;
	bb_probe_reply_init(&r, &p, 1, 0, 0);
	bb_probe_reply_connected(&r);
	bb_probe_reply_sent(&r, 3);
	CHECK_EQ(bb_probe_reply_out(&r, &out), r.req_len - 3);
	CHECK(!memcmp(out, " / HTTP", 7));
	bb_probe_reply_sent(&r, 100000);
	CHECK_EQ(r.stage, BB_PS_READING);
}

static void test_path_too_long(void)
{
	struct bb_probe p = {.kind = BB_PROBE_HTTP, .port = 65535};
	struct bb_probe_reply r;

	memset(p.path, 'a', sizeof(p.path) - 1);
	p.path[0] = '/';
	/* the longest path the config takes still makes a request */
	CHECK_EQ(bb_probe_reply_init(&r, &p, 0xffffffffu, 0, 0), 0);
	CHECK(r.req_len < BB_PROBE_REQ_MAX);
}

static const char *timed_out(enum bb_probe_kind kind, int steps)
{
	struct bb_probe p = {.kind = kind, .port = 1};
	static struct bb_probe_reply r;
	const uint8_t *out;

	bb_probe_reply_init(&r, &p, 1, 100, 700);
	if (steps > 0)
		bb_probe_reply_connected(&r);
	if (steps > 1)
		bb_probe_reply_handshaken(&r);
	if (steps > 2)
		bb_probe_reply_sent(&r, bb_probe_reply_out(&r, &out));
	bb_probe_reply_tick(&r, 799);
	CHECK(!bb_probe_reply_done(&r));
	bb_probe_reply_tick(&r, 800);
	CHECK(bb_probe_reply_done(&r) && !r.ok);
	return r.why;
}

static void test_deadline_per_stage(void)
{
	CHECK_STR(timed_out(BB_PROBE_TCP, 0), "connect timed out");
	CHECK_STR(timed_out(BB_PROBE_HTTPS, 1), "TLS handshake timed out");
	CHECK_STR(timed_out(BB_PROBE_HTTPS, 2), "request timed out");
	CHECK_STR(timed_out(BB_PROBE_HTTP, 1), "request timed out");
	CHECK_STR(timed_out(BB_PROBE_HTTPS, 3), "no answer in time");
}

int main(void)
{
	RUN(test_ready);
	RUN(test_not_ready);
	RUN(test_malformed);
	RUN(test_truncated);
	RUN(test_full_buffer);
	RUN(test_tcp_and_stages);
	RUN(test_path_too_long);
	RUN(test_deadline_per_stage);
	return bb_test_done();
}
