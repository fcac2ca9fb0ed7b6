/* board.h's log output on Linux: stderr, which systemd's journal or the
 * container's console reads. */
#include <errno.h>
#include <unistd.h>

#include "board/board.h"

void bb_board_log_write(const char *text, size_t len)
{
	while (len) {
		ssize_t w = write(2, text, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* stderr is gone: nothing to tell */
		text += w;
		len -= (size_t)w;
	}
}
