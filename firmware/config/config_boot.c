/* boot: (profiles, groups) and machines: (the inventory). */
#include <stddef.h>
#include <string.h>

#include "boot/boot.h"
#include "cache/cache.h"
#include "common/parse.h"
#include "firmware/config/config_sections.h"
#include "firmware/config/config_yaml.h"

static const struct bb_cfg_field profile_fields[] = {
    BB_FR(struct bb_cfg_profile, "id", BB_T_STR, id),
    BB_F(struct bb_cfg_profile, "name", BB_T_STR, name),
    BB_F(struct bb_cfg_profile, "kernel", BB_T_STR, kernel),
    BB_FL(struct bb_cfg_profile, "initrd", BB_T_STRLIST, initrd, ninitrd),
    BB_FL(struct bb_cfg_profile, "args", BB_T_STRLIST, args, nargs),
    BB_F(struct bb_cfg_profile, "talos", BB_T_BOOL, talos),
    {0},
};

static const struct bb_cfg_field group_fields[] = {
    BB_FR(struct bb_cfg_group, "id", BB_T_STR, id),
    BB_F(struct bb_cfg_group, "name", BB_T_STR, name),
    BB_FR(struct bb_cfg_group, "profile", BB_T_STR, profile),
    BB_FL(struct bb_cfg_group, "selector", BB_T_KV, selector, nselector),
    BB_FL(struct bb_cfg_group, "metadata", BB_T_KV, metadata, nmetadata),
    BB_F(struct bb_cfg_group, "talos_version", BB_T_STR, talos_version),
    {0},
};

static void check_pin(struct bb_cfg_ctx *c, yaml_node_t *e, const char *path,
		      const char *v)
{
	char fpath[300];

	if (v && bb_cache_check_version(v, strlen(v)))
		bb_cfg_error(c, bb_cfg_get(c, e, "talos_version"),
			     bb_cfg_path_key(fpath, sizeof(fpath), path,
					     "talos_version"),
			     "'%s': expected a version like v1.10.4", v);
}

static bool profile_known(const struct bb_config *cfg, const char *id)
{
	size_t i;

	if (cfg->boot.matchbox_dir)
		return true; /* it may be defined there */
	for (i = 0; i < cfg->boot.nprofiles; i++)
		if (cfg->boot.profiles[i].id &&
		    !strcmp(cfg->boot.profiles[i].id, id))
			return true;
	return false;
}

static void boot_profiles(struct bb_cfg_ctx *c, yaml_node_t *n,
			  const char *path, void *obj)
{
	struct bb_cfg_boot *b = obj;
	yaml_node_item_t *it;
	size_t cnt = bb_cfg_items(c, n, path, &it), i, j;
	char ipath[256];

	b->profiles =
	    bb_arena_alloc(c->arena, (cnt + 1) * sizeof(*b->profiles));
	for (i = 0; i < cnt; i++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, it[i]);
		struct bb_cfg_profile *p = &b->profiles[b->nprofiles];

		bb_cfg_path_idx(ipath, sizeof(ipath), path, i);
		p->pos = bb_cfg_pos_of(e);
		bb_cfg_walk(c, e, ipath, profile_fields, p);
		if (!p->id)
			continue;
		for (j = 0; j < b->nprofiles; j++)
			if (!strcmp(b->profiles[j].id, p->id))
				bb_cfg_error(c, bb_cfg_get(c, e, "id"), ipath,
					     "duplicate profile id '%s'",
					     p->id);
		b->nprofiles++;
	}
}

static void boot_groups(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
			void *obj)
{
	struct bb_cfg_boot *b = obj;
	yaml_node_item_t *it;
	size_t cnt = bb_cfg_items(c, n, path, &it), i, j;
	char ipath[256], ppath[300];

	b->groups = bb_arena_alloc(c->arena, (cnt + 1) * sizeof(*b->groups));
	for (i = 0; i < cnt; i++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, it[i]);
		struct bb_cfg_group *g = &b->groups[b->ngroups];

		bb_cfg_path_idx(ipath, sizeof(ipath), path, i);
		g->pos = bb_cfg_pos_of(e);
		bb_cfg_walk(c, e, ipath, group_fields, g);
		if (!g->id || !g->profile)
			continue;
		check_pin(c, e, ipath, g->talos_version);
		for (j = 0; j < b->ngroups; j++)
			if (!strcmp(b->groups[j].id, g->id))
				bb_cfg_error(c, bb_cfg_get(c, e, "id"), ipath,
					     "duplicate group id '%s'", g->id);
		if (!profile_known(c->cfg, g->profile))
			bb_cfg_error(c, bb_cfg_get(c, e, "profile"),
				     bb_cfg_path_key(ppath, sizeof(ppath),
						     ipath, "profile"),
				     "no profile '%s'", g->profile);
		b->ngroups++;
	}
}

