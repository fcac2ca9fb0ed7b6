#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board/board.h"
#include "firmware/serve/log.h"

int bb_log_verbosity = BB_LOG_INFO;

/* Lines come from the main loop and from the lanes (DHCP's); the boards'
 * own threads (the journal's committer, the fetch parts) hand their
 * results to a loop and never log. The ring and the held lines are under
 * one lock once a lane may log (bb_log_threads). */
static struct bb_log_event ring[BB_LOG_EVENTS];
static size_t ring_next, ring_n;
static struct bb_lock *lock;

int bb_log_threads(void)
{
	if (!lock && !(lock = bb_lock_new()))
		return -1;
	return 0;
}

int bb_log_setup(const char *v)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	int i;

	if (!v || !v[0])
		return 0;
	for (i = 0; i < 4; i++)
		if (!strcmp(v, names[i])) {
			bb_log_verbosity = i;
			return 0;
		}
	if (!strcmp(v, "warning")) {
		bb_log_verbosity = BB_LOG_WARN;
		return 0;
	}
	return -1;
}

const char *bb_log_fields(char *buf, size_t cap, const uint8_t *mac,
			  uint32_t ip, const char *machine)
{
	size_t n = 0;
	int w;

	buf[0] = 0;
	if (mac && n < cap) {
		w = snprintf(buf + n, cap - n,
			     "mac=%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
			     mac[1], mac[2], mac[3], mac[4], mac[5]);
		n += w > 0 ? (size_t)w : 0;
	}
	if (ip && n < cap) {
		w = snprintf(buf + n, cap - n, "%sip=%u.%u.%u.%u", n ? " " : "",
			     ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
			     ip & 255);
		n += w > 0 ? (size_t)w : 0;
	}
	if (machine && n < cap)
		snprintf(buf + n, cap - n, "%smachine=%s", n ? " " : "",
			 machine);
	return buf;
}

static void remember(int lvl, const char *msg)
{
	struct bb_log_event *e;

	e = &ring[ring_next];
	e->when = (int64_t)time(NULL);
	e->level = lvl;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	ring_next = (ring_next + 1) % BB_LOG_EVENTS;
	if (ring_n < BB_LOG_EVENTS)
		ring_n++;
}

size_t bb_log_events(struct bb_log_event *out, size_t cap)
{
	size_t i, n, first;

	bb_lock_take(lock);
	n = ring_n < cap ? ring_n : cap;
	/* the newest n when cap is short */
	first = (ring_next + BB_LOG_EVENTS - n) % BB_LOG_EVENTS;
	for (i = 0; i < n; i++)
		out[i] = ring[(first + i) % BB_LOG_EVENTS];
	bb_lock_give(lock);
	return n;
}

void bb_log_event(const char *fmt, ...)
{
	char line[240];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	bb_lock_take(lock);
	remember(BB_LOG_INFO, line);
	bb_lock_give(lock);
}

/* Lines that may wait (the access log): written whole by bb_log_flush;
 * a line that may not flushes them first, so the order holds. */
static char held[32768];
static size_t nheld;

static void flush_held(void)
{
	bb_board_log_write(held, nheld);
	nheld = 0;
}

void bb_log_flush(void)
{
	bb_lock_take(lock);
	flush_held();
	bb_lock_give(lock);
}

/* One line, in the format of the place it goes to. */
static size_t format(char *out, size_t cap, enum bb_log_level lvl,
		     const char *line)
{
	static const char *const names[] = {"error", "warning", "info",
					    "debug"};
	/* sd-daemon(3): LOG_ERR 3, LOG_WARNING 4, LOG_INFO 6, LOG_DEBUG 7 */
	static const char prio[] = {'3', '4', '6', '7'};
	static int journal = -1;
	struct timespec ts;
	struct tm tm;
	int n;

	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	if (journal) {
		n = snprintf(out, cap, "<%c>%s: %s\n", prio[lvl], names[lvl],
			     line);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(out, cap,
			     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: %s\n",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			     tm.tm_hour, tm.tm_min, tm.tm_sec,
			     ts.tv_nsec / 1000000, names[lvl], line);
	}
	if (n < 0)
		return 0;
	if ((size_t)n >= cap) { /* cut: still one line */
		out[cap - 2] = '\n';
		return cap - 1;
	}
	return (size_t)n;
}

static void emit(enum bb_log_level lvl, const char *line, bool hold)
{
	char out[1200];
	size_t n = format(out, sizeof(out), lvl, line);

	if (!hold || nheld + n > sizeof(held))
		flush_held();
	if (hold && n <= sizeof(held)) {
		memcpy(held + nheld, out, n);
		nheld += n;
	} else {
		/* one write per line: another process on the same stderr
		 * (a hook) never splits it */
		bb_board_log_write(out, n);
	}
}

__attribute__((format(printf, 3, 0))) static void
vlog(enum bb_log_level lvl, bool hold, const char *fmt, va_list ap)
{
	char line[1024];

	if (lvl > BB_LOG_WARN && (int)lvl > bb_log_verbosity)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	bb_lock_take(lock);
	if (lvl <= BB_LOG_WARN)
		remember((int)lvl, line);
	if ((int)lvl <= bb_log_verbosity)
		emit(lvl, line, hold);
	bb_lock_give(lock);
}

void bb_log(enum bb_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(lvl, false, fmt, ap);
	va_end(ap);
}

void bb_log_held(enum bb_log_level lvl, const char *fmt, ...)
{
	static bool registered;
	va_list ap;

	if (!registered) {
		registered = true;
		atexit(bb_log_flush); /* exit() loses no held line */
	}
	va_start(ap, fmt);
	vlog(lvl, true, fmt, ap);
	va_end(ap);
}
