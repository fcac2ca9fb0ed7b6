/* The appliance's own address on its interface, over rtnetlink: the box or
 * container comes up with the bootstrap NIC bare (no DHCP client, no
 * network manager), and bootbox is what gives it appliance.address. */
#ifndef BB_LINUX_IFADDR_H
#define BB_LINUX_IFADDR_H

#include <stdint.h>

#include "board/board.h"

/* addr in host byte order. Returns a bb_ifaddr_result, or -1 with errno
 * (ENODEV: no such interface; EPERM: no CAP_NET_ADMIN). */
int bb_ifaddr_ensure(const char *ifname, uint32_t addr, uint8_t prefix);

#endif
