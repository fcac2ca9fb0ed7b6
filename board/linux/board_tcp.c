/* board/board.h's TCP streams on the Linux loop: non-blocking sockets on
 * epoll, accepted through the accept guard (EMFILE: back off, keep a
 * reserve fd), TCP_NODELAY, send with MSG_MORE for a head before its body,
 * and sendfile(2) for file bodies. A body sends at most a share per
 * wakeup; downloads waiting for room wait in the loop's bulk set, behind
 * every other ready descriptor (DHCP, new requests). What data() does not
 * take is held here and the socket is not read again until it is taken
 * (bb_stream_resume). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "board/board.h"
#include "board/linux/accept_guard.h"
#include "board/linux/board_file.h"
#include "board/linux/loop.h"
#include "common/err.h"

struct bb_listener {
	int fd;
	bb_accept_fn fn;
	void *arg;
	struct bb_accept_guard guard;
};

struct bb_stream {
	int fd;
	const struct bb_stream_ops *ops;
	void *arg;
	uint32_t ev;	 /* the interest registered now */
	bool want_write; /* a send was short: writable() is owed */
	bool bulk;	 /* a body waits for room: in the bulk set, nbulk */
	bool eof;	 /* the peer closed: told after the held bytes */
	bool eof_told;	 /* data(len 0) was called */
	bool broken;	 /* a send failed: closed() follows */
	bool spent;	 /* the wakeup's budget ran out, not the room */
	bool gone;	 /* closed by the caller inside a callback */
	bool delivering; /* inside deliver(): a resume asks again */
	bool again;	 /* resume() during delivery */
	unsigned depth;	 /* callbacks running on this stream */
	size_t budget;	 /* body bytes this wakeup may still send */
	uint8_t *held;	 /* bytes data() did not take yet */
	size_t held_off, held_len;
};

/* bytes one recv() takes: a request's head and a part of a body */
static uint8_t rbuf[65536];

/* A body's bytes per wakeup. Large in the bulk set: a thousand downloads
 * each sent in small slices keep every flow slow, so the kernel cuts
 * small segments, the client wakes per slice and a storm moves a third of
 * what 2 MiB turns move (bench_storm, N=1000). A turn's share goes out in
 * slices (bb_loop_again) with DHCP between them: small ones when many
 * downloads wait (each call then costs the most), large ones for a few
 * (16 downloads: 1.15x the throughput of 512 KiB slices). The loop bounds
 * a bulk turn by time. Smaller in the first wakeup, among requests and
 * DHCP: it still takes a script or a small file whole, and a thousand
 * kernels starting at once do not hold the next requests. */
#define SLICE_MANY  (512u << 10)
#define SLICE_FEW   (2u << 20)
#define MANY	    64
#define FIRST_SHARE (256u << 10)
static size_t nbulk; /* streams in the bulk set */

static void set_bulk(struct bb_stream *s, bool on)
{
	if (s->bulk == on)
		return;
	s->bulk = on;
	if (on)
		nbulk++;
	else
		nbulk--;
}

static void stream_free(struct bb_stream *s)
{
	set_bulk(s, false);
	if (s->fd >= 0) {
		bb_loop_del_fd(bb_loop_board(), s->fd);
		close(s->fd);
	}
	free(s->held);
	free(s);
}

/* The interest the stream's state asks for (level-triggered). */
static void interest(struct bb_stream *s)
{
	uint32_t ev = 0;

	if (!s->held_len && !s->eof)
		ev |= BB_EV_READ;
	if (s->want_write || s->broken)
		ev |= BB_EV_WRITE | (s->bulk ? BB_EV_BULK : 0);
	if (ev != s->ev && !bb_loop_mod_fd(bb_loop_board(), s->fd, ev))
		s->ev = ev;
}

/* Offers what is held; false when the stream went away meanwhile. */
static bool deliver(struct bb_stream *s)
{
	if (s->delivering) {
		s->again = true;
		return true;
	}
	s->delivering = true;
	do {
		s->again = false;
		while (s->held_len && !s->gone) {
			size_t n = s->ops->data(
			    s->arg, s, s->held + s->held_off, s->held_len);

			if (s->gone)
				break;
			n = n > s->held_len ? s->held_len : n;
			s->held_off += n;
			s->held_len -= n;
			if (!n)
				break;
		}
	} while (s->again && s->held_len && !s->gone);
	s->delivering = false;
	if (!s->gone && !s->held_len && s->eof && !s->eof_told) {
		s->eof_told = true;
		s->ops->data(s->arg, s, NULL, 0);
	}
	return !s->gone;
}

