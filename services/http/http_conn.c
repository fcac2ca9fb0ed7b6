#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "http/http_conn.h"

#define DRAIN_BUF  4096
#define HEAD_START 1024
#define DRAIN_MAX  (1u << 20) /* bytes read after an error before we close */

const char *bb_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "Status";
}

void bb_http_conn_init(struct bb_http_conn *c,
		       const struct bb_http_conn_cfg *cfg, uint64_t now)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->st = BB_HC_IDLE;
	c->deadline = now + cfg->idle_ms;
}

void bb_http_conn_free(struct bb_http_conn *c)
{
	free(c->in);
	c->in = NULL;
	c->in_len = c->in_cap = 0;
	bb_buf_free(&c->out);
	c->st = BB_HC_DEAD;
}

static bool reserve(struct bb_http_conn *c, size_t need)
{
	char *p;

	if (c->in_cap >= need)
		return true;
	p = realloc(c->in, need);
	if (!p)
		return false;
	c->in = p;
	c->in_cap = need;
	return true;
}

/* A head's buffer grows as it fills, from HEAD_START up to the limit:
 * most heads are a few hundred bytes, and a connection keeps its buffer
 * while the request is answered (on a small board, 64 connections with
 * the limit each would hold a MiB for nothing). */
static size_t head_need(const struct bb_http_conn *c)
{
	size_t n = c->in_cap > HEAD_START ? c->in_cap : HEAD_START;

	while (n <= c->in_len && n < BB_HTTP_MAX_HEAD)
		n *= 2;
	return n < BB_HTTP_MAX_HEAD ? n : BB_HTTP_MAX_HEAD;
}

char *bb_http_conn_rspace(struct bb_http_conn *c, size_t *room)
{
	size_t need;

	*room = 0;
	switch (c->st) {
	case BB_HC_IDLE:
	case BB_HC_HEAD: need = head_need(c); break;
	case BB_HC_BODY: need = c->head_len + (size_t)c->body_len; break;
	case BB_HC_DRAIN:
		c->in_len = 0;
		need = c->in_cap ? c->in_cap : DRAIN_BUF;
		break;
	default: return NULL;
	}
	if (c->in_len >= need)
		return NULL; /* a full head: the parser has said 431 already */
	if (!reserve(c, need)) {
		c->st = BB_HC_DEAD;
		return NULL;
	}
	*room = need - c->in_len;
	return c->in + c->in_len;
}

static void clear_out(struct bb_http_conn *c)
{
	bb_buf_reset(&c->out);
	c->out_off = 0;
	c->file_off = c->file_left = 0;
	c->external = false;
}

/* An answer the engine makes itself (a malformed or late request): the
 * rest of the input is not read, so after sending it drains. */
static void fail(struct bb_http_conn *c, int status, uint64_t now)
{
	c->error = status;
	c->keep_alive = false;
	c->close_after = true;
	c->drain_after = true;
	clear_out(c);
	bb_http_conn_simple(c, status, false);
	c->in_len = 0;
	c->st = BB_HC_SEND;
	c->deadline = now + c->cfg->drain_ms;
}

static struct bb_http_span span(const struct bb_http_conn *c, const char *p,
				size_t len)
{
	return (struct bb_http_span){(uint32_t)(p - c->in), (uint32_t)len};
}

/* Can the bytes since the last parse change its "partial" verdict? Only
 * a CR or LF (a line ends, or a bare one), a CR left last time, or the
 * length reaching a limit can: skipping the rest keeps a head sent in
 * small pieces linear instead of quadratic. */
static bool worth_parsing(const struct bb_http_conn *c)
{
	size_t from = c->scanned, n = c->in_len - from;

	if (!from || c->in[from - 1] == '\r' || c->in_len >= BB_HTTP_MAX_HEAD ||
	    (from < BB_HTTP_MAX_LINE && c->in_len >= BB_HTTP_MAX_LINE))
		return true;
	return memchr(c->in + from, '\n', n) || memchr(c->in + from, '\r', n);
}

