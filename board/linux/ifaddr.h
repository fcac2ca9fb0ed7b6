/* The appliance's own address on its interface, over rtnetlink: the box or
 * container comes up with the bootstrap NIC bare (no DHCP client, no
 * network manager), and bootbox is what gives it appliance.address. */
#ifndef BB_LINUX_IFADDR_H
#define BB_LINUX_IFADDR_H

#include <stdint.h>

enum bb_ifaddr_result {
	BB_IFADDR_PRESENT = 0, /* it already had addr: nothing done */
	BB_IFADDR_ADDED = 1,   /* addr/prefix added and the link set up */
	BB_IFADDR_OTHER = 2,   /* it has other IPv4 addresses: left alone */
};

/* addr in host byte order. Returns a bb_ifaddr_result, or -1 with errno
 * (ENODEV: no such interface; EPERM: no CAP_NET_ADMIN). */
int bb_ifaddr_ensure(const char *ifname, uint32_t addr, uint8_t prefix);

#endif
