/* board/board.h's error message: the last failed board call's, kept for
 * the caller, one per thread (a lane reads its own). */
#include <stdarg.h>
#include <stdio.h>

#include "board/board.h"

static __thread char errmsg[256];

int bb_board_fail(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	return rc;
}

const char *bb_board_errmsg(void)
{
	return errmsg;
}
