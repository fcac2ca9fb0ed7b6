/* board.h UDP over lwIP's raw UDP API. Datagrams are copied out of the
 * pbuf chain into one buffer so the engines see plain bytes. A reply to
 * a client without an address goes to its hardware address through a
 * static ARP entry that lives for the one send. */
#include <stdlib.h>
#include <string.h>

#include "board/lwip/board_lwip.h"
#include "board/lwip/lwipopts.h"
#include "common/err.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "tftp/tftp.h"

struct bb_udp {
	struct udp_pcb *pcb;
	bb_udp_recv_fn fn;
	void (*batch_end)(void *arg, struct bb_udp *u);
	void *arg;
};

static uint8_t rxbuf[2048];

static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
		    const ip_addr_t *addr, u16_t port)
{
	struct bb_udp *u = arg;
	struct bb_udp_peer from = {
	    .ip = ntohl(ip4_addr_get_u32(ip_2_ip4(addr))), .port = port};
	size_t n;

	(void)pcb;
	if (p->tot_len > sizeof(rxbuf)) {
		pbuf_free(p);
		return;
	}
	n = pbuf_copy_partial(p, rxbuf, p->tot_len, 0);
	pbuf_free(p);
	u->fn(u->arg, u, rxbuf, n, &from);
	/* lwIP hands over one datagram at a time: each is a batch */
	if (u->batch_end)
		u->batch_end(u->arg, u);
}

struct bb_udp *bb_udp_open(uint32_t addr, uint16_t port,
			   const struct bb_udp_peer *peer, bb_udp_recv_fn fn,
			   void *arg)
{
	struct bb_udp *u = calloc(1, sizeof(*u));
	ip_addr_t a;

	if (!u) {
		bb_board_fail(BB_ENOMEM, "out of memory");
		return NULL;
	}
	u->pcb = udp_new();
	if (!u->pcb) {
		free(u);
		bb_board_fail(BB_ENOSPC, "no UDP pcb left (MEMP_NUM_UDP_PCB)");
		return NULL;
	}
	ip_set_option(u->pcb, SOF_REUSEADDR);
	ip_addr_set_ip4_u32(&a, htonl(addr));
	if (udp_bind(u->pcb, &a, port) != ERR_OK) {
		udp_remove(u->pcb);
		free(u);
		bb_board_fail(BB_EIO, "UDP port %u in use", port);
		return NULL;
	}
	if (peer) {
		ip_addr_set_ip4_u32(&a, htonl(peer->ip));
		udp_connect(u->pcb, &a, peer->port);
	}
	u->fn = fn;
	u->arg = arg;
	udp_recv(u->pcb, on_recv, u);
	return u;
}

/* The board has one interface, appliance.interface's TAP: a listener on
 * any address is on it. */
int bb_udp_open_if(const char *ifname, uint16_t port, bb_udp_recv_fn fn,
		   void (*batch_end)(void *arg, struct bb_udp *u), void *arg,
		   struct bb_udp **out)
{
	struct bb_udp *u = bb_udp_open(0, port, NULL, fn, arg);

	(void)ifname;
	if (!u)
		return BB_EIO;
	u->batch_end = batch_end;
	*out = u;
	return 0;
}

void bb_udp_close(struct bb_udp *u)
{
	if (!u)
		return;
	udp_remove(u->pcb);
	free(u);
}

size_t bb_udp_max_payload(const struct bb_udp *u)
{
	(void)u;
	return netif_default ? (size_t)netif_default->mtu - 28 : 548;
}

int bb_udp_send(struct bb_udp *u, enum bb_udp_how how,
		const struct bb_udp_peer *to, const uint8_t hw[6],
		const void *pkt, size_t len)
{
	struct pbuf *p;
	ip_addr_t dst;
	ip4_addr_t ip4;
	bool seeded = false;
	err_t e;

	if (len > 0xffff)
		return BB_ETOOBIG;
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p)
		return BB_EAGAIN;
	memcpy(p->payload, pkt, len);
	if (u->pcb->flags & UDP_FLAGS_CONNECTED) {
		e = udp_send(u->pcb, p);
		pbuf_free(p);
		return e == ERR_OK ? 0 : e == ERR_MEM ? BB_EAGAIN : BB_EIO;
	}
	if (how == BB_UDP_BROADCAST)
		ip_addr_copy(dst, *IP_ADDR_BROADCAST);
	else
		ip_addr_set_ip4_u32(&dst, htonl(to->ip));
	if (how == BB_UDP_TO_HW) {
		struct eth_addr ea;

		memcpy(ea.addr, hw, 6);
		ip4_addr_set_u32(&ip4, htonl(to->ip));
		/* no ARP for an address the client does not hold yet */
		seeded = etharp_add_static_entry(&ip4, &ea) == ERR_OK;
		if (!seeded)
			ip_addr_copy(dst, *IP_ADDR_BROADCAST);
	}
	if (netif_default)
		e = udp_sendto_if(u->pcb, p, &dst, to->port, netif_default);
	else
		e = udp_sendto(u->pcb, p, &dst, to->port);
	if (seeded)
		etharp_remove_static_entry(&ip4);
	pbuf_free(p);
	return e == ERR_OK ? 0 : e == ERR_MEM ? BB_EAGAIN : BB_EIO;
}

void bb_udp_flush(struct bb_udp *u)
{
	(void)u; /* each send leaves at once: a TAP write per frame */
}

uint32_t bb_udp_local(const struct bb_udp *u)
{
	(void)u; /* one interface: its address */
	return netif_default
		   ? ntohl(ip4_addr_get_u32(netif_ip4_addr(netif_default)))
		   : 0;
}

/* A block a pbuf, read straight into it: the caps ask for no trains, so
 * count is 1 but for a caller that ignores them. */
int bb_udp_send_tftp_data(struct bb_udp *u, struct bb_file *f, uint32_t first,
			  uint32_t count, uint32_t seg, uint64_t off,
			  uint64_t len)
{
	uint32_t k;

	for (k = 0; k < count; k++) {
		uint64_t done = (uint64_t)k * (seg - 4);
		size_t n =
		    len - done < seg - 4 ? (size_t)(len - done) : seg - 4;
		struct pbuf *p =
		    pbuf_alloc(PBUF_TRANSPORT, (u16_t)(n + 4), PBUF_RAM);
		err_t e;

		if (!p)
			return 0; /* out of pbufs: the retransmit */
		bb_tftp_data_header(first + k, p->payload);
		if (n && bb_file_pread(f, (uint8_t *)p->payload + 4, n,
				       off + done) != (long)n) {
			pbuf_free(p);
			return BB_EIO;
		}
		e = udp_send(u->pcb, p);
		pbuf_free(p);
		if (e != ERR_OK && e != ERR_MEM)
			return BB_ENOENT;
	}
	return 0;
}

void bb_board_caps(struct bb_board_caps *c)
{
	/* sized with lwIP's pools: a pcb per transfer, a block per pbuf */
	*c = (struct bb_board_caps){.tftp_transfers = BB_LWIP_MAX_TFTP,
				    .udp_payload_max = BB_LWIP_TFTP_BLK + 4};
}
