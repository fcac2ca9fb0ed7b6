/* board/board.h's listener on one interface (bb_udp_open_if), for DHCP's
 * port 67 on Linux: bound to the device (SO_BINDTODEVICE) so that it hears
 * the broadcasts of that segment only, datagrams read 64 at a time
 * (recvmmsg) and replies sent as one batch (sendmmsg) at bb_udp_flush. A
 * reply to a client that has no address yet (TO_HW) needs its hardware
 * address in the ARP table first, since the client cannot answer ARP
 * (what dnsmasq does; kea uses a raw socket instead); when that fails, it
 * is broadcast. While busy, the socket is polled on a ticker instead of
 * woken per datagram: a wakeup costs more than answering a DISCOVER, and a
 * batch of a few dozen datagrams is answered for far less CPU each
 * (bench_dhcp: 14.5 us per exchange at 250 us, 8 us at 1 ms). The loop
 * reads it too whenever it is up anyway (bb_loop_poll_set: each turn and
 * every half millisecond within one), so that a client waits up to a
 * millisecond longer only when the loop has nothing else to do. The socket, the
 * ticker and the lease journal's outcome are the loop's prio set: served ahead
 * of downloads. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "board/linux/board_udp.h"
#include "board/linux/loop.h"
#include "board/linux/ticker.h"
#include "common/err.h"

#define BATCH	64
#define ROUNDS	8 /* batches a wakeup reads at most: others get a turn */
#define SLOT	2048
#define POLL_US 1000

struct bb_udp_if {
	struct bb_loop *loop; /* the one it was opened on (a lane's) */
	char ifname[IFNAMSIZ];
	void (*batch_end)(void *arg, struct bb_udp *u);
	struct bb_ticker tick;
	uint8_t (*rx)[SLOT];
	uint8_t (*tx)[SLOT];
	struct sockaddr_in to[BATCH];
	size_t len[BATCH];
	unsigned ntx;
	bool got;	       /* something read since the last tick */
	uint64_t arp_failures; /* TO_HW sent as broadcast instead */
	uint64_t send_errors;
};

#define CBUF                                                                   \
	(CMSG_SPACE(sizeof(struct in_pktinfo)) +                               \
	 CMSG_SPACE(sizeof(struct timespec)))

static uint64_t ns_of(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

/* The kernel stamps a datagram (SO_TIMESTAMPNS) in CLOCK_REALTIME; the
 * services measure in CLOCK_MONOTONIC. Both clocks read once a batch
 * give the offset; 0 (unknown) for a stamp from the future or from
 * before a clock step. */
struct stamp {
	uint64_t real, mono;
};

static uint64_t rx_mono(const struct stamp *st, const struct timespec *t)
{
	uint64_t at = ns_of(t);

	if (!at || at > st->real || st->real - at > 10000000000u ||
	    st->real - at >= st->mono)
		return 0;
	return st->mono - (st->real - at);
}

/* The datagram's destination (u->local) and kernel receive time. */
static uint64_t cmsgs_of(struct bb_udp *u, struct msghdr *m,
			 const struct stamp *st)
{
	struct cmsghdr *cm;
	uint64_t rx = 0;

	u->local = 0;
	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm))
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			/* for a broadcast, the interface's own address */
			u->local = ntohl(pi.ipi_spec_dst.s_addr);
		} else if (cm->cmsg_level == SOL_SOCKET &&
			   cm->cmsg_type == SO_TIMESTAMPNS) {
			struct timespec t;

			memcpy(&t, CMSG_DATA(cm), sizeof(t));
			rx = rx_mono(st, &t);
		}
	return rx;
}

/* One recvmmsg: each datagram to the callback; the count read. */
static int recv_batch(struct bb_udp *u)
{
	struct bb_udp_if *b = u->bif;
	char cbuf[BATCH][CBUF];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];
	struct bb_udp_peer peer;
	struct stamp st;
	struct timespec t;
	int i, n;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = b->rx[i];
		iov[i].iov_len = SLOT;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &from[i];
		mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		mm[i].msg_hdr.msg_control = cbuf[i];
		mm[i].msg_hdr.msg_controllen = sizeof(cbuf[i]);
	}
	n = recvmmsg(u->fd, mm, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &t);
	st.real = ns_of(&t);
	clock_gettime(CLOCK_MONOTONIC, &t);
	st.mono = ns_of(&t);
	for (i = 0; i < n; i++) {
		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC ||
		    mm[i].msg_hdr.msg_namelen < sizeof(from[i]) ||
		    from[i].sin_family != AF_INET)
			continue; /* larger than any datagram we take */
		peer.rx_ns = cmsgs_of(u, &mm[i].msg_hdr, &st);
		peer.ip = ntohl(from[i].sin_addr.s_addr);
		peer.port = ntohs(from[i].sin_port);
		u->fn(u->arg, u, b->rx[i], mm[i].msg_len, &peer);
	}
	return n;
}

