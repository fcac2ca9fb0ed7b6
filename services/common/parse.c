#include <stdio.h>
#include <string.h>

#include "err.h"
#include "parse.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int bb_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int bb_parse_u32(const char *s, size_t len, uint32_t min, uint32_t max,
		 uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return BB_EMALFORMED;
	for (i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return BB_EMALFORMED;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < min || v > max)
		return BB_EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int bb_parse_ipv4(const char *s, size_t len, uint32_t *out)
{
	uint32_t ip = 0, part;
	size_t i = 0, start;
	int n;

	for (n = 0; n < 4; n++) {
		start = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == start || i - start > 3)
			return BB_EMALFORMED;
		if (s[start] == '0' && i - start > 1)
			return BB_EMALFORMED;
		if (bb_parse_u32(s + start, i - start, 0, 255, &part))
			return BB_EMALFORMED;
		ip = ip << 8 | part;
		if (n < 3) {
			if (i >= len || s[i] != '.')
				return BB_EMALFORMED;
			i++;
		}
	}
	if (i != len)
		return BB_EMALFORMED;
	*out = ip;
	return 0;
}

int bb_parse_cidr(const char *s, size_t len, uint32_t *net, uint8_t *prefix)
{
	const char *slash = memchr(s, '/', len);
	uint32_t ip, p;
	size_t ilen;

	if (!slash)
		return BB_EMALFORMED;
	ilen = (size_t)(slash - s);
	if (bb_parse_ipv4(s, ilen, &ip))
		return BB_EMALFORMED;
	if (bb_parse_u32(slash + 1, len - ilen - 1, 0, 32, &p))
		return BB_EMALFORMED;
	if (ip & ~bb_prefix_mask((uint8_t)p))
		return BB_EINVAL;
	*net = ip;
	*prefix = (uint8_t)p;
	return 0;
}

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

int bb_parse_range(const char *s, size_t len, uint32_t *lo, uint32_t *hi)
{
	const char *dash = memchr(s, '-', len);
	const char *a = s, *b;
	size_t alen, blen;

	if (!dash)
		return BB_EMALFORMED;
	alen = (size_t)(dash - s);
	b = dash + 1;
	blen = len - alen - 1;
	trim(&a, &alen);
	trim(&b, &blen);
	if (bb_parse_ipv4(a, alen, lo) || bb_parse_ipv4(b, blen, hi))
		return BB_EMALFORMED;
	if (*lo > *hi)
		return BB_EINVAL;
	return 0;
}

static int parse_hex_groups(const char *s, size_t len, char sep, size_t group,
			    uint8_t mac[6])
{
	size_t i, nd = 0;
	uint8_t nib[12];
	int v;

	for (i = 0; i < len; i++) {
		if (sep && (i + 1) % (group + 1) == 0) {
			if (s[i] != sep)
				return BB_EMALFORMED;
			continue;
		}
		v = bb_hex_digit(s[i]);
		if (v < 0 || nd >= 12)
			return BB_EMALFORMED;
		nib[nd++] = (uint8_t)v;
	}
	if (nd != 12)
		return BB_EMALFORMED;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)(nib[2 * i] << 4 | nib[2 * i + 1]);
	return 0;
}

int bb_parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	if (len == 17 && s[2] == ':')
		return parse_hex_groups(s, len, ':', 2, mac);
	if (len == 17 && s[2] == '-')
		return parse_hex_groups(s, len, '-', 2, mac);
	if (len == 14 && s[4] == '.')
		return parse_hex_groups(s, len, '.', 4, mac);
	if (len == 12)
		return parse_hex_groups(s, len, 0, 12, mac);
	return BB_EMALFORMED;
}

int bb_parse_duration(const char *s, size_t len, uint32_t *secs)
{
	uint64_t total = 0, unit;
	size_t i = 0, start;
	uint32_t v;

	if (len == 0)
		return BB_EMALFORMED;
	while (i < len) {
		start = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (bb_parse_u32(s + start, i - start, 0, 0x7fffffff, &v))
			return BB_EMALFORMED;
		if (i == len) {
			/* a bare number is seconds, but only as the whole input
			 */
			if (start != 0)
				return BB_EMALFORMED;
			unit = 1;
		} else {
			switch (s[i++]) {
			case 's': unit = 1; break;
			case 'm': unit = 60; break;
			case 'h': unit = 3600; break;
			case 'd': unit = 86400; break;
			default: return BB_EMALFORMED;
			}
		}
		total += (uint64_t)v * unit;
		if (total > 0x7fffffff)
			return BB_EINVAL;
	}
	*secs = (uint32_t)total;
	return 0;
}

char *bb_fmt_ipv4(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255,
		 (ip >> 8) & 255, ip & 255);
	return buf;
}

char *bb_fmt_mac(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
	return buf;
}
