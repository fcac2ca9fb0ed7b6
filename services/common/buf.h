/* A growable byte buffer for bodies built by engines (iPXE scripts, JSON).
 * Allocation failure is sticky in .err (BB_ENOMEM); check once at the end. */
#ifndef BB_BUF_H
#define BB_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct bb_buf {
	char *p; /* always NUL-terminated when len > 0 */
	size_t len, cap;
	size_t limit; /* 0: 16 MiB */
	int err;
};

void bb_buf_append(struct bb_buf *b, const void *data, size_t len);
void bb_buf_puts(struct bb_buf *b, const char *s);
__attribute__((format(printf, 2, 3))) void bb_buf_printf(struct bb_buf *b,
							 const char *fmt, ...);
void bb_buf_reset(struct bb_buf *b); /* len = 0, keeps memory */
void bb_buf_free(struct bb_buf *b);

#endif
