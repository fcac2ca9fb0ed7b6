/* The fetch machine's general-request mode (board.h's bb_board_fetch on
 * the lwIP board): the request it writes (method, extra headers, the body
 * after the head), any status taken as the answer, no redirect followed,
 * bodies without one, the reply cap, the per-step deadline, and one case
 * for each malformed request or reply. */
#include "tests/unit/fetch_drive.h"
#include "tests/unit/test.h"

#define URL  "http://10.9.0.1:8888/api/v1/cfssl/authsign"
#define JSON "{\"certificate_request\":\"csr\"}" /* 29 bytes */
#define OK   "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"

static struct fdrive d;

static void setup(const char *method, const char *headers)
{
	fd_init(&d);
	d.cfg.method = method;
	d.cfg.headers = headers;
	d.cfg.body = (const uint8_t *)JSON;
	d.cfg.body_len = strlen(JSON);
}

static enum bb_fetchm_act run(const char *reply)
{
	fd_script(&d, 0, 0, reply);
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	return fd_run(&d, 100000);
}

static void post_with_body(void)
{
	size_t ws;

	for (ws = 0; ws < 6; ws++) {
		setup("POST", "X-Auth: t\r\n");
		d.write_size = ws; /* the body's first write may straddle */
		d.read_size = ws;
		CHECK_EQ(run(OK), BB_FM_DONE);
		CHECK_EQ(d.m.status, 200);
		CHECK_EQ(d.m.have, 11);
		CHECK(!memcmp(d.file, "{\"ok\":true}", 11));
		CHECK(!strncmp(d.sent[0][0],
			       "POST /api/v1/cfssl/authsign HTTP/1.1\r\n"
			       "Host: 10.9.0.1:8888\r\n",
			       59));
		CHECK(strstr(d.sent[0][0], "X-Auth: t\r\nContent-Type: "
					   "application/json\r\n"));
		CHECK(strstr(d.sent[0][0], "Content-Length: 29\r\n"));
		CHECK(strstr(d.sent[0][0], "Connection: close\r\n\r\n" JSON));
		CHECK_EQ(d.bad, 0);
	}
}

static void get_has_no_body(void)
{
	setup("GET", NULL);
	CHECK_EQ(run(OK), BB_FM_DONE);
	CHECK(!strstr(d.sent[0][0], "Content-Length"));
	CHECK(!strstr(d.sent[0][0], JSON));
}

static void any_status_is_the_answer(void)
{
	setup("POST", NULL);
	CHECK_EQ(run("HTTP/1.1 500 Oops\r\nContent-Length: 2\r\n\r\nno"),
		 BB_FM_DONE);
	CHECK_EQ(d.m.status, 500);
	CHECK(!memcmp(d.file, "no", 2));
	setup("POST", NULL);
	CHECK_EQ(run("HTTP/1.1 404 No\r\n\r\nclose-delimited"), BB_FM_DONE);
	CHECK_EQ(d.m.status, 404);
	CHECK_EQ(d.m.have, 15);
}

static void redirect_not_followed(void)
{
	setup("POST", NULL);
	CHECK_EQ(run("HTTP/1.1 302 Found\r\nLocation: http://10.9.0.2/x\r\n"
		     "Content-Length: 0\r\n\r\n"),
		 BB_FM_DONE);
	CHECK_EQ(d.m.status, 302);
	CHECK_EQ(d.conns, 1);
}

