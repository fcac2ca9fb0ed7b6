#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cache/fetch_machine.h"
#include "common/err.h"

static bool proxied(const struct bb_fetchm *m)
{
	return m->proxy.host[0] != 0;
}

/* a general request (cfg.method) rather than the artifact GET */
static bool general(const struct bb_fetchm *m)
{
	return m->cfg.method != NULL;
}

static bool token(const char *s)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";

	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return false;
	return true;
}

/* The caller's lines may not end the head early nor leave a bare line. */
static bool header_lines(const char *h)
{
	size_t n = strlen(h);

	return !strstr(h, "\r\n\r\n") && strncmp(h, "\r\n", 2) &&
	       (!n || (n >= 2 && !strcmp(h + n - 2, "\r\n")));
}

void bb_fetchm_fail(struct bb_fetchm *m, int err, bool resumable,
		    const char *fmt, ...)
{
	va_list ap;

	if (m->step == BB_FMS_FAILED)
		return; /* the first reason is the one that counts */
	m->err = err;
	m->resumable = resumable;
	va_start(ap, fmt);
	vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
	va_end(ap);
	m->step = BB_FMS_FAILED;
	m->body_len = 0;
}

bool bb_fetchm_in_body(const struct bb_fetchm *m)
{
	return m->step == BB_FMS_BODY || m->step == BB_FMS_TAIL;
}

int bb_fetchm_init(struct bb_fetchm *m, const struct bb_fetchm_cfg *cfg,
		   const char *url, const char *proxy, uint64_t offset,
		   uint64_t now)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (!m->cfg.connect_ms)
		m->cfg.connect_ms = 10000;
	if (!m->cfg.read_ms)
		m->cfg.read_ms = 30000;
	if (!m->cfg.max_redirects)
		m->cfg.max_redirects = 5;
	if (m->cfg.max_redirects < 0)
		m->cfg.max_redirects = 0;
	if (!m->cfg.max_bytes)
		m->cfg.max_bytes = (uint64_t)4 << 30;
	if (general(m) && (!token(m->cfg.method) || offset ||
			   (m->cfg.headers && !header_lines(m->cfg.headers)) ||
			   (m->cfg.body_len && !m->cfg.body)))
		return BB_EMALFORMED;
	if (bb_url_parse(url, strlen(url), &m->url) ||
	    (proxy &&
	     (bb_url_parse(proxy, strlen(proxy), &m->proxy) || m->proxy.tls)))
		return BB_EMALFORMED;
	m->have = offset;
	m->step = BB_FMS_DIAL;
	m->deadline = now + m->cfg.connect_ms;
	return 0;
}

enum bb_fetchm_act bb_fetchm_act(const struct bb_fetchm *m)
{
	switch (m->step) {
	case BB_FMS_DIAL: return BB_FM_CONNECT;
	case BB_FMS_PROXY_SEND:
	case BB_FMS_SEND: return BB_FM_WRITE;
	case BB_FMS_PROXY_HEAD:
	case BB_FMS_HEAD: return BB_FM_READ;
	case BB_FMS_TLS: return BB_FM_TLS;
	case BB_FMS_HEADED: return BB_FM_HEAD;
	case BB_FMS_BODY:
		if (m->body_len)
			return BB_FM_BODY;
		if (m->complete)
			return BB_FM_DONE;
		/* the bytes that came with the head are delivered: the
		 * second part takes the connection from here to split */
		if (m->split && m->have < m->split)
			return BB_FM_ADOPT;
		return BB_FM_READ;
	case BB_FMS_DONE: return BB_FM_DONE;
	case BB_FMS_FAILED: return BB_FM_FAIL;
	default: return BB_FM_WAIT;
	}
}

const struct bb_url *bb_fetchm_peer(const struct bb_fetchm *m)
{
	return proxied(m) ? &m->proxy : &m->url;
}

void bb_fetchm_dialing(struct bb_fetchm *m, bool resolving, uint64_t now)
{
	if (m->step != BB_FMS_DIAL && m->step != BB_FMS_RESOLVING)
		return;
	m->step = resolving ? BB_FMS_RESOLVING : BB_FMS_CONNECTING;
	m->deadline = now + m->cfg.connect_ms;
}

