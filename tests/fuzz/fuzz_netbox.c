/* What a NetBox (or anything posing as one behind inventory.netbox) can
 * send: the same bytes read as a page of each list, as a "next" link, and
 * then walked the way the import walks them (the usable devices, each with
 * the interfaces page and the addresses page) down to the machine picked
 * and the duplicate check. Checked: counts within bounds, every kept name
 * a name the configuration accepts, every kept string UTF-8 text, every
 * next link a page of the same list, an address only for the interface
 * that carries the primary IPv4. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "inventory/netbox_page.h"
#include "inventory/netbox_pick.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_next(enum bb_netbox_list l, const char *next)
{
	const char *lp = bb_netbox_list_path(l);
	size_t n = strlen(lp), i;

	if (!next[0])
		return;
	if (strncmp(next, lp, n) || (next[n] && next[n] != '?'))
		__builtin_trap();
	for (i = 0; next[i]; i++)
		if ((unsigned char)next[i] <= 0x20 ||
		    (unsigned char)next[i] >= 0x7f || next[i] == '#')
			__builtin_trap();
}

static void walk(const struct bb_netbox_page *devs,
		 const struct bb_netbox_page *ifs,
		 const struct bb_netbox_page *ips)
{
	static struct bb_netbox_dev d;
	struct bb_netbox_seen seen = {0};
	struct bb_netbox_machine m;
	const char *what, *other;
	size_t i, k;
	int a;

	for (i = 0; i < devs->n && i < 8; i++) {
		const struct bb_netbox_device *dev = &devs->devices[i];

		if (dev->skip)
			continue;
		if (!bb_boot_name_ok(dev->name) || !dev->id)
			__builtin_trap();
		bb_netbox_dev_init(&d, dev);
		bb_netbox_dev_add_ifaces(&d, ifs);
		if (d.nifs > BB_NETBOX_IFACES_MAX)
			__builtin_trap();
		for (k = 0; (a = bb_netbox_dev_ask(&d, k)) >= 0; k++) {
			if ((size_t)a != k || k > BB_NETBOX_IFACES_MAX)
				__builtin_trap();
			bb_netbox_dev_add_ips(&d, k, ips);
		}
		if (bb_netbox_pick(&d, &m))
			continue;
		if (m.has_ip &&
		    (m.how != BB_NETBOX_BY_PRIMARY || m.ip != dev->primary ||
		     d.found < 0 || !d.ifs[d.found].has_mac))
			__builtin_trap();
		if (!bb_netbox_seen_add(&seen, &m, &what, &other) &&
		    bb_netbox_seen_add(&seen, &m, &what, &other) == 0)
			__builtin_trap(); /* the same machine twice */
	}
	bb_netbox_seen_free(&seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_netbox_page p[3];
	const char *why;
	char next[BB_NETBOX_NEXT_MAX + 1];
	int l;

	for (l = 0; l < 3; l++) {
		if (bb_netbox_page_parse((enum bb_netbox_list)l,
					 (const char *)data, size, &p[l],
					 &why)) {
			if (!why || !why[0] || p[l].n)
				__builtin_trap();
			continue;
		}
		if (p[l].n + p[l].dropped > BB_NETBOX_PAGE_ITEMS)
			__builtin_trap();
		check_next((enum bb_netbox_list)l, p[l].next);
	}
	walk(&p[0], &p[1], &p[2]);
	for (l = 0; l < 3; l++)
		bb_netbox_page_free(&p[l]);
	for (l = 0; l < 3; l++)
		if (!bb_netbox_next((enum bb_netbox_list)l, (const char *)data,
				    size, next, sizeof(next), &why))
			check_next((enum bb_netbox_list)l, next);
	return 0;
}
