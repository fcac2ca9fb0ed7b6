#include <string.h>

#include "common/err.h"
#include "http/http_parse.h"

static const struct {
	const char *name;
	enum bb_http_method m;
} methods[] = {
    {"GET", BB_HTTP_GET}, {"HEAD", BB_HTTP_HEAD},     {"POST", BB_HTTP_POST},
    {"PUT", BB_HTTP_PUT}, {"DELETE", BB_HTTP_DELETE},
};

/* RFC 9110 5.6.2 tchar */
static bool tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool ieq(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return false;
	for (i = 0; i < alen; i++)
		if ((a[i] | 0x20) != (b[i] | 0x20))
			return false;
	return true;
}

static long fail(struct bb_http_head *h, int status)
{
	h->status = status;
	return BB_EMALFORMED;
}

/* One line ending in CRLF at p; a bare CR or LF anywhere is an error. */
static long line_end(const char *p, const char *end, size_t max,
		     const char **eol)
{
	const char *q;

	for (q = p; q < end; q++) {
		if (*q == '\r') {
			if (q + 1 == end)
				return BB_EPARTIAL;
			if (q[1] != '\n')
				return BB_EMALFORMED;
			*eol = q;
			return 0;
		}
		if (*q == '\n' || (size_t)(q - p) >= max)
			return BB_EMALFORMED;
	}
	return (size_t)(end - p) >= max ? BB_EMALFORMED : BB_EPARTIAL;
}

static long request_line(const char *p, const char *eol, struct bb_http_head *h)
{
	const char *sp1 = memchr(p, ' ', (size_t)(eol - p)), *sp2;
	size_t i;

	if (!sp1)
		return fail(h, 400);
	h->method = BB_HTTP_OTHER;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (!ieq(p, (size_t)(sp1 - p), methods[i].name))
			continue;
		/* methods are case-sensitive (RFC 9110 9.1): "get" is not GET,
		 * and serving it as GET is what a smuggler wants */
		if (memcmp(p, methods[i].name, (size_t)(sp1 - p)))
			return fail(h, 400);
		h->method = methods[i].m;
	}
	for (i = 0; p + i < sp1; i++)
		if (!tchar((unsigned char)p[i]))
			return fail(h, 400);
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1 || eol - sp2 != 9 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) || sp2[8] < '0' || sp2[8] > '9')
		return fail(h, sp2 && eol - sp2 == 9 &&
				       !memcmp(sp2 + 1, "HTTP/", 5)
				   ? 505
				   : 400);
	h->target = sp1 + 1;
	h->target_len = (size_t)(sp2 - sp1 - 1);
	for (i = 0; i < h->target_len; i++)
		if ((unsigned char)h->target[i] <= 0x20 || h->target[i] == 0x7f)
			return fail(h, 400);
	h->minor = sp2[8] - '0';
	return 0;
}

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Connection is a comma-separated token list (RFC 9110 7.6.1):
 * "close, foo" closes as "close" does. */
static void conn_tokens(const char *v, const char *ve, bool *conn_close,
			bool *conn_keep)
{
	while (v < ve) {
		const char *t, *te;

		while (v < ve && (*v == ',' || *v == ' ' || *v == '\t'))
			v++;
		t = v;
		while (v < ve && *v != ',')
			v++;
		te = v;
		while (te > t && (te[-1] == ' ' || te[-1] == '\t'))
			te--;
		if (ieq(t, (size_t)(te - t), "close"))
			*conn_close = true;
		else if (ieq(t, (size_t)(te - t), "keep-alive"))
			*conn_keep = true;
	}
}

static long header_line(const char *p, const char *eol, struct bb_http_head *h,
			bool *te, bool *conn_close, bool *conn_keep)
{
	const char *colon = memchr(p, ':', (size_t)(eol - p)), *v, *ve;
	size_t i, nlen;
	uint64_t cl;

	/* obs-fold (a line starting with SP/HTAB) and names with spaces or
	 * other non-token bytes are refused: they are how requests get
	 * smuggled past a proxy that reads them differently */
	if (!colon || colon == p)
		return fail(h, 400);
	nlen = (size_t)(colon - p);
	for (i = 0; i < nlen; i++)
		if (!tchar((unsigned char)p[i]))
			return fail(h, 400);
	v = colon + 1;
	ve = eol;
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	for (i = 0; v + i < ve; i++)
		if (((unsigned char)v[i] < 0x20 && v[i] != '\t') ||
		    v[i] == 0x7f)
			return fail(h, 400);
	if (h->nheaders == BB_HTTP_MAX_HEADERS)
		return fail(h, 431);
	h->headers[h->nheaders++] =
	    (struct bb_http_header){p, nlen, v, (size_t)(ve - v)};
	if (ieq(p, nlen, "content-length")) {
		if (h->has_length || parse_u64(v, (size_t)(ve - v), &cl))
			return fail(h, 400);
		h->has_length = true;
		h->content_length = cl;
	} else if (ieq(p, nlen, "transfer-encoding")) {
		*te = true;
	} else if (ieq(p, nlen, "connection")) {
		conn_tokens(v, ve, conn_close, conn_keep);
	} else if (ieq(p, nlen, "host")) {
		if (h->has_host)
			return fail(h, 400); /* RFC 9112 3.2: exactly one */
		h->has_host = true;
	}
	return 0;
}