static void ignore(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
		   void *obj)
{
	(void)c;
	(void)n;
	(void)path;
	(void)obj;
}

static const struct bb_cfg_field boot_fields[] = {
    BB_F(struct bb_cfg_boot, "matchbox_dir", BB_T_STR, matchbox_dir),
    BB_F(struct bb_cfg_boot, "assets_dir", BB_T_STR, assets_dir),
    /* groups need the profiles: both are parsed in this order below */
    BB_FN("profiles", ignore, false),
    BB_FN("groups", ignore, false),
    {0},
};

void bb_cfg_boot(struct bb_cfg_ctx *c, yaml_node_t *n)
{
	struct bb_cfg_boot *b = &c->cfg->boot;
	yaml_node_t *v;

	b->enabled = true;
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0)
		return;
	bb_cfg_walk(c, n, "boot", boot_fields, b);
	if ((v = bb_cfg_get(c, n, "profiles")))
		boot_profiles(c, v, "boot.profiles", b);
	if ((v = bb_cfg_get(c, n, "groups")))
		boot_groups(c, v, "boot.groups", b);
}

static void machine_mac(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
			void *obj)
{
	struct bb_cfg_machine *m = obj;
	size_t len;
	const char *s = bb_cfg_scalar(c, n, path, &len);

	if (s && bb_parse_mac(s, len, m->mac))
		bb_cfg_error(c, n, path,
			     "'%s' is not a MAC address like 52:54:00:12:34:56",
			     s);
}

static const struct bb_cfg_field machine_fields[] = {
    BB_FR(struct bb_cfg_machine, "name", BB_T_STR, name),
    BB_FN("mac", machine_mac, true),
    BB_F(struct bb_cfg_machine, "ip", BB_T_IPV4, ip),
    BB_F(struct bb_cfg_machine, "profile", BB_T_STR, profile),
    BB_F(struct bb_cfg_machine, "role", BB_T_STR, role),
    BB_F(struct bb_cfg_machine, "arch", BB_T_STR, arch),
    BB_F(struct bb_cfg_machine, "domain", BB_T_STR, domain),
    BB_FL(struct bb_cfg_machine, "metadata", BB_T_KV, metadata, nmetadata),
    BB_FN("options", bb_cfg_machine_options, false),
    BB_F(struct bb_cfg_machine, "talos_version", BB_T_STR, talos_version),
    {0},
};

/* A reservation on our own address or a router would hand a node an
 * address that is in use. */
static void reservation_clash(struct bb_cfg_ctx *c, yaml_node_t *e,
			      const char *path, uint32_t ip)
{
	char fpath[300];
	size_t i;

	bb_cfg_path_key(fpath, sizeof(fpath), path, "ip");
	if (ip == c->cfg->appliance.address)
		bb_cfg_error(c, bb_cfg_get(c, e, "ip"), fpath,
			     "the reservation is the appliance's own address "
			     "(appliance.address)");
	for (i = 0; c->cfg->dhcp.enabled && i < c->cfg->dhcp.nsubnets; i++)
		if (ip == c->cfg->dhcp.subnets[i].router)
			bb_cfg_error(c, bb_cfg_get(c, e, "ip"), fpath,
				     "the reservation is the router of "
				     "dhcp.subnets[%zu]",
				     i);
}

