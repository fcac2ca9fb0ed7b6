/* Building one DHCP reply (OFFER, ACK, NAK) for a parsed request. */
#ifndef BB_DHCP_REPLY_H
#define BB_DHCP_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_boot.h"
#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_wire.h"

struct bb_dhcp_reply {
	uint8_t type; /* BB_DHCPOFFER, BB_DHCPACK, BB_DHCPNAK */
	uint32_t yiaddr;
	const struct bb_dhcp_subnet *sub;
	const struct bb_dhcp_host *host; /* NULL: not a reservation */
	uint32_t lease_time;
	struct bb_boot_choice boot;
};

/* Writes the reply to m into out[0..cap), cut to the client's option 57
 * clamped to [576, 1500]. Bytes written, or BB_ENOSPC. */
int bb_dhcp_reply_build(const struct bb_dhcp_config *cfg,
			const struct bb_dhcp_msg *m,
			const struct bb_dhcp_reply *r, uint8_t *out,
			size_t cap);

#endif
