/* A periodic sub-millisecond tick on a timerfd, for polling a busy socket
 * instead of waking once per datagram (the loop's own timers have
 * millisecond resolution). */
#ifndef BB_LINUX_TICKER_H
#define BB_LINUX_TICKER_H

#include <stdbool.h>
#include <stdint.h>

struct bb_ticker {
	int fd;
	uint32_t period_us;
	bool on;
};

/* 0 or BB_EIO; the ticker starts stopped. */
int bb_ticker_open(struct bb_ticker *t, uint32_t period_us);
void bb_ticker_set(struct bb_ticker *t, bool on);
/* Clears the readable state after a tick. */
void bb_ticker_ack(struct bb_ticker *t);
void bb_ticker_close(struct bb_ticker *t);

#endif
