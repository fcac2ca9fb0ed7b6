/* Logging to stderr: "bootbox[pid]: level: message". Untrusted strings must
 * go through bb_sanitize() first. */
#ifndef BB_LOG_H
#define BB_LOG_H

enum bb_log_level { BB_LOG_ERR, BB_LOG_WARN, BB_LOG_INFO, BB_LOG_DEBUG };

extern int bb_log_verbosity; /* default BB_LOG_INFO */

__attribute__((format(printf, 2, 3))) void bb_log(enum bb_log_level lvl,
						  const char *fmt, ...);

#define bb_err(...)   bb_log(BB_LOG_ERR, __VA_ARGS__)
#define bb_warn(...)  bb_log(BB_LOG_WARN, __VA_ARGS__)
#define bb_info(...)  bb_log(BB_LOG_INFO, __VA_ARGS__)
#define bb_debug(...) bb_log(BB_LOG_DEBUG, __VA_ARGS__)

#endif
