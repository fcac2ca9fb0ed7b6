/* Text-to-value parsers for config and protocol text (like OpenBSD strtonum):
 * every one takes an explicit length, accepts the whole input or nothing, and
 * returns 0 or BB_EMALFORMED / BB_EINVAL (out of range). IPv4 addresses are
 * uint32_t in host byte order throughout bootbox. */
#ifndef BB_PARSE_H
#define BB_PARSE_H

#include <stddef.h>
#include <stdint.h>

int bb_parse_u32(const char *s, size_t len, uint32_t min, uint32_t max,
		 uint32_t *out);

/* Dotted quad, exactly four decimal parts 0..255, no leading zeros beyond "0".
 */
int bb_parse_ipv4(const char *s, size_t len, uint32_t *out);

/* "a.b.c.d/n", host bits must be zero (BB_EINVAL otherwise). */
int bb_parse_cidr(const char *s, size_t len, uint32_t *net, uint8_t *prefix);

/* "a.b.c.d-e.f.g.h" with optional spaces around '-', lo <= hi. */
int bb_parse_range(const char *s, size_t len, uint32_t *lo, uint32_t *hi);

/* 48-bit MAC in any usual notation: 52:54:00:12:34:56, 52-54-00-12-34-56,
 * 5254.0012.3456, 525400123456; case-insensitive. */
int bb_parse_mac(const char *s, size_t len, uint8_t mac[6]);

/* Seconds from "3600", "90s", "30m", "1h", "2d", "1h30m". Range 0..2^31-1. */
int bb_parse_duration(const char *s, size_t len, uint32_t *secs);

/* One hex digit's value (either case), -1 for anything else. */
int bb_hex_digit(char c);

/* Formatting helpers; buffers of at least 16 and 18 bytes. */
char *bb_fmt_ipv4(uint32_t ip, char buf[16]);
char *bb_fmt_mac(const uint8_t mac[6], char buf[18]);

static inline uint32_t bb_prefix_mask(uint8_t prefix)
{
	return prefix ? 0xffffffffu << (32 - prefix) : 0;
}

#endif