static void set_out(struct bb_fetchm *m, int n)
{
	m->out_off = 0;
	m->out_len = 0;
	if (n <= 0 || (size_t)n >= sizeof(m->out)) {
		bb_fetchm_fail(m, BB_EINVAL, false, "%s: request too long",
			       m->url.host);
		return;
	}
	m->out_len = (size_t)n;
}

static bool has_body(const struct bb_fetchm *m)
{
	return strcmp(m->cfg.method, "GET") && strcmp(m->cfg.method, "HEAD");
}

static int general_request(struct bb_fetchm *m)
{
	char len[96] = "";

	if (has_body(m))
		snprintf(len, sizeof(len),
			 "Content-Type: application/json\r\n"
			 "Content-Length: %zu\r\n",
			 m->cfg.body_len);
	m->sbody_off = 0;
	return snprintf(m->out, sizeof(m->out),
			"%s %s HTTP/1.1\r\nHost: %s:%u\r\n"
			"User-Agent: bootbox\r\nAccept: application/json\r\n"
			"%s%sConnection: close\r\n\r\n",
			m->cfg.method, m->url.path, m->url.host, m->url.port,
			m->cfg.headers ? m->cfg.headers : "", len);
}

static void build_request(struct bb_fetchm *m)
{
	int n;

	if (general(m))
		n = general_request(m);
	else if (m->have)
		n = snprintf(m->out, sizeof(m->out),
			     "GET %s HTTP/1.1\r\nHost: %s\r\n"
			     "User-Agent: bootbox\r\nAccept: */*\r\n"
			     "Range: bytes=%llu-\r\nConnection: close\r\n\r\n",
			     m->url.path, m->url.host,
			     (unsigned long long)m->have);
	else
		n = snprintf(m->out, sizeof(m->out),
			     "GET %s HTTP/1.1\r\nHost: %s\r\n"
			     "User-Agent: bootbox\r\nAccept: */*\r\n"
			     "Connection: close\r\n\r\n",
			     m->url.path, m->url.host);
	m->step = BB_FMS_SEND;
	set_out(m, n);
}

/* TCP is up to the origin, or through the proxy's tunnel; what the proxy
 * sent after its head is not ours. */
static void after_connect(struct bb_fetchm *m)
{
	m->in_len = 0;
	if (m->url.tls)
		m->step = BB_FMS_TLS;
	else
		build_request(m);
}

void bb_fetchm_connected(struct bb_fetchm *m, uint64_t now)
{
	if (m->step != BB_FMS_CONNECTING)
		return;
	m->deadline = now + m->cfg.connect_ms;
	if (!proxied(m)) {
		after_connect(m);
		return;
	}
	m->step = BB_FMS_PROXY_SEND;
	set_out(m,
		snprintf(m->out, sizeof(m->out),
			 "CONNECT %s:%u HTTP/1.1\r\nHost: %s:%u\r\n\r\n",
			 m->url.host, m->url.port, m->url.host, m->url.port));
}

void bb_fetchm_tls_up(struct bb_fetchm *m, uint64_t now)
{
	(void)now;
	if (m->step == BB_FMS_TLS)
		build_request(m);
}

/* The body bytes still to send after the head (a general request). */
static size_t body_left(const struct bb_fetchm *m)
{
	if (m->step != BB_FMS_SEND || !general(m) || !has_body(m))
		return 0;
	return m->cfg.body_len - m->sbody_off;
}

const char *bb_fetchm_out(const struct bb_fetchm *m, size_t *len)
{
	if (m->out_off == m->out_len && body_left(m)) {
		*len = body_left(m);
		return (const char *)m->cfg.body + m->sbody_off;
	}
	*len = m->out_len - m->out_off;
	return m->out + m->out_off;
}

