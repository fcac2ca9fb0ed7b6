/* Loads the configuration file with libyaml and checks it whole: every
 * problem is reported as file:line:col: key.path: message. */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/err.h"
#include "firmware/config/arena.h"
#include "firmware/config/config.h"
#include "firmware/config/config_deps.h"
#include "firmware/config/config_sections.h"
#include "firmware/config/config_yaml.h"

static const struct {
	const char *key;
	void (*parse)(struct bb_cfg_ctx *c, yaml_node_t *n);
} sections[] = {
    /* in dependency order: machines check dhcp and boot, handoff checks
     * machines */
    {"appliance", bb_cfg_appliance}, {"dhcp", bb_cfg_dhcp},
    {"tftp", bb_cfg_tftp},	     {"http", bb_cfg_http},
    {"boot", bb_cfg_boot},	     {"machines", bb_cfg_machines},
    {"talos", bb_cfg_talos},	     {"pki", bb_cfg_pki},
    {"handoff", bb_cfg_handoff},     {"inventory", bb_cfg_inventory},
};

#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

static void unknown_sections(struct bb_cfg_ctx *c, yaml_node_t *root)
{
	yaml_node_pair_t *p;
	size_t i;

	for (p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		yaml_node_pair_t *q;
		const char *key;
		size_t len;

		key = bb_cfg_scalar(c, k, "", &len);
		if (!key)
			continue;
		for (q = root->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 =
			    yaml_document_get_node(c->doc, q->key);

			if (k2->type == YAML_SCALAR_NODE &&
			    !strcmp((char *)k2->data.scalar.value, key))
				break;
		}
		if (q < p) {
			bb_cfg_error(c, k, key, "duplicate section");
			continue;
		}
		for (i = 0; i < NSECTIONS && strcmp(sections[i].key, key); i++)
			;
		if (i == NSECTIONS) {
			char dym[80];

			bb_cfg_error(c, k, key, "unknown section '%s'%s", key,
				     bb_cfg_did_you_mean(dym, sizeof(dym), key,
							 &sections[0].key,
							 sizeof(sections[0]),
							 NSECTIONS));
		}
	}
}

static void defaults(struct bb_config *cfg, struct bb_arena *a)
{
	if (!cfg->appliance.state_dir)
		cfg->appliance.state_dir = "/var/lib/bootbox";
	if (cfg->boot.enabled && !cfg->boot.assets_dir) {
		size_t n = strlen(cfg->appliance.state_dir) + 8;
		char *d = bb_arena_alloc(a, n);

		if (d)
			snprintf(d, n, "%s/assets", cfg->appliance.state_dir);
		cfg->boot.assets_dir = d;
	}
}

static void walk(struct bb_cfg_ctx *c, yaml_node_t *root)
{
	size_t i;

	if (!root ||
	    (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)) {
		bb_cfg_error(c, root, "", "the file is empty");
		return;
	}
	if (!bb_cfg_expect_map(c, root, ""))
		return;
	unknown_sections(c, root);
	for (i = 0; i < NSECTIONS; i++) {
		yaml_node_t *n = bb_cfg_get(c, root, sections[i].key);

		if (n)
			sections[i].parse(c, n);
		else if (!strcmp(sections[i].key, "appliance"))
			bb_cfg_error(c, root, "appliance",
				     "missing required section");
	}
	bb_cfg_cross_check(c, root);
}

/* libyaml's own words, except for the mistake everyone makes: a tab */
static void yaml_error(const char *name, const char *buf, size_t len,
		       const yaml_parser_t *p, FILE *errs)
{
	size_t at = p->problem_mark.index;

	if (at < len && buf[at] == '\t') {
		fprintf(errs,
			"%s:%zu:%zu: (yaml): a tab: YAML indents with "
			"spaces only\n",
			name, p->problem_mark.line + 1,
			p->problem_mark.column + 1);
		return;
	}
	fprintf(errs, "%s:%zu:%zu: (yaml): %s%s%s\n", name,
		p->problem_mark.line + 1, p->problem_mark.column + 1,
		p->problem ? p->problem : "syntax error", p->context ? " " : "",
		p->context ? p->context : "");
}

/* per thread: the inventory thread validates while the loop may reload */
static _Thread_local const char *inventory_override;

int bb_config_parse(const char *name, const char *buf, size_t len, FILE *errs,
		    struct bb_config **out)
{
	struct bb_cfg_ctx c = {0};
	yaml_parser_t parser;
	yaml_document_t doc;
	struct bb_config *cfg;
	struct bb_arena *a;

	*out = NULL;
	a = bb_arena_new();
	cfg = a ? bb_arena_alloc(a, sizeof(*cfg)) : NULL;
	if (!cfg) {
		bb_arena_free(a);
		return BB_ENOMEM;
	}
	cfg->arena = a;
	cfg->path = bb_arena_strdup(a, name);
	c.file = name;
	c.errs = errs;
	c.arena = a;
	c.cfg = cfg;
	c.doc = &doc;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_error(name, buf, len, &parser, errs);
		yaml_parser_delete(&parser);
		bb_arena_free(a);
		return BB_EINVAL;
	}
	walk(&c, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (c.nerr) {
		bb_arena_free(a);
		return BB_EINVAL;
	}
	defaults(cfg, a);
	if (inventory_override)
		cfg->inventory.file = inventory_override;
	if (cfg->inventory.enabled && bb_cfg_inventory_merge(&c)) {
		bb_arena_free(a);
		return BB_EINVAL;
	}
	*out = cfg;
	return 0;
}

int bb_config_load(const char *path, FILE *errs, struct bb_config **out)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	*out = NULL;
	if (!f) {
		fprintf(errs, "%s:1:1: (file): cannot open: %m\n", path);
		return BB_ENOENT;
	}
	do {
		if (cap - len < 4096) {
			char *p;

			cap = cap ? cap * 2 : 8192;
			if (cap > (4u << 20) || !(p = realloc(buf, cap))) {
				fprintf(errs, "%s:1:1: (file): too large\n",
					path);
				free(buf);
				fclose(f);
				return BB_ETOOBIG;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	rc = bb_config_parse(path, buf, len, errs, out);
	free(buf);
	return rc;
}

int bb_config_load_inventory(const char *path, const char *inventory,
			     FILE *errs, struct bb_config **out)
{
	int rc;

	inventory_override = inventory;
	rc = bb_config_load(path, errs, out);
	inventory_override = NULL;
	return rc;
}

void bb_config_free(struct bb_config *cfg)
{
	if (cfg)
		bb_arena_free(cfg->arena);
}

const struct bb_cfg_machine *bb_config_machine(const struct bb_config *cfg,
					       const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nmachines; i++)
		if (cfg->machines[i].name &&
		    !strcmp(cfg->machines[i].name, name))
			return &cfg->machines[i];
	return NULL;
}
