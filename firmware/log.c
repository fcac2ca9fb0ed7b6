#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "firmware/log.h"

int bb_log_verbosity = BB_LOG_INFO;

void bb_log(enum bb_log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info",
					     "debug" };
	char line[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if ((int)lvl > bb_log_verbosity)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one write per line so concurrent logs do not interleave */
	fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %s\n", tm.tm_hour, tm.tm_min,
		tm.tm_sec, ts.tv_nsec / 1000000, names[lvl], line);
}