void bb_fetchm_sent(struct bb_fetchm *m, size_t n, uint64_t now)
{
	size_t k;

	if (m->step != BB_FMS_SEND && m->step != BB_FMS_PROXY_SEND)
		return;
	if (n && general(m))
		m->deadline = now + m->cfg.read_ms;
	k = n < m->out_len - m->out_off ? n : m->out_len - m->out_off;
	m->out_off += k;
	n -= k;
	if (m->out_off == m->out_len && n)
		m->sbody_off += n < body_left(m) ? n : body_left(m);
	if (m->out_off < m->out_len || body_left(m))
		return;
	m->in_len = 0;
	m->step =
	    m->step == BB_FMS_PROXY_SEND ? BB_FMS_PROXY_HEAD : BB_FMS_HEAD;
}

uint8_t *bb_fetchm_rspace(struct bb_fetchm *m, size_t *room)
{
	*room = 0;
	if (m->step == BB_FMS_HEAD || m->step == BB_FMS_PROXY_HEAD) {
		*room = sizeof(m->in) - m->in_len;
		return *room ? m->in + m->in_len : NULL;
	}
	if (m->step == BB_FMS_BODY && !m->body_len && !m->complete) {
		*room = sizeof(m->in);
		return m->in;
	}
	return NULL;
}

/* Takes n received body bytes at in[off]: decoded in place, checked
 * against the announced length and the limit. */
static void frame(struct bb_fetchm *m, size_t off, size_t n)
{
	if (m->reply.chunked &&
	    bb_chunked_decode(&m->chunk, m->in + off, n, &n)) {
		bb_fetchm_fail(m, BB_EMALFORMED, false,
			       "%s: bad chunked encoding", m->url.host);
		return;
	}
	if (m->total && n > m->total - m->have) {
		bb_fetchm_fail(m, BB_EMALFORMED, false,
			       "%s: more bytes than announced", m->url.host);
		return;
	}
	if (n > m->cfg.max_bytes - m->have) {
		bb_fetchm_fail(m, BB_ETOOBIG, false, "%s: body over the limit",
			       m->url.host);
		return;
	}
	m->body_off = off;
	m->body_len = n;
	m->have += n;
	m->complete = m->complete || (m->reply.chunked && m->chunk.done) ||
		      (m->total && m->have == m->total);
}

static void redirect(struct bb_fetchm *m, uint64_t now)
{
	const char *loc = m->reply.location;
	struct bb_url next;

	if (m->redirects++ >= m->cfg.max_redirects) {
		bb_fetchm_fail(m, BB_EIO, false, "%s: too many redirects",
			       m->url.host);
		return;
	}
	/* an https fetch follows only https: the bytes stay verified */
	if (bb_url_resolve(&m->url, loc, strlen(loc), &next) ||
	    (m->url.tls && !next.tls)) {
		bb_fetchm_fail(m, BB_EACCES, false,
			       "%s: refused redirect to '%.100s'", m->url.host,
			       loc);
		return;
	}
	m->url = next;
	memset(&m->reply, 0, sizeof(m->reply));
	memset(&m->chunk, 0, sizeof(m->chunk));
	m->in_len = 0;
	m->step = BB_FMS_DIAL;
	m->deadline = now + m->cfg.connect_ms;
}

/* The large body's second half on a second connection: one core decrypts
 * one TLS record stream, so two streams go about twice as fast. */
static uint64_t split_at(const struct bb_fetchm *m)
{
	uint64_t at, rest = m->total - m->have;
	uint32_t share = m->cfg.split_share ? m->cfg.split_share : 512;

	if (!m->cfg.split_min || !m->url.tls || proxied(m) ||
	    m->reply.chunked || !m->total ||
	    m->total - m->have < m->cfg.split_min)
		return 0;
	if (share > 1023)
		share = 1023; /* the second part is never empty */
	at = (m->have + rest / 1024 * share + rest % 1024 * share / 1024) &
	     ~(uint64_t)0xffff;

	/* (rounded down to 64 KiB: never at or before what we have) */
	return at > m->have ? at : 0;
}

static void take_head(struct bb_fetchm *m, size_t used)
{
	m->body_off = used;
	m->body_len = m->in_len - used; /* framed in bb_fetchm_body_start */
	m->step = BB_FMS_HEADED;
}

