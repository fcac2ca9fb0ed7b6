/* From the configuration file to the DHCP engine's own config: subnets,
 * machines as reservations (hostname = machine name), and the boot
 * parameters (TFTP next-server and the HTTP base URL, when those services
 * are configured). */
#ifndef BB_DHCP_CONF_H
#define BB_DHCP_CONF_H

#include "dhcp/dhcp_server.h"
#include "firmware/config/config.h"

struct bb_dhcp_conf {
	struct bb_dhcp_config c;
	struct bb_dhcp_subnet *subnets;
	struct bb_dhcp_pool *pools;
	struct bb_dhcp_host *hosts;
	char http_base[64];
};

/* 0 or BB_ENOMEM; free with bb_dhcp_conf_free. Strings point into cfg.
 * standdown: the hand-off's DHCP stand-down is in force, so the scopes of
 * handoff.scopes (every subnet when none) get handoff.standdown's mode. */
int bb_dhcp_conf_build(const struct bb_config *cfg, bool standdown,
		       struct bb_dhcp_conf *out);
void bb_dhcp_conf_free(struct bb_dhcp_conf *c);

/* <state_dir>/dhcp/leases.journal */
void bb_dhcp_journal_path(const struct bb_config *cfg, char *buf, size_t cap);

#endif
