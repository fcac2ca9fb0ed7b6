#include "cache/upstream.h"
#include "common/err.h"
#include "tests/unit/test.h"

#define S(x) x, sizeof(x) - 1

static void test_url(void)
{
	struct bb_url u, r;

	CHECK_EQ(
	    bb_url_parse(S("https://factory.talos.dev/image/x/v1/kernel-amd64"),
			 &u),
	    0);
	CHECK(u.tls);
	CHECK_STR(u.host, "factory.talos.dev");
	CHECK_EQ(u.port, 443);
	CHECK_STR(u.path, "/image/x/v1/kernel-amd64");
	CHECK_EQ(bb_url_parse(S("http://127.0.0.1:8443"), &u), 0);
	CHECK(!u.tls);
	CHECK_EQ(u.port, 8443);
	CHECK_STR(u.path, "/");
	CHECK_EQ(bb_url_parse(S("http://h?x=1"), &u), 0);
	CHECK_STR(u.path, "/?x=1");
	CHECK_EQ(bb_url_parse(S("ftp://h/"), &u), BB_EMALFORMED);
	CHECK_EQ(bb_url_parse(S("https://"), &u), BB_EMALFORMED);
	CHECK_EQ(bb_url_parse(S("https://h:0/"), &u), BB_EMALFORMED);
	CHECK_EQ(bb_url_parse(S("https://h:70000/"), &u), BB_EMALFORMED);
	CHECK_EQ(bb_url_parse(S("https://[::1]/"), &u), BB_EMALFORMED);
	CHECK_EQ(bb_url_parse(S("https://h/a b"), &u), BB_EMALFORMED);
	CHECK_EQ(bb_url_parse(S("https://h/a\r\nX: y"), &u), BB_EMALFORMED);
	CHECK_EQ(bb_url_parse(S("https://user@h/"), &u), BB_EMALFORMED);
	CHECK_EQ(bb_url_parse(S("https://h/a"), &u), 0);
	CHECK_EQ(bb_url_resolve(&u, S("/b?c"), &r), 0);
	CHECK_STR(r.host, "h");
	CHECK_STR(r.path, "/b?c");
	CHECK_EQ(bb_url_resolve(&u, S("http://other:81/z"), &r), 0);
	CHECK(!r.tls);
	CHECK_STR(r.host, "other");
	CHECK_EQ(bb_url_resolve(&u, S("//evil/x"), &r), BB_EMALFORMED);
}

static void test_reply(void)
{
	struct bb_upstream_reply r;
	static const char ok[] =
	    "HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\n"
	    "Content-Range: bytes 100-109/200\r\nConnection: close\r\n\r\nBODY";
	static const char redir[] =
	    "HTTP/1.1 302 Found\r\nLocation:  https://cdn/x \r\n"
	    "Content-Length: 0\r\n\r\n";
	const char *bad[] = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	    ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: "
	     "chunked\r\n\r\n"),
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n folded\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n: empty\r\n\r\n",
	    "HTTP/1.1 2x0 OK\r\n\r\n",
	    "HTTP/2 200\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
	    "HTTP/1.1 206 OK\r\nContent-Range: bytes 9-5/10\r\n\r\n",
	    "HTTP/1.1 206 OK\r\nContent-Range: bytes 0-10/10\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
	};
	size_t i;
	long n;

	n = bb_upstream_reply_parse(S(ok), &r);
	CHECK_EQ(n, (long)sizeof(ok) - 1 - 4);
	CHECK_EQ(r.status, 206);
	CHECK_EQ(r.content_length, 10);
	CHECK(r.has_range);
	CHECK_EQ(r.range_start, 100);
	CHECK_EQ(r.range_total, 200);
	CHECK(r.close);
	CHECK(bb_upstream_reply_parse(S(redir), &r) > 0);
	CHECK_STR(r.location, "https://cdn/x");
	/* every proper prefix of the head is incomplete, never an error */
	for (i = 0; i < sizeof(ok) - 1 - 4; i++) {
		char *g = bb_test_guard(ok, i ? i : 1);
		CHECK_EQ(bb_upstream_reply_parse(g, i, &r), BB_EPARTIAL);
		bb_test_unguard(g, i ? i : 1);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t l = strlen(bad[i]);
		char *g = bb_test_guard(bad[i], l);

		if (bb_upstream_reply_parse(g, l, &r) != BB_EMALFORMED)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK_EQ(bb_upstream_reply_parse(g, l, &r), BB_EMALFORMED);
		bb_test_unguard(g, l);
	}
}

static void test_chunked(void)
{
	static const char enc[] = "4\r\nWiki\r\n5;ext=abc\r\npedia\r\nE\r\n "
				  "in\r\n\r\nchunks.\r\n0\r\n\r\n";
	char out[64];
	size_t step, o, i;

	/* fed in slices of every size, the payload is the same */
	for (step = 1; step < sizeof(enc); step++) {
		struct bb_chunked c = {0};
		uint8_t buf[sizeof(enc)];

		memcpy(buf, enc, sizeof(enc));
		o = 0;
		for (i = 0; i < sizeof(enc) - 1; i += step) {
			size_t n = sizeof(enc) - 1 - i < step
				       ? sizeof(enc) - 1 - i
				       : step,
			       got;

			CHECK_EQ(bb_chunked_decode(&c, buf + i, n, &got), 0);
			memcpy(out + o, buf + i, got);
			o += got;
		}
		out[o] = 0;
		CHECK_STR(out, "Wikipedia in\r\n\r\nchunks.");
		CHECK(c.done);
	}
	{
		const char *bad[] = {"x\r\n",	    "\r\n",
				     "4\r\nWikiXX", "0\r\nTrailer: x\r\n\r\n",
				     "4\nWiki",	    "fffffffffffffffff\r\n"};
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct bb_chunked c = {0};
			uint8_t buf[64];
			size_t got;

			memcpy(buf, bad[i], strlen(bad[i]));
			CHECK_EQ(
			    bb_chunked_decode(&c, buf, strlen(bad[i]), &got),
			    BB_EMALFORMED);
		}
	}
}

int main(void)
{
	RUN(test_url);
	RUN(test_reply);
	RUN(test_chunked);
	return bb_test_done();
}