/* Whatever the status, it is the answer; only the size is judged. */
static void general_head(struct bb_fetchm *m, size_t used)
{
	const struct bb_upstream_reply *r = &m->reply;

	m->total = r->has_length ? r->content_length : 0;
	if (m->total > m->cfg.max_bytes) {
		bb_fetchm_fail(m, BB_ETOOBIG, false,
			       "%s: %llu bytes is over the limit", m->url.host,
			       (unsigned long long)m->total);
		return;
	}
	/* a HEAD, 204 or 304 carries no body whatever it announces */
	if (!strcmp(m->cfg.method, "HEAD") || r->status == 204 ||
	    r->status == 304 || (r->has_length && !r->content_length)) {
		m->total = 0;
		m->complete = true;
		m->body_off = used;
		m->body_len = 0;
		m->step = BB_FMS_HEADED;
		return;
	}
	take_head(m, used);
}

static void on_head(struct bb_fetchm *m, size_t used, uint64_t now)
{
	const struct bb_upstream_reply *r = &m->reply;

	m->status = r->status;
	if (general(m)) {
		general_head(m, used);
		return;
	}
	if (r->status >= 300 && r->status < 400 && r->location[0]) {
		redirect(m, now);
		return;
	}
	if (r->status == 200 && m->have) {
		m->restart = true;
		m->have = 0;
	} else if (r->status == 206 &&
		   (!r->has_range || r->range_start != m->have)) {
		bb_fetchm_fail(m, BB_EMALFORMED, false,
			       "%s: answered a range we did not ask",
			       m->url.host);
		return;
	} else if (r->status != 200 && r->status != 206) {
		bb_fetchm_fail(m, r->status == 404 ? BB_ENOENT : BB_EIO, false,
			       "%s: HTTP %d for %.120s", m->url.host, r->status,
			       m->url.path);
		return;
	}
	m->total = r->status == 206 ? r->range_total
		   : r->has_length  ? r->content_length
				    : 0;
	if (m->total > m->cfg.max_bytes) {
		bb_fetchm_fail(m, BB_ETOOBIG, false,
			       "%s: %llu bytes is over the limit", m->url.host,
			       (unsigned long long)m->total);
		return;
	}
	m->split = split_at(m);
	take_head(m, used);
}

static void head_bytes(struct bb_fetchm *m, uint64_t now)
{
	bool proxy = m->step == BB_FMS_PROXY_HEAD;
	long used =
	    bb_upstream_reply_parse((char *)m->in, m->in_len, &m->reply);

	if (used == BB_EPARTIAL && m->in_len < sizeof(m->in))
		return;
	if (used < 0) {
		bb_fetchm_fail(m, BB_EMALFORMED, false,
			       "%s: malformed HTTP answer",
			       proxy ? m->proxy.host : m->url.host);
		return;
	}
	if (!proxy) {
		on_head(m, (size_t)used, now);
		return;
	}
	if (m->reply.status != 200) {
		bb_fetchm_fail(m, BB_EIO, false,
			       "proxy %s: CONNECT answered %d", m->proxy.host,
			       m->reply.status);
		return;
	}
	memset(&m->reply, 0, sizeof(m->reply));
	after_connect(m);
}

static void eof(struct bb_fetchm *m)
{
	if (m->step == BB_FMS_BODY && !m->reply.chunked && !m->total) {
		m->complete = true; /* length delimited by the close */
		return;
	}
	bb_fetchm_fail(m, BB_EIO, m->step == BB_FMS_BODY,
		       "%s: connection cut at %llu of %llu bytes", m->url.host,
		       (unsigned long long)m->have,
		       (unsigned long long)m->total);
}

void bb_fetchm_received(struct bb_fetchm *m, size_t n, uint64_t now)
{
	size_t room;

	if (!bb_fetchm_rspace(m, &room))
		return;
	if (!n) {
		eof(m);
		return;
	}
	if (n > room)
		n = room;
	m->deadline = now + m->cfg.read_ms;
	if (m->step == BB_FMS_BODY) {
		frame(m, 0, n);
		return;
	}
	m->in_len += n;
	head_bytes(m, now);
}