static void check_machine(struct bb_cfg_ctx *c, yaml_node_t *e,
			  const char *path, size_t idx)
{
	struct bb_cfg_machine *m = &c->cfg->machines[idx];
	char fpath[300];
	size_t j;

	if (m->arch && strcmp(m->arch, "amd64") && strcmp(m->arch, "arm64"))
		bb_cfg_error(
		    c, bb_cfg_get(c, e, "arch"),
		    bb_cfg_path_key(fpath, sizeof(fpath), path, "arch"),
		    "'%s': expected amd64 or arm64", m->arch);
	if (!m->arch)
		m->arch = "amd64";
	/* the name is also the per-machine files' owner and the host name:
	 * one that cannot be stored whole would share them with others */
	if (m->name && !bb_boot_name_ok(m->name))
		bb_cfg_error(
		    c, bb_cfg_get(c, e, "name"),
		    bb_cfg_path_key(fpath, sizeof(fpath), path, "name"),
		    "'%s': a name is 1 to 63 letters, digits, '-', '_' "
		    "or '.', not starting with '.' or '-'",
		    m->name);
	check_pin(c, e, path, m->talos_version);
	if (m->profile && !profile_known(c->cfg, m->profile))
		bb_cfg_error(
		    c, bb_cfg_get(c, e, "profile"),
		    bb_cfg_path_key(fpath, sizeof(fpath), path, "profile"),
		    "no profile '%s'", m->profile);
	if (m->ip && c->cfg->dhcp.enabled &&
	    !bb_cfg_ip_in_subnets(c->cfg, m->ip))
		bb_cfg_error(c, bb_cfg_get(c, e, "ip"),
			     bb_cfg_path_key(fpath, sizeof(fpath), path, "ip"),
			     "the reservation is outside every dhcp subnet");
	if (m->ip)
		reservation_clash(c, e, path, m->ip);
	for (j = 0; j < idx; j++) {
		const struct bb_cfg_machine *o = &c->cfg->machines[j];

		if (m->name && o->name && !strcmp(m->name, o->name))
			bb_cfg_error(
			    c, bb_cfg_get(c, e, "name"),
			    bb_cfg_path_key(fpath, sizeof(fpath), path, "name"),
			    "duplicate machine name (machines[%zu])", j);
		if (!memcmp(m->mac, o->mac, 6) && bb_cfg_get(c, e, "mac"))
			bb_cfg_error(
			    c, bb_cfg_get(c, e, "mac"),
			    bb_cfg_path_key(fpath, sizeof(fpath), path, "mac"),
			    "duplicate MAC (machines[%zu])", j);
		if (m->ip && m->ip == o->ip)
			bb_cfg_error(
			    c, bb_cfg_get(c, e, "ip"),
			    bb_cfg_path_key(fpath, sizeof(fpath), path, "ip"),
			    "duplicate IP (machines[%zu])", j);
	}
}

static bool clashes(const struct bb_config *cfg, size_t upto,
		    const struct bb_cfg_machine *m, size_t *with)
{
	size_t j;

	for (j = 0; j < upto; j++) {
		const struct bb_cfg_machine *o = &cfg->machines[j];

		if ((m->name && o->name && !strcmp(m->name, o->name)) ||
		    !memcmp(m->mac, o->mac, 6) || (m->ip && m->ip == o->ip)) {
			*with = j;
			return true;
		}
	}
	return false;
}

void bb_cfg_machines_append(struct bb_cfg_ctx *c, yaml_node_t *n)
{
	struct bb_config *cfg = c->cfg;
	yaml_node_item_t *it;
	size_t cnt = bb_cfg_items(c, n, "machines", &it), i,
	       base = cfg->nmachines;
	struct bb_cfg_machine *all;
	char ipath[64];

	all = bb_arena_alloc(c->arena, (base + cnt + 1) * sizeof(*all));
	if (base)
		memcpy(all, cfg->machines, base * sizeof(*all));
	cfg->machines = all;
	for (i = 0; i < cnt; i++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, it[i]);
		struct bb_cfg_machine *m = &all[cfg->nmachines];
		int errs = c->nerr;
		size_t with;

		bb_cfg_path_idx(ipath, sizeof(ipath), "machines", i);
		m->pos = bb_cfg_pos_of(e);
		bb_cfg_walk(c, e, ipath, machine_fields, m);
		if (c->nerr == errs && clashes(cfg, base, m, &with)) {
			fprintf(c->errs,
				"%s:%d:%d: %s: skipped: machines[%zu] (%s) of "
				"%s has its name, MAC or IP\n",
				c->file, m->pos.line, m->pos.col, ipath, with,
				cfg->machines[with].name, cfg->path);
			memset(m, 0, sizeof(*m));
			continue;
		}
		cfg->nmachines++;
		check_machine(c, e, ipath, cfg->nmachines - 1);
	}
}

void bb_cfg_machines(struct bb_cfg_ctx *c, yaml_node_t *n)
{
	struct bb_config *cfg = c->cfg;
	yaml_node_item_t *it;
	size_t cnt = bb_cfg_items(c, n, "machines", &it), i;
	char ipath[64];

	cfg->machines =
	    bb_arena_alloc(c->arena, (cnt + 1) * sizeof(*cfg->machines));
	for (i = 0; i < cnt; i++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, it[i]);

		bb_cfg_path_idx(ipath, sizeof(ipath), "machines", i);
		cfg->machines[i].pos = bb_cfg_pos_of(e);
		bb_cfg_walk(c, e, ipath, machine_fields, &cfg->machines[i]);
		cfg->nmachines++;
		check_machine(c, e, ipath, i);
	}
}
