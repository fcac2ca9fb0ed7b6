#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "inventory/netbox_pick.h"

void bb_netbox_dev_init(struct bb_netbox_dev *d,
			const struct bb_netbox_device *dev)
{
	memset(d, 0, sizeof(*d));
	d->dev = *dev;
	d->found = -1;
}

void bb_netbox_dev_add_ifaces(struct bb_netbox_dev *d,
			      const struct bb_netbox_page *p)
{
	size_t i;

	for (i = 0; i < p->n && d->nifs < BB_NETBOX_IFACES_MAX; i++)
		d->ifs[d->nifs++] = p->ifaces[i];
}

int bb_netbox_dev_ask(const struct bb_netbox_dev *d, size_t ifidx)
{
	if (!d->dev.has_primary || d->found >= 0 || ifidx >= d->nifs)
		return -1;
	return (int)ifidx;
}

void bb_netbox_dev_add_ips(struct bb_netbox_dev *d, size_t ifidx,
			   const struct bb_netbox_page *p)
{
	size_t i;

	for (i = 0; i < p->n && ifidx < d->nifs; i++)
		if (p->ips[i].addr == d->dev.primary &&
		    p->ips[i].len == d->dev.primary_len)
			d->found = (int)ifidx;
}

int bb_netbox_pick(const struct bb_netbox_dev *d, struct bb_netbox_machine *m)
{
	const struct bb_netbox_iface *f = NULL;
	size_t i;

	memset(m, 0, sizeof(*m));
	m->name = d->dev.name;
	m->role = d->dev.role[0] ? d->dev.role : NULL;
	m->arch = d->dev.arch;
	if (d->found >= 0 && d->ifs[d->found].has_mac) {
		f = &d->ifs[d->found];
		m->how = BB_NETBOX_BY_PRIMARY;
		m->has_ip = true;
		m->ip = d->dev.primary;
	} else {
		for (i = 0; i < d->nifs && !f; i++)
			if (d->ifs[i].has_mac && !d->ifs[i].mgmt)
				f = &d->ifs[i];
		m->how = d->dev.has_primary ? BB_NETBOX_PRIMARY_LOST
					    : BB_NETBOX_NO_PRIMARY;
	}
	if (!f)
		return BB_ENOENT;
	m->iface = f->name;
	memcpy(m->mac, f->mac, 6);
	return 0;
}

struct bb_netbox_seen_entry {
	char name[BB_NETBOX_NAME_MAX + 1];
	uint8_t mac[6];
	bool has_ip;
	uint32_t ip;
};

int bb_netbox_seen_add(struct bb_netbox_seen *s,
		       const struct bb_netbox_machine *m, const char **what,
		       const char **other)
{
	struct bb_netbox_seen_entry *e;
	size_t i;

	for (i = 0; i < s->n; i++) {
		e = &s->e[i];
		*what = !strcmp(e->name, m->name)		   ? "name"
			: !memcmp(e->mac, m->mac, 6)		   ? "MAC"
			: e->has_ip && m->has_ip && e->ip == m->ip ? "IP"
								   : NULL;
		if (*what) {
			*other = e->name;
			return BB_EEXIST;
		}
	}
	if (s->n == BB_NETBOX_MACHINES_MAX)
		return BB_ENOSPC;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		if (!(e = realloc(s->e, cap * sizeof(*e))))
			return BB_ENOMEM;
		s->e = e;
		s->cap = cap;
	}
	e = &s->e[s->n++];
	memset(e, 0, sizeof(*e));
	strncpy(e->name, m->name, sizeof(e->name) - 1);
	memcpy(e->mac, m->mac, 6);
	e->has_ip = m->has_ip;
	e->ip = m->ip;
	return 0;
}

void bb_netbox_seen_free(struct bb_netbox_seen *s)
{
	free(s->e);
	memset(s, 0, sizeof(*s));
}