/* Keeps the bytes data() left, for the next resume. */
static void hold(struct bb_stream *s, const uint8_t *p, size_t len)
{
	if (!s->held && !(s->held = malloc(sizeof(rbuf)))) {
		s->broken = true; /* cannot keep the promise: end it */
		return;
	}
	memcpy(s->held, p, len);
	s->held_off = 0;
	s->held_len = len;
}

/* Reads until the socket is empty or the caller stops taking. */
static void read_some(struct bb_stream *s)
{
	int i;

	for (i = 0; i < 16 && !s->held_len && !s->eof && !s->gone; i++) {
		ssize_t n = recv(s->fd, rbuf, sizeof(rbuf), 0);
		size_t took;

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0 && errno != ECONNRESET) {
			s->broken = true;
			return;
		}
		if (n <= 0) { /* a reset reads as the end, as a FIN does */
			s->eof = true;
			deliver(s);
			return;
		}
		/* a resume from inside data() is for what it leaves: held
		 * first, then offered again */
		s->delivering = true;
		s->again = false;
		took = s->ops->data(s->arg, s, rbuf, (size_t)n);
		s->delivering = false;
		if (s->gone)
			return;
		if (took < (size_t)n) {
			hold(s, rbuf + took, (size_t)n - took);
			if (s->again && !deliver(s))
				return;
		}
		/* a short read emptied the socket: no recv that ends in
		 * EAGAIN (level triggered: more data wakes us) */
		if ((size_t)n < sizeof(rbuf))
			return;
	}
}

static void on_io(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_stream *s = arg;
	bool in_bulk = s->bulk;

	(void)fd;
	s->depth++;
	s->budget = !in_bulk	   ? FIRST_SHARE
		    : nbulk > MANY ? SLICE_MANY
				   : SLICE_FEW;
	s->spent = false;
	if (!s->broken && (ev & (BB_EV_WRITE | BB_EV_ERROR)) && s->want_write) {
		s->want_write = false;
		set_bulk(s, false);
		if (s->ops->writable)
			s->ops->writable(s->arg, s);
	}
	if (!s->gone && !s->broken && (ev & (BB_EV_READ | BB_EV_ERROR)))
		read_some(s);
	s->depth--;
	if (s->gone) {
		if (!s->depth)
			stream_free(s);
		return;
	}
	if (s->broken) {
		const struct bb_stream_ops *ops = s->ops;
		void *a = s->arg;

		/* held over the callback: a close from inside it only marks */
		s->depth++;
		if (ops->closed)
			ops->closed(a, s);
		stream_free(s);
		return;
	}
	if (in_bulk && s->spent)
		bb_loop_again(loop); /* the share's next slice */
	interest(s);
}

static void adopt(struct bb_listener *l, int fd, const struct sockaddr_in *sa)
{
	struct bb_stream *s = calloc(1, sizeof(*s));
	struct bb_udp_peer from = {.ip = ntohl(sa->sin_addr.s_addr),
				   .port = ntohs(sa->sin_port)};
	int one = 1;

	if (!s) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->fd = fd;
	s->ev = BB_EV_READ;
	s->budget = FIRST_SHARE;
	if (bb_loop_add_fd(bb_loop_board(), fd, BB_EV_READ, on_io, s)) {
		close(fd);
		free(s);
		return;
	}
	s->depth++;
	s->arg = l->fn(l->arg, s, &from, &s->ops);
	s->depth--;
	if (!s->arg) {
		stream_free(s); /* refused: closed at once */
		return;
	}
	if (s->gone) {
		stream_free(s);
		return;
	}
	interest(s);
}

/* Connections taken per call: a rack connecting at once is accepted in
 * slices with DHCP between them (bb_loop_again); under load one accept
 * took milliseconds (bench_storm, N=1000). */
#define ACCEPT_SLICE 4

static void on_accept(struct bb_loop *loop, int lfd, uint32_t ev, void *arg)
{
	struct bb_listener *l = arg;
	int i;

	(void)lfd;
	(void)ev;
	for (i = 0; i < ACCEPT_SLICE; i++) {
		struct sockaddr_in sa;
		int fd = bb_accept_guard_accept(&l->guard, &sa);

		if (fd < 0)
			return;
		adopt(l, fd, &sa);
	}
	bb_loop_again(loop);
}

