/* Untrusted strings (file names, user classes, URLs) reach logs only through
 * this: printable ASCII passes, everything else becomes \ooo, and the result
 * is always NUL-terminated and cut to fit (like OpenBSD strnvis VIS_OCTAL). */
#ifndef BB_SANITIZE_H
#define BB_SANITIZE_H

#include <stddef.h>

char *bb_sanitize(char *dst, size_t cap, const void *src, size_t len);

#endif