/* Reads what the socket holds, bounded so that a flood cannot starve the
 * other services; the count. */
static int drain(struct bb_udp *u)
{
	int round, n, total = 0;

	for (round = 0; round < ROUNDS; round++) {
		n = recv_batch(u);
		total += n;
		if (n < BATCH)
			break;
	}
	if (total) {
		u->bif->got = true;
		if (u->bif->batch_end)
			u->bif->batch_end(u->arg, u);
	}
	return total;
}

/* Busy: polled on the ticker; idle again when a tick finds nothing. The
 * first datagram of a burst is answered at once. */
static void on_poll(struct bb_loop *loop, void *arg)
{
	(void)loop;
	drain(arg);
}

static void set_polling(struct bb_udp *u, bool on)
{
	struct bb_udp_if *b = u->bif;
	struct bb_loop *loop = b->loop;

	if (b->tick.fd < 0 || b->tick.on == on)
		return;
	if (bb_loop_mod_fd(loop, u->fd, on ? 0 : BB_EV_READ))
		return;
	bb_ticker_set(&b->tick, on);
	if (b->tick.on != on) /* the timer failed: stay woken per datagram */
		bb_loop_mod_fd(loop, u->fd, BB_EV_READ);
	/* no room for the hook: the tick alone reads it */
	bb_loop_poll_set(loop, on_poll, u, b->tick.on);
}

static void on_readable(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	(void)loop;
	(void)fd;
	(void)ev;
	if (drain(arg))
		set_polling(arg, true);
}

static void on_tick(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_udp *u = arg;

	(void)loop;
	(void)fd;
	(void)ev;
	bb_ticker_ack(&u->bif->tick);
	/* quiet for a whole tick, the loop's reads included */
	if (!drain(u) && !u->bif->got)
		set_polling(u, false);
	u->bif->got = false;
}

