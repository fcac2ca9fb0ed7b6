#include <arpa/inet.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "board/linux/fsutil.h"
#include "board/linux/tftp_server.h"
#include "common/err.h"
#include "common/sanitize.h"
#include "tftp/tftp.h"

struct xfer {
	struct bb_tftp_server *srv;
	struct xfer *prev, *next;
	int sock, fd;
	struct bb_timer timer;
	struct bb_tftp_xfer x;
	struct bb_tftp_rrq rrq;
	uint32_t ip;
	uint16_t port;
	uint64_t t0;
	/* lock-step read-ahead: RA bytes of the file from ra_off, allocated
	 * on the first single block (while at most RA_XFERS transfers run),
	 * so most blocks cost one send, not a pread and a send */
	uint8_t *ra;
	uint64_t ra_off;
	size_t ra_len;
};

struct bb_tftp_server {
	struct bb_loop *loop;
	struct bb_tftp_server_opts o;
	int lsock;
	int rootfd;
	int fallbackfd; /* -1: none */
	uint32_t nxfers;
	struct xfer *xfers;
	uint8_t *buf; /* one packet or a run of them, reused */
	bool no_gso;  /* the kernel refused UDP_SEGMENT once */
	struct bb_tftp_server_stats stats;
};

/* A run of blocks sent as one datagram train with UDP GSO: the blocks are
 * read with one preadv into buf as [header|data][header|data]..., the
 * kernel cuts the train every blksize + 4 bytes. It fits buf (64 KiB). */
#define GSO_TRAIN 65000u
#define RA        16384u
#define RA_XFERS  256u /* past this many at once: no read-ahead */

static void logf_(struct bb_tftp_server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logf_(struct bb_tftp_server *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!s->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->o.log(s->o.ctx, line);
}

static void xfer_end(struct xfer *t, const char *result)
{
	struct bb_tftp_server *s = t->srv;
	char name[300], ip[16];

	if (!strcmp(result, "ok"))
		s->stats.ok++;
	else
		s->stats.failed++;
	s->stats.bytes += t->x.acked ? t->x.size : 0;
	bb_sanitize(name, sizeof(name), t->rrq.file, strlen(t->rrq.file));
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", t->ip >> 24, (t->ip >> 16) & 255,
		 (t->ip >> 8) & 255, t->ip & 255);
	logf_(s, "tftp: %s %s %llu bytes in %llu ms: %s", ip, name,
	      (unsigned long long)(t->x.acked ? t->x.size : 0),
	      (unsigned long long)(bb_loop_now_ms(s->loop) - t->t0), result);
	bb_timer_cancel(s->loop, &t->timer);
	bb_loop_del_fd(s->loop, t->sock);
	close(t->sock);
	if (t->fd >= 0)
		close(t->fd);
	free(t->ra);
	if (t->prev)
		t->prev->next = t->next;
	else
		s->xfers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	s->nxfers--;
	free(t);
}

/* Sends blocks first.. (*n of them, fewer when they do not fit one train):
 * one UDP GSO send when the kernel takes it, else one send per block.
 * 0, 1 on a file read error, 2 when the peer is gone. */
static int send_train(struct xfer *t, uint32_t first, uint32_t *n)
{
	struct bb_tftp_server *s = t->srv;
	uint32_t seg = t->x.blksize + 4, max = GSO_TRAIN / seg, k, count = *n;
	struct iovec iov[64];
	uint64_t off0 = 0;
	size_t total = 0;
	ssize_t r;

	if (s->no_gso || max < 2 || count < 2)
		count = 1;
	if (count > max)
		count = max;
	if (count > 64)
		count = 64;
	for (k = 0; k < count; k++) {
		uint64_t off;
		size_t len;

		bb_tftp_block_range(&t->x, first + k, &off, &len);
		if (!k)
			off0 = off;
		bb_tftp_data_header(first + k, s->buf + k * seg);
		iov[k].iov_base = s->buf + k * seg + 4;
		iov[k].iov_len = len;
		total += len;
		if (len < t->x.blksize) {
			count = k + 1; /* the final block ends the train */
			break;
		}
	}
	*n = count;
	if (count == 1 && total && total <= RA / 2 &&
	    (t->ra || (s->nxfers <= RA_XFERS && (t->ra = malloc(RA))))) {
		if (off0 < t->ra_off || off0 + total > t->ra_off + t->ra_len) {
			r = pread(t->fd, t->ra, RA, (off_t)off0);
			t->ra_off = off0;
			t->ra_len = r > 0 ? (size_t)r : 0;
			if (t->ra_len < total)
				return 1;
		}
		memcpy(s->buf + 4, t->ra + (off0 - t->ra_off), total);
	} else {
		r = total ? preadv(t->fd, iov, (int)count, (off_t)off0) : 0;
		if (r != (ssize_t)total)
			return 1;
	}
	total += 4 * count;
	if (count > 1) {
		char cbuf[CMSG_SPACE(sizeof(uint16_t))] = { 0 };
		struct iovec one = { s->buf, total };
		struct msghdr m = { .msg_iov = &one, .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		uint16_t gso = (uint16_t)seg;

		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(gso));
		memcpy(CMSG_DATA(cm), &gso, sizeof(gso));
		if (sendmsg(t->sock, &m, 0) >= 0 || errno == EAGAIN ||
		    errno == ENOBUFS)
			return 0;
		if (errno != EIO && errno != EINVAL && errno != ENOPROTOOPT &&
		    errno != EOPNOTSUPP)
			return 2;
		/* no GSO here: block by block from now on */
		s->no_gso = true;
	}
	for (k = 0; k < count; k++) {
		size_t len = k + 1 < count ? seg : total - k * seg;

		if (send(t->sock, s->buf + k * seg, len, 0) < 0 &&
		    errno != EAGAIN && errno != ENOBUFS)
			return 2;
	}
	return 0;
}

