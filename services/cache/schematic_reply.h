/* The Image Factory's answer to POST /schematics, I/O-free:
 *   201 (or 200 for a schematic it already had) {"id":"<64 hex>"}
 * One JSON object and nothing after it, "id" present once as a string of
 * 64 lowercase hex digits: the id names every artifact URL and cache
 * directory, so nothing else may pass. */
#ifndef BB_CACHE_SCHEMATIC_REPLY_H
#define BB_CACHE_SCHEMATIC_REPLY_H

#include <stddef.h>

#define BB_SCHEMATIC_REPLY_MAX (64u << 10)

/* Decodes the reply of HTTP status status in buf[0..len) (no NUL needed).
 * 0 (id: the 64 digits and a NUL), BB_EMALFORMED or BB_ETOOBIG with *why
 * (static text), or BB_ENOMEM. */
int bb_schematic_reply_parse(int status, const char *buf, size_t len,
			     char id[65], const char **why);

#endif
