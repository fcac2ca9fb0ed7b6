/* Inside the lwIP board: its loop, and the error message of board.h. */
#ifndef BB_BOARD_LWIP_H
#define BB_BOARD_LWIP_H

#include <stdbool.h>
#include <stdint.h>

#include "board/board.h"

struct netif;

/* Records msg for bb_board_errmsg() and returns rc. */
__attribute__((format(printf, 2, 3))) int bb_board_fail(int rc, const char *fmt,
							...);

/* The main loop: polls the TAP for frames, runs lwIP's timeouts, our
 * timers and the idle hooks; returns when bb_lwip_loop_stop() is called
 * (SIGTERM/SIGINT call it). */
int bb_lwip_loop_run(struct netif *nif, void (*turn)(void *), void *arg);
/* What SIGHUP runs, on the loop (between turns). */
void bb_lwip_loop_on_hup(void (*fn)(void *arg), void *arg);
void bb_lwip_loop_stop(void);
bool bb_lwip_loop_stopping(void);

#endif
