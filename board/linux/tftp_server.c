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
#include "tftp/tftp_session.h"

/* one open descriptor per file, however many transfers read it */
struct file {
	struct file *next;
	dev_t dev;
	ino_t ino;
	int fd;
	uint32_t refs;
};

struct xfer {
	struct bb_tftp_server *srv;
	struct xfer *prev, *next;
	int id; /* the engine's session */
	int sock;
	struct file *f;
	struct bb_timer timer;
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
	struct bb_tftp_sessions *tab;
	int lsock;
	int rootfd;
	int fallbackfd; /* -1: none */
	uint32_t nxfers;
	struct xfer *xfers;
	struct file *files;
	struct bb_tftp_out out;
	uint8_t *buf; /* one packet or a train of them, reused */
	bool no_gso;  /* the kernel refused UDP_SEGMENT once */
	struct bb_tftp_server_stats stats;
};

/* A train is read with one preadv into buf as [header|data][header|data]
 * and the kernel cuts it every seg bytes; it must fit buf and a UDP
 * datagram, and the kernel takes at most 64 segments. */
#define BUF_SIZE     (65536u + 4)
#define GSO_TRAIN    65000u
#define GSO_SEGMENTS 64u
#define RA	     16384u
#define RA_XFERS     256u /* past this many at once: no read-ahead */

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

static void ip_str(char ip[16], uint32_t a)
{
	snprintf(ip, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
		 (a >> 8) & 255, a & 255);
}

static void file_put(struct bb_tftp_server *s, struct file *f)
{
	struct file **pp;

	if (!f || --f->refs)
		return;
	for (pp = &s->files; *pp != f; pp = &(*pp)->next)
		;
	*pp = f->next;
	close(f->fd);
	free(f);
}

/* Takes fd: shares the descriptor already open on the same file. */
static struct file *file_get(struct bb_tftp_server *s, int fd,
			     const struct stat *st)
{
	struct file *f;

	for (f = s->files; f; f = f->next)
		if (f->dev == st->st_dev && f->ino == st->st_ino) {
			close(fd);
			f->refs++;
			return f;
		}
	if (!(f = calloc(1, sizeof(*f)))) {
		close(fd);
		return NULL;
	}
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->fd = fd;
	f->refs = 1;
	f->next = s->files;
	s->files = f;
	return f;
}

