#include <inttypes.h>
#include <string.h>

#include "firmware/config/config_dump.h"

/* every string double-quoted: no YAML scalar surprises (yes, 1h, ~) */
void bb_yaml_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void str(FILE *f, const char *ind, const char *key, const char *v)
{
	if (!v)
		return;
	fprintf(f, "%s%s: ", ind, key);
	bb_yaml_quote(f, v);
	fputc('\n', f);
}

static const char *ip(uint32_t a, char b[16])
{
	snprintf(b, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		 a & 255);
	return b;
}

static void strs(FILE *f, const char *ind, const char *key, char *const *v,
		 size_t n)
{
	size_t i;

	if (!n)
		return;
	fprintf(f, "%s%s: [", ind, key);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		bb_yaml_quote(f, v[i]);
	}
	fputs("]\n", f);
}

static void ips(FILE *f, const char *ind, const char *key, const uint32_t *v,
		size_t n)
{
	char b[16];
	size_t i;

	if (!n)
		return;
	fprintf(f, "%s%s: [", ind, key);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", ip(v[i], b));
	fputs("]\n", f);
}

static void kvs(FILE *f, const char *ind, const char *key,
		const struct bb_kv *kv, size_t n)
{
	size_t i;

	if (!n)
		return;
	fprintf(f, "%s%s: {", ind, key);
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		bb_yaml_quote(f, kv[i].key);
		fputs(": ", f);
		bb_yaml_quote(f, kv[i].val);
	}
	fputs("}\n", f);
}

static void dhcp(const struct bb_cfg_dhcp *d, FILE *f)
{
	char a[16], b[16];
	size_t i, j;

	fprintf(f,
		"dhcp:\n  lease_time: %" PRIu32 "\n  known_only: %s\n"
		"  decline_time: %" PRIu32 "\n",
		d->lease_time, d->known_only ? "true" : "false",
		d->decline_time);
	str(f, "  ", "bios_file", d->bios_file);
	str(f, "  ", "efi64_file", d->efi64_file);
	str(f, "  ", "arm64_file", d->arm64_file);
	fputs("  subnets:\n", f);
	for (i = 0; i < d->nsubnets; i++) {
		const struct bb_cfg_subnet *s = &d->subnets[i];

		fprintf(f, "    - subnet: %s/%u\n      pools: [", ip(s->net, a),
			s->prefix);
		for (j = 0; j < s->npools; j++)
			fprintf(f, "%s%s-%s", j ? ", " : "",
				ip(s->pools[j].lo, a), ip(s->pools[j].hi, b));
		fputs("]\n", f);
		if (s->router)
			fprintf(f, "      router: %s\n", ip(s->router, a));
		ips(f, "      ", "dns", s->dns, s->ndns);
		ips(f, "      ", "ntp", s->ntp, s->nntp);
		str(f, "      ", "domain", s->domain);
		if (s->lease_time)
			fprintf(f, "      lease_time: %" PRIu32 "\n",
				s->lease_time);
	}
}

static void boot(const struct bb_cfg_boot *b, FILE *f)
{
	size_t i;

	fputs("boot:\n", f);
	str(f, "  ", "matchbox_dir", b->matchbox_dir);
	str(f, "  ", "assets_dir", b->assets_dir);
	if (b->nprofiles)
		fputs("  profiles:\n", f);
	for (i = 0; i < b->nprofiles; i++) {
		const struct bb_cfg_profile *p = &b->profiles[i];

		str(f, "    - ", "id", p->id);
		str(f, "      ", "name", p->name);
		str(f, "      ", "kernel", p->kernel);
		strs(f, "      ", "initrd", p->initrd, p->ninitrd);
		strs(f, "      ", "args", p->args, p->nargs);
	}
	if (b->ngroups)
		fputs("  groups:\n", f);
	for (i = 0; i < b->ngroups; i++) {
		const struct bb_cfg_group *g = &b->groups[i];

		str(f, "    - ", "id", g->id);
		str(f, "      ", "name", g->name);
		str(f, "      ", "profile", g->profile);
		kvs(f, "      ", "selector", g->selector, g->nselector);
		kvs(f, "      ", "metadata", g->metadata, g->nmetadata);
	}
}

