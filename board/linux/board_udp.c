/* board/board.h's UDP on Linux sockets, on the board's loop. A listener
 * bound to any address learns, per datagram, the address it was sent to
 * (IP_PKTINFO) and answers from it; a connected socket (a TFTP transfer's
 * TID) has a large send buffer and reads one datagram a wakeup (in
 * lock-step there is only the ACK; the loop is level-triggered, anything
 * else queued wakes it again). Runs of TFTP blocks leave as one UDP GSO
 * send: one preadv of the blocks into [header|data]... and the kernel
 * cuts it every seg bytes. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "board/board.h"
#include "board/linux/board_file.h"
#include "board/linux/board_udp.h"
#include "board/linux/loop.h"
#include "common/err.h"
#include "tftp/tftp.h"

#define GSO_TRAIN    65000u
#define GSO_SEGMENTS 64u
#define BUF_SIZE     (65536u + 4)

/* one loop thread: one buffer for what comes in, one for a train */
static uint8_t rxbuf[65536];
static uint8_t txbuf[BUF_SIZE];
static bool no_gso; /* the kernel refused UDP_SEGMENT once */

void bb_board_caps(struct bb_board_caps *c)
{
	*c = (struct bb_board_caps){.udp_payload_max = BUF_SIZE,
				    .udp_train_bytes = GSO_TRAIN,
				    .udp_train_blocks = GSO_SEGMENTS,
				    .read_ahead = 16384};
}

static struct sockaddr_in sin_of(uint32_t ip, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};

	sa.sin_addr.s_addr = htonl(ip);
	sa.sin_port = htons(port);
	return sa;
}

static bool unreachable(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH ||
	       e == EHOSTDOWN;
}

static ssize_t recv_one(struct bb_udp *u, struct bb_udp_peer *from)
{
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct sockaddr_in peer;
	struct iovec iov = {rxbuf, sizeof(rxbuf)};
	struct msghdr m = {.msg_name = &peer,
			   .msg_namelen = sizeof(peer),
			   .msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;
	ssize_t n = recvmsg(u->fd, &m, MSG_DONTWAIT);

	u->local = u->addr;
	if (n < 0)
		return -1;
	if (m.msg_namelen < sizeof(peer) || peer.sin_family != AF_INET)
		return -2;
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			/* for a broadcast, the interface's own address */
			u->local = ntohl(pi.ipi_spec_dst.s_addr);
		}
	from->ip = ntohl(peer.sin_addr.s_addr);
	from->port = ntohs(peer.sin_port);
	return n;
}

static void on_io(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_udp *u = arg;
	struct bb_udp_peer from = {0};
	int i;

	(void)loop;
	(void)fd;
	(void)ev;
	if (u->connected) {
		ssize_t n = recv_one(u, &from);

		if (n >= 0)
			u->fn(u->arg, u, rxbuf, (size_t)n, &from);
		else if (n == -1 && unreachable(errno))
			u->fn(u->arg, u, NULL, 0, &from); /* ICMP */
		return;					  /* u may be closed */
	}
	for (i = 0; i < 64; i++) {
		ssize_t n = recv_one(u, &from);

		if (n == -1)
			return;
		if (n >= 0)
			u->fn(u->arg, u, rxbuf, (size_t)n, &from);
	}
}

struct bb_udp *bb_udp_open(uint32_t addr, uint16_t port,
			   const struct bb_udp_peer *peer, bb_udp_recv_fn fn,
			   void *arg)
{
	struct bb_udp *u = calloc(1, sizeof(*u));
	struct sockaddr_in me = sin_of(addr, port);
	int one = 1, sndbuf = 1 << 20;

	if (!u) {
		bb_board_fail(BB_ENOMEM, "out of memory");
		return NULL;
	}
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	u->addr = addr;
	u->local = addr;
	u->fn = fn;
	u->arg = arg;
	u->connected = peer != NULL;
	if (u->fd < 0)
		goto fail;
	/* bound to the configured address even before it is up, and never
	 * shared: a second server on the port fails to start */
	setsockopt(u->fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	if (peer)
		setsockopt(u->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
			   sizeof(sndbuf));
	else if (setsockopt(u->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)))
		goto fail;
	if (bind(u->fd, (struct sockaddr *)&me, sizeof(me)))
		goto fail;
	if (peer) {
		struct sockaddr_in to = sin_of(peer->ip, peer->port);

		if (connect(u->fd, (struct sockaddr *)&to, sizeof(to)))
			goto fail;
	}
	if (bb_loop_add_fd(bb_loop_board(), u->fd, BB_EV_READ, on_io, u))
		goto fail;
	return u;
fail:
	bb_board_fail(errno == EADDRINUSE ? BB_EEXIST : BB_EIO, "%s",
		      strerror(errno));
	if (u->fd >= 0)
		close(u->fd);
	free(u);
	return NULL;
}

