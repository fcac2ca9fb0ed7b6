/* The fetch machine (services/cache/fetch_machine.c) against scripted
 * servers with a fake clock: whole fetches in one read and byte by byte,
 * and one case for each way a server, a proxy or a redirect can be wrong. */
#include "tests/unit/fetch_drive.h"
#include "tests/unit/test.h"

#define URL   "https://factory.example/image/k"
#define BODY  "0123456789abcdefghij" /* 20 bytes */
#define OK200 "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n" BODY

static struct fdrive d;

static enum bb_fetchm_act one(const char *url, const char *reply,
			      size_t read_size)
{
	fd_init(&d);
	d.read_size = read_size;
	fd_script(&d, 0, 0, reply);
	CHECK_EQ(fd_start(&d, url, NULL, 0), 0);
	return fd_run(&d, 100000);
}

static void check_fail(enum bb_fetchm_act a, int err, const char *msg_part)
{
	CHECK_EQ(a, BB_FM_FAIL);
	CHECK_EQ(d.m.err, err);
	CHECK(strstr(d.m.msg, msg_part) != NULL);
	if (!strstr(d.m.msg, msg_part))
		fprintf(stderr, "  msg: %s\n", d.m.msg);
	CHECK_EQ(d.bad, 0);
}

static void whole_200(void)
{
	size_t rs;

	for (rs = 0; rs < 8; rs++) {
		CHECK_EQ(one(URL, OK200, rs), BB_FM_DONE);
		CHECK_EQ(d.m.have, 20);
		CHECK(!memcmp(d.file, BODY, 20));
		CHECK_STR(d.dialed[0], "factory.example:443 tls");
		CHECK(!strncmp(d.sent[0][0], "GET /image/k HTTP/1.1\r\n", 23));
		CHECK(strstr(d.sent[0][0], "Host: factory.example\r\n"));
		CHECK(!strstr(d.sent[0][0], "Range:"));
		CHECK_EQ(d.bad, 0);
	}
}

static void split_writes_and_takes(void)
{
	fd_init(&d);
	d.write_size = 3;
	d.take_size = 1;
	d.read_size = 5;
	fd_script(&d, 0, 0, OK200);
	CHECK_EQ(fd_start(&d, "http://h:8080/k", NULL, 0), 0);
	CHECK_EQ(fd_run(&d, 100000), BB_FM_DONE);
	CHECK_STR(d.dialed[0], "h:8080");
	CHECK(!memcmp(d.file, BODY, 20));
	CHECK(strstr(d.sent[0][0], "Connection: close\r\n\r\n"));
}

static void chunked_byte_by_byte(void)
{
	CHECK_EQ(one(URL,
		     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "a\r\n0123456789\r\na;ext=1\r\nabcdefghij\r\n0\r\n\r\n",
		     1),
		 BB_FM_DONE);
	CHECK_EQ(d.m.have, 20);
	CHECK(!memcmp(d.file, BODY, 20));
}

static void close_delimited(void)
{
	CHECK_EQ(one(URL, "HTTP/1.0 200 OK\r\n\r\n" BODY, 7), BB_FM_DONE);
	CHECK_EQ(d.m.have, 20);
	CHECK_EQ(d.m.total, 0);
}

static void truncated_head(void)
{
	check_fail(one(URL, "HTTP/1.1 200 OK\r\nContent-Le", 4), BB_EIO,
		   "connection cut at 0 of 0");
	CHECK(!d.m.resumable);
}

static void head_too_long(void)
{
	static char big[20000];

	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(big + 20, 'a', sizeof(big) - 21);
	check_fail(one(URL, big, 0), BB_EMALFORMED, "malformed HTTP answer");
}

static void bad_status_line(void)
{
	check_fail(one(URL, "HTTP/2 200\r\n\r\n", 0), BB_EMALFORMED,
		   "malformed");
	check_fail(one(URL, "HTTP/1.1 2x0 OK\r\n\r\n", 0), BB_EMALFORMED,
		   "malformed");
}