/* Sends what the engine says is due; false when the transfer is over. */
static bool pump(struct xfer *t)
{
	struct bb_tftp_server *s = t->srv;
	uint64_t now = bb_loop_now_ms(s->loop);
	struct bb_tftp_send plan;
	uint32_t i;

	if (t->x.done) {
		xfer_end(t, "ok");
		return false;
	}
	bb_tftp_next(&t->x, now, &plan);
	if (plan.oack) {
		int n = bb_tftp_build_oack(&t->x, &t->rrq, s->buf, 65536);

		if (n > 0 && send(t->sock, s->buf, (size_t)n, 0) < 0 &&
		    errno != EAGAIN) {
			xfer_end(t, "send failed");
			return false;
		}
	}
	for (i = 0; !plan.oack && i < plan.count;) {
		uint32_t n = plan.count - i;
		int r = send_train(t, plan.first + i, &n);

		if (r) {
			xfer_end(t,
				 r == 1 ? "file read failed" : "client gone");
			return false;
		}
		i += n;
	}
	bb_timer_arm(s->loop, &t->timer,
		     t->x.deadline > now ? t->x.deadline - now : 1);
	return true;
}

static void on_xfer(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct xfer *t = arg;
	uint8_t pkt[516];
	ssize_t n;

	(void)loop;
	(void)ev;
	/* one datagram a wakeup: in lock-step there is only the ACK, and a
	 * drain to EAGAIN would cost a syscall a block; epoll is level
	 * triggered, anything else queued wakes us again */
	if ((n = recv(fd, pkt, sizeof(pkt), MSG_DONTWAIT)) >= 0) {
		uint16_t op = n >= 2 ? (uint16_t)(pkt[0] << 8 | pkt[1]) : 0;

		if (op == BB_TFTP_ACK && n >= 4) {
			bb_tftp_ack(&t->x, (uint16_t)(pkt[2] << 8 | pkt[3]),
				    bb_loop_now_ms(t->srv->loop));
		} else if (op == BB_TFTP_ERROR) {
			/* e.g. a PXE ROM that only wanted tsize */
			xfer_end(t, "ended by the client");
			return;
		}
	}
	pump(t);
}

static void on_timer(struct bb_loop *loop, void *arg)
{
	struct xfer *t = arg;

	if (!bb_tftp_timeout(&t->x, bb_loop_now_ms(loop))) {
		xfer_end(t, "timed out");
		return;
	}
	t->srv->stats.retransmits++;
	pump(t);
}

static void reply_error(int sock, const struct sockaddr_in *to, uint16_t code,
			const char *msg)
{
	uint8_t b[128];
	int n = bb_tftp_build_error(code, msg, b, sizeof(b));

	if (n > 0)
		sendto(sock, b, (size_t)n, 0, (const struct sockaddr *)to,
		       sizeof(*to));
}

static int xfer_socket(struct bb_tftp_server *s, const struct sockaddr_in *peer,
		       uint32_t *max_blksize)
{
	struct sockaddr_in me = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int mtu = 1500, sndbuf = 1 << 20;
	socklen_t ml = sizeof(mtu);

	if (fd < 0)
		return -1;
	me.sin_addr.s_addr = htonl(s->o.addr);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) ||
	    connect(fd, (const struct sockaddr *)peer, sizeof(*peer))) {
		close(fd);
		return -1;
	}
	/* a block must fit the path MTU: no IP fragments on a boot LAN */
	getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &ml);
	*max_blksize = mtu > 32 ? (uint32_t)mtu - 32 : 512;
	if (*max_blksize > 65464)
		*max_blksize = 65464;
	return fd;
}

