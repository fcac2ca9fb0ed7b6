/* What a NetBox device becomes in machines:, I/O-free: the interface that
 * carries its primary IPv4 boots (its MAC), else the first interface with
 * a MAC that is not management-only, which then gets a pool address. A
 * machine whose name, MAC or IP an earlier one has is left out, as the
 * configuration would refuse the pair. */
#ifndef BB_INVENTORY_NETBOX_PICK_H
#define BB_INVENTORY_NETBOX_PICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inventory/netbox_page.h"

#define BB_NETBOX_IFACES_MAX   64   /* per device; more are not looked at */
#define BB_NETBOX_MACHINES_MAX 8192 /* per import */

/* One device while its lists are read. */
struct bb_netbox_dev {
	struct bb_netbox_device dev;
	struct bb_netbox_iface ifs[BB_NETBOX_IFACES_MAX];
	size_t nifs;
	int found; /* the interface with the primary IPv4; -1: none yet */
};

void bb_netbox_dev_init(struct bb_netbox_dev *d,
			const struct bb_netbox_device *dev);
/* A page of its interfaces. */
void bb_netbox_dev_add_ifaces(struct bb_netbox_dev *d,
			      const struct bb_netbox_page *p);
/* The interface whose addresses are to be read, from ifidx on, or -1 when
 * nothing more is to be asked. */
int bb_netbox_dev_ask(const struct bb_netbox_dev *d, size_t ifidx);
/* A page of the addresses of interface ifidx. */
void bb_netbox_dev_add_ips(struct bb_netbox_dev *d, size_t ifidx,
			   const struct bb_netbox_page *p);

enum bb_netbox_how {
	BB_NETBOX_BY_PRIMARY,	/* the primary IPv4's interface */
	BB_NETBOX_NO_PRIMARY,	/* none: a pool address */
	BB_NETBOX_PRIMARY_LOST, /* on no interface with a MAC */
};

struct bb_netbox_machine {
	const char *name, *role, *arch; /* role, arch: NULL when none */
	const char *iface;		/* the boot interface; NULL: none */
	enum bb_netbox_how how;
	uint8_t mac[6];
	bool has_ip;
	uint32_t ip;
};

/* 0 (m points into d), or BB_ENOENT: no interface can boot it. */
int bb_netbox_pick(const struct bb_netbox_dev *d, struct bb_netbox_machine *m);

struct bb_netbox_seen {
	struct bb_netbox_seen_entry *e;
	size_t n, cap;
};

/* Records m: 0, BB_EEXIST (*what: "name", "MAC" or "IP"; *other: the
 * earlier machine's name), BB_ENOSPC (over BB_NETBOX_MACHINES_MAX) or
 * BB_ENOMEM. */
int bb_netbox_seen_add(struct bb_netbox_seen *s,
		       const struct bb_netbox_machine *m, const char **what,
		       const char **other);
void bb_netbox_seen_free(struct bb_netbox_seen *s);

#endif
