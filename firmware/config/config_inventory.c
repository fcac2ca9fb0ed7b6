/* inventory: the machines NetBox knows, merged after machines:. serve
 * refreshes <state_dir>/inventory/netbox.yaml on a timer (serve_inventory.c)
 * and reloads; loading merges the last good copy, so the appliance keeps
 * its inventory when NetBox is unreachable, and a file the operator wrote
 * overrides NetBox for a machine both name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "firmware/config/config_sections.h"
#include "firmware/config/config_yaml.h"

static const struct bb_cfg_field netbox_fields[] = {
    BB_FR(struct bb_cfg_inventory, "endpoint", BB_T_STR, endpoint),
    BB_FR(struct bb_cfg_inventory, "token_file", BB_T_STR, token_file),
    BB_F(struct bb_cfg_inventory, "site", BB_T_STR, site),
    BB_F(struct bb_cfg_inventory, "role", BB_T_STR, role),
    BB_F(struct bb_cfg_inventory, "ca_bundle", BB_T_STR, ca_bundle),
    BB_FD(struct bb_cfg_inventory, "interval", interval, 30, 86400 * 7),
    {0},
};

static void netbox(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
		   void *obj)
{
	struct bb_cfg_inventory *inv = obj;
	size_t len;

	bb_cfg_walk(c, n, path, netbox_fields, inv);
	inv->enabled = true;
	if (!inv->interval)
		inv->interval = 600;
	len = inv->endpoint ? strlen(inv->endpoint) : 0;
	if (len && (strncmp(inv->endpoint, "http://", 7) &&
		    strncmp(inv->endpoint, "https://", 8)))
		bb_cfg_error(c, bb_cfg_get(c, n, "endpoint"),
			     "inventory.netbox.endpoint",
			     "'%s': expected an http:// or https:// URL",
			     inv->endpoint);
	else if (len && inv->endpoint[len - 1] == '/')
		bb_cfg_error(c, bb_cfg_get(c, n, "endpoint"),
			     "inventory.netbox.endpoint",
			     "give the endpoint without a trailing /");
}

static const struct bb_cfg_field inventory_fields[] = {
    BB_FN("netbox", netbox, true),
    {0},
};

void bb_cfg_inventory(struct bb_cfg_ctx *c, yaml_node_t *n)
{
	struct bb_cfg_inventory *inv = &c->cfg->inventory;
	const char *sd = c->cfg->appliance.state_dir
			     ? c->cfg->appliance.state_dir
			     : "/var/lib/bootbox";
	size_t len = strlen(sd) + 32;
	char *f;

	bb_cfg_walk(c, n, "inventory", inventory_fields, inv);
	f = bb_arena_alloc(c->arena, len);
	if (f)
		snprintf(f, len, "%s/inventory/netbox.yaml", sd);
	inv->file = f;
}

int bb_cfg_inventory_merge(struct bb_cfg_ctx *c)
{
	const char *path = c->cfg->inventory.file;
	FILE *f = path ? fopen(path, "rb") : NULL;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_document_t *main_doc = c->doc;
	const char *main_file = c->file;
	yaml_node_t *root, *m;
	int ok;

	if (!f)
		return 0; /* not fetched yet */
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	ok = yaml_parser_load(&parser, &doc);
	fclose(f);
	if (!ok) {
		fprintf(c->errs, "%s:%zu:%zu: (yaml): %s\n", path,
			parser.problem_mark.line + 1,
			parser.problem_mark.column + 1,
			parser.problem ? parser.problem : "syntax error");
		yaml_parser_delete(&parser);
		return 1;
	}
	c->doc = &doc;
	c->file = path;
	root = yaml_document_get_root_node(&doc);
	if (root && root->type == YAML_MAPPING_NODE &&
	    (m = bb_cfg_get(c, root, "machines")))
		bb_cfg_machines_append(c, m);
	c->doc = main_doc;
	c->file = main_file;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return c->nerr ? 1 : 0;
}
