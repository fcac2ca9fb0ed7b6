#include "common/err.h"
#include "http/http_parse.h"
#include "tests/unit/test.h"

static long parse(const char *s, struct bb_http_head *h)
{
	size_t n = strlen(s);
	char *g = bb_test_guard(s, n ? n : 1);
	long rc = bb_http_parse_head(g, n, h);

	bb_test_unguard(g, n ? n : 1);
	return rc;
}

static void test_good_and_byte_by_byte(void)
{
	static const char req[] =
	    "GET /ipxe?mac=52-54-00-12-34-56 HTTP/1.1\r\n"
	    "Host: a\r\nRange: bytes=0-9\r\n\r\nGET / HTTP/1.1\r\n";
	struct bb_http_head h;
	size_t head = strstr(req, "\r\n\r\n") + 4 - req, i;

	CHECK_EQ(parse(req, &h), (long)head);
	CHECK_EQ(h.method, BB_HTTP_GET);
	CHECK_EQ(h.nheaders, 2);
	CHECK(h.keep_alive);
	CHECK_EQ(h.target_len, strlen("/ipxe?mac=52-54-00-12-34-56"));
	for (i = 0; i < head; i++) {
		char *g = bb_test_guard(req, i ? i : 1);
		CHECK_EQ(bb_http_parse_head(g, i, &h), BB_EPARTIAL);
		bb_test_unguard(g, i ? i : 1);
	}
	CHECK(parse("GET / HTTP/1.0\r\n\r\n", &h) > 0);
	CHECK(!h.keep_alive);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &h) >
	      0);
	CHECK(h.keep_alive);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
		    &h) > 0);
	CHECK(!h.keep_alive);
	CHECK(
	    parse("POST /api HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
		  &h) > 0);
	CHECK_EQ(h.content_length, 5);
}

static void test_malformed_and_smuggling(void)
{
	static const struct {
		const char *req;
		int status;
	} cases[] = {
	    {"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	     400},
	    {"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
	     400},
	    {"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: "
	     "chunked\r\n\r\n",
	     400},
	    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
	    {"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", 400},
	    {"GET / HTTP/1.1\nHost: a\n\n", 400},
	    {"GET / HTTP/2.0\r\n\r\n", 505},
	    {"GET /\x01 HTTP/1.1\r\n\r\n", 400},
	    {"G(T / HTTP/1.1\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", 400},
	};
	struct bb_http_head h;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long rc = parse(cases[i].req, &h);

		if (rc != BB_EMALFORMED || h.status != cases[i].status)
			fprintf(stderr, "  case %zu: rc %ld status %d\n", i, rc,
				h.status);
		CHECK_EQ(rc, BB_EMALFORMED);
		CHECK_EQ(h.status, cases[i].status);
	}
}

static void test_limits(void)
{
	static char big[20000];
	struct bb_http_head h;
	size_t i;

	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', 9000);
	CHECK_EQ(parse(big, &h), BB_EMALFORMED);
	CHECK_EQ(h.status, 414);
	memset(big, 0, sizeof(big));
	strcpy(big, "GET / HTTP/1.1\r\n");
	for (i = 0; strlen(big) < 17000; i++)
		strcat(big, "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
	CHECK_EQ(parse(big, &h), BB_EMALFORMED);
	CHECK_EQ(h.status, 431);
	memset(big, 0, sizeof(big));
	strcpy(big, "GET / HTTP/1.1\r\n");
	for (i = 0; i < 60; i++)
		strcat(big, "X: a\r\n");
	strcat(big, "\r\n");
	CHECK_EQ(parse(big, &h), BB_EMALFORMED);
	CHECK_EQ(h.status, 431);
}

/* issue 11 finding 13: Host required on 1.1, Connection as a token list,
 * methods case-sensitive */
static void test_conformance(void)
{
	struct bb_http_head h;

	CHECK_EQ(parse("GET / HTTP/1.1\r\n\r\n", &h), BB_EMALFORMED);
	CHECK_EQ(h.status, 400);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &h),
		 BB_EMALFORMED);
	CHECK(parse("GET / HTTP/1.0\r\n\r\n", &h) > 0);
	CHECK(
	    parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close, foo\r\n\r\n",
		  &h) > 0);
	CHECK(!h.keep_alive);
	CHECK(
	    parse(
		"GET / HTTP/1.1\r\nHost: a\r\nConnection: foo,  Close \r\n\r\n",
		&h) > 0);
	CHECK(!h.keep_alive);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n",
		    &h) > 0);
	CHECK(h.keep_alive);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: te, keep-alive\r\n\r\n",
		    &h) > 0);
	CHECK(h.keep_alive);
	CHECK_EQ(parse("get / HTTP/1.1\r\nHost: a\r\n\r\n", &h), BB_EMALFORMED);
	CHECK_EQ(h.status, 400);
	CHECK_EQ(parse("Post / HTTP/1.1\r\nHost: a\r\n\r\n", &h),
		 BB_EMALFORMED);
	CHECK(parse("PATCH / HTTP/1.1\r\nHost: a\r\n\r\n", &h) > 0);
	CHECK_EQ(h.method, BB_HTTP_OTHER);
}