long bb_http_parse_head(const char *buf, size_t len, struct bb_http_head *h)
{
	const char *p = buf, *end = buf + len, *eol = NULL;
	bool te = false, cclose = false, ckeep = false;
	long rc;

	memset(h, 0, offsetof(struct bb_http_head, headers));
	h->nheaders = 0;
	h->has_length = false;
	h->has_host = false;
	h->content_length = 0;
	h->status = 0;
	if (len > BB_HTTP_MAX_HEAD)
		end = buf + BB_HTTP_MAX_HEAD;
	rc = line_end(p, end, BB_HTTP_MAX_LINE, &eol);
	if (rc == BB_EPARTIAL)
		return len >= BB_HTTP_MAX_LINE ? fail(h, 414) : BB_EPARTIAL;
	if (rc)
		return fail(h,
			    (size_t)(end - p) >= BB_HTTP_MAX_LINE ? 414 : 400);
	if (request_line(p, eol, h))
		return BB_EMALFORMED;
	for (p = eol + 2;; p = eol + 2) {
		rc = line_end(p, end, (size_t)(end - p) + 1, &eol);
		if (rc == BB_EPARTIAL)
			return len >= BB_HTTP_MAX_HEAD ? fail(h, 431)
						       : BB_EPARTIAL;
		if (rc)
			return fail(h, 400);
		if (eol == p)
			break;
		if (header_line(p, eol, h, &te, &cclose, &ckeep))
			return BB_EMALFORMED;
	}
	if (te)
		return fail(h, h->has_length ? 400 : 501);
	if (h->minor >= 1 && !h->has_host)
		return fail(h, 400); /* RFC 9112 3.2 */
	h->keep_alive = h->minor >= 1 ? !cclose : ckeep;
	return (long)(eol + 2 - buf);
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

int bb_http_normalize(const char *target, size_t len, char *path, size_t cap,
		      const char **query, size_t *qlen)
{
	const char *q = memchr(target, '?', len);
	size_t plen = q ? (size_t)(q - target) : len, i, o = 0;

	*query = q ? q + 1 : "";
	*qlen = q ? len - plen - 1 : 0;
	if (!plen || target[0] != '/')
		return 400;
	if (plen >= cap)
		return 414;
	for (i = 0; i < plen; i++) {
		char c = target[i];

		if (c == '%') {
			int hi, lo;

			if (plen - i < 3 || (hi = hexv(target[i + 1])) < 0 ||
			    (lo = hexv(target[i + 2])) < 0)
				return 400;
			c = (char)(hi << 4 | lo);
			i += 2;
			if (c == 0 || c == '/' || c == '\\' ||
			    (unsigned char)c < 0x20)
				return 400;
		}
		/* collapse "//", resolve "." and ".." as we go */
		if (c == '/' && o && path[o - 1] == '/')
			continue;
		path[o++] = c;
		if (c == '/' || i + 1 == plen) {
			size_t seg_end = c == '/' ? o - 1 : o, s = seg_end;

			while (s && path[s - 1] != '/')
				s--;
			if (seg_end - s == 1 && path[s] == '.') {
				o = s;
			} else if (seg_end - s == 2 && path[s] == '.' &&
				   path[s + 1] == '.') {
				if (s <= 1)
					return 400; /* above the root */
				s--;
				while (s && path[s - 1] != '/')
					s--;
				o = s;
			}
		}
	}
	if (!o)
		path[o++] = '/';
	path[o] = 0;
	return 0;
}

int bb_http_range(const char *v, size_t len, uint64_t size, uint64_t *start,
		  uint64_t *end)
{
	const char *dash;
	uint64_t a, b;

	if (len < 7 || memcmp(v, "bytes=", 6) || memchr(v, ',', len))
		return 0;
	v += 6;
	len -= 6;
	dash = memchr(v, '-', len);
	if (!dash)
		return 0;
	if (dash == v) { /* suffix: the last n bytes */
		if (parse_u64(dash + 1, len - 1, &b))
			return 0;
		if (b == 0 || size == 0)
			return -1;
		*start = b >= size ? 0 : size - b;
		*end = size - 1;
		return 1;
	}
	if (parse_u64(v, (size_t)(dash - v), &a))
		return 0;
	if (dash + 1 == v + len)
		b = size ? size - 1 : 0;
	else if (parse_u64(dash + 1, len - (size_t)(dash + 1 - v), &b) || b < a)
		return 0;
	if (a >= size)
		return -1;
	*start = a;
	*end = b >= size ? size - 1 : b;
	return 1;
}

bool bb_http_etag_match(const char *v, size_t len, const char *etag)
{
	size_t el = strlen(etag), i = 0;

	while (i < len) {
		size_t s, e;

		while (i < len && (v[i] == ' ' || v[i] == ','))
			i++;
		if (i < len && v[i] == '*')
			return true;
		if (len - i >= 2 && v[i] == 'W' && v[i + 1] == '/')
			i += 2;
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && v[e - 1] == ' ')
			e--;
		if (e - s == el && !memcmp(v + s, etag, el))
			return true;
	}
	return false;
}

const char *bb_http_header_get(const struct bb_http_request *req,
			       const char *name, size_t *len)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (ieq(req->headers[i].name, req->headers[i].name_len, name)) {
			*len = req->headers[i].value_len;
			return req->headers[i].value;
		}
	return NULL;
}

int bb_http_request_from(const struct bb_http_head *h, const uint8_t *body,
			 size_t body_len, uint32_t ip, uint16_t port,
			 char *path, size_t cap, struct bb_http_request *req)
{
	int st = bb_http_normalize(h->target, h->target_len, path, cap,
				   &req->query, &req->query_len);

	if (st)
		return st;
	req->method = h->method;
	req->path = path;
	req->path_len = strlen(path);
	req->headers = h->headers;
	req->nheaders = h->nheaders;
	req->body = body;
	req->body_len = body_len;
	req->client_ip = ip;
	req->client_port = port;
	return 0;
}
