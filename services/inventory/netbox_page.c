#include <cjson/cJSON.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "common/err.h"
#include "common/json_whole.h"
#include "common/parse.h"
#include "inventory/netbox_page.h"

static const cJSON *at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	return b ? cJSON_GetObjectItemCaseSensitive(v, b) : v;
}

static const char *str_at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = at(o, a, b);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* NetBox ids are positive integers; a double out of long's range would make
 * the cast undefined. */
static bool take_id(const cJSON *o, long *id)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "id");

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1) ||
	    v->valuedouble > 9007199254740991.0 ||
	    v->valuedouble > (double)LONG_MAX ||
	    (double)(long)v->valuedouble != v->valuedouble)
		return false;
	*id = (long)v->valuedouble;
	return true;
}

/* 1 to max bytes of UTF-8 (shortest forms, no surrogates) without control
 * characters: what a YAML file and a log line can carry as it is. */
static bool text_ok(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k, len = strlen(s);
	uint32_t c, min;

	if (!len || len > max)
		return false;
	while (i < len) {
		c = p[i++];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, c &= 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, c &= 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, c &= 0x07, min = 0x10000;
		else
			return false;
		if (len - i < k)
			return false;
		for (; k; k--, i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (p[i] & 0x3f);
		}
		if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff ||
		    (c >= 0x80 && c < 0xa0))
			return false;
	}
	return true;
}

/* A bounded copy of text (UTF-8, no control bytes). */
static bool take_text(const char *s, char *out, size_t cap)
{
	size_t n;

	if (!s || !text_ok(s, cap - 1))
		return false;
	n = strlen(s);
	memcpy(out, s, n + 1);
	return true;
}

/* "a.b.c.d/n" as NetBox keeps addresses: the host with its prefix. */
static bool take_addr(const char *s, uint32_t *addr, uint8_t *plen)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	uint32_t p;

	if (!slash || bb_parse_ipv4(s, (size_t)(slash - s), addr) ||
	    bb_parse_u32(slash + 1, strlen(slash + 1), 0, 32, &p))
		return false;
	*plen = (uint8_t)p;
	return true;
}

const char *bb_netbox_arch(const char *p)
{
	if (!p)
		return NULL;
	if (strstr(p, "arm64") || strstr(p, "aarch64"))
		return "arm64";
	if (strstr(p, "amd64") || strstr(p, "x86_64") || strstr(p, "x86-64"))
		return "amd64";
	return NULL;
}

static const char *take_role(const cJSON *it, char *out, size_t cap)
{
	const cJSON *v = at(it, "role", "slug");

	if (!cJSON_IsString(v)) /* NetBox 3 */
		v = at(it, "device_role", "slug");
	if (!cJSON_IsString(v))
		return NULL;
	return take_text(v->valuestring, out, cap)
		   ? NULL
		   : "whose role slug is not text of at most 100 bytes";
}

static const char *take_primary(const cJSON *it, struct bb_netbox_device *d)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(it, "primary_ip4");

	if (!p || cJSON_IsNull(p))
		return NULL;
	if (!take_addr(str_at(p, "address", NULL), &d->primary,
		       &d->primary_len))
		return "whose primary_ip4 is not an IPv4 address/prefix";
	d->has_primary = true;
	return NULL;
}

static void take_device(const cJSON *it, struct bb_netbox_device *d)
{
	const char *p;

	if (!cJSON_IsObject(it)) {
		d->skip = "that is not a JSON object";
		return;
	}
	if (!str_at(it, "name", NULL)) {
		d->skip = "without a name";
		return;
	}
	/* the name becomes the machine's, its host name and its files' */
	if (!take_text(str_at(it, "name", NULL), d->name, sizeof(d->name)) ||
	    !bb_boot_name_ok(d->name)) {
		d->name[0] = 0;
		d->skip =
		    "whose name is not 1 to 63 letters, digits, '-', '_', '.'";
		return;
	}
	if (!take_id(it, &d->id)) {
		d->skip = "without a positive integer id";
		return;
	}
	if ((d->skip = take_role(it, d->role, sizeof(d->role))) ||
	    (d->skip = take_primary(it, d)))
		return;
	p = str_at(it, "platform", "slug");
	d->arch = bb_netbox_arch(p ? p : str_at(it, "platform", "name"));
}