static int open_socket(struct bb_udp *u, const char *ifname, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1, rcv = 4 << 20;

	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->fd < 0)
		return -1;
	sa.sin_port = htons(port);
	/* a burst of clients (a rack powering on) must not overflow it */
	setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	/* the kernel's receive time of each datagram: what a reply's
	 * latency is measured from (/metrics), queueing in the socket
	 * included; without it the services measure from delivery */
	setsockopt(u->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	/* no SO_REUSEADDR/SO_REUSEPORT: next to a running kea, dnsmasq or a
	 * second bootbox the bind fails (EADDRINUSE) instead of two servers
	 * answering the same clients. Replies carry no source address of
	 * ours: the kernel picks the interface's, as for any bound socket. */
	if (setsockopt(u->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) ||
	    setsockopt(u->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strlen(ifname)) ||
	    setsockopt(u->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
	    bind(u->fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return 0;
}

int bb_udp_open_if(const char *ifname, uint16_t port, bb_udp_recv_fn fn,
		   void (*batch_end)(void *arg, struct bb_udp *u), void *arg,
		   struct bb_udp **out)
{
	struct bb_loop *loop = bb_loop_board();
	struct bb_udp *u;
	struct bb_udp_if *b;
	int rc;

	if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ)
		return bb_board_fail(BB_EINVAL, "no interface name, or too "
						"long");
	u = calloc(1, sizeof(*u));
	b = calloc(1, sizeof(*b));
	if (!u || !b || !(b->rx = calloc(BATCH, SLOT)) ||
	    !(b->tx = calloc(BATCH, SLOT))) {
		if (b)
			free(b->rx);
		free(b);
		free(u);
		return bb_board_fail(BB_ENOMEM, "out of memory");
	}
	strcpy(b->ifname, ifname);
	b->loop = loop;
	b->batch_end = batch_end;
	b->tick.fd = -1;
	u->bif = b;
	u->fn = fn;
	u->arg = arg;
	if (open_socket(u, ifname, port)) {
		rc = errno == EADDRINUSE ? BB_EEXIST : BB_EIO;
		bb_board_fail(rc, "%s", strerror(errno));
		goto fail;
	}
	if (bb_loop_add_fd(loop, u->fd, BB_EV_READ, on_readable, u)) {
		rc = bb_board_fail(BB_ENOMEM, "out of memory");
		goto fail;
	}
	bb_loop_set_prio(loop, u->fd);
	/* without a ticker it is woken once per datagram */
	if (bb_ticker_open(&b->tick, POLL_US) ||
	    bb_loop_add_fd(loop, b->tick.fd, BB_EV_READ, on_tick, u))
		bb_ticker_close(&b->tick);
	else
		bb_loop_set_prio(loop, b->tick.fd);
	*out = u;
	return 0;
fail:
	if (u->fd >= 0)
		close(u->fd);
	free(b->rx);
	free(b->tx);
	free(b);
	free(u);
	return rc;
}

void bb_udp_if_close(struct bb_udp *u)
{
	struct bb_udp_if *b = u->bif;
	struct bb_loop *loop = b->loop;

	bb_loop_poll_set(loop, on_poll, u, false);
	if (b->tick.fd >= 0) {
		bb_loop_del_fd(loop, b->tick.fd);
		bb_ticker_close(&b->tick);
	}
	bb_loop_del_fd(loop, u->fd);
	close(u->fd);
	free(b->rx);
	free(b->tx);
	free(b);
	free(u);
}

/* The client cannot answer ARP before it has the address: tell the kernel
 * its hardware address so that the unicast reply can leave. */
static int arp_insert(struct bb_udp *u, uint32_t ip, const uint8_t *mac)
{
	struct arpreq req;
	struct sockaddr_in *pa = (struct sockaddr_in *)&req.arp_pa;

	memset(&req, 0, sizeof(req));
	pa->sin_family = AF_INET;
	pa->sin_addr.s_addr = htonl(ip);
	req.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(req.arp_ha.sa_data, mac, 6);
	req.arp_flags = ATF_COM;
	memcpy(req.arp_dev, u->bif->ifname,
	       strnlen(u->bif->ifname, sizeof(req.arp_dev) - 1));
	return ioctl(u->fd, SIOCSARP, &req);
}

void bb_udp_if_flush(struct bb_udp *u)
{
	struct bb_udp_if *b = u->bif;
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	unsigned i, done = 0;
	int n;

	memset(mm, 0, sizeof(mm[0]) * b->ntx);
	for (i = 0; i < b->ntx; i++) {
		iov[i].iov_base = b->tx[i];
		iov[i].iov_len = b->len[i];
		mm[i].msg_hdr.msg_name = &b->to[i];
		mm[i].msg_hdr.msg_namelen = sizeof(b->to[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < b->ntx) {
		n = sendmmsg(u->fd, mm + done, b->ntx - done, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* this one cannot leave (no route, full buffer):
			 * count it and go on with the rest */
			b->send_errors++;
			n = 1;
		}
		done += (unsigned)n;
	}
	b->ntx = 0;
}

int bb_udp_if_send(struct bb_udp *u, enum bb_udp_how how,
		   const struct bb_udp_peer *to, const uint8_t hw[6],
		   const void *pkt, size_t len)
{
	struct bb_udp_if *b = u->bif;
	uint32_t ip;

	if (!to || !len || len > SLOT)
		return bb_board_fail(BB_EINVAL, "no destination, or %zu bytes",
				     len);
	ip = how == BB_UDP_BROADCAST ? 0xffffffffu : to->ip;
	if (how == BB_UDP_TO_HW && (!hw || arp_insert(u, ip, hw))) {
		b->arp_failures++;
		ip = 0xffffffffu; /* every client hears a broadcast */
	}
	if (b->ntx == BATCH)
		bb_udp_if_flush(u);
	memset(&b->to[b->ntx], 0, sizeof(b->to[0]));
	b->to[b->ntx].sin_family = AF_INET;
	b->to[b->ntx].sin_addr.s_addr = htonl(ip);
	b->to[b->ntx].sin_port = htons(to->port);
	memcpy(b->tx[b->ntx], pkt, len);
	b->len[b->ntx++] = len;
	return 0;
}
