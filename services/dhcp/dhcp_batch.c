#include "common/err.h"
#include "dhcp/dhcp_batch.h"

bool bb_dhcp_dest_needs_link(const struct bb_dhcp_tx *tx)
{
	return tx->dest == BB_DHCP_TX_UNICAST_HW && tx->dst_ip &&
	       tx->dst_ip != 0xffffffffu;
}

int bb_dhcp_dest_resolve(const struct bb_dhcp_tx *tx, bool link_ok,
			 uint32_t *ip, uint16_t *port)
{
	switch (tx->dest) {
	case BB_DHCP_TX_UNICAST_HW:
		/* no neighbour entry, no unicast: the client hears a
		 * broadcast too */
		if (!bb_dhcp_dest_needs_link(tx) || !link_ok)
			goto broadcast;
		break;
	case BB_DHCP_TX_UNICAST: break;
	case BB_DHCP_TX_BROADCAST: goto broadcast;
	default: return BB_EINVAL;
	}
	if (!tx->dst_ip || tx->dst_ip == 0xffffffffu || !tx->dst_port)
		return BB_EINVAL;
	*ip = tx->dst_ip;
	*port = tx->dst_port;
	return 0;
broadcast:
	*ip = 0xffffffffu;
	*port = BB_DHCP_CLIENT_PORT;
	return 0;
}

int bb_dhcp_batch_add(struct bb_dhcp_batch *b, const struct bb_dhcp_tx *tx,
		      bool link_ok, const uint8_t *pkt, size_t len)
{
	struct bb_dhcp_dgram *d;
	uint32_t ip;
	uint16_t port;

	if (!len || len > BB_DHCP_MAX_PKT ||
	    bb_dhcp_dest_resolve(tx, link_ok, &ip, &port))
		return BB_EINVAL;
	if (b->n >= BB_DHCP_BATCH)
		return BB_ENOSPC;
	d = &b->d[b->n++];
	d->ip = ip;
	d->port = port;
	d->pkt = pkt;
	d->len = len;
	return 0;
}
