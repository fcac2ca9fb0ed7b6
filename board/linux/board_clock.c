/* board/board.h's clocks on the Linux loop: the loop's monotonic time,
 * sampled once per turn, and the wall clock. */
#include "board/board.h"
#include "board/linux/loop.h"

uint64_t bb_board_now_ms(void)
{
	return bb_loop_now_ms(bb_loop_board());
}

int64_t bb_board_wall_now(void)
{
	return bb_wall_now();
}
