#include <stdint.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "board/linux/ticker.h"
#include "common/err.h"

int bb_ticker_open(struct bb_ticker *t, uint32_t period_us)
{
	t->on = false;
	t->period_us = period_us;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	return t->fd < 0 ? BB_EIO : 0;
}

void bb_ticker_set(struct bb_ticker *t, bool on)
{
	struct itimerspec its = {0};
	long ns = (long)t->period_us * 1000;

	if (t->fd < 0 || t->on == on)
		return;
	if (on) {
		its.it_value.tv_sec = ns / 1000000000;
		its.it_value.tv_nsec = ns % 1000000000;
		its.it_interval = its.it_value;
	}
	if (!timerfd_settime(t->fd, 0, &its, NULL))
		t->on = on;
}

void bb_ticker_ack(struct bb_ticker *t)
{
	uint64_t n;

	if (read(t->fd, &n, sizeof(n)) < 0)
		(void)n; /* nothing to clear: a tick that raced a stop */
}

void bb_ticker_close(struct bb_ticker *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->on = false;
}
