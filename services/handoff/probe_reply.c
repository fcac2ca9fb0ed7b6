#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/parse.h"
#include "handoff/probe_reply.h"

#define NOT_HTTP  "not an HTTP answer"
#define NOT_READY "answered, not ready (status is not 200)"
#define TRUNCATED "truncated answer"
#define NOT_OK	  "answered 200 without \"ok\""

int bb_probe_reply_init(struct bb_probe_reply *r, const struct bb_probe *p,
			uint32_t ip, uint64_t now_ms, uint32_t timeout_ms)
{
	int n;

	memset(r, 0, sizeof(*r));
	r->kind = p->kind;
	r->stage = BB_PS_CONNECTING;
	r->deadline_ms = now_ms + (timeout_ms ? timeout_ms : 5000);
	n = snprintf(r->req, sizeof(r->req),
		     "GET %s HTTP/1.1\r\nHost: %u.%u.%u.%u:%u\r\n"
		     "User-Agent: bootbox-probe\r\nAccept: */*\r\n"
		     "Connection: close\r\n\r\n",
		     p->path[0] ? p->path : "/", ip >> 24, (ip >> 16) & 255,
		     (ip >> 8) & 255, ip & 255, p->port);
	if (n < 0 || (size_t)n >= sizeof(r->req))
		return BB_ENOSPC;
	r->req_len = (size_t)n;
	return 0;
}

static void decide(struct bb_probe_reply *r, const char *why)
{
	r->stage = BB_PS_DONE;
	r->ok = why == NULL;
	r->why = why;
}

void bb_probe_reply_connected(struct bb_probe_reply *r)
{
	if (r->stage != BB_PS_CONNECTING)
		return;
	if (r->kind == BB_PROBE_TCP)
		decide(r, NULL);
	else
		r->stage =
		    r->kind == BB_PROBE_HTTPS ? BB_PS_HANDSHAKE : BB_PS_SENDING;
}

void bb_probe_reply_handshaken(struct bb_probe_reply *r)
{
	if (r->stage == BB_PS_HANDSHAKE)
		r->stage = BB_PS_SENDING;
}

size_t bb_probe_reply_out(const struct bb_probe_reply *r, const uint8_t **out)
{
	*out = (const uint8_t *)r->req + r->req_off;
	return r->stage == BB_PS_SENDING ? r->req_len - r->req_off : 0;
}

void bb_probe_reply_sent(struct bb_probe_reply *r, size_t n)
{
	if (r->stage != BB_PS_SENDING)
		return;
	r->req_off += n < r->req_len - r->req_off ? n : r->req_len - r->req_off;
	if (r->req_off == r->req_len)
		r->stage = BB_PS_READING;
}

size_t bb_probe_reply_room(const struct bb_probe_reply *r)
{
	return r->stage == BB_PS_READING ? sizeof(r->resp) - r->resp_len : 0;
}

/* "HTTP/1.x ddd" then SP or CR: the status (100..999), 0 while a valid
 * prefix, -1 for anything else. */
static int status_of(const uint8_t *b, size_t n)
{
	static const char pat[] = "HTTP/1.d ddd";
	size_t i;
	int st = 0;

	for (i = 0; i < n && i < 12; i++) {
		if (pat[i] == 'd' ? b[i] < '0' || b[i] > '9' : b[i] != pat[i])
			return -1;
		if (i >= 9)
			st = st * 10 + (b[i] - '0');
	}
	if (n < 13)
		return 0;
	/* 0 is "partial" here: "000" is malformed, like any code < 100 */
	return (b[12] == ' ' || b[12] == '\r') && st >= 100 ? st : -1;
}

static size_t find_crlf2(const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n; i++)
		if (!memcmp(b + i, "\r\n\r\n", 4))
			return i;
	return n;
}

struct head {
	bool has_cl, chunked;
	uint32_t cl;
};

static bool name_is(const uint8_t *l, size_t n, const char *name)
{
	size_t k = strlen(name), i;

	if (n < k + 1 || l[k] != ':')
		return false;
	for (i = 0; i < k; i++)
		if ((l[i] | 0x20) != name[i])
			return false;
	return true;
}

/* One header line: false when it makes the answer malformed (a bad or
 * repeated-and-different Content-Length). */
