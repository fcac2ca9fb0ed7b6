/* The HTTP connection engine (services/http/http_conn.c): bodies around
 * the buffer's sizes, whole and split; pipelining; limits; the absolute
 * header deadline; drain after an error; keep-alive and close; reclaim
 * ranks. Regressions for issue 11 findings 1, 4 and 13. */
#include "common/err.h"
#include "tests/unit/http_conn_drive.h"
#include "tests/unit/test.h"

#define MAX_BODY (1u << 20)

static uint32_t rng = 12345;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static struct drive d;

static char *post(size_t blen, size_t *len)
{
	char head[200];
	int hl = snprintf(head, sizeof(head),
			  "POST /api/v1/x HTTP/1.1\r\nHost: a\r\n"
			  "Content-Length: %zu\r\n\r\n",
			  blen);
	char *m = malloc((size_t)hl + blen + 1);
	size_t i;

	memcpy(m, head, (size_t)hl);
	for (i = 0; i < blen; i++)
		m[hl + i] = (char)('a' + i % 23);
	*len = (size_t)hl + blen;
	return m;
}

static uint32_t sum_of(size_t blen)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i < blen; i++)
		s = s * 31 + (uint8_t)('a' + i % 23);
	return s;
}

/* Finding 1: a body that makes the buffer grow while the head is parsed
 * (Content-Length: 17000) must reach the handler intact; ASan catches any
 * read through a pointer into the old buffer. */
static void test_uaf_17000(void)
{
	size_t len;
	char *m = post(17000, &len);

	drive_init(&d, MAX_BODY, 10000, 60000);
	drive_feed(&d, m, len, 0);
	CHECK_EQ(d.answered, 1);
	CHECK_STR(d.last_target, "/api/v1/x");
	CHECK_EQ(d.last_body, 17000);
	CHECK_EQ(d.last_sum, sum_of(17000));
	CHECK_EQ(d.c.st, BB_HC_IDLE);
	CHECK(d.c.in == NULL); /* idle holds no buffer */
	bb_http_conn_free(&d.c);
	free(m);
}

static void test_body_sizes(void)
{
	static const size_t sizes[] = {
	    0,	   1,	   16383,	 16384,	   16385,
	    65536, 100000, MAX_BODY - 1, MAX_BODY, MAX_BODY + 1};
	size_t i, len, split;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *m = post(sizes[i], &len);

		for (split = 0; split < 3; split++) {
			size_t chunk = split == 0   ? 0
				       : split == 1 ? 1 + rnd() % 7000
						    : 1 + rnd() % 97;

			drive_init(&d, MAX_BODY, 10000, 60000);
			if (split == 2 && sizes[i] > 100000)
				chunk = 4096 + rnd() % 9000; /* keep it quick */
			drive_feed(&d, m, len, chunk);
			if (sizes[i] > MAX_BODY) {
				CHECK_EQ(d.answered, 0);
				CHECK_EQ(d.last_error, 413);
				CHECK(!memcmp(d.wire, "HTTP/1.1 413", 12));
			} else {
				CHECK_EQ(d.answered, 1);
				CHECK_EQ(d.last_body, sizes[i]);
				CHECK_EQ(d.last_sum, sum_of(sizes[i]));
				CHECK(!memcmp(d.wire, "HTTP/1.1 200", 12));
			}
			bb_http_conn_free(&d.c);
		}
		free(m);
	}
}

static void test_pipelined_5000(void)
{
	static const char one[] = "GET /n HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t n = 5000, len = n * (sizeof(one) - 1), off = 0, i;
	char *m = malloc(len);

	for (i = 0; i < n; i++)
		memcpy(m + i * (sizeof(one) - 1), one, sizeof(one) - 1);
	drive_init(&d, MAX_BODY, 10000, 60000);
	while (off < len) {
		size_t k = 1 + rnd() % 3000;

		if (k > len - off)
			k = len - off;
		drive_feed(&d, m + off, k, 0);
		off += k;
	}
	CHECK_EQ(d.answered, 5000);
	CHECK_EQ(d.errors, 0);
	CHECK_EQ(d.c.st, BB_HC_IDLE);
	bb_http_conn_free(&d.c);
	free(m);
}