void bb_fetchm_body_start(struct bb_fetchm *m, bool split_ok)
{
	if (m->step != BB_FMS_HEADED)
		return;
	if (!split_ok)
		m->split = 0;
	m->step = BB_FMS_BODY;
	m->in_len = 0;
	frame(m, m->body_off, m->body_len);
}

const uint8_t *bb_fetchm_body(const struct bb_fetchm *m, size_t *len,
			      uint64_t *file_off)
{
	*len = m->step == BB_FMS_BODY ? m->body_len : 0;
	*file_off = m->have - *len;
	return m->in + m->body_off;
}

void bb_fetchm_taken(struct bb_fetchm *m, size_t n)
{
	if (m->step != BB_FMS_BODY)
		return;
	if (n > m->body_len)
		n = m->body_len;
	m->body_off += n;
	m->body_len -= n;
}

void bb_fetchm_adopted(struct bb_fetchm *m, bool ok)
{
	if (m->step != BB_FMS_BODY)
		return;
	if (ok)
		m->step = BB_FMS_TAIL;
	else
		m->split = 0;
}

void bb_fetchm_unsplit(struct bb_fetchm *m)
{
	if (m->step != BB_FMS_TAIL)
		m->split = 0;
}

void bb_fetchm_alive(struct bb_fetchm *m, uint64_t now)
{
	if (m->step != BB_FMS_DONE && m->step != BB_FMS_FAILED)
		m->deadline = now + m->cfg.read_ms;
}

void bb_fetchm_parts_done(struct bb_fetchm *m)
{
	if (m->step != BB_FMS_TAIL)
		return;
	m->have = m->total;
	m->complete = true;
	m->step = BB_FMS_DONE;
}

void bb_fetchm_tick(struct bb_fetchm *m, uint64_t now)
{
	if (m->step == BB_FMS_DONE || m->step == BB_FMS_FAILED ||
	    m->step == BB_FMS_HEADED || now < m->deadline)
		return;
	if (m->step <= BB_FMS_CONNECTING)
		bb_fetchm_fail(m, BB_ETIMEDOUT, false, "%s: %s timed out",
			       m->url.host,
			       m->step == BB_FMS_RESOLVING ? "name resolution"
							   : "connect");
	else
		bb_fetchm_fail(m, BB_ETIMEDOUT, bb_fetchm_in_body(m),
			       "%s: no data for %u ms (at %llu bytes)",
			       m->url.host, m->cfg.read_ms,
			       (unsigned long long)m->have);
}

int bb_fetch_range_request(const struct bb_url *u, uint64_t start, uint64_t end,
			   char *buf, size_t cap)
{
	int n;

	if (end <= start)
		return BB_EINVAL;
	n = snprintf(buf, cap,
		     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: bootbox\r\n"
		     "Accept: */*\r\nRange: bytes=%llu-%llu\r\n"
		     "Connection: close\r\n\r\n",
		     u->path, u->host, (unsigned long long)start,
		     (unsigned long long)end - 1);
	return n > 0 && (size_t)n < cap ? n : BB_ENOSPC;
}

long bb_fetch_range_head(const char *buf, size_t len, uint64_t start,
			 uint64_t end, uint64_t total)
{
	struct bb_upstream_reply r;
	long used = bb_upstream_reply_parse(buf, len, &r);

	if (used == BB_EPARTIAL) /* the parser caps a head at 16 KiB */
		return BB_EPARTIAL;
	if (used < 0 || r.status != 206 || !r.has_range || r.chunked ||
	    r.range_start != start || r.range_end + 1 != end ||
	    r.range_total != total)
		return BB_EMALFORMED;
	return used;
}

uint32_t bb_fetch_retry_ms(bool resumable, int tries, int retries)
{
	if (!resumable || tries < 1 || tries >= retries)
		return 0;
	/* 1 s, 2 s, 4 s ...: the .part keeps what we have */
	return 1000u << (tries - 1 < 16 ? tries - 1 : 16);
}
