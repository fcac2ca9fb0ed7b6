#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

static int grow(struct bb_buf *b, size_t need)
{
	size_t limit = b->limit ? b->limit : (size_t)16 << 20;
	size_t cap;
	char *p;

	if (b->err)
		return -1;
	if (need > limit - b->len) {
		b->err = BB_ETOOBIG;
		return -1;
	}
	if (b->len + need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + need + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->err = BB_ENOMEM;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void bb_buf_append(struct bb_buf *b, const void *data, size_t len)
{
	if (grow(b, len))
		return;
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = 0;
}

void bb_buf_puts(struct bb_buf *b, const char *s)
{
	bb_buf_append(b, s, strlen(s));
}

void bb_buf_printf(struct bb_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void bb_buf_reset(struct bb_buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->p)
		b->p[0] = 0;
}

void bb_buf_free(struct bb_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