/* Finding 4: one byte a second never moves the header deadline. */
static void test_slowloris(void)
{
	static const char req[] = "GET /slow HTTP/1.1\r\nHost: slow\r\n";
	size_t i;

	drive_init(&d, MAX_BODY, 2000, 60000);
	for (i = 0; i < sizeof(req) - 1; i++) {
		bb_http_conn_tick(&d.c, d.now);
		if (d.c.st != BB_HC_HEAD && d.c.st != BB_HC_IDLE)
			break;
		drive_feed(&d, req + i, 1, 1);
		d.now += 1000;
	}
	drive_run(&d);
	CHECK_EQ(d.last_error, 408);
	CHECK_EQ(d.answered, 0);
	CHECK(d.now <= 3000);
	CHECK(!memcmp(d.wire, "HTTP/1.1 408", 12));
	CHECK(strstr(d.wire, "Connection: close\r\n") != NULL);
	/* then a half-close and a bounded drain */
	CHECK_EQ(d.c.st, BB_HC_DRAIN);
	CHECK(d.c.shut);
	drive_feed(&d, "more", 4, 0);
	CHECK_EQ(d.c.st, BB_HC_DRAIN);
	bb_http_conn_tick(&d.c, d.now + 999);
	CHECK_EQ(d.c.st, BB_HC_DRAIN);
	bb_http_conn_tick(&d.c, d.now + 1000);
	CHECK_EQ(d.c.st, BB_HC_DEAD);
	bb_http_conn_free(&d.c);
}

/* A slow body has its own absolute bound; an idle keep-alive times out
 * silently. */
static void test_timeouts(void)
{
	static const char req[] = "POST /b HTTP/1.1\r\nHost: a\r\n"
				  "Content-Length: 5\r\n\r\nab";

	drive_init(&d, MAX_BODY, 2000, 5000);
	bb_http_conn_tick(&d.c, 4999);
	CHECK_EQ(d.c.st, BB_HC_IDLE);
	bb_http_conn_tick(&d.c, 5000);
	CHECK_EQ(d.c.st, BB_HC_DEAD);
	bb_http_conn_free(&d.c);

	drive_init(&d, MAX_BODY, 2000, 5000);
	d.now = 100;
	drive_feed(&d, req, sizeof(req) - 1, 0);
	CHECK_EQ(d.c.st, BB_HC_BODY);
	d.now = 4000;
	drive_feed(&d, "c", 1, 0);
	bb_http_conn_tick(&d.c, 5100);
	drive_run(&d);
	CHECK_EQ(d.last_error, 408);
	bb_http_conn_free(&d.c);
}

/* Finding 13 at the connection: errors close (after a drain), Connection
 * tokens and HTTP/1.0 close after the answer, keep-alive goes on. */
static void test_close_and_keepalive(void)
{
	static const struct {
		const char *req;
		unsigned answered, error;
		enum bb_http_conn_state st;
	} cases[] = {
	    {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1, 0, BB_HC_IDLE},
	    {"GET / HTTP/1.1\r\n\r\n", 0, 400, BB_HC_DRAIN},
	    {"get / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400, BB_HC_DRAIN},
	    {"GET / HTTP/1.1\r\nHost: a\r\nConnection: close, foo\r\n\r\n", 1,
	     0, BB_HC_DEAD},
	    {"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n", 1, 0, BB_HC_DRAIN},
	    {"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\n\r\n", 1, 400,
	     BB_HC_DRAIN},
	    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	     "\r\n",
	     0, 501, BB_HC_DRAIN},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		drive_init(&d, MAX_BODY, 2000, 5000);
		drive_feed(&d, cases[i].req, strlen(cases[i].req), 0);
		CHECK_EQ(d.answered, cases[i].answered);
		CHECK_EQ(d.last_error, cases[i].error);
		CHECK_EQ(d.c.st, cases[i].st);
		bb_http_conn_free(&d.c);
	}
}