/* Parses what has arrived as far as it goes. */
static void advance(struct bb_http_conn *c, uint64_t now)
{
	struct bb_http_head h;
	long n;
	size_t i;

	if (c->st == BB_HC_HEAD) {
		if (!worth_parsing(c))
			return;
		c->scanned = c->in_len;
		n = bb_http_parse_head(c->in, c->in_len, &h);
		if (n == BB_EPARTIAL)
			return;
		if (n < 0) {
			fail(c, h.status ? h.status : 400, now);
			return;
		}
		c->head_len = (size_t)n;
		c->method = h.method;
		c->minor = h.minor;
		c->keep_alive = h.keep_alive;
		c->target = span(c, h.target, h.target_len);
		c->nheaders = h.nheaders;
		for (i = 0; i < h.nheaders; i++) {
			c->hname[i] =
			    span(c, h.headers[i].name, h.headers[i].name_len);
			c->hval[i] =
			    span(c, h.headers[i].value, h.headers[i].value_len);
		}
		c->body_len = h.content_length;
		if (c->body_len > c->cfg->max_body) {
			fail(c, 413, now);
			return;
		}
		c->st = BB_HC_BODY;
		/* a body has its own bound, from the end of the head */
		c->deadline = now + c->cfg->idle_ms;
	}
	if (c->st == BB_HC_BODY && c->in_len - c->head_len >= c->body_len)
		c->st = BB_HC_READY;
}

void bb_http_conn_received(struct bb_http_conn *c, size_t n, uint64_t now)
{
	if (!n) {
		/* the peer is gone (or half-closed with nothing pending): no
		 * answer is owed for a request it did not finish */
		c->st = BB_HC_DEAD;
		return;
	}
	switch (c->st) {
	case BB_HC_DRAIN:
		c->drained += n;
		c->in_len = 0;
		if (c->drained > DRAIN_MAX)
			c->st = BB_HC_DEAD;
		return;
	case BB_HC_IDLE:
		/* the head's deadline counts from its first byte and is not
		 * moved by later ones: one byte a second gets 408 */
		c->st = BB_HC_HEAD;
		c->deadline = now + c->cfg->header_ms;
		c->scanned = 0;
		/* fall through */
	case BB_HC_HEAD:
	case BB_HC_BODY:
		c->in_len += n;
		advance(c, now);
		return;
	default: return;
	}
}

void bb_http_conn_request(const struct bb_http_conn *c, struct bb_http_head *h,
			  const uint8_t **body, size_t *body_len)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	h->method = c->method;
	h->minor = c->minor;
	h->keep_alive = c->keep_alive;
	h->target = c->in + c->target.off;
	h->target_len = c->target.len;
	h->nheaders = c->nheaders;
	for (i = 0; i < c->nheaders; i++)
		h->headers[i] = (struct bb_http_header){
		    c->in + c->hname[i].off, c->hname[i].len,
		    c->in + c->hval[i].off, c->hval[i].len};
	h->has_length = c->body_len > 0;
	h->content_length = c->body_len;
	*body = (const uint8_t *)c->in + c->head_len;
	*body_len = (size_t)c->body_len;
}

void bb_http_conn_status(struct bb_http_conn *c, int status, const char *ctype,
			 uint64_t length, const char *extra)
{
	bb_buf_printf(&c->out,
		      "HTTP/1.1 %d %s\r\nServer: bootbox\r\nDate: %s\r\n"
		      "Content-Length: %llu\r\n%s%s%s%s%s\r\n",
		      status, bb_http_reason(status), c->cfg->date,
		      (unsigned long long)length, ctype ? "Content-Type: " : "",
		      ctype ? ctype : "", ctype ? "\r\n" : "",
		      extra ? extra : "",
		      c->keep_alive ? "" : "Connection: close\r\n");
}

void bb_http_conn_simple(struct bb_http_conn *c, int status, bool head_only)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", status,
			 bb_http_reason(status));

	bb_http_conn_status(c, status, "text/plain", (uint64_t)n, NULL);
	if (!head_only)
		bb_buf_append(&c->out, body, (size_t)n);
}

void bb_http_conn_file(struct bb_http_conn *c, uint64_t off, uint64_t len)
{
	c->file_off = off;
	c->file_left = len;
}

