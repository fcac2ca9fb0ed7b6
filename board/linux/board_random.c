/* board.h's random source on Linux: the kernel's CSPRNG. */
#include <errno.h>
#include <sys/random.h>

#include "board/board.h"
#include "common/err.h"

int bb_board_random(void *p, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = getrandom((char *)p + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return bb_board_fail(BB_EIO, "getrandom failed");
		got += (size_t)n;
	}
	return 0;
}