static bool take_iface(const cJSON *it, struct bb_netbox_iface *f)
{
	/* NetBox 4.2 moved the MAC into its own object */
	const char *mac = str_at(it, "mac_address", NULL);

	if (!mac)
		mac = str_at(it, "primary_mac_address", "mac_address");
	if (!cJSON_IsObject(it) || !take_id(it, &f->id))
		return false;
	if (!take_text(str_at(it, "name", NULL), f->name, sizeof(f->name)))
		strcpy(f->name, "?");
	f->has_mac = mac && !bb_parse_mac(mac, strlen(mac), f->mac);
	f->mgmt =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "mgmt_only"));
	return true;
}

static bool take_ip(const cJSON *it, struct bb_netbox_ip *ip)
{
	return cJSON_IsObject(it) &&
	       take_addr(str_at(it, "address", NULL), &ip->addr, &ip->len);
}

static int take_results(const cJSON *res, struct bb_netbox_page *out)
{
	size_t n = (size_t)cJSON_GetArraySize(res);
	const cJSON *it;

	switch (out->list) {
	case BB_NETBOX_DEVICES:
		out->devices = calloc(n ? n : 1, sizeof(*out->devices));
		break;
	case BB_NETBOX_IFACES:
		out->ifaces = calloc(n ? n : 1, sizeof(*out->ifaces));
		break;
	case BB_NETBOX_IPS:
		out->ips = calloc(n ? n : 1, sizeof(*out->ips));
		break;
	}
	if (!out->devices && !out->ifaces && !out->ips)
		return BB_ENOMEM;
	cJSON_ArrayForEach(it, res)
	{
		bool ok = true;

		if (out->list == BB_NETBOX_DEVICES)
			take_device(it, &out->devices[out->n]);
		else if (out->list == BB_NETBOX_IFACES)
			ok = take_iface(it, &out->ifaces[out->n]);
		else
			ok = take_ip(it, &out->ips[out->n]);
		if (ok)
			out->n++;
		else
			out->dropped++;
	}
	return 0;
}

static int decode(const cJSON *root, struct bb_netbox_page *out,
		  const char **why)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(root, "results");
	const cJSON *next = cJSON_GetObjectItemCaseSensitive(root, "next");
	int rc;

	if (!cJSON_IsObject(root) || !cJSON_IsArray(res)) {
		*why = "not a NetBox list";
		return BB_EMALFORMED;
	}
	if (cJSON_GetArraySize(res) > BB_NETBOX_PAGE_ITEMS) {
		*why = "more than 1000 results on one page";
		return BB_ETOOBIG;
	}
	if (cJSON_IsString(next) && next->valuestring[0]) {
		rc = bb_netbox_next(out->list, next->valuestring,
				    strlen(next->valuestring), out->next,
				    sizeof(out->next), why);
		if (rc)
			return rc;
	} else if (next && !cJSON_IsNull(next) && !cJSON_IsString(next)) {
		*why = "\"next\" is neither a URL nor null";
		return BB_EMALFORMED;
	}
	return take_results(res, out);
}

int bb_netbox_page_parse(enum bb_netbox_list l, const char *buf, size_t len,
			 struct bb_netbox_page *out, const char **why)
{
	cJSON *root;
	int rc;

	memset(out, 0, sizeof(*out));
	out->list = l;
	*why = "";
	if (!(root = bb_json_whole(buf, len, BB_NETBOX_REPLY_MAX, &rc, why)))
		return rc;
	rc = decode(root, out, why);
	cJSON_Delete(root);
	if (rc == BB_ENOMEM)
		*why = "out of memory";
	if (rc)
		bb_netbox_page_free(out);
	return rc;
}

void bb_netbox_page_free(struct bb_netbox_page *p)
{
	free(p->devices);
	free(p->ifaces);
	free(p->ips);
	p->devices = NULL;
	p->ifaces = NULL;
	p->ips = NULL;
	p->n = 0;
}
