/* The Linux board's side of board/board.h's files: the descriptor under a
 * bb_file, for the board's own sends (sendfile, preadv). */
#ifndef BB_LINUX_BOARD_FILE_H
#define BB_LINUX_BOARD_FILE_H

#include "board/board.h"

int bb_file_fd(const struct bb_file *f);
/* fd (of size bytes) as a bb_file of its own; fd is closed on failure. */
int bb_file_adopt(int fd, uint64_t size, struct bb_file **f);

#endif
