/* Where the next page of a NetBox list is, and only there. */
#include <string.h>

#include "common/err.h"
#include "inventory/netbox_page.h"

const char *bb_netbox_list_path(enum bb_netbox_list l)
{
	switch (l) {
	case BB_NETBOX_DEVICES: return "/api/dcim/devices/";
	case BB_NETBOX_IFACES: return "/api/dcim/interfaces/";
	case BB_NETBOX_IPS: return "/api/ipam/ip-addresses/";
	}
	return "/";
}

static bool url_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '#';
}

int bb_netbox_next(enum bb_netbox_list l, const char *s, size_t len, char *out,
		   size_t cap, const char **why)
{
	const char *lp = bb_netbox_list_path(l), *p, *q, *end = s + len;
	size_t i, n = strlen(lp);

	if (len > BB_NETBOX_NEXT_MAX || len >= cap) {
		*why = "a \"next\" URL too long";
		return BB_ETOOBIG;
	}
	for (i = 0; i < len; i++)
		if (!url_byte((unsigned char)s[i])) {
			*why = "a \"next\" URL with a byte a URL cannot carry";
			return BB_EMALFORMED;
		}
	if (len > 7 && !memcmp(s, "http://", 7))
		p = s + 7;
	else if (len > 8 && !memcmp(s, "https://", 8))
		p = s + 8;
	else if (len && s[0] == '/')
		p = s;
	else {
		*why = "a \"next\" that is not an http(s) URL";
		return BB_EMALFORMED;
	}
	if (p != s) { /* past the host NetBox names */
		while (p < end && *p != '/' && *p != '?')
			p++;
		if (p == s + 7 || p == s + 8 || p == end || *p != '/')
			goto elsewhere;
	}
	/* the list's path, after any base path, and nothing else before
	 * the query: the token is only ever sent for the same list */
	q = memchr(p, '?', (size_t)(end - p));
	if (!q)
		q = end;
	if ((size_t)(q - p) < n || memcmp(q - n, lp, n))
		goto elsewhere;
	memcpy(out, lp, n);
	memcpy(out + n, q, (size_t)(end - q));
	out[n + (size_t)(end - q)] = 0;
	return 0;
elsewhere:
	*why = "a \"next\" URL that is not a page of the same list";
	return BB_EMALFORMED;
}
