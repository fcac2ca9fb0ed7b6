/* talos:, pki: and handoff: sections. */
#include <stddef.h>
#include <string.h>

#include "cache/cache.h"
#include "common/parse.h"
#include "firmware/config/config_sections.h"
#include "firmware/config/config_yaml.h"
#include "handoff/handoff.h"

static bool is_url(const char *s)
{
	return s && (!strncmp(s, "https://", 8) || !strncmp(s, "http://", 7)) &&
	       strlen(s) > 8;
}

static void check_url(struct bb_cfg_ctx *c, yaml_node_t *sec, const char *sect,
		      const char *key, const char *v)
{
	char path[64];

	if (v && !is_url(v))
		bb_cfg_error(c, bb_cfg_get(c, sec, key),
			     bb_cfg_path_key(path, sizeof(path), sect, key),
			     "'%s' is not an http:// or https:// URL", v);
}

static const struct bb_cfg_field talos_fields[] = {
    BB_F(struct bb_cfg_talos, "factory", BB_T_STR, factory),
    BB_F(struct bb_cfg_talos, "schematic", BB_T_STR, schematic),
    BB_F(struct bb_cfg_talos, "version", BB_T_STR, version),
    BB_FL(struct bb_cfg_talos, "arches", BB_T_STRLIST, arches, narches),
    BB_F(struct bb_cfg_talos, "prefetch", BB_T_BOOL, prefetch),
    BB_F(struct bb_cfg_talos, "ca_bundle", BB_T_STR, ca_bundle),
    BB_F(struct bb_cfg_talos, "max_size", BB_T_SIZE, max_bytes),
    BB_F(struct bb_cfg_talos, "proxy", BB_T_STR, proxy),
    BB_FN("customization", bb_cfg_talos_customization, false),
    {0},
};

void bb_cfg_talos(struct bb_cfg_ctx *c, yaml_node_t *n)
{
	struct bb_cfg_talos *t = &c->cfg->talos;
	char path[64];
	size_t i;

	t->enabled = true;
	bb_cfg_walk(c, n, "talos", talos_fields, t);
	if (!t->factory)
		t->factory = "https://factory.talos.dev";
	check_url(c, n, "talos", "factory", t->factory);
	check_url(c, n, "talos", "proxy", t->proxy);
	if (t->schematic && t->customization)
		bb_cfg_error(
		    c, bb_cfg_get(c, n, "customization"), "talos.customization",
		    "give either schematic or customization, not both");
	else if (t->customization)
		; /* the id comes from the factory (bb_talos_schematic) */
	else if (!t->schematic ||
		 bb_cache_check_schematic(t->schematic, strlen(t->schematic)))
		bb_cfg_error(c,
			     t->schematic ? bb_cfg_get(c, n, "schematic") : n,
			     "talos.schematic",
			     "expected the 64 lowercase hex characters of an "
			     "Image Factory schematic id (or give "
			     "talos.customization)");
	if (!t->version ||
	    bb_cache_check_version(t->version, strlen(t->version)))
		bb_cfg_error(c, t->version ? bb_cfg_get(c, n, "version") : n,
			     "talos.version",
			     "expected a version like v1.10.4");
	for (i = 0; i < t->narches; i++)
		if (strcmp(t->arches[i], "amd64") &&
		    strcmp(t->arches[i], "arm64"))
			bb_cfg_error(c, bb_cfg_get(c, n, "arches"),
				     bb_cfg_path_idx(path, sizeof(path),
						     "talos.arches", i),
				     "'%s': expected amd64 or arm64",
				     t->arches[i]);
	if (!t->narches) {
		t->arches = bb_arena_alloc(c->arena, 2 * sizeof(char *));
		t->arches[0] = "amd64";
		t->narches = 1;
	}
}

static const struct bb_cfg_field pki_fields[] = {
    BB_F(struct bb_cfg_pki, "endpoint", BB_T_STR, endpoint),
    BB_F(struct bb_cfg_pki, "auth_key_file", BB_T_STR, auth_key_file),
    BB_F(struct bb_cfg_pki, "ca_bundle", BB_T_STR, ca_bundle),
    BB_F(struct bb_cfg_pki, "label", BB_T_STR, label),
    BB_F(struct bb_cfg_pki, "profile", BB_T_STR, profile),
    BB_F(struct bb_cfg_pki, "cn", BB_T_STR, cn),
    BB_FL(struct bb_cfg_pki, "hosts", BB_T_STRLIST, hosts, nhosts),
    BB_FL(struct bb_cfg_pki, "names", BB_T_KV, names, nnames),
    BB_FD(struct bb_cfg_pki, "timeout", timeout, 1, 600),
    BB_FD(struct bb_cfg_pki, "retry", retry, 1, 86400),
    {0},
};

