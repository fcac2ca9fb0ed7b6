/* serve start-up: give appliance.interface appliance.address when it has
 * no IPv4 address yet (what a bootstrap-network unit did by hand). */
#ifndef BB_SERVE_IFUP_H
#define BB_SERVE_IFUP_H

#include "firmware/config/config.h"

void bb_serve_ifup(const struct bb_config *cfg);

#endif
