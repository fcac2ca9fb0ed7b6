#include <string.h>

#include "cache/upstream.h"
#include "common/err.h"
#include "common/parse.h"

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.';
}

int bb_url_parse(const char *s, size_t len, struct bb_url *out)
{
	const char *p, *end = s + len, *hs, *he;
	uint32_t port;
	size_t plen;

	memset(out, 0, sizeof(*out));
	if (len >= 8 && !memcmp(s, "https://", 8)) {
		out->tls = true;
		out->port = 443;
		p = s + 8;
	} else if (len >= 7 && !memcmp(s, "http://", 7)) {
		out->port = 80;
		p = s + 7;
	} else {
		return BB_EMALFORMED;
	}
	hs = p;
	while (p < end && host_char(*p))
		p++;
	he = p;
	if (he == hs || (size_t)(he - hs) > BB_URL_HOST_MAX)
		return BB_EMALFORMED;
	memcpy(out->host, hs, (size_t)(he - hs));
	if (p < end && *p == ':') {
		const char *ps = ++p;

		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (bb_parse_u32(ps, (size_t)(p - ps), 1, 65535, &port))
			return BB_EMALFORMED;
		out->port = (uint16_t)port;
	}
	if (p == end) {
		out->path[0] = '/';
		return 0;
	}
	if (*p != '/' && *p != '?')
		return BB_EMALFORMED;
	plen = (size_t)(end - p);
	if (plen + 1 > BB_URL_PATH_MAX)
		return BB_EMALFORMED;
	if (*p == '?')
		out->path[0] = '/';
	memcpy(out->path + (*p == '?'), p, plen);
	/* no spaces or control bytes: they would end up in a request line */
	for (plen = 0; out->path[plen]; plen++)
		if ((unsigned char)out->path[plen] <= 0x20 ||
		    out->path[plen] == 0x7f)
			return BB_EMALFORMED;
	return 0;
}

int bb_url_resolve(const struct bb_url *base, const char *loc, size_t len,
		   struct bb_url *out)
{
	if (len && loc[0] == '/' && !(len > 1 && loc[1] == '/')) {
		size_t i;

		if (len > BB_URL_PATH_MAX)
			return BB_EMALFORMED;
		*out = *base;
		memset(out->path, 0, sizeof(out->path));
		memcpy(out->path, loc, len);
		for (i = 0; i < len; i++)
			if ((unsigned char)loc[i] <= 0x20 || loc[i] == 0x7f)
				return BB_EMALFORMED;
		return 0;
	}
	return bb_url_parse(loc, len, out);
}

static bool name_is(const char *n, size_t nlen, const char *want)
{
	return strlen(want) == nlen && !strncasecmp(n, want, nlen);
}

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || len > 19)
		return BB_EMALFORMED;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return BB_EMALFORMED;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "bytes a-b/total" */
static int parse_content_range(const char *v, size_t len,
			       struct bb_upstream_reply *r)
{
	const char *dash, *slash;

	if (len < 6 || memcmp(v, "bytes ", 6))
		return BB_EMALFORMED;
	v += 6;
	len -= 6;
	dash = memchr(v, '-', len);
	slash = memchr(v, '/', len);
	if (!dash || !slash || slash < dash)
		return BB_EMALFORMED;
	if (parse_u64(v, (size_t)(dash - v), &r->range_start) ||
	    parse_u64(dash + 1, (size_t)(slash - dash - 1), &r->range_end) ||
	    parse_u64(slash + 1, len - (size_t)(slash + 1 - v),
		      &r->range_total) ||
	    r->range_end < r->range_start || r->range_end >= r->range_total)
		return BB_EMALFORMED;
	r->has_range = true;
	return 0;
}

static int header(struct bb_upstream_reply *r, const char *n, size_t nlen,
		  const char *v, size_t vlen)
{
	uint64_t cl;

	if (name_is(n, nlen, "content-length")) {
		if (parse_u64(v, vlen, &cl) ||
		    (r->has_length && cl != r->content_length))
			return BB_EMALFORMED;
		r->has_length = true;
		r->content_length = cl;
	} else if (name_is(n, nlen, "content-range")) {
		return parse_content_range(v, vlen, r);
	} else if (name_is(n, nlen, "transfer-encoding")) {
		if (!name_is(v, vlen, "chunked"))
			return BB_EMALFORMED;
		r->chunked = true;
	} else if (name_is(n, nlen, "connection")) {
		r->close = name_is(v, vlen, "close");
	} else if (name_is(n, nlen, "location")) {
		if (vlen > BB_URL_PATH_MAX)
			return BB_EMALFORMED;
		memcpy(r->location, v, vlen);
		r->location[vlen] = 0;
	}
	return 0;
}