void bb_cfg_pki(struct bb_cfg_ctx *c, yaml_node_t *n)
{
	struct bb_cfg_pki *p = &c->cfg->pki;
	size_t i;

	p->enabled = true;
	p->timeout = 10;
	p->retry = 60;
	bb_cfg_walk(c, n, "pki", pki_fields, p);
	for (i = 0; i < p->nnames; i++)
		if (strcmp(p->names[i].key, "C") &&
		    strcmp(p->names[i].key, "ST") &&
		    strcmp(p->names[i].key, "L") &&
		    strcmp(p->names[i].key, "O") &&
		    strcmp(p->names[i].key, "OU"))
			bb_cfg_error(c, bb_cfg_get(c, n, "names"), "pki.names",
				     "'%s': expected C, ST, L, O or OU",
				     p->names[i].key);
	if (!p->endpoint)
		bb_cfg_error(c, n, "pki.endpoint", "required");
	check_url(c, n, "pki", "endpoint", p->endpoint);
	if (!p->profile)
		p->profile = "host";
}

static const struct bb_cfg_field handoff_fields[] = {
    BB_F(struct bb_cfg_handoff, "management", BB_T_STR, management),
    BB_FL(struct bb_cfg_handoff, "probes", BB_T_STRLIST, probes, nprobes),
    BB_FL(struct bb_cfg_handoff, "actions", BB_T_STRLIST, actions, nactions),
    BB_FD(struct bb_cfg_handoff, "interval", interval, 1, 86400),
    BB_FD(struct bb_cfg_handoff, "timeout", timeout, 1, 600),
    {"confirm", BB_T_U32, offsetof(struct bb_cfg_handoff, confirm), 0, 1, 100,
     NULL, false},
    BB_F(struct bb_cfg_handoff, "ca_bundle", BB_T_STR, ca_bundle),
    BB_F(struct bb_cfg_handoff, "standdown", BB_T_STR, standdown),
    BB_FL(struct bb_cfg_handoff, "scopes", BB_T_STRLIST, scopes, nscopes),
    BB_F(struct bb_cfg_handoff, "export_dir", BB_T_STR, export_dir),
    BB_F(struct bb_cfg_handoff, "export_url", BB_T_STR, export_url),
    BB_F(struct bb_cfg_handoff, "hook", BB_T_STR, hook),
    BB_F(struct bb_cfg_handoff, "namespace", BB_T_STR, ns),
    {0},
};

static void check_list(struct bb_cfg_ctx *c, yaml_node_t *n, const char *key,
		       char **v, size_t nv, int (*ok)(const char *))
{
	char path[64];
	size_t i;

	for (i = 0; i < nv; i++)
		if (!ok(v[i]))
			bb_cfg_error(
			    c, bb_cfg_get(c, n, key),
			    bb_cfg_path_idx(path, sizeof(path),
					    key[0] == 'p'   ? "handoff.probes"
					    : key[0] == 'a' ? "handoff.actions"
							    : "handoff.scopes",
					    i),
			    "'%s' is not valid here (%s)", v[i],
			    key[0] == 'p' ? "tcp:PORT or https:PORT/PATH"
			    : key[0] == 'a'
				? "local-boot, dhcp-standdown, export or hook"
				: "a CIDR like 192.168.3.0/24");
}

static int probe_ok(const char *s)
{
	struct bb_probe p;

	return !bb_probe_parse(s, strlen(s), &p);
}

static int action_ok(const char *s)
{
	unsigned bit;

	return !bb_action_parse(s, strlen(s), &bit);
}

static int cidr_ok(const char *s)
{
	uint32_t net;
	uint8_t pre;

	return !bb_parse_cidr(s, strlen(s), &net, &pre);
}

void bb_cfg_handoff(struct bb_cfg_ctx *c, yaml_node_t *n)
{
	struct bb_cfg_handoff *h = &c->cfg->handoff;

	h->enabled = true;
	h->interval = 10;
	h->timeout = 5;
	h->confirm = 2;
	bb_cfg_walk(c, n, "handoff", handoff_fields, h);
	if (!h->management)
		bb_cfg_error(c, n, "handoff.management", "required");
	else if (!bb_config_machine(c->cfg, h->management))
		bb_cfg_error(
		    c, bb_cfg_get(c, n, "management"), "handoff.management",
		    "'%s' is not a machine in machines:", h->management);
	check_list(c, n, "probes", h->probes, h->nprobes, probe_ok);
	check_list(c, n, "actions", h->actions, h->nactions, action_ok);
	check_list(c, n, "scopes", h->scopes, h->nscopes, cidr_ok);
	if (h->standdown && strcmp(h->standdown, "renewals") &&
	    strcmp(h->standdown, "stop"))
		bb_cfg_error(c, bb_cfg_get(c, n, "standdown"),
			     "handoff.standdown", "expected renewals or stop");
	check_url(c, n, "handoff", "export_url", h->export_url);
	if (h->export_url && strncmp(h->export_url, "http://", 7))
		bb_cfg_error(c, bb_cfg_get(c, n, "export_url"),
			     "handoff.export_url",
			     "only http:// is supported for the export POST");
	if (!h->ns)
		h->ns = "tink-system";
}
