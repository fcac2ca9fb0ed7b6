/* The DHCP server socket on Linux: UDP port 67 bound to one interface, and
 * the three ways a reply leaves (struct bb_dhcp_tx): broadcast on the
 * interface, unicast to a relay or a configured client, or unicast to a
 * client that has no address yet, which needs its hardware address put in
 * the ARP table first (what dnsmasq does; kea uses a raw socket instead). */
#ifndef BB_LINUX_DHCP_SOCK_H
#define BB_LINUX_DHCP_SOCK_H

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_batch.h"

struct bb_dhcp_sock {
	int fd;
	char ifname[IFNAMSIZ];
	uint64_t arp_failures; /* UNICAST_HW sent as broadcast instead */
	uint64_t send_errors;
};

/* 0, or a negative BB_E* with errno kept for the caller's message. */
int bb_dhcp_sock_open(struct bb_dhcp_sock *s, const char *ifname,
		      uint16_t port);
void bb_dhcp_sock_close(struct bb_dhcp_sock *s);

/* Receives up to max datagrams without blocking (recvmmsg). bufs is max
 * buffers of BB_DHCP_SOCK_BUF bytes; lens and srcs are filled. Returns the
 * count (0 when none), truncated datagrams are dropped. */
#define BB_DHCP_SOCK_BUF 2048
int bb_dhcp_sock_recv(struct bb_dhcp_sock *s, uint8_t (*bufs)[BB_DHCP_SOCK_BUF],
		      size_t *lens, uint32_t *src_ip, uint16_t *src_port,
		      int max);

/* Replies gathered for one sendmmsg() (services/dhcp/dhcp_batch.h decides
 * where each goes); pkt bytes must stay put until the flush. Queueing into
 * a full batch flushes it first; a reply that may not leave is dropped. */
void bb_dhcp_sock_queue(struct bb_dhcp_sock *s, struct bb_dhcp_batch *b,
			const struct bb_dhcp_tx *tx, const uint8_t *pkt,
			size_t len);
void bb_dhcp_sock_flush(struct bb_dhcp_sock *s, struct bb_dhcp_batch *b);

#endif
