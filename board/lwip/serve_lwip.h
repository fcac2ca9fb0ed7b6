/* The services of the lwIP board: the same engines and firmware code as
 * on Linux, driven through board.h. */
#ifndef BB_SERVE_LWIP_H
#define BB_SERVE_LWIP_H

#include "firmware/serve/serve.h"

int bb_lwip_dhcp_start(struct bb_serve *s);
void bb_lwip_dhcp_stop(struct bb_serve *s);
int bb_lwip_dhcp_reload(struct bb_serve *s, const struct bb_config *next);

#endif
