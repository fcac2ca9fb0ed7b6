/* Which boot file a client gets, from what it says it is (DESIGN.md's boot
 * flow table): option 93 (client architecture, RFC 4578), 77 (user class:
 * "iPXE"), 60 (vendor class: "PXEClient…", "HTTPClient…") and 175 (iPXE's
 * encapsulated options). */
#ifndef BB_DHCP_BOOT_H
#define BB_DHCP_BOOT_H

#include <stdbool.h>

#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_wire.h"

enum bb_boot_kind { BB_BOOT_NONE, BB_BOOT_TFTP, BB_BOOT_HTTP };

struct bb_boot_choice {
	enum bb_boot_kind kind;
	char file[256];	  /* TFTP file name, or the full URL for HTTP */
	bool vendor_pxe;  /* echo option 60 "PXEClient" */
	bool vendor_http; /* echo option 60 "HTTPClient" (required) */
	bool ipxe;
	int arch; /* option 93, -1 when absent */
};

/* Fills c; kind NONE for ordinary clients or when the matching service is
 * not configured. */
void bb_dhcp_boot_choose(const struct bb_dhcp_boot *cfg,
			 const struct bb_dhcp_msg *m, struct bb_boot_choice *c);

#endif
