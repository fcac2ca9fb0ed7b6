/* Bounded writer into a caller buffer. Overflow is sticky: w.err becomes
 * BB_ENOSPC and nothing more is written, so a builder checks once at the end
 * and returns bb_wr_result(). */
#ifndef BB_WR_H
#define BB_WR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"

struct bb_wr {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
};

static inline struct bb_wr bb_wr_init(void *buf, size_t cap)
{
	struct bb_wr w = {(uint8_t *)buf, cap, 0, 0};
	return w;
}

/* Reserves n bytes and returns them, or NULL (sticky BB_ENOSPC). */
static inline uint8_t *bb_wr_reserve(struct bb_wr *w, size_t n)
{
	uint8_t *p;

	if (w->err || n > w->cap - w->len) {
		w->err = BB_ENOSPC;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

static inline void bb_wr_bytes(struct bb_wr *w, const void *src, size_t n)
{
	uint8_t *p = bb_wr_reserve(w, n);

	if (p && n)
		memcpy(p, src, n);
}

static inline void bb_wr_u8(struct bb_wr *w, uint8_t v)
{
	bb_wr_bytes(w, &v, 1);
}

static inline void bb_wr_u16be(struct bb_wr *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	bb_wr_bytes(w, b, 2);
}

static inline void bb_wr_u32be(struct bb_wr *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};
	bb_wr_bytes(w, b, 4);
}

static inline void bb_wr_str(struct bb_wr *w, const char *s)
{
	bb_wr_bytes(w, s, strlen(s));
}

/* Bytes written, or BB_ENOSPC. */
static inline int bb_wr_result(const struct bb_wr *w)
{
	return w->err ? w->err : (int)w->len;
}

#endif