static void trim(const char **v, size_t *len)
{
	while (*len && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*len)--;
	}
	while (*len && ((*v)[*len - 1] == ' ' || (*v)[*len - 1] == '\t'))
		(*len)--;
}

long bb_upstream_reply_parse(const char *buf, size_t len,
			     struct bb_upstream_reply *r)
{
	const char *p = buf, *end, *eol;
	uint32_t status;

	memset(r, 0, sizeof(*r));
	end = len > 16384 ? buf + 16384 : buf + len;
	eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		return len > 16384 ? BB_EMALFORMED : BB_EPARTIAL;
	if (eol - p < 12 || memcmp(p, "HTTP/1.", 7) || p[8] != ' ' ||
	    bb_parse_u32(p + 9, 3, 100, 599, &status) ||
	    (p[12] != ' ' && p[12] != '\r'))
		return BB_EMALFORMED;
	r->status = (int)status;
	for (p = eol + 1;; p = eol + 1) {
		const char *colon, *v;
		size_t llen, vlen;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			return len > 16384 ? BB_EMALFORMED : BB_EPARTIAL;
		llen = (size_t)(eol - p);
		if (llen && p[llen - 1] == '\r')
			llen--;
		if (llen == 0)
			break;
		colon = memchr(p, ':', llen);
		if (!colon || colon == p || p[0] == ' ' || p[0] == '\t')
			return BB_EMALFORMED; /* no obs-fold, no empty name */
		v = colon + 1;
		vlen = llen - (size_t)(v - p);
		trim(&v, &vlen);
		if (header(r, p, (size_t)(colon - p), v, vlen))
			return BB_EMALFORMED;
	}
	if (r->chunked && r->has_length)
		return BB_EMALFORMED;
	return (long)(eol + 1 - buf);
}

enum {
	CH_SIZE,
	CH_EXT,
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER,
	CH_TRAILER_LF,
	CH_DONE
};

static int hexdig(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int size_byte(struct bb_chunked *c, uint8_t b)
{
	int d;

	if (c->state == CH_EXT) {
		if (b == '\r')
			c->state = CH_SIZE_LF;
		return 0;
	}
	d = hexdig(b);
	if (d >= 0) {
		if (++c->digits > 15)
			return BB_EMALFORMED;
		c->left = c->left << 4 | (uint64_t)d;
	} else if (b == '\r' && c->digits) {
		c->state = CH_SIZE_LF;
	} else if (b == ';' && c->digits) {
		c->state = CH_EXT;
	} else {
		return BB_EMALFORMED;
	}
	return 0;
}

int bb_chunked_decode(struct bb_chunked *c, uint8_t *in, size_t len,
		      size_t *out_len)
{
	size_t i = 0, o = 0;

	while (i < len && c->state != CH_DONE) {
		uint8_t b = in[i];

		switch (c->state) {
		case CH_SIZE:
		case CH_EXT:
			if (size_byte(c, b))
				return BB_EMALFORMED;
			i++;
			break;
		case CH_SIZE_LF:
			if (b != '\n')
				return BB_EMALFORMED;
			i++;
			c->state = c->left ? CH_DATA : CH_TRAILER;
			break;
		case CH_DATA: {
			size_t n =
			    len - i < c->left ? len - i : (size_t)c->left;

			memmove(in + o, in + i, n);
			o += n;
			i += n;
			c->left -= n;
			if (!c->left)
				c->state = CH_DATA_CR;
			break;
		}
		case CH_DATA_CR:
		case CH_TRAILER:
			if (b != '\r')
				return BB_EMALFORMED; /* trailers refused */
			c->state =
			    c->state == CH_DATA_CR ? CH_DATA_LF : CH_TRAILER_LF;
			i++;
			break;
		case CH_DATA_LF:
		case CH_TRAILER_LF:
			if (b != '\n')
				return BB_EMALFORMED;
			i++;
			if (c->state == CH_TRAILER_LF) {
				c->state = CH_DONE;
				c->done = true;
			} else {
				c->state = CH_SIZE;
				c->digits = 0;
			}
			break;
		}
	}
	*out_len = o;
	return 0;
}
