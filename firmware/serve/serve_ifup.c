/* The prefix is the one of the dhcp subnet holding the address: that is
 * the bootstrap network the appliance serves. An address no subnet holds
 * (every subnet relayed) gets no guess: the operator configures it. */
#include "firmware/serve/serve_ifup.h"

#include <errno.h>
#include <string.h>

#include "board/board.h"
#include "common/parse.h"
#include "firmware/serve/log.h"

static int subnet_prefix(const struct bb_config *cfg, uint32_t a)
{
	size_t i;

	for (i = 0; i < cfg->dhcp.nsubnets; i++) {
		const struct bb_cfg_subnet *s = &cfg->dhcp.subnets[i];
		uint32_t mask = s->prefix ? ~0u << (32 - s->prefix) : 0;

		if ((a & mask) == s->net)
			return s->prefix;
	}
	return -1;
}

void bb_serve_ifup(const struct bb_config *cfg)
{
	const char *ifn = cfg->appliance.interface;
	uint32_t a = cfg->appliance.address;
	char ip[16];
	char why[128];
	int prefix, rc;

	if (!ifn || !a)
		return;
	bb_fmt_ipv4(a, ip);
	prefix = subnet_prefix(cfg, a);
	if (prefix < 0) {
		bb_debug("%s: no dhcp subnet holds %s: its address is left "
			 "as it is",
			 ifn, ip);
		return;
	}
	rc = bb_board_ifaddr_ensure(ifn, a, (uint8_t)prefix, why, sizeof why);
	if (rc == BB_IFADDR_ADDED)
		bb_info("%s had no IPv4 address: added %s/%d, link up", ifn, ip,
			prefix);
	else if (rc == BB_IFADDR_OTHER)
		bb_warn("%s has IPv4 addresses but not %s: left as it is", ifn,
			ip);
	else if (rc < 0)
		bb_warn("%s: cannot give it %s/%d: %s", ifn, ip, prefix, why);
}
