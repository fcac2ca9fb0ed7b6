/* Logging to stderr. Under systemd (JOURNAL_STREAM set) each line starts
 * with its sd-daemon(3) priority ("<3>" error ... "<7>" debug) and carries
 * no timestamp: journald adds both. Elsewhere a line starts with an RFC 3339
 * UTC timestamp and the level name. Warnings and errors also go to the
 * bounded ring of recent events the status page shows. Untrusted strings
 * must go through bb_sanitize() first. */
#ifndef BB_LOG_H
#define BB_LOG_H

#include <stddef.h>
#include <stdint.h>

enum bb_log_level { BB_LOG_ERR, BB_LOG_WARN, BB_LOG_INFO, BB_LOG_DEBUG };

extern int bb_log_verbosity; /* default BB_LOG_INFO */

__attribute__((format(printf, 2, 3))) void bb_log(enum bb_log_level lvl,
						  const char *fmt, ...);

/* A line that may wait in a buffer (the access log, one per request):
 * written by bb_log_flush (once per loop turn), when the buffer is full,
 * before any bb_log line (so the order holds), and at exit(). */
__attribute__((format(printf, 2, 3))) void bb_log_held(enum bb_log_level lvl,
						       const char *fmt, ...);
void bb_log_flush(void);
/* Lines may come from more than one thread from now on (a lane starts):
 * 0, or -1 when there is no memory for the lock. */
int bb_log_threads(void);

#define bb_err(...)   bb_log(BB_LOG_ERR, __VA_ARGS__)
#define bb_warn(...)  bb_log(BB_LOG_WARN, __VA_ARGS__)
#define bb_info(...)  bb_log(BB_LOG_INFO, __VA_ARGS__)
#define bb_debug(...) bb_log(BB_LOG_DEBUG, __VA_ARGS__)

/* BOOTBOX_LOG (error|warn|info|debug; unset: info) into bb_log_verbosity.
 * 0, or -1 for any other value. */
int bb_log_setup(const char *value);

/* "mac=.. ip=.. machine=.." for the fields given (NULL mac, 0 ip, NULL
 * machine are left out), so log lines can be searched by key. Returns buf. */
const char *bb_log_fields(char *buf, size_t cap, const uint8_t *mac,
			  uint32_t ip, const char *machine);

/* The last warnings and errors (and the events the services record), oldest
 * first: at most BB_LOG_EVENTS. */
#define BB_LOG_EVENTS 64
struct bb_log_event {
	int64_t when; /* wall clock seconds */
	int level;    /* enum bb_log_level */
	char msg[240];
};
/* Copies up to cap events, oldest first; returns how many. */
size_t bb_log_events(struct bb_log_event *out, size_t cap);
/* Also an event at info level (a machine booted, a lease given). */
__attribute__((format(printf, 1, 2))) void bb_log_event(const char *fmt, ...);

#endif
