/* One parser per top-level section, called by config.c in a fixed order
 * (later sections check references to earlier ones), whatever order the
 * file uses. Each reports its errors through ctx. */
#ifndef BB_CONFIG_SECTIONS_H
#define BB_CONFIG_SECTIONS_H

#include <stdbool.h>
#include <yaml.h>

#include "firmware/config/config_yaml.h"

void bb_cfg_appliance(struct bb_cfg_ctx *c, yaml_node_t *n);
void bb_cfg_dhcp(struct bb_cfg_ctx *c, yaml_node_t *n);
void bb_cfg_tftp(struct bb_cfg_ctx *c, yaml_node_t *n);
void bb_cfg_http(struct bb_cfg_ctx *c, yaml_node_t *n);
void bb_cfg_boot(struct bb_cfg_ctx *c, yaml_node_t *n);
void bb_cfg_machines(struct bb_cfg_ctx *c, yaml_node_t *n);
void bb_cfg_talos(struct bb_cfg_ctx *c, yaml_node_t *n);
void bb_cfg_talos_customization(struct bb_cfg_ctx *c, yaml_node_t *n,
				const char *path, void *obj);
void bb_cfg_pki(struct bb_cfg_ctx *c, yaml_node_t *n);
void bb_cfg_handoff(struct bb_cfg_ctx *c, yaml_node_t *n);

/* dhcp.subnets[].options and machines[].options: {code, type, value,
 * always_send} entries, encoded at load (config_options.c). */
void bb_cfg_subnet_options(struct bb_cfg_ctx *c, yaml_node_t *n,
			   const char *path, void *subnet);
void bb_cfg_machine_options(struct bb_cfg_ctx *c, yaml_node_t *n,
			    const char *path, void *machine);

/* What an operator sets instead of option code (NULL: dhcp.options may). */
const char *bb_cfg_option_owner(unsigned code);

void bb_cfg_inventory(struct bb_cfg_ctx *c, yaml_node_t *n);
/* Appends the machines of the inventory file (if there is one yet);
 * 0, or non-zero after reporting errors in it. */
int bb_cfg_inventory_merge(struct bb_cfg_ctx *c);
/* Appends machines from another document (c->doc, c->file): one that
 * clashes with an earlier machine by name, MAC or IP is skipped, named on
 * c->errs, not an error: the file the operator wrote wins. */
void bb_cfg_machines_append(struct bb_cfg_ctx *c, yaml_node_t *n);

/* An address inside one of the dhcp subnets. */
bool bb_cfg_ip_in_subnets(const struct bb_config *cfg, uint32_t ip);

#endif