static void test_normalize(void)
{
	static const struct {
		const char *in, *out;
		int rc;
	} cases[] = {
	    {"/assets/a", "/assets/a", 0},
	    {"/assets//a/./b", "/assets/a/b", 0},
	    {"/assets/x/../a", "/assets/a", 0},
	    {"/%61ssets/a%20b", "/assets/a b", 0},
	    {"/assets/%2e%2e/%2e%2e/etc/passwd", NULL, 400},
	    {"/../etc/passwd", NULL, 400},
	    {"/assets/../../x", NULL, 400},
	    {"/a%2fb", NULL, 400},
	    {"/a%00b", NULL, 400},
	    {"/a%zz", NULL, 400},
	    {"*", NULL, 400},
	    {"http://x/y", NULL, 400},
	};
	char path[64];
	const char *q;
	size_t ql, i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = bb_http_normalize(cases[i].in, strlen(cases[i].in),
					   path, sizeof(path), &q, &ql);
		CHECK_EQ(rc, cases[i].rc);
		if (!rc && cases[i].out)
			CHECK_STR(path, cases[i].out);
	}
	CHECK_EQ(bb_http_normalize("/x?a=b", 6, path, sizeof(path), &q, &ql),
		 0);
	CHECK_EQ(ql, 3);
	CHECK(!memcmp(q, "a=b", 3));
}

static void test_range_and_etag(void)
{
	uint64_t a, b;

	CHECK_EQ(bb_http_range("bytes=0-9", 9, 100, &a, &b), 1);
	CHECK_EQ(b, 9);
	CHECK_EQ(bb_http_range("bytes=90-", 9, 100, &a, &b), 1);
	CHECK_EQ(a, 90);
	CHECK_EQ(b, 99);
	CHECK_EQ(bb_http_range("bytes=-10", 9, 100, &a, &b), 1);
	CHECK_EQ(a, 90);
	CHECK_EQ(bb_http_range("bytes=50-500", 12, 100, &a, &b), 1);
	CHECK_EQ(b, 99);
	CHECK_EQ(bb_http_range("bytes=100-", 10, 100, &a, &b), -1);
	CHECK_EQ(bb_http_range("bytes=0-1,5-6", 13, 100, &a, &b), 0);
	CHECK_EQ(bb_http_range("bytes=9-1", 9, 100, &a, &b), 0);
	CHECK_EQ(bb_http_range("items=0-1", 9, 100, &a, &b), 0);
	CHECK(bb_http_etag_match("\"a\", W/\"b\"", 10, "\"b\""));
	CHECK(bb_http_etag_match("*", 1, "\"b\""));
	CHECK(!bb_http_etag_match("\"a\"", 3, "\"b\""));
}

int main(void)
{
	RUN(test_good_and_byte_by_byte);
	RUN(test_malformed_and_smuggling);
	RUN(test_limits);
	RUN(test_conformance);
	RUN(test_normalize);
	RUN(test_range_and_etag);
	return bb_test_done();
}