/* A head over 16 KiB: 431 and a drain, and no read past the limit. */
static void test_431_drain(void)
{
	char big[20000];
	size_t n;

	strcpy(big, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (n = strlen(big); n + 10 < sizeof(big); n += 9)
		memcpy(big + n, "X-A: bb\r\n", 9);
	drive_init(&d, MAX_BODY, 2000, 5000);
	drive_feed(&d, big, n, 1000);
	CHECK_EQ(d.last_error, 431);
	CHECK(!memcmp(d.wire, "HTTP/1.1 431", 12));
	CHECK_EQ(d.c.st, BB_HC_DRAIN);
	bb_http_conn_free(&d.c);
}

/* The head's buffer grows with the head, from 1 KiB: a short request
 * needs no more, and a 12 KiB head (in reads of as much as fits, or a byte
 * at a time) still parses whole (the 16 KiB limit: test_431_drain). */
static void test_head_buffer_grows(void)
{
	static const char short_req[] = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n";
	char big[13000];
	size_t n, chunk;

	drive_init(&d, MAX_BODY, 2000, 5000);
	n = 0;
	CHECK(bb_http_conn_rspace(&d.c, &n) != NULL);
	CHECK_EQ(n, 1024);
	drive_feed(&d, short_req, strlen(short_req), 0);
	CHECK_EQ(d.answered, 1);
	bb_http_conn_free(&d.c);
	for (chunk = 0; chunk <= 1; chunk++) {
		strcpy(big, "GET /b HTTP/1.1\r\nHost: a\r\n");
		for (n = strlen(big); n < 12000; n += 3002) {
			memcpy(big + n, "X-L: ", 5);
			memset(big + n + 5, 'v', 2995);
			memcpy(big + n + 3000, "\r\n", 2);
		}
		memcpy(big + n, "\r\n", 2);
		n += 2;
		drive_init(&d, MAX_BODY, 2000, 5000);
		drive_feed(&d, big, n, chunk);
		CHECK_EQ(d.errors, 0);
		CHECK_EQ(d.answered, 1);
		CHECK(!strcmp(d.last_target, "/b"));
		bb_http_conn_free(&d.c);
	}
}

static size_t tiny_writes(void *arg, size_t want)
{
	(void)arg;
	(void)want;
	return 1 + rnd() % 5;
}

/* Partial writes: the answer goes out whole, in order, then the next. */
static void test_partial_writes(void)
{
	static const char req[] = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
				  "HEAD /b HTTP/1.1\r\nHost: a\r\n\r\n"
				  "GET /c HTTP/1.1\r\nHost: a\r\n\r\n";

	drive_init(&d, MAX_BODY, 2000, 5000);
	d.write_size = tiny_writes;
	drive_feed(&d, req, sizeof(req) - 1, 0);
	CHECK_EQ(d.answered, 3);
	d.wire[d.wire_len] = 0;
	CHECK(strstr(d.wire, "/a 0 0\n") != NULL);
	CHECK(strstr(d.wire, "/b 0 0\n") == NULL); /* HEAD: no body */
	CHECK(strstr(d.wire, "/c 0 0\n") != NULL);
	CHECK(strstr(d.wire, "/a 0 0\n") < strstr(d.wire, "/c 0 0\n"));
	/* three heads + two bodies + the file range of the second */
	CHECK_EQ(d.wire_total - d.wire_len, 3);
	bb_http_conn_free(&d.c);
}

static void test_reclaim_rank(void)
{
	drive_init(&d, MAX_BODY, 2000, 5000);
	CHECK_EQ(bb_http_conn_reclaim_rank(&d.c), 2);
	drive_feed(&d, "GET", 3, 0);
	CHECK_EQ(bb_http_conn_reclaim_rank(&d.c), 1);
	drive_feed(
	    &d, " / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n",
	    strlen(" / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n"), 0);
	CHECK_EQ(bb_http_conn_reclaim_rank(&d.c), 0);
	bb_http_conn_received(&d.c, 0, d.now); /* the peer left */
	CHECK_EQ(d.c.st, BB_HC_DEAD);
	bb_http_conn_free(&d.c);
}

int main(void)
{
	RUN(test_uaf_17000);
	RUN(test_body_sizes);
	RUN(test_pipelined_5000);
	RUN(test_slowloris);
	RUN(test_timeouts);
	RUN(test_close_and_keepalive);
	RUN(test_431_drain);
	RUN(test_head_buffer_grows);
	RUN(test_partial_writes);
	RUN(test_reclaim_rank);
	return bb_test_done();
}
