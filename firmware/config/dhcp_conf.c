#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/parse.h"
#include "firmware/config/dhcp_conf.h"

static bool handed_over(const struct bb_cfg_handoff *h,
			const struct bb_cfg_subnet *s)
{
	uint32_t net, mask;
	uint8_t pre;
	size_t i;

	if (!h->nscopes)
		return true;
	for (i = 0; i < h->nscopes; i++) {
		if (bb_parse_cidr(h->scopes[i], strlen(h->scopes[i]), &net,
				  &pre))
			continue;
		mask = pre ? ~0u << (32 - pre) : 0;
		if (pre <= s->prefix && (s->net & mask) == (net & mask))
			return true;
	}
	return false;
}

int bb_dhcp_conf_build(const struct bb_config *cfg, bool standdown,
		       struct bb_dhcp_conf *o)
{
	const struct bb_cfg_dhcp *d = &cfg->dhcp;
	size_t i, j, np = 0;
	char ip[16];

	memset(o, 0, sizeof(*o));
	for (i = 0; i < d->nsubnets; i++)
		np += d->subnets[i].npools;
	o->subnets = calloc(d->nsubnets + 1, sizeof(*o->subnets));
	o->pools = calloc(np + 1, sizeof(*o->pools));
	o->hosts = calloc(cfg->nmachines + 1, sizeof(*o->hosts));
	if (!o->subnets || !o->pools || !o->hosts) {
		bb_dhcp_conf_free(o);
		return BB_ENOMEM;
	}
	for (i = 0, np = 0; i < d->nsubnets; i++) {
		const struct bb_cfg_subnet *s = &d->subnets[i];
		struct bb_dhcp_subnet *t = &o->subnets[i];

		t->net = s->net;
		t->prefix = s->prefix;
		t->pools = &o->pools[np];
		for (j = 0; j < s->npools; j++, np++) {
			o->pools[np].lo = s->pools[j].lo;
			o->pools[np].hi = s->pools[j].hi;
		}
		t->npools = s->npools;
		t->router = s->router;
		t->dns = s->dns;
		t->ndns = s->ndns;
		t->ntp = s->ntp;
		t->nntp = s->nntp;
		t->domain = s->domain;
		t->lease_time = s->lease_time;
		t->options = s->options;
		t->noptions = s->noptions;
		if (standdown && cfg->handoff.enabled &&
		    handed_over(&cfg->handoff, s))
			t->standdown =
			    cfg->handoff.standdown &&
				    !strcmp(cfg->handoff.standdown, "stop")
				? BB_STANDDOWN_STOP
				: BB_STANDDOWN_RENEWALS;
	}
	for (i = 0; i < cfg->nmachines; i++) {
		const struct bb_cfg_machine *m = &cfg->machines[i];

		memcpy(o->hosts[i].mac, m->mac, 6);
		o->hosts[i].ip = m->ip;
		o->hosts[i].hostname = m->name;
		o->hosts[i].domain = m->domain;
		o->hosts[i].options = m->options;
		o->hosts[i].noptions = m->noptions;
	}
	o->c.server_id = cfg->appliance.address;
	o->c.lease_time = d->lease_time;
	o->c.decline_time = d->decline_time;
	o->c.offer_time = 60;
	o->c.known_only = d->known_only;
	o->c.match_client_id = d->match_client_id;
	o->c.rate_limit = d->rate_limit;
	o->c.subnets = o->subnets;
	o->c.nsubnets = d->nsubnets;
	o->c.hosts = o->hosts;
	o->c.nhosts = cfg->nmachines;
	o->c.boot.next_server = cfg->tftp.enabled ? cfg->appliance.address : 0;
	o->c.boot.bios_file = d->bios_file;
	o->c.boot.efi64_file = d->efi64_file;
	o->c.boot.arm64_file = d->arm64_file;
	if (cfg->http.enabled) {
		snprintf(o->http_base, sizeof(o->http_base), "http://%s:%u",
			 bb_fmt_ipv4(cfg->appliance.address, ip),
			 cfg->http.listen_port);
		o->c.boot.http_base = o->http_base;
	}
	return 0;
}

void bb_dhcp_conf_free(struct bb_dhcp_conf *c)
{
	free(c->subnets);
	free(c->pools);
	free(c->hosts);
	memset(c, 0, sizeof(*c));
}

void bb_dhcp_journal_path(const struct bb_config *cfg, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/dhcp/leases.journal", cfg->appliance.state_dir);
}