struct bb_listener *bb_tcp_listen(uint32_t addr, uint16_t port, bb_accept_fn fn,
				  void *arg)
{
	struct bb_listener *l = calloc(1, sizeof(*l));
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1;

	if (!l) {
		bb_board_fail(BB_ENOMEM, "out of memory");
		return NULL;
	}
	l->fn = fn;
	l->arg = arg;
	l->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(addr);
	sa.sin_port = htons(port);
	if (l->fd < 0 ||
	    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(l->fd, 1024) ||
	    bb_loop_add_fd(bb_loop_board(), l->fd, BB_EV_READ, on_accept, l)) {
		bb_board_fail(errno == EADDRINUSE ? BB_EEXIST : BB_EIO, "%s",
			      strerror(errno));
		if (l->fd >= 0)
			close(l->fd);
		free(l);
		return NULL;
	}
	bb_accept_guard_init(&l->guard, bb_loop_board(), l->fd);
	return l;
}

void bb_tcp_unlisten(struct bb_listener *l)
{
	if (!l)
		return;
	bb_accept_guard_free(&l->guard);
	bb_loop_del_fd(bb_loop_board(), l->fd);
	close(l->fd);
	free(l);
}

void bb_stream_caps(struct bb_stream_caps *c)
{
	/* idle, a connection holds one fd, two while it sends a file:
	 * streams take at most half of the process's fds; when files push
	 * it over, the accept guard and 503s take over */
	unsigned long half = bb_fd_limit() / 2;

	c->streams =
	    half ? (uint32_t)(half > UINT32_MAX ? UINT32_MAX : half) : 1;
	c->tls = 0;
}

static size_t sent(struct bb_stream *s, ssize_t n, size_t len)
{
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		s->want_write = true;
		return 0;
	}
	if (n < 0) {
		s->broken = true; /* the peer is gone: closed() follows */
		return 0;
	}
	if ((size_t)n < len)
		s->want_write = true; /* the send buffer is full */
	return (size_t)n;
}

static size_t write_flags(struct bb_stream *s, const void *p, size_t len,
			  int flags)
{
	if (s->broken || s->gone || !len)
		return 0;
	return sent(s, send(s->fd, p, len, MSG_NOSIGNAL | flags), len);
}

size_t bb_stream_write(struct bb_stream *s, const void *p, size_t len)
{
	size_t n = write_flags(s, p, len, 0);

	if (!s->depth)
		interest(s);
	return n;
}

size_t bb_stream_write_more(struct bb_stream *s, const void *p, size_t len)
{
	size_t n = write_flags(s, p, len, MSG_MORE);

	if (!s->depth)
		interest(s);
	return n;
}

/* sendfile within the wakeup's share; a body that waits for room (or for
 * its next share) goes into the bulk set. */
size_t bb_stream_send_file(struct bb_stream *s, struct bb_file *f, uint64_t off,
			   size_t len)
{
	off_t o = (off_t)off;
	size_t n;

	if (s->broken || s->gone || !len)
		return 0;
	if (!s->budget) {
		s->want_write = true;
		set_bulk(s, true);
		if (!s->depth)
			interest(s);
		return 0;
	}
	len = len > s->budget ? s->budget : len;
	n = sent(s, sendfile(s->fd, bb_file_fd(f), &o, len), len);
	if (!n && !s->want_write)
		s->broken = true; /* the file shrank under us */
	s->budget -= n;
	if (!s->budget && !s->want_write)
		s->spent = true;
	if (s->want_write || !s->budget) {
		s->want_write = true;
		set_bulk(s, true);
	}
	if (!s->depth)
		interest(s);
	return n;
}

void bb_stream_resume(struct bb_stream *s)
{
	if (s->gone)
		return;
	s->depth++;
	deliver(s);
	s->depth--;
	if (s->gone) {
		if (!s->depth)
			stream_free(s);
		return;
	}
	interest(s);
}

void bb_stream_shutdown(struct bb_stream *s)
{
	shutdown(s->fd, SHUT_WR);
}

/* The kernel sends what is queued after close(2). */
void bb_stream_close(struct bb_stream *s)
{
	bb_loop_del_fd(bb_loop_board(), s->fd);
	close(s->fd);
	s->fd = -1;
	s->gone = true;
	if (!s->depth)
		stream_free(s);
}

void bb_stream_abort(struct bb_stream *s)
{
	struct linger lg = {1, 0};

	setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	bb_stream_close(s);
}