static void no_body_replies(void)
{
	/* the stream stays open: the machine must not wait for its end */
	setup("POST", NULL);
	d.hold = true;
	CHECK_EQ(run("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"),
		 BB_FM_DONE);
	CHECK_EQ(d.m.have, 0);
	setup("HEAD", NULL);
	d.hold = true;
	CHECK_EQ(run("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
		 BB_FM_DONE);
	setup("POST", NULL);
	d.hold = true;
	CHECK_EQ(run("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		 BB_FM_DONE);
}

static void chunked_reply(void)
{
	setup("POST", NULL);
	d.read_size = 1;
	CHECK_EQ(
	    run("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
		"4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n"),
	    BB_FM_DONE);
	CHECK_EQ(d.m.status, 201);
	CHECK(!memcmp(d.file, "{\"a\":1}", 7));
}

static void reply_over_the_cap(void)
{
	setup("POST", NULL);
	d.cfg.max_bytes = 10;
	CHECK_EQ(run(OK), BB_FM_FAIL);
	CHECK_EQ(d.m.err, BB_ETOOBIG);
	setup("POST", NULL);
	d.cfg.max_bytes = 10;
	CHECK_EQ(run("HTTP/1.1 200 OK\r\n\r\n0123456789abc"), BB_FM_FAIL);
	CHECK_EQ(d.m.err, BB_ETOOBIG);
}

static void malformed_replies(void)
{
	setup("POST", NULL);
	CHECK_EQ(run("HTTP/1.1 2x0 OK\r\n\r\n"), BB_FM_FAIL);
	CHECK_EQ(d.m.err, BB_EMALFORMED);
	setup("POST", NULL);
	CHECK_EQ(run("HTTP/1.1 200 OK\r\nContent-Le"), BB_FM_FAIL);
	CHECK_EQ(d.m.err, BB_EIO); /* cut in the head */
	setup("POST", NULL);
	CHECK_EQ(run("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\""),
		 BB_FM_FAIL);
	CHECK_EQ(d.m.err, BB_EIO); /* cut in the body */
	setup("POST", NULL);
	CHECK_EQ(run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "zz\r\n"),
		 BB_FM_FAIL);
	CHECK_EQ(d.m.err, BB_EMALFORMED);
	setup("POST", NULL);
	CHECK_EQ(run("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
		     "Content-Length: 4\r\n\r\nabc"),
		 BB_FM_FAIL);
	CHECK_EQ(d.m.err, BB_EMALFORMED);
}

static void malformed_requests(void)
{
	static const char *const methods[] = {"", "PO ST", "GET\r\nX: y",
					      "P/1"};
	static const char *const headers[] = {"X: 1", "X: 1\r\n\r\nY: 2\r\n",
					      "\r\n"};
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		setup(methods[i], NULL);
		CHECK_EQ(fd_start(&d, URL, NULL, 0), BB_EMALFORMED);
	}
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		setup("POST", headers[i]);
		CHECK_EQ(fd_start(&d, URL, NULL, 0), BB_EMALFORMED);
	}
	setup("POST", NULL);
	CHECK_EQ(fd_start(&d, URL, NULL, 5), BB_EMALFORMED); /* no resume */
	setup("POST", NULL);
	d.cfg.body = NULL;
	CHECK_EQ(fd_start(&d, URL, NULL, 0), BB_EMALFORMED);
}

static void deadline_per_step(void)
{
	/* each write that moves restarts the clock; a silent server fails
	 * read_ms after the last byte went out */
	setup("POST", NULL);
	d.hold = true;
	d.write_size = 10;
	fd_script(&d, 0, 0, "");
	CHECK_EQ(fd_start(&d, URL, NULL, 0), 0);
	CHECK_EQ(fd_run(&d, 3), BB_FM_WRITE);
	d.now += 1500; /* over connect_ms, under read_ms */
	bb_fetchm_tick(&d.m, d.now);
	CHECK_EQ(fd_run(&d, 100000), BB_FM_READ);
	d.now += 1999;
	bb_fetchm_tick(&d.m, d.now);
	CHECK_EQ(bb_fetchm_act(&d.m), BB_FM_READ);
	d.now += 1;
	bb_fetchm_tick(&d.m, d.now);
	CHECK_EQ(bb_fetchm_act(&d.m), BB_FM_FAIL);
	CHECK_EQ(d.m.err, BB_ETIMEDOUT);
}

int main(void)
{
	RUN(post_with_body);
	RUN(get_has_no_body);
	RUN(any_status_is_the_answer);
	RUN(redirect_not_followed);
	RUN(no_body_replies);
	RUN(chunked_reply);
	RUN(reply_over_the_cap);
	RUN(malformed_replies);
	RUN(malformed_requests);
	RUN(deadline_per_step);
	return bb_test_done();
}