static bool header(const uint8_t *l, size_t n, struct head *h)
{
	size_t k = sizeof("content-length:") - 1;
	uint32_t v;

	if (name_is(l, n, "transfer-encoding")) {
		h->chunked = true;
		return true;
	}
	if (!name_is(l, n, "content-length"))
		return true;
	while (k < n && (l[k] == ' ' || l[k] == '\t'))
		k++;
	while (n > k && (l[n - 1] == ' ' || l[n - 1] == '\t'))
		n--;
	if (bb_parse_u32((const char *)l + k, n - k, 0, UINT32_MAX, &v) ||
	    (h->has_cl && h->cl != v))
		return false;
	h->has_cl = true;
	h->cl = v;
	return true;
}

/* The header lines between the status line and the blank line. */
static bool headers(const uint8_t *b, size_t end, struct head *h)
{
	size_t i = 0, s;

	while (i < end && b[i] != '\n')
		i++;
	for (s = ++i; i <= end; i++) {
		if (i < end && b[i] != '\r')
			continue;
		if (i > s && !header(b + s, i - s, h))
			return false;
		s = i + 2; /* past the CRLF */
		i++;
	}
	return true;
}

/* Can body bytes so far still turn into "ok" followed by CR/LF only? */
static bool may_be_ok(const uint8_t *b, size_t n)
{
	size_t i;

	if (memcmp(b, "ok", n < 2 ? n : 2))
		return false;
	for (i = 2; i < n; i++)
		if (b[i] != '\r' && b[i] != '\n')
			return false;
	return true;
}

static const char *body_verdict(const uint8_t *b, size_t n)
{
	while (n && (b[n - 1] == '\n' || b[n - 1] == '\r'))
		n--;
	return n == 2 && !memcmp(b, "ok", 2) ? NULL : NOT_OK;
}

static const char PENDING[] = "pending";

/* The verdict (NULL: up), or PENDING while more bytes may change it;
 * final: no more bytes will come. */
static const char *verdict(const uint8_t *b, size_t n, bool final)
{
	size_t end = find_crlf2(b, n), blen;
	struct head h = {0};
	int st = status_of(b, n);

	if (st < 0)
		return NOT_HTTP;
	if (st > 0 && st != 200)
		return NOT_READY;
	if (end == n)
		return !final ? PENDING : st ? TRUNCATED : NOT_HTTP;
	if (!headers(b, end, &h))
		return NOT_HTTP;
	b += end + 4;
	blen = n - end - 4;
	if (h.chunked || (h.has_cl && h.cl > 16))
		return NOT_OK; /* no "ok" this way */
	if (!may_be_ok(b, blen < h.cl || !h.has_cl ? blen : h.cl))
		return NOT_OK;
	if (h.has_cl && blen >= h.cl)
		return body_verdict(b, h.cl);
	if (!final)
		return PENDING;
	return h.has_cl ? TRUNCATED : body_verdict(b, blen);
}

static void judge(struct bb_probe_reply *r, bool final)
{
	const char *why = verdict(r->resp, r->resp_len, final);

	if (why != PENDING)
		decide(r, why);
}

size_t bb_probe_reply_input(struct bb_probe_reply *r, const uint8_t *b,
			    size_t n)
{
	size_t room = bb_probe_reply_room(r);

	if (n > room)
		n = room;
	if (!n)
		return 0;
	memcpy(r->resp + r->resp_len, b, n);
	r->resp_len += n;
	judge(r, r->resp_len == sizeof(r->resp));
	return n;
}

void bb_probe_reply_eof(struct bb_probe_reply *r)
{
	if (r->stage == BB_PS_READING)
		judge(r, true);
	else if (r->stage != BB_PS_DONE)
		decide(r, r->stage == BB_PS_HANDSHAKE
			      ? "closed during the TLS "
				"handshake"
			      : "closed before answering");
}

void bb_probe_reply_tick(struct bb_probe_reply *r, uint64_t now_ms)
{
	static const char *const what[] = {
	    "connect timed out", "TLS handshake timed out", "request timed out",
	    "no answer in time"};

	if (r->stage != BB_PS_DONE && now_ms >= r->deadline_ms)
		decide(r, what[r->stage]);
}