static void bad_content_range(void)
{
	const char *bad[] = {
	    "HTTP/1.1 206 P\r\nContent-Range: bytes 5-2/10\r\n\r\n",
	    "HTTP/1.1 206 P\r\nContent-Range: bytes 0-10/10\r\n\r\n",
	    "HTTP/1.1 206 P\r\nContent-Range: items 0-1/10\r\n\r\n",
	    "HTTP/1.1 206 P\r\nContent-Range: bytes 0-/10\r\n\r\n",
	    "HTTP/1.1 206 P\r\nContent-Range: bytes 0-1\r\n\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_fail(one(URL, bad[i], 0), BB_EMALFORMED, "malformed");
}

static void conflicting_lengths(void)
{
	check_fail(one(URL,
		       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
		       "Content-Length: 4\r\n\r\nabcd",
		       0),
		   BB_EMALFORMED, "malformed");
	check_fail(one(URL,
		       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
		       "Transfer-Encoding: chunked\r\n\r\n",
		       0),
		   BB_EMALFORMED, "malformed");
	check_fail(
	    one(URL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0),
	    BB_EMALFORMED, "malformed");
}

static void resume_206(void)
{
	fd_init(&d);
	fd_script(&d, 0, 0,
		  "HTTP/1.1 206 Partial\r\nContent-Range: bytes 10-19/20\r\n"
		  "Content-Length: 10\r\n\r\nabcdefghij");
	CHECK_EQ(fd_start(&d, URL, NULL, 10), 0);
	CHECK_EQ(fd_run(&d, 1000), BB_FM_DONE);
	CHECK(strstr(d.sent[0][0], "Range: bytes=10-\r\n"));
	CHECK_EQ(d.m.have, 20);
	CHECK(!memcmp(d.file + 10, "abcdefghij", 10));
	CHECK_EQ(d.restarts, 0);
	CHECK_EQ(d.bad, 0);
}

static void resume_206_wrong_start(void)
{
	fd_init(&d);
	fd_script(&d, 0, 0,
		  "HTTP/1.1 206 Partial\r\nContent-Range: bytes 0-19/20\r\n"
		  "\r\n" BODY);
	CHECK_EQ(fd_start(&d, URL, NULL, 10), 0);
	check_fail(fd_run(&d, 1000), BB_EMALFORMED,
		   "answered a range we did not ask");
	/* and a 206 with no Content-Range at all */
	fd_init(&d);
	fd_script(&d, 0, 0, "HTTP/1.1 206 Partial\r\n\r\n" BODY);
	CHECK_EQ(fd_start(&d, URL, NULL, 10), 0);
	check_fail(fd_run(&d, 1000), BB_EMALFORMED, "range we did not ask");
}

static void resume_ignored_200_restarts(void)
{
	fd_init(&d);
	fd_script(&d, 0, 0, OK200);
	CHECK_EQ(fd_start(&d, URL, NULL, 7), 0);
	CHECK_EQ(fd_run(&d, 1000), BB_FM_DONE);
	CHECK_EQ(d.restarts, 1);
	CHECK_EQ(d.m.have, 20);
	CHECK(!memcmp(d.file, BODY, 20));
	CHECK_EQ(d.bad, 0);
}

static void resume_416(void)
{
	fd_init(&d);
	fd_script(&d, 0, 0,
		  "HTTP/1.1 416 Range Not Satisfiable\r\n"
		  "Content-Range: bytes */20\r\n\r\n");
	CHECK_EQ(fd_start(&d, URL, NULL, 20), 0);
	/* an unsatisfied-range form we do not parse: malformed, final */
	CHECK_EQ(fd_run(&d, 1000), BB_FM_FAIL);
	CHECK(!d.m.resumable);
	fd_init(&d);
	fd_script(&d, 0, 0, "HTTP/1.1 416 No\r\nContent-Length: 0\r\n\r\n");
	CHECK_EQ(fd_start(&d, URL, NULL, 20), 0);
	check_fail(fd_run(&d, 1000), BB_EIO, "HTTP 416 for /image/k");
	CHECK(!d.m.resumable);
}

static void not_found_and_errors(void)
{
	check_fail(one(URL, "HTTP/1.1 404 Not Found\r\n\r\n", 0), BB_ENOENT,
		   "factory.example: HTTP 404 for /image/k");
	check_fail(one(URL, "HTTP/1.1 500 Oops\r\n\r\n", 0), BB_EIO,
		   "HTTP 500");
	check_fail(one(URL, "HTTP/1.1 302 Found\r\n\r\n", 0), BB_EIO,
		   "HTTP 302"); /* a redirect with no Location */
	CHECK_EQ(d.m.status, 302);
}

static void redirects_followed(void)
{
	fd_init(&d);
	fd_script(&d, 0, 0, "HTTP/1.1 302 F\r\nLocation: /other?x=1\r\n\r\n");
	fd_script(&d, 1, 0,
		  "HTTP/1.1 301 M\r\nLocation: https://cdn.example:8443/k"
		  "\r\nContent-Length: 4\r\n\r\nxxxx");
	fd_script(&d, 2, 0, OK200);
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	CHECK_EQ(fd_run(&d, 1000), BB_FM_DONE);
	CHECK_EQ(d.conns, 3);
	CHECK_STR(d.dialed[1], "factory.example:443 tls");
	CHECK(!strncmp(d.sent[1][0], "GET /other?x=1 HTTP/1.1", 23));
	CHECK_STR(d.dialed[2], "cdn.example:8443 tls");
	CHECK(strstr(d.sent[2][0], "Host: cdn.example\r\n"));
	CHECK(!memcmp(d.file, BODY, 20));
	CHECK_EQ(d.bad, 0);
}

static void redirect_loop(void)
{
	int i;

	fd_init(&d);
	for (i = 0; i < FD_CONNS; i++)
		fd_script(&d, i, 0, "HTTP/1.1 302 F\r\nLocation: /k\r\n\r\n");
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	check_fail(fd_run(&d, 10000), BB_EIO, "too many redirects");
	CHECK_EQ(d.conns, 6); /* the first, and 5 redirects */
	fd_init(&d);
	d.cfg.max_redirects = -1;
	for (i = 0; i < FD_CONNS; i++)
		fd_script(&d, i, 0, "HTTP/1.1 302 F\r\nLocation: /k\r\n\r\n");
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	check_fail(fd_run(&d, 10000), BB_EIO, "too many redirects");
	CHECK_EQ(d.conns, 1);
}

static void redirect_other_scheme(void)
{
	check_fail(
	    one(URL, "HTTP/1.1 302 F\r\nLocation: http://h/k\r\n\r\n", 0),
	    BB_EACCES, "refused redirect to 'http://h/k'");
	check_fail(one(URL, "HTTP/1.1 302 F\r\nLocation: ftp://h/k\r\n\r\n", 0),
		   BB_EACCES, "refused redirect to 'ftp://h/k'");
	check_fail(one(URL, "HTTP/1.1 302 F\r\nLocation: //h/k\r\n\r\n", 0),
		   BB_EACCES, "refused redirect");
	check_fail(one(URL, "HTTP/1.1 302 F\r\nLocation: /a b\r\n\r\n", 0),
		   BB_EACCES, "refused redirect");
	/* http may go to https */
	fd_init(&d);
	fd_script(&d, 0, 0, "HTTP/1.1 302 F\r\nLocation: https://s/k\r\n\r\n");
	fd_script(&d, 1, 0, OK200);
	CHECK_EQ(fd_start(&d, "http://h/k", NULL, 0), 0);
	CHECK_EQ(fd_run(&d, 1000), BB_FM_DONE);
	CHECK_STR(d.dialed[1], "s:443 tls");
}

static void chunk_size_overflow(void)
{
	check_fail(one(URL,
		       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "1000000000000000\r\n",
		       3),
		   BB_EMALFORMED, "bad chunked encoding");
	check_fail(one(URL,
		       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "3\r\nabcX\r\n",
		       0),
		   BB_EMALFORMED, "bad chunked encoding");
	check_fail(one(URL,
		       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "0\r\nTrailer: x\r\n\r\n",
		       0),
		   BB_EMALFORMED, "bad chunked encoding");
}

static void chunked_cut(void)
{
	check_fail(one(URL,
		       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "a\r\n01234",
		       0),
		   BB_EIO, "connection cut at 5 of 0");
	CHECK(d.m.resumable);
}

static void body_longer_than_announced(void)
{
	check_fail(one(URL, OK200 "extra", 0), BB_EMALFORMED,
		   "more bytes than announced");
	/* the extra byte in the read that ends the body */
	check_fail(one(URL, OK200 "x", 45), BB_EMALFORMED,
		   "more bytes than announced");
	/* after the last announced byte nothing more is read */
	CHECK_EQ(one(URL, OK200 "x", 59), BB_FM_DONE);
}

static void body_cut_is_resumable(void)
{
	check_fail(
	    one(URL, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456", 2),
	    BB_EIO, "connection cut at 7 of 20");
	CHECK(d.m.resumable);
	CHECK(bb_fetchm_in_body(&d.m) == false);
}

static void over_the_limit(void)
{
	fd_init(&d);
	d.cfg.max_bytes = 10;
	fd_script(&d, 0, 0, OK200);
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	check_fail(fd_run(&d, 1000), BB_ETOOBIG, "20 bytes is over the limit");
	fd_init(&d);
	d.cfg.max_bytes = 10;
	fd_script(&d, 0, 0, "HTTP/1.1 200 OK\r\n\r\n" BODY);
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	check_fail(fd_run(&d, 1000), BB_ETOOBIG, "body over the limit");
	fd_init(&d);
	d.cfg.max_bytes = 10;
	fd_script(&d, 0, 0,
		  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "14\r\n" BODY "\r\n0\r\n\r\n");
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	check_fail(fd_run(&d, 1000), BB_ETOOBIG, "body over the limit");
}

static void through_a_proxy(void)
{
	fd_init(&d);
	d.read_size = 1;
	fd_script(&d, 0, 0, "HTTP/1.1 200 Connection established\r\n\r\n");
	fd_script(&d, 0, 1, OK200);
	CHECK_EQ(fd_start(&d, URL, "http://proxy.lan:3128", 0), 0);
	CHECK_EQ(fd_run(&d, 10000), BB_FM_DONE);
	CHECK_STR(d.dialed[0], "proxy.lan:3128");
	CHECK_STR(d.sent[0][0], "CONNECT factory.example:443 HTTP/1.1\r\n"
				"Host: factory.example:443\r\n\r\n");
	CHECK(!strncmp(d.sent[0][1], "GET /image/k HTTP/1.1", 21));
	CHECK(!memcmp(d.file, BODY, 20));
	CHECK_EQ(d.bad, 0);
	/* proxied https bodies are never split */
	CHECK_EQ(d.m.split, 0);
}

static void proxy_refuses(void)
{
	fd_init(&d);
	fd_script(&d, 0, 0,
		  "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
	CHECK_EQ(fd_start(&d, URL, "http://proxy.lan:3128", 0), 0);
	check_fail(fd_run(&d, 1000), BB_EIO,
		   "proxy proxy.lan: CONNECT answered 407");
	fd_init(&d);
	fd_script(&d, 0, 0, "SSH-2.0-OpenSSH\r\n\r\n");
	CHECK_EQ(fd_start(&d, URL, "http://proxy.lan:3128", 0), 0);
	check_fail(fd_run(&d, 1000), BB_EMALFORMED,
		   "proxy.lan: malformed HTTP answer");
	fd_init(&d);
	fd_script(&d, 0, 0, "HTTP/1.1 200 OK\r\n");
	CHECK_EQ(fd_start(&d, URL, "http://proxy.lan:3128", 0), 0);
	check_fail(fd_run(&d, 1000), BB_EIO, "connection cut");
}

static void bad_urls(void)
{
	struct bb_fetchm_cfg c = {0};

	CHECK_EQ(bb_fetchm_init(&d.m, &c, "ftp://h/k", NULL, 0, 0),
		 BB_EMALFORMED);
	CHECK_EQ(bb_fetchm_init(&d.m, &c, URL, "https://proxy:3128", 0, 0),
		 BB_EMALFORMED);
	CHECK_EQ(bb_fetchm_init(&d.m, &c, URL, "proxy:3128", 0, 0),
		 BB_EMALFORMED);
	CHECK_EQ(bb_fetchm_init(&d.m, &c, "https://h/a b", NULL, 0, 0),
		 BB_EMALFORMED);
}

static void timeouts(void)
{
	fd_init(&d);
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	bb_fetchm_dialing(&d.m, true, 0);
	bb_fetchm_tick(&d.m, 999);
	CHECK_EQ(bb_fetchm_act(&d.m), BB_FM_WAIT);
	bb_fetchm_tick(&d.m, 1000);
	check_fail(bb_fetchm_act(&d.m), BB_ETIMEDOUT,
		   "name resolution timed out");
	fd_init(&d);
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	bb_fetchm_dialing(&d.m, false, 5);
	bb_fetchm_tick(&d.m, 1005);
	check_fail(bb_fetchm_act(&d.m), BB_ETIMEDOUT, "connect timed out");
	/* a stalled body: resumable */
	fd_init(&d);
	d.hold = true;
	fd_script(&d, 0, 0, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n01");
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	CHECK_EQ(fd_run(&d, 1000), BB_FM_READ);
	CHECK_EQ(d.m.have, 2);
	d.now = 1999;
	bb_fetchm_tick(&d.m, d.now);
	CHECK_EQ(bb_fetchm_act(&d.m), BB_FM_READ);
	d.now = 2000;
	bb_fetchm_tick(&d.m, d.now);
	check_fail(bb_fetchm_act(&d.m), BB_ETIMEDOUT,
		   "no data for 2000 ms (at 2 bytes)");
	CHECK(d.m.resumable);
	/* a head that stalls is not */
	fd_init(&d);
	d.hold = true;
	fd_script(&d, 0, 0, "HTTP/1.1 200 OK\r\n");
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	CHECK_EQ(fd_run(&d, 1000), BB_FM_READ);
	bb_fetchm_tick(&d.m, 5000);
	check_fail(bb_fetchm_act(&d.m), BB_ETIMEDOUT, "no data for");
	CHECK(!d.m.resumable);
}

/* where a split body's second part starts, with this first share */
static uint64_t split_with(const char *head, uint32_t share)
{
	fd_init(&d);
	d.cfg.split_min = 0x10000;
	d.cfg.split_share = share;
	d.split_ok = true;
	d.adopt_ok = true;
	fd_script(&d, 0, 0, head);
	if (fd_start(&d, URL, NULL, 0) || fd_run(&d, 1000) != BB_FM_WAIT)
		return 0;
	return d.m.split;
}

static void split_large_body(void)
{
	/* total 0x40000, split_min 0x10000: the second half from 0x20000 */
	const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 262144\r\n\r\n";

	fd_init(&d);
	d.cfg.split_min = 0x10000;
	d.split_ok = true;
	d.adopt_ok = true;
	fd_script(&d, 0, 0, head);
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	CHECK_EQ(fd_run(&d, 1000), BB_FM_WAIT);
	CHECK_EQ(d.m.split, 0x20000);
	CHECK_EQ(d.adopts, 1);
	CHECK_EQ(d.m.step, BB_FMS_TAIL);
	bb_fetchm_alive(&d.m, 1500);
	bb_fetchm_tick(&d.m, 2100);
	CHECK_EQ(bb_fetchm_act(&d.m), BB_FM_WAIT);
	bb_fetchm_parts_done(&d.m);
	CHECK_EQ(bb_fetchm_act(&d.m), BB_FM_DONE);
	CHECK_EQ(d.m.have, 262144);
	/* a smaller first share: the second part from a quarter on; out of
	 * range, the second part is never empty */
	CHECK_EQ(split_with(head, 256), 0x10000);
	CHECK_EQ(split_with(head, 5000), 0x30000);
	/* the board could not start the second part */
	fd_init(&d);
	d.cfg.split_min = 0x10000;
	fd_script(&d, 0, 0, head);
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	check_fail(fd_run(&d, 1000), BB_EIO, "connection cut at 0 of 262144");
	CHECK_EQ(d.adopts, 0);
	/* adoption failed: this connection reads it all */
	fd_init(&d);
	d.cfg.split_min = 0x10000;
	d.split_ok = true;
	fd_script(&d, 0, 0, head);
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	CHECK_EQ(fd_run(&d, 1000), BB_FM_FAIL);
	CHECK_EQ(d.adopts, 1);
	CHECK_EQ(d.m.split, 0);
	/* plain http, chunked, small: never split */
	CHECK_EQ(one("http://h/k", head, 0), BB_FM_FAIL);
	CHECK_EQ(d.m.split, 0);
}

static void range_helpers(void)
{
	struct bb_url u;
	char req[BB_FETCHM_OUT];
	const char *ok = "HTTP/1.1 206 P\r\nContent-Range: bytes 100-199/300"
			 "\r\nContent-Length: 100\r\n\r\n";
	int n;

	CHECK_EQ(bb_url_parse(URL, strlen(URL), &u), 0);
	n = bb_fetch_range_request(&u, 100, 200, req, sizeof(req));
	CHECK(n > 0);
	CHECK(strstr(req, "Range: bytes=100-199\r\n"));
	CHECK_EQ(bb_fetch_range_request(&u, 100, 200, req, 20), BB_ENOSPC);
	CHECK_EQ(bb_fetch_range_request(&u, 200, 200, req, sizeof(req)),
		 BB_EINVAL);
	CHECK_EQ(bb_fetch_range_head(ok, strlen(ok), 100, 200, 300),
		 (long)strlen(ok));
	CHECK_EQ(bb_fetch_range_head(ok, 20, 100, 200, 300), BB_EPARTIAL);
	CHECK_EQ(bb_fetch_range_head(ok, strlen(ok), 100, 201, 300),
		 BB_EMALFORMED);
	CHECK_EQ(bb_fetch_range_head(ok, strlen(ok), 100, 200, 301),
		 BB_EMALFORMED);
	CHECK_EQ(bb_fetch_range_head(OK200, strlen(OK200), 0, 20, 20),
		 BB_EMALFORMED);
}

static void retry_backoff(void)
{
	CHECK_EQ(bb_fetch_retry_ms(true, 1, 3), 1000);
	CHECK_EQ(bb_fetch_retry_ms(true, 2, 3), 2000);
	CHECK_EQ(bb_fetch_retry_ms(true, 3, 3), 0);
	CHECK_EQ(bb_fetch_retry_ms(false, 1, 3), 0);
	CHECK_EQ(bb_fetch_retry_ms(true, 0, 3), 0);
	CHECK_EQ(bb_fetch_retry_ms(true, 40, 100), 1000u << 16);
}

static void events_out_of_order(void)
{
	/* events that do not fit the step change nothing */
	fd_init(&d);
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	bb_fetchm_connected(&d.m, 0);
	bb_fetchm_tls_up(&d.m, 0);
	bb_fetchm_sent(&d.m, 10, 0);
	bb_fetchm_received(&d.m, 10, 0);
	bb_fetchm_body_start(&d.m, true);
	bb_fetchm_taken(&d.m, 5);
	bb_fetchm_adopted(&d.m, true);
	bb_fetchm_parts_done(&d.m);
	CHECK_EQ(bb_fetchm_act(&d.m), BB_FM_CONNECT);
	fd_script(&d, 0, 0, OK200);
	CHECK_EQ(fd_run(&d, 1000), BB_FM_DONE);
	/* the first failure is the one reported */
	bb_fetchm_fail(&d.m, BB_EIO, true, "first");
	bb_fetchm_fail(&d.m, BB_ENOMEM, false, "second");
	CHECK_STR(d.m.msg, "first");
}

int main(void)
{
	RUN(whole_200);
	RUN(split_writes_and_takes);
	RUN(chunked_byte_by_byte);
	RUN(close_delimited);
	RUN(truncated_head);
	RUN(head_too_long);
	RUN(bad_status_line);
	RUN(bad_content_range);
	RUN(conflicting_lengths);
	RUN(resume_206);
	RUN(resume_206_wrong_start);
	RUN(resume_ignored_200_restarts);
	RUN(resume_416);
	RUN(not_found_and_errors);
	RUN(redirects_followed);
	RUN(redirect_loop);
	RUN(redirect_other_scheme);
	RUN(chunk_size_overflow);
	RUN(chunked_cut);
	RUN(body_longer_than_announced);
	RUN(body_cut_is_resumable);
	RUN(over_the_limit);
	RUN(through_a_proxy);
	RUN(proxy_refuses);
	RUN(bad_urls);
	RUN(timeouts);
	RUN(split_large_body);
	RUN(range_helpers);
	RUN(retry_backoff);
	RUN(events_out_of_order);
	return bb_test_done();
}