void bb_udp_close(struct bb_udp *u)
{
	if (!u)
		return;
	if (u->bif) {
		bb_udp_if_close(u);
		return;
	}
	bb_loop_del_fd(bb_loop_board(), u->fd);
	close(u->fd);
	free(u);
}

size_t bb_udp_max_payload(const struct bb_udp *u)
{
	int mtu = 1500;
	socklen_t ml = sizeof(mtu);

	/* a datagram must fit the path MTU: no IP fragments on a boot LAN */
	if (u->connected)
		getsockopt(u->fd, IPPROTO_IP, IP_MTU, &mtu, &ml);
	return mtu > 28 ? (size_t)mtu - 28 : 548;
}

uint32_t bb_udp_local(const struct bb_udp *u)
{
	return u->local;
}

static int sent(ssize_t r)
{
	if (r >= 0 || errno == EAGAIN || errno == ENOBUFS)
		return 0; /* a full buffer: the retransmit sends it again */
	return unreachable(errno) ? BB_ENOENT : BB_EIO;
}

int bb_udp_send(struct bb_udp *u, enum bb_udp_how how,
		const struct bb_udp_peer *to, const uint8_t hw[6],
		const void *pkt, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))] = {0};
	struct iovec iov = {(void *)pkt, len};
	struct sockaddr_in dst;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	if (u->bif)
		return bb_udp_if_send(u, how, to, hw, pkt, len);
	(void)hw; /* no ARP entry of our own here: TO_HW goes as TO */
	if (u->connected)
		return sent(send(u->fd, pkt, len, MSG_DONTWAIT));
	dst = sin_of(how == BB_UDP_BROADCAST ? 0xffffffffu : to->ip, to->port);
	m.msg_name = &dst;
	m.msg_namelen = sizeof(dst);
	if (!u->addr && u->local) {
		struct in_pktinfo pi = {.ipi_spec_dst.s_addr = htonl(u->local)};
		struct cmsghdr *cm;

		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	return sent(sendmsg(u->fd, &m, MSG_DONTWAIT));
}

void bb_udp_flush(struct bb_udp *u)
{
	if (u->bif)
		bb_udp_if_flush(u);
	/* else each send has left at once */
}

/* The blocks k0.. of the run into txbuf as [header|data]...; false on a
 * short read. */
static bool read_blocks(int fd, uint32_t first, uint32_t k0, uint32_t count,
			uint32_t seg, uint64_t off, uint64_t len)
{
	struct iovec iov[GSO_SEGMENTS];
	uint64_t off0 = off + (uint64_t)k0 * (seg - 4);
	uint64_t rest = len - (uint64_t)k0 * (seg - 4);
	size_t total = 0;
	uint32_t k;

	for (k = 0; k < count; k++) {
		size_t n = rest < seg - 4 ? (size_t)rest : seg - 4;

		bb_tftp_data_header(first + k0 + k, txbuf + k * seg);
		iov[k].iov_base = txbuf + k * seg + 4;
		iov[k].iov_len = n;
		total += n;
		rest -= n;
	}
	return !total ||
	       preadv(fd, iov, (int)count, (off_t)off0) == (ssize_t)total;
}

/* One UDP GSO send; false when the kernel has no GSO here. */
static bool send_gso(struct bb_udp *u, size_t total, uint16_t seg, int *rc)
{
	char cbuf[CMSG_SPACE(sizeof(uint16_t))] = {0};
	struct iovec one = {txbuf, total};
	struct msghdr m = {.msg_iov = &one,
			   .msg_iovlen = 1,
			   .msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	*rc = sent(sendmsg(u->fd, &m, MSG_DONTWAIT));
	if (!*rc || (errno != EIO && errno != EINVAL && errno != ENOPROTOOPT &&
		     errno != EOPNOTSUPP))
		return true;
	no_gso = true; /* block by block from now on */
	return false;
}

int bb_udp_send_tftp_data(struct bb_udp *u, struct bb_file *f, uint32_t first,
			  uint32_t count, uint32_t seg, uint64_t off,
			  uint64_t len)
{
	int fd = bb_file_fd(f), rc = 0;
	uint32_t k;

	if (!count || count > GSO_SEGMENTS || (uint64_t)seg * count > BUF_SIZE)
		return BB_EINVAL;
	if (count > 1 && !no_gso) {
		if (!read_blocks(fd, first, 0, count, seg, off, len))
			return BB_EIO;
		if (send_gso(u, len + 4 * count, (uint16_t)seg, &rc))
			return rc;
		rc = 0;
	}
	for (k = 0; k < count && !rc; k++) {
		uint64_t done = (uint64_t)k * (seg - 4);
		size_t n =
		    len - done < seg - 4 ? (size_t)(len - done) : seg - 4;

		if (!read_blocks(fd, first, k, 1, seg, off, len))
			return BB_EIO;
		rc = sent(send(u->fd, txbuf, n + 4, MSG_DONTWAIT));
	}
	return rc;
}