static void machines(const struct bb_config *c, FILE *f)
{
	char a[16];
	size_t i;

	fputs("machines:\n", f);
	for (i = 0; i < c->nmachines; i++) {
		const struct bb_cfg_machine *m = &c->machines[i];

		str(f, "  - ", "name", m->name);
		fprintf(f, "    mac: %02x:%02x:%02x:%02x:%02x:%02x\n",
			m->mac[0], m->mac[1], m->mac[2], m->mac[3], m->mac[4],
			m->mac[5]);
		if (m->ip)
			fprintf(f, "    ip: %s\n", ip(m->ip, a));
		str(f, "    ", "profile", m->profile);
		str(f, "    ", "role", m->role);
		str(f, "    ", "arch", m->arch);
		str(f, "    ", "domain", m->domain);
		kvs(f, "    ", "metadata", m->metadata, m->nmetadata);
	}
}

static void rest(const struct bb_config *c, FILE *f)
{
	const struct bb_cfg_talos *t = &c->talos;
	const struct bb_cfg_pki *p = &c->pki;
	const struct bb_cfg_handoff *h = &c->handoff;

	if (t->enabled) {
		fputs("talos:\n", f);
		str(f, "  ", "factory", t->factory);
		str(f, "  ", "schematic", t->schematic);
		str(f, "  ", "version", t->version);
		strs(f, "  ", "arches", t->arches, t->narches);
		fprintf(f, "  prefetch: %s\n", t->prefetch ? "true" : "false");
		str(f, "  ", "ca_bundle", t->ca_bundle);
		if (t->max_bytes)
			fprintf(f, "  max_size: %" PRIu64 "\n", t->max_bytes);
		str(f, "  ", "proxy", t->proxy);
	}
	if (p->enabled) {
		fputs("pki:\n", f);
		str(f, "  ", "endpoint", p->endpoint);
		str(f, "  ", "auth_key_file", p->auth_key_file);
		str(f, "  ", "ca_bundle", p->ca_bundle);
		str(f, "  ", "label", p->label);
		str(f, "  ", "profile", p->profile);
		str(f, "  ", "cn", p->cn);
		strs(f, "  ", "hosts", p->hosts, p->nhosts);
		kvs(f, "  ", "names", p->names, p->nnames);
		fprintf(f, "  timeout: %" PRIu32 "\n  retry: %" PRIu32 "\n",
			p->timeout, p->retry);
	}
	if (h->enabled) {
		fputs("handoff:\n", f);
		str(f, "  ", "management", h->management);
		strs(f, "  ", "probes", h->probes, h->nprobes);
		strs(f, "  ", "actions", h->actions, h->nactions);
		fprintf(f,
			"  interval: %" PRIu32 "\n  timeout: %" PRIu32
			"\n  confirm: %" PRIu32 "\n",
			h->interval, h->timeout, h->confirm);
		str(f, "  ", "ca_bundle", h->ca_bundle);
		str(f, "  ", "standdown", h->standdown);
		strs(f, "  ", "scopes", h->scopes, h->nscopes);
		str(f, "  ", "export_dir", h->export_dir);
		str(f, "  ", "export_url", h->export_url);
		str(f, "  ", "namespace", h->ns);
		str(f, "  ", "hook", h->hook);
	}
}

void bb_config_dump(const struct bb_config *c, FILE *f)
{
	char a[16];

	fprintf(f, "# effective configuration of %s (defaults filled in)\n",
		c->path);
	fputs("appliance:\n", f);
	str(f, "  ", "name", c->appliance.name);
	str(f, "  ", "interface", c->appliance.interface);
	fprintf(f, "  address: %s\n", ip(c->appliance.address, a));
	str(f, "  ", "state_dir", c->appliance.state_dir);
	if (c->dhcp.enabled)
		dhcp(&c->dhcp, f);
	if (c->tftp.enabled) {
		fputs("tftp:\n", f);
		str(f, "  ", "root", c->tftp.root);
		fprintf(f, "  port: %u\n", c->tftp.port);
	}
	if (c->http.enabled) {
		fprintf(f, "http:\n  listen: %s:%u\n",
			ip(c->http.listen_addr, a), c->http.listen_port);
		if (c->http.tls_enabled)
			fprintf(f, "  tls_listen: %s:%u\n",
				ip(c->http.tls_addr, a), c->http.tls_port);
		fprintf(f,
			"  max_connections: %" PRIu32
			"\n  idle_timeout: %" PRIu32
			"\n  header_timeout: %" PRIu32 "\n",
			c->http.max_connections, c->http.idle_timeout,
			c->http.header_timeout);
	}
	if (c->boot.enabled)
		boot(&c->boot, f);
	if (c->nmachines)
		machines(c, f);
	rest(c, f);
}
