/* Bounded reader over untrusted bytes. Every getter checks the remaining
 * length first; the first failure sets a sticky error and makes every later
 * getter return zeroes, so a decoder checks rd.err once at the end. */
#ifndef BB_RD_H
#define BB_RD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"

struct bb_rd {
	const uint8_t *p;
	const uint8_t *end;
	int err;
};

static inline struct bb_rd bb_rd_init(const void *buf, size_t len)
{
	struct bb_rd r = {(const uint8_t *)buf, (const uint8_t *)buf + len, 0};
	return r;
}

static inline size_t bb_rd_left(const struct bb_rd *r)
{
	return r->err ? 0 : (size_t)(r->end - r->p);
}

/* Returns a pointer to n bytes and advances, or NULL (sticky error). */
static inline const uint8_t *bb_rd_bytes(struct bb_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err || n > (size_t)(r->end - r->p)) {
		r->err = BB_EMALFORMED;
		return NULL;
	}
	p = r->p;
	r->p += n;
	return p;
}

static inline uint8_t bb_rd_u8(struct bb_rd *r)
{
	const uint8_t *p = bb_rd_bytes(r, 1);
	return p ? p[0] : 0;
}

static inline uint16_t bb_rd_u16be(struct bb_rd *r)
{
	const uint8_t *p = bb_rd_bytes(r, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static inline uint32_t bb_rd_u32be(struct bb_rd *r)
{
	const uint8_t *p = bb_rd_bytes(r, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		       (uint32_t)p[2] << 8 | p[3]
		 : 0;
}

static inline void bb_rd_copy(struct bb_rd *r, void *dst, size_t n)
{
	const uint8_t *p = bb_rd_bytes(r, n);

	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

/* A NUL-terminated string that must end before the buffer does. Returns the
 * start and stores its length (without NUL) in *len, or NULL. */
static inline const char *bb_rd_cstr(struct bb_rd *r, size_t *len)
{
	const uint8_t *nul;
	const char *s;

	if (r->err)
		return NULL;
	nul = memchr(r->p, 0, (size_t)(r->end - r->p));
	if (!nul) {
		r->err = BB_EMALFORMED;
		return NULL;
	}
	s = (const char *)r->p;
	*len = (size_t)(nul - r->p);
	r->p = nul + 1;
	return s;
}

#endif