static void xfer_end(struct xfer *t)
{
	struct bb_tftp_server *s = t->srv;
	struct bb_tftp_report r;
	char name[300], ip[16];

	bb_tftp_session_report(s->tab, t->id, bb_loop_now_ms(s->loop), &r);
	if (!strcmp(r.result, "ok"))
		s->stats.ok++;
	else
		s->stats.failed++;
	s->stats.bytes += r.bytes;
	bb_sanitize(name, sizeof(name), r.file, r.file ? strlen(r.file) : 0);
	ip_str(ip, r.ip);
	logf_(s, "tftp: %s %s %llu bytes in %llu ms: %s", ip, name,
	      (unsigned long long)r.bytes, (unsigned long long)r.ms, r.result);
	bb_tftp_release(s->tab, t->id);
	bb_timer_cancel(s->loop, &t->timer);
	bb_loop_del_fd(s->loop, t->sock);
	close(t->sock);
	file_put(s, t->f);
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

/* Fills buf with the train's blocks as [header|data]...; false on a short
 * read. A lone small block comes from the read-ahead. */
static bool read_train(struct xfer *t, const struct bb_tftp_train *tr,
		       uint32_t k0, uint32_t count)
{
	struct bb_tftp_server *s = t->srv;
	struct iovec iov[GSO_SEGMENTS];
	uint64_t off0 = tr->off + (uint64_t)k0 * (tr->seg - 4);
	uint64_t rest = tr->len - (uint64_t)k0 * (tr->seg - 4);
	size_t total = 0;
	uint32_t k;
	ssize_t r;

	for (k = 0; k < count; k++) {
		size_t len = rest < tr->seg - 4 ? (size_t)rest : tr->seg - 4;

		bb_tftp_data_header(tr->first + k0 + k, s->buf + k * tr->seg);
		iov[k].iov_base = s->buf + k * tr->seg + 4;
		iov[k].iov_len = len;
		total += len;
		rest -= len;
	}
	if (!total)
		return true;
	if (count == 1 && total <= RA / 2 &&
	    (t->ra || (s->nxfers <= RA_XFERS && (t->ra = malloc(RA))))) {
		if (off0 < t->ra_off || off0 + total > t->ra_off + t->ra_len) {
			r = pread(t->f->fd, t->ra, RA, (off_t)off0);
			t->ra_off = off0;
			t->ra_len = r > 0 ? (size_t)r : 0;
			if (t->ra_len < total)
				return false;
		}
		memcpy(s->buf + 4, t->ra + (off0 - t->ra_off), total);
		return true;
	}
	r = preadv(t->f->fd, iov, (int)count, (off_t)off0);
	return r == (ssize_t)total;
}

static bool send_ok(ssize_t r)
{
	return r >= 0 || errno == EAGAIN || errno == ENOBUFS;
}

/* One UDP GSO send; false when the kernel has no GSO here. */
static bool send_gso(struct xfer *t, size_t total, uint16_t seg, bool *gone)
{
	char cbuf[CMSG_SPACE(sizeof(uint16_t))] = {0};
	struct iovec one = {t->srv->buf, total};
	struct msghdr m = {.msg_iov = &one,
			   .msg_iovlen = 1,
			   .msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	if (send_ok(sendmsg(t->sock, &m, 0)))
		return true;
	if (errno != EIO && errno != EINVAL && errno != ENOPROTOOPT &&
	    errno != EOPNOTSUPP) {
		*gone = true;
		return true;
	}
	t->srv->no_gso = true; /* block by block from now on */
	return false;
}

/* 0, 1 on a file read error, 2 when the peer is gone. Every train has at
 * least one block and fits buf (the engine cuts them so). */
static int send_train(struct xfer *t, const struct bb_tftp_train *tr)
{
	struct bb_tftp_server *s = t->srv;
	uint32_t k;
	bool gone = false;

	if (tr->count > 1 && !s->no_gso) {
		if (!read_train(t, tr, 0, tr->count))
			return 1;
		if (send_gso(t, tr->len + 4 * tr->count, (uint16_t)tr->seg,
			     &gone))
			return gone ? 2 : 0;
	}
	for (k = 0; k < tr->count; k++) {
		uint64_t done = (uint64_t)k * (tr->seg - 4);
		size_t len = tr->len - done < tr->seg - 4
				 ? (size_t)(tr->len - done)
				 : tr->seg - 4;

		if (!read_train(t, tr, k, 1))
			return 1;
		if (!send_ok(send(t->sock, s->buf, len + 4, 0)))
			return 2;
	}
	return 0;
}

/* Sends what the engine put out, then ends the transfer or arms its
 * timer. */
static void settle(struct xfer *t)
{
	struct bb_tftp_server *s = t->srv;
	const struct bb_tftp_out *o = &s->out;
	uint64_t now = bb_loop_now_ms(s->loop), d;
	size_t i;
	int r = 0;

	if (o->pkt_len && !send_ok(send(t->sock, o->pkt, o->pkt_len, 0)))
		r = 2;
	for (i = 0; !r && i < o->ntrains; i++)
		r = send_train(t, &o->train[i]);
	if (r)
		bb_tftp_fail(s->tab, t->id,
			     r == 1 ? BB_TFTP_END_READ : BB_TFTP_END_GONE);
	if (bb_tftp_session_end(s->tab, t->id)) {
		xfer_end(t);
		return;
	}
	d = bb_tftp_session_deadline(s->tab, t->id);
	bb_timer_arm(s->loop, &t->timer, d > now ? d - now : 1);
}

static void on_xfer(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct xfer *t = arg;
	uint8_t pkt[516];
	ssize_t n;

	(void)ev;
	/* one datagram a wakeup: in lock-step there is only the ACK, and a
	 * drain to EAGAIN would cost a syscall a block; epoll is level
	 * triggered, anything else queued wakes us again */
	n = recv(fd, pkt, sizeof(pkt), MSG_DONTWAIT);
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		bb_tftp_fail(t->srv->tab, t->id, BB_TFTP_END_GONE); /* ICMP */
	bb_tftp_input(t->srv->tab, t->id, pkt, n > 0 ? (size_t)n : 0,
		      bb_loop_now_ms(loop), &t->srv->out);
	settle(t);
}

static void on_timer(struct bb_loop *loop, void *arg)
{
	struct xfer *t = arg;

	bb_tftp_tick(t->srv->tab, t->id, bb_loop_now_ms(loop), &t->srv->out);
	if (!bb_tftp_session_end(t->srv->tab, t->id) &&
	    (t->srv->out.pkt_len || t->srv->out.ntrains))
		t->srv->stats.retransmits++;
	settle(t);
}

/* From the listener, leaving from local (the address the request came
 * to) when the listener is bound to any. */
static void reply_listener(struct bb_tftp_server *s,
			   const struct sockaddr_in *to, uint32_t local)
{
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))] = {0};
	struct iovec iov = {s->out.pkt, s->out.pkt_len};
	struct msghdr m = {.msg_name = (void *)to,
			   .msg_namelen = sizeof(*to),
			   .msg_iov = &iov,
			   .msg_iovlen = 1};

	if (!s->out.pkt_len)
		return;
	if (!s->o.addr && local) {
		struct in_pktinfo pi = {.ipi_spec_dst.s_addr = htonl(local)};
		struct cmsghdr *cm;

		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	sendmsg(s->lsock, &m, MSG_DONTWAIT);
}

