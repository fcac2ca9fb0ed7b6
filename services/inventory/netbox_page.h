/* One reply of NetBox's REST API lists, I/O-free: a page of
 * /api/dcim/devices/, /api/dcim/interfaces/ or /api/ipam/ip-addresses/
 *   {"count":n,"next":url|null,"previous":url|null,"results":[{...}]}
 * decoded into plain structs. The page as a whole is strict (one JSON
 * object, "results" a list of at most BB_NETBOX_PAGE_ITEMS, "next" a URL
 * on the same list or null); one entry that makes no sense is dropped, or
 * for a device marked with why, so that one odd record in NetBox does not
 * cost the whole inventory. Everything taken is checked as the
 * configuration would check it: a name bootbox accepts, a MAC, an IPv4
 * with its prefix. */
#ifndef BB_INVENTORY_NETBOX_PAGE_H
#define BB_INVENTORY_NETBOX_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BB_NETBOX_REPLY_MAX (16u << 20)
/* we ask for 100; NetBox's MAX_PAGE_SIZE defaults to 1000 */
#define BB_NETBOX_PAGE_ITEMS 1000
#define BB_NETBOX_NAME_MAX   64	 /* NetBox's own limit on names */
#define BB_NETBOX_SLUG_MAX   100 /* and on slugs */
#define BB_NETBOX_NEXT_MAX   2048

enum bb_netbox_list {
	BB_NETBOX_DEVICES,
	BB_NETBOX_IFACES,
	BB_NETBOX_IPS,
};

/* The path of a list below the endpoint, "/api/dcim/devices/". */
const char *bb_netbox_list_path(enum bb_netbox_list l);

struct bb_netbox_device {
	/* why it cannot be a machine (static text, "without a name" when
	 * name is ""); NULL: usable */
	const char *skip;
	long id;
	char name[BB_NETBOX_NAME_MAX + 1];
	char role[BB_NETBOX_SLUG_MAX + 1]; /* "": none */
	const char *arch;		   /* "amd64", "arm64" or NULL */
	bool has_primary;		   /* primary_ip4 */
	uint32_t primary;
	uint8_t primary_len;
};

struct bb_netbox_iface {
	long id;
	char name[BB_NETBOX_NAME_MAX + 1]; /* "?" when NetBox has none */
	bool has_mac, mgmt;
	uint8_t mac[6];
};

struct bb_netbox_ip {
	uint32_t addr;
	uint8_t len;
};

struct bb_netbox_page {
	enum bb_netbox_list list;
	size_t n;	/* entries in the list's array below */
	size_t dropped; /* interfaces or addresses not taken */
	struct bb_netbox_device *devices;
	struct bb_netbox_iface *ifaces;
	struct bb_netbox_ip *ips;
	/* the next page: its path and query from the list's own path on
	 * ("/api/dcim/devices/?limit=100&offset=100"), to be put after the
	 * endpoint; "": this is the last */
	char next[BB_NETBOX_NEXT_MAX + 1];
};

/* Decodes buf[0..len) (no NUL needed) as a page of list l. 0 (out filled:
 * free it with bb_netbox_page_free), BB_EMALFORMED or BB_ETOOBIG with *why
 * (static text), or BB_ENOMEM. */
int bb_netbox_page_parse(enum bb_netbox_list l, const char *buf, size_t len,
			 struct bb_netbox_page *out, const char **why);
void bb_netbox_page_free(struct bb_netbox_page *p);

/* "next" as NetBox writes it: absolute, often naming the host NetBox
 * believes it has (behind a proxy) and any base path it is served under.
 * Only what follows the list's path is kept, so the next request goes to
 * our endpoint, with our token, for the same list. 0 (out: "/api/...")
 * or BB_EMALFORMED / BB_ETOOBIG with *why. */
int bb_netbox_next(enum bb_netbox_list l, const char *s, size_t len, char *out,
		   size_t cap, const char **why);

/* The architecture a NetBox platform (slug or name) stands for, or NULL. */
const char *bb_netbox_arch(const char *platform);

#endif
