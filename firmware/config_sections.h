/* One parser per top-level section, called by config.c in a fixed order
 * (later sections check references to earlier ones), whatever order the
 * file uses. Each reports its errors through ctx. */
#ifndef BB_CONFIG_SECTIONS_H
#define BB_CONFIG_SECTIONS_H

#include <stdbool.h>
#include <yaml.h>

#include "firmware/config_yaml.h"

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

/* An address inside one of the dhcp subnets. */
bool bb_cfg_ip_in_subnets(const struct bb_config *cfg, uint32_t ip);

#endif