static int xfer_socket(const struct sockaddr_in *peer, uint32_t local,
		       uint32_t *max_blksize)
{
	struct sockaddr_in me = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int mtu = 1500, sndbuf = 1 << 20, one = 1;
	socklen_t ml = sizeof(mtu);

	if (fd < 0)
		return -1;
	me.sin_addr.s_addr = htonl(local);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
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

static int open_file_at(int rootfd, const char *name, struct stat *st,
			const char **why, uint16_t *code)
{
	int fd = bb_open_beneath(rootfd, name);

	if (fd >= 0 && !fstat(fd, st) && S_ISREG(st->st_mode))
		return fd;
	*code = fd < 0 && errno != ENOENT ? BB_TFTP_EACCESS : BB_TFTP_ENOTFOUND;
	*why = fd < 0 ? strerror(errno) : "not a regular file";
	if (fd >= 0)
		close(fd);
	return -1;
}

static void start_xfer(struct bb_tftp_server *s, int id,
		       const struct sockaddr_in *peer, uint32_t local)
{
	const char *file = bb_tftp_session_rrq(s->tab, id)->file, *why;
	struct xfer *t = NULL;
	struct stat st;
	uint32_t maxblk;
	uint16_t code;
	int fd = open_file_at(s->rootfd, file, &st, &why, &code);

	if (fd < 0 && code == BB_TFTP_ENOTFOUND && s->fallbackfd >= 0)
		fd = open_file_at(s->fallbackfd, file, &st, &why, &code);
	if (fd < 0) {
		char name[300], ip[16];

		bb_sanitize(name, sizeof(name), file, strlen(file));
		ip_str(ip, ntohl(peer->sin_addr.s_addr));
		logf_(s, "tftp: %s %s refused: %s", ip, name, why);
		bb_tftp_refuse(s->tab, id, code,
			       code == BB_TFTP_EACCESS ? "access denied"
						       : "file not found",
			       &s->out);
		reply_listener(s, peer, local);
		return;
	}
	if (!(t = calloc(1, sizeof(*t))) || !(t->f = file_get(s, fd, &st)) ||
	    (t->sock = xfer_socket(peer, local, &maxblk)) < 0 ||
	    bb_loop_add_fd(s->loop, t->sock, BB_EV_READ, on_xfer, t)) {
		if (t && t->f && t->sock >= 0)
			close(t->sock);
		if (t)
			file_put(s, t->f);
		else
			close(fd);
		free(t);
		bb_tftp_refuse(s->tab, id, BB_TFTP_EUNDEF, "server busy",
			       &s->out);
		reply_listener(s, peer, local);
		return;
	}
	t->srv = s;
	t->id = id;
	bb_timer_init(&t->timer, on_timer, t);
	t->next = s->xfers;
	if (t->next)
		t->next->prev = t;
	s->xfers = t;
	s->nxfers++;
	bb_tftp_open(s->tab, id, (uint64_t)st.st_size, maxblk,
		     bb_loop_now_ms(s->loop), &s->out);
	settle(t);
}

/* One request; *local gets the address it was sent to. */
static ssize_t recv_request(struct bb_tftp_server *s, struct sockaddr_in *peer,
			    uint32_t *local)
{
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct iovec iov = {s->buf, 1024};
	struct msghdr m = {.msg_name = peer,
			   .msg_namelen = sizeof(*peer),
			   .msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;
	ssize_t n = recvmsg(s->lsock, &m, MSG_DONTWAIT);

	*local = s->o.addr;
	if (n < 0 || m.msg_namelen < sizeof(*peer) ||
	    peer->sin_family != AF_INET)
		return n < 0 ? -1 : 0;
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			/* for a broadcast, the interface's own address */
			*local = ntohl(pi.ipi_spec_dst.s_addr);
		}
	return n;
}

static void on_request(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_tftp_server *s = arg;
	int i;

	(void)fd;
	(void)ev;
	for (i = 0; i < 64; i++) {
		struct sockaddr_in peer;
		uint32_t local;
		ssize_t n = recv_request(s, &peer, &local);
		int id;

		if (n < 0)
			return;
		if (!n)
			continue;
		id = bb_tftp_request(s->tab, ntohl(peer.sin_addr.s_addr),
				     ntohs(peer.sin_port), s->buf, (size_t)n,
				     bb_loop_now_ms(loop), &s->out);
		if (id < 0)
			reply_listener(s, &peer, local);
		else
			start_xfer(s, id, &peer, local);
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

/* Bound to the configured address even before it is up (IP_FREEBIND),
 * and not shareable: a second server on the port fails to start. */
static int listen_socket(const struct bb_tftp_server_opts *o)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(o->addr);
	sa.sin_port = htons(o->port);
	if (setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct bb_tftp_server *bb_tftp_server_start(struct bb_loop *loop,
					    const struct bb_tftp_server_opts *o)
{
	struct bb_tftp_server *s = calloc(1, sizeof(*s));
	struct bb_tftp_limits l = {.max_sessions = o->max_xfers,
				   .per_source = o->per_source,
				   .lifetime_ms = o->lifetime_ms,
				   .train_bytes = GSO_TRAIN,
				   .train_blocks = GSO_SEGMENTS};

	if (!s || !(s->buf = malloc(BUF_SIZE)) ||
	    !(s->tab = bb_tftp_sessions_new(&l))) {
		if (s)
			free(s->buf);
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->loop = loop;
	s->o = *o;
	s->rootfd = -1;
	s->fallbackfd =
	    o->fallback ? open(o->fallback, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
			: -1;
	s->lsock = listen_socket(o);
	if (s->lsock < 0 || bb_tftp_server_set_root(s, o->root) ||
	    bb_loop_add_fd(loop, s->lsock, BB_EV_READ, on_request, s)) {
		int e = errno;

		if (s->lsock >= 0)
			close(s->lsock);
		if (s->rootfd >= 0)
			close(s->rootfd);
		if (s->fallbackfd >= 0)
			close(s->fallbackfd);
		bb_tftp_sessions_free(s->tab);
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
	while (s->xfers) {
		bb_tftp_fail(s->tab, s->xfers->id, BB_TFTP_END_STOPPED);
		xfer_end(s->xfers);
	}
	bb_loop_del_fd(s->loop, s->lsock);
	close(s->lsock);
	close(s->rootfd);
	if (s->fallbackfd >= 0)
		close(s->fallbackfd);
	bb_tftp_sessions_free(s->tab);
	free(s->buf);
	free(s);
}

const struct bb_tftp_server_stats *
bb_tftp_server_stats(const struct bb_tftp_server *s)
{
	return &s->stats;
}
