/* The DHCP engine's copy of its configuration: one block holding every
 * string and array, so that a reconfigure is all or nothing. */
#ifndef BB_DHCP_CONFIG_H
#define BB_DHCP_CONFIG_H

#include "dhcp/dhcp_server.h"

/* Deep-copies in into out; returns the block that out points into (free it
 * to release the copy), NULL when out of memory. */
void *bb_dhcp_config_copy(const struct bb_dhcp_config *in,
			  struct bb_dhcp_config *out);

#endif