void bb_http_conn_external(struct bb_http_conn *c)
{
	c->external = true;
}

static bool out_done(const struct bb_http_conn *c)
{
	return c->out_off >= c->out.len && !c->file_left && !c->external;
}

/* The answer is out: the next request, a drain, or the end. */
static void finish(struct bb_http_conn *c, uint64_t now)
{
	clear_out(c);
	if (c->close_after) {
		if (c->drain_after || c->in_len) {
			/* closing with unread input makes the kernel send a
			 * reset, which can destroy the answer before the
			 * client reads it: half-close and read a while */
			c->st = BB_HC_DRAIN;
			c->in_len = 0;
			c->deadline = now + c->cfg->drain_ms;
		} else {
			c->st = BB_HC_DEAD;
		}
		return;
	}
	if (!c->in_len) {
		free(c->in); /* idle keep-alive holds no buffer */
		c->in = NULL;
		c->in_cap = 0;
		c->st = BB_HC_IDLE;
		c->deadline = now + c->cfg->idle_ms;
		return;
	}
	/* pipelined bytes: the next head's clock starts now */
	c->st = BB_HC_HEAD;
	c->deadline = now + c->cfg->header_ms;
	c->scanned = 0;
	advance(c, now);
}

void bb_http_conn_answered(struct bb_http_conn *c, uint64_t now)
{
	size_t used = c->head_len + (size_t)c->body_len;

	if (c->st != BB_HC_READY)
		return;
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	if (!c->keep_alive)
		c->close_after = true;
	c->st = BB_HC_SEND;
	c->deadline = now + c->cfg->idle_ms;
	if (out_done(c))
		finish(c, now);
}

size_t bb_http_conn_out(const struct bb_http_conn *c, const char **p,
			bool *more)
{
	if (c->st != BB_HC_SEND || c->out_off >= c->out.len)
		return 0;
	*p = c->out.p + c->out_off;
	*more = c->file_left || c->external;
	return c->out.len - c->out_off;
}

void bb_http_conn_progress(struct bb_http_conn *c, uint64_t now)
{
	/* a write that makes progress keeps the connection; an error
	 * answer keeps its short bound */
	if (c->st == BB_HC_SEND && !c->drain_after)
		c->deadline = now + c->cfg->idle_ms;
}

void bb_http_conn_sent(struct bb_http_conn *c, size_t n, uint64_t now)
{
	if (c->st != BB_HC_SEND)
		return;
	c->out_off += n > c->out.len - c->out_off ? c->out.len - c->out_off : n;
	bb_http_conn_progress(c, now);
	if (out_done(c))
		finish(c, now);
}

uint64_t bb_http_conn_file_left(const struct bb_http_conn *c, uint64_t *off)
{
	if (c->st != BB_HC_SEND || c->out_off < c->out.len)
		return 0;
	*off = c->file_off;
	return c->file_left;
}

void bb_http_conn_file_sent(struct bb_http_conn *c, uint64_t n, uint64_t now)
{
	if (c->st != BB_HC_SEND)
		return;
	if (n > c->file_left)
		n = c->file_left;
	c->file_off += n;
	c->file_left -= n;
	bb_http_conn_progress(c, now);
	if (out_done(c))
		finish(c, now);
}

void bb_http_conn_external_done(struct bb_http_conn *c, uint64_t now)
{
	if (c->st != BB_HC_SEND || !c->external)
		return;
	c->external = false;
	if (out_done(c))
		finish(c, now);
}

void bb_http_conn_tick(struct bb_http_conn *c, uint64_t now)
{
	if (now < c->deadline)
		return;
	if (c->st == BB_HC_HEAD || c->st == BB_HC_BODY)
		fail(c, 408, now); /* a request that never completed */
	else if (c->st != BB_HC_READY)
		c->st = BB_HC_DEAD;
}

int bb_http_conn_reclaim_rank(const struct bb_http_conn *c)
{
	if (c->st == BB_HC_IDLE || c->st == BB_HC_DRAIN)
		return 2;
	return c->st == BB_HC_HEAD ? 1 : 0;
}
