#include <arpa/inet.h>
#include <errno.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "board/linux/dhcp_sock.h"
#include "common/err.h"

int bb_dhcp_sock_open(struct bb_dhcp_sock *s, const char *ifname, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1, rcv = 4 << 20;

	memset(s, 0, sizeof(*s));
	if (!ifname || strlen(ifname) >= sizeof(s->ifname))
		return BB_EINVAL;
	strcpy(s->ifname, ifname);
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return BB_EIO;
	sa.sin_port = htons(port);
	/* a burst of clients (a rack powering on) must not overflow it */
	setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	/* no SO_REUSEADDR/SO_REUSEPORT: next to a running kea, dnsmasq or a
	 * second bootbox the bind fails (EADDRINUSE) instead of two servers
	 * answering the same clients */
	if (setsockopt(s->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) ||
	    setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strlen(ifname)) ||
	    bind(s->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(s->fd);
		s->fd = -1;
		errno = e;
		return BB_EIO;
	}
	return 0;
}

void bb_dhcp_sock_close(struct bb_dhcp_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int bb_dhcp_sock_recv(struct bb_dhcp_sock *s, uint8_t (*bufs)[BB_DHCP_SOCK_BUF],
		      size_t *lens, uint32_t *src_ip, uint16_t *src_port,
		      int max)
{
	struct mmsghdr mm[64];
	struct iovec iov[64];
	struct sockaddr_in from[64];
	int i, n, out = 0;

	if (max > 64)
		max = 64;
	memset(mm, 0, sizeof(mm[0]) * (size_t)max);
	for (i = 0; i < max; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = BB_DHCP_SOCK_BUF;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &from[i];
		mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	n = recvmmsg(s->fd, mm, (unsigned)max, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC)
			continue; /* larger than any DHCP message we take */
		if (out != i)
			memcpy(bufs[out], bufs[i], mm[i].msg_len);
		lens[out] = mm[i].msg_len;
		src_ip[out] = ntohl(from[i].sin_addr.s_addr);
		src_port[out] = ntohs(from[i].sin_port);
		out++;
	}
	return out;
}

/* The client cannot answer ARP before it has the address: tell the kernel
 * its hardware address so that the unicast reply can leave. */
static int arp_inject(struct bb_dhcp_sock *s, uint32_t ip, const uint8_t *mac)
{
	struct arpreq req;
	struct sockaddr_in *pa = (struct sockaddr_in *)&req.arp_pa;

	memset(&req, 0, sizeof(req));
	pa->sin_family = AF_INET;
	pa->sin_addr.s_addr = htonl(ip);
	req.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(req.arp_ha.sa_data, mac, 6);
	req.arp_flags = ATF_COM;
	memcpy(req.arp_dev, s->ifname,
	       strnlen(s->ifname, sizeof(req.arp_dev) - 1));
	return ioctl(s->fd, SIOCSARP, &req);
}

void bb_dhcp_sock_flush(struct bb_dhcp_sock *s, struct bb_dhcp_batch *b)
{
	struct mmsghdr mm[BB_DHCP_BATCH];
	struct iovec iov[BB_DHCP_BATCH];
	struct sockaddr_in to[BB_DHCP_BATCH];
	unsigned i, done = 0;
	int n;

	memset(mm, 0, sizeof(mm[0]) * b->n);
	for (i = 0; i < b->n; i++) {
		memset(&to[i], 0, sizeof(to[i]));
		to[i].sin_family = AF_INET;
		to[i].sin_addr.s_addr = htonl(b->d[i].ip);
		to[i].sin_port = htons(b->d[i].port);
		iov[i].iov_base = (void *)b->d[i].pkt;
		iov[i].iov_len = b->d[i].len;
		mm[i].msg_hdr.msg_name = &to[i];
		mm[i].msg_hdr.msg_namelen = sizeof(to[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < b->n) {
		n = sendmmsg(s->fd, mm + done, b->n - done, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* this one cannot leave (no route, full buffer):
			 * count it and go on with the rest */
			s->send_errors++;
			n = 1;
		}
		done += (unsigned)n;
	}
	bb_dhcp_batch_clear(b);
}

void bb_dhcp_sock_queue(struct bb_dhcp_sock *s, struct bb_dhcp_batch *b,
			const struct bb_dhcp_tx *tx, const uint8_t *pkt,
			size_t len)
{
	bool link_ok = false;

	if (tx->dest == BB_DHCP_TX_NONE)
		return;
	if (bb_dhcp_dest_needs_link(tx)) {
		link_ok = arp_inject(s, tx->dst_ip, tx->chaddr) == 0;
		if (!link_ok)
			s->arp_failures++;
	}
	if (bb_dhcp_batch_add(b, tx, link_ok, pkt, len) == BB_ENOSPC) {
		bb_dhcp_sock_flush(s, b);
		bb_dhcp_batch_add(b, tx, link_ok, pkt, len);
	}
}
