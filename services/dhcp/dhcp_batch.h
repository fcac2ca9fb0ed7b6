/* Where a reply leaves to, and the replies that leave together (one
 * sendmmsg on Linux), I/O-free. The engine's bb_dhcp_tx says how a reply
 * goes (RFC 2131 4.1); this turns it into an address and port, with the
 * board's one fact: whether the link address of a client without an
 * address could be installed (an ARP entry on Linux). When it could not,
 * the reply is broadcast instead, which every client hears. A board then
 * only copies the batch's entries into its send calls. */
#ifndef BB_DHCP_BATCH_H
#define BB_DHCP_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_server.h"

#define BB_DHCP_BATCH 64

/* One datagram ready to leave: ip host byte order. pkt is the caller's and
 * must stay put until the batch is cleared; it is never read here. */
struct bb_dhcp_dgram {
	uint32_t ip;
	uint16_t port;
	const uint8_t *pkt;
	size_t len;
};

struct bb_dhcp_batch {
	unsigned n;
	struct bb_dhcp_dgram d[BB_DHCP_BATCH];
};

/* Must the board install chaddr -> dst_ip in its neighbour table before
 * this reply can leave (BB_DHCP_TX_UNICAST_HW)? */
bool bb_dhcp_dest_needs_link(const struct bb_dhcp_tx *tx);

/* The destination of tx; link_ok: the board installed the link address
 * (ignored unless bb_dhcp_dest_needs_link). Broadcasts go to
 * 255.255.255.255:68 whatever tx says. 0, or BB_EINVAL when nothing may
 * leave: BB_DHCP_TX_NONE, an unknown dest, a unicast to 0.0.0.0 or to
 * 255.255.255.255, or port 0. */
int bb_dhcp_dest_resolve(const struct bb_dhcp_tx *tx, bool link_ok,
			 uint32_t *ip, uint16_t *port);

/* Queues the reply pkt[0..len) for tx. 0 queued; BB_EINVAL nothing to send
 * (resolve refused it, or len is 0 or over BB_DHCP_MAX_PKT); BB_ENOSPC the
 * batch is full: send and clear it, then add again. */
int bb_dhcp_batch_add(struct bb_dhcp_batch *b, const struct bb_dhcp_tx *tx,
		      bool link_ok, const uint8_t *pkt, size_t len);

static inline void bb_dhcp_batch_clear(struct bb_dhcp_batch *b)
{
	b->n = 0;
}

#endif
