/* The TAP netif. The host side of the TAP carries no address: lwIP owns
 * the segment, and the TAP is only a wire (bridged to the clients). Our
 * MAC is derived from the interface name so that it stays the same across
 * restarts (clients' ARP caches stay right). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "board/lwip/board_lwip.h"
#include "board/lwip/tapif.h"
#include "common/err.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/snmp.h"
#include "netif/ethernet.h"

#define TAP_MTU 1500
#define VNET_HL ((ssize_t)sizeof(struct virtio_net_hdr))

struct tap {
	int fd;
	char name[IFNAMSIZ];
};

static struct tap the_tap = {.fd = -1};

static err_t tap_output(struct netif *nif, struct pbuf *p)
{
	struct tap *t = nif->state;

	if (p->tot_len > TAP_MTU + 18)
		return ERR_BUF;
	LINK_STATS_INC(link.xmit);
	return bb_tap_tx_queue(t->fd, p);
}

static err_t tap_netif_init(struct netif *nif)
{
	struct tap *t = nif->state;
	uint32_t h = 2166136261u;
	size_t i;

	nif->name[0] = 't';
	nif->name[1] = 'p';
	nif->output = etharp_output;
	nif->linkoutput = tap_output;
	nif->mtu = TAP_MTU;
	nif->hwaddr_len = 6;
	for (i = 0; t->name[i]; i++)
		h = (h ^ (uint8_t)t->name[i]) * 16777619u;
	/* locally administered, unicast */
	nif->hwaddr[0] = 0x02;
	nif->hwaddr[1] = 0xbb;
	nif->hwaddr[2] = (uint8_t)(h >> 24);
	nif->hwaddr[3] = (uint8_t)(h >> 16);
	nif->hwaddr[4] = (uint8_t)(h >> 8);
	nif->hwaddr[5] = (uint8_t)h;
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
		     NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	return ERR_OK;
}

static int link_up(const char *name)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = -1;

	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return rc;
}

int bb_tapif_open(struct netif *nif, const char *ifname, uint32_t addr,
		  uint8_t prefix)
{
	struct tap *t = &the_tap;
	struct ifreq ifr;
	ip4_addr_t ip, mask, gw;
	uint32_t m = prefix ? 0xffffffffu << (32 - prefix) : 0;

	if (strlen(ifname) >= sizeof(t->name))
		return bb_board_fail(BB_EINVAL, "interface name too long");
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0)
		return bb_board_fail(BB_EIO, "/dev/net/tun: %s",
				     strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	/* a virtio-net header on every frame: GSO runs out (tap_tx.c); in,
	 * with no offloads set, it is all zero and skipped */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(t->fd);
		t->fd = -1;
		return bb_board_fail(BB_EIO, "TAP %s: %s", ifname, strerror(e));
	}
	snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	if (link_up(t->name))
		return bb_board_fail(BB_EIO, "cannot bring %s up: %s", t->name,
				     strerror(errno));
	ip4_addr_set_u32(&ip, htonl(addr));
	ip4_addr_set_u32(&mask, htonl(m));
	ip4_addr_set_zero(&gw);
	if (!netif_add(nif, &ip, &mask, &gw, t, tap_netif_init, ethernet_input))
		return bb_board_fail(BB_EIO, "netif_add failed");
	netif_set_default(nif);
	netif_set_up(nif);
	return 0;
}

int bb_tapif_fd(const struct netif *nif)
{
	const struct tap *t = nif->state;

	return t ? t->fd : -1;
}

int bb_tapif_input(struct netif *nif, int max)
{
	struct tap *t = nif->state;
	uint8_t frame[VNET_HL + TAP_MTU + 18];
	int i;

	for (i = 0; i < max; i++) {
		ssize_t n = read(t->fd, frame, sizeof(frame));
		struct pbuf *p;

		if (n <= 0)
			break;
		if (n <= VNET_HL)
			continue;
		n -= VNET_HL;
		p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_POOL);
		if (!p) {
			LINK_STATS_INC(link.memerr);
			LINK_STATS_INC(link.drop);
			continue;
		}
		pbuf_take(p, frame + VNET_HL, (u16_t)n);
		LINK_STATS_INC(link.recv);
		if (nif->input(p, nif) != ERR_OK)
			pbuf_free(p);
	}
	return i;
}

void bb_tapif_flush(struct netif *nif)
{
	struct tap *t = nif->state;

	if (t && t->fd >= 0)
		bb_tap_tx_flush(t->fd);
}

void bb_tapif_close(struct netif *nif)
{
	struct tap *t = nif->state;

	bb_tapif_flush(nif);
	netif_remove(nif);
	if (t && t->fd >= 0) {
		close(t->fd);
		t->fd = -1;
	}
}