static void start_xfer(struct bb_tftp_server *s, const struct bb_tftp_rrq *r,
		       const struct sockaddr_in *peer)
{
	struct xfer *t;
	struct stat st;
	uint32_t maxblk;
	int fd = bb_open_beneath(s->rootfd, r->file);

	if (fd < 0 && errno == ENOENT && s->fallbackfd >= 0)
		fd = bb_open_beneath(s->fallbackfd, r->file);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		char name[300], ip[16];
		uint32_t a = ntohl(peer->sin_addr.s_addr);

		bb_sanitize(name, sizeof(name), r->file, strlen(r->file));
		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a >> 24,
			 (a >> 16) & 255, (a >> 8) & 255, a & 255);
		logf_(s, "tftp: %s %s refused: %s", ip, name,
		      fd < 0 ? strerror(errno) : "not a regular file");
		reply_error(s->lsock, peer,
			    fd < 0 && errno != ENOENT ? BB_TFTP_EACCESS
						      : BB_TFTP_ENOTFOUND,
			    fd < 0 && errno != ENOENT ? "access denied"
						      : "file not found");
		if (fd >= 0)
			close(fd);
		return;
	}
	t = calloc(1, sizeof(*t));
	if (!t || (t->sock = xfer_socket(s, peer, &maxblk)) < 0) {
		reply_error(s->lsock, peer, BB_TFTP_EUNDEF, "server busy");
		close(fd);
		free(t);
		return;
	}
	t->srv = s;
	t->fd = fd;
	t->rrq = *r;
	t->ip = ntohl(peer->sin_addr.s_addr);
	t->port = ntohs(peer->sin_port);
	t->t0 = bb_loop_now_ms(s->loop);
	bb_timer_init(&t->timer, on_timer, t);
	bb_tftp_start(&t->x, r, (uint64_t)st.st_size, maxblk, t->t0);
	if (bb_loop_add_fd(s->loop, t->sock, BB_EV_READ, on_xfer, t)) {
		close(t->sock);
		close(fd);
		free(t);
		return;
	}
	t->next = s->xfers;
	if (t->next)
		t->next->prev = t;
	s->xfers = t;
	s->nxfers++;
	pump(t);
}

static void on_request(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_tftp_server *s = arg;
	int i;

	(void)loop;
	(void)ev;
	for (i = 0; i < 64; i++) {
		struct sockaddr_in peer;
		socklen_t pl = sizeof(peer);
		struct bb_tftp_rrq r;
		const char *msg;
		ssize_t n = recvfrom(fd, s->buf, 1024, MSG_DONTWAIT,
				     (struct sockaddr *)&peer, &pl);
		int code;

		if (n < 0)
			return;
		code = bb_tftp_parse_request(s->buf, (size_t)n, &r, &msg);
		if (code) {
			reply_error(fd, &peer, (uint16_t)code, msg);
			continue;
		}
		if (s->nxfers >= s->o.max_xfers) {
			reply_error(fd, &peer, BB_TFTP_EUNDEF, "server busy");
			continue;
		}
		start_xfer(s, &r, &peer);
	}
}

int bb_tftp_server_set_root(struct bb_tftp_server *s, const char *root)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return BB_ENOENT;
	if (s->rootfd >= 0)
		close(s->rootfd);
	s->rootfd = fd;
	return 0;
}

struct bb_tftp_server *bb_tftp_server_start(struct bb_loop *loop,
					    const struct bb_tftp_server_opts *o)
{
	struct bb_tftp_server *s = calloc(1, sizeof(*s));
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1;

	if (!s || !(s->buf = malloc(65536 + 4))) {
		free(s);
		return NULL;
	}
	s->loop = loop;
	s->o = *o;
	s->rootfd = -1;
	s->fallbackfd = o->fallback ? open(o->fallback, O_RDONLY | O_DIRECTORY |
							    O_CLOEXEC)
				    : -1;
	if (!s->o.max_xfers)
		s->o.max_xfers = 4096;
	sa.sin_addr.s_addr = htonl(o->addr);
	sa.sin_port = htons(o->port);
	s->lsock =
	    socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lsock < 0 || bb_tftp_server_set_root(s, o->root) ||
	    setsockopt(s->lsock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->lsock, (struct sockaddr *)&sa, sizeof(sa)) ||
	    bb_loop_add_fd(loop, s->lsock, BB_EV_READ, on_request, s)) {
		int e = errno;

		if (s->lsock >= 0)
			close(s->lsock);
		if (s->rootfd >= 0)
			close(s->rootfd);
		if (s->fallbackfd >= 0)
			close(s->fallbackfd);
		free(s->buf);
		free(s);
		errno = e;
		return NULL;
	}
	return s;
}

void bb_tftp_server_stop(struct bb_tftp_server *s)
{
	if (!s)
		return;
	while (s->xfers)
		xfer_end(s->xfers, "server stopped");
	bb_loop_del_fd(s->loop, s->lsock);
	close(s->lsock);
	close(s->rootfd);
	if (s->fallbackfd >= 0)
		close(s->fallbackfd);
	free(s->buf);
	free(s);
}

const struct bb_tftp_server_stats *bb_tftp_server_stats(
	const struct bb_tftp_server *s)
{
	return &s->stats;
}
