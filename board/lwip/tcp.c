/* board.h TCP streams over lwIP's raw TCP API, from a table sized in
 * lwipopts.h. What the caller does not take of an arrival stays queued
 * as pbufs and unacknowledged (tcp_recved only for what was taken), so a
 * busy connection closes the peer's window instead of buffering more. */
#include <string.h>

#include "board/lwip/board_lwip.h"
#include "board/lwip/lwipopts.h"
#include "common/err.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"

#if !MEM_STATS
#error "the streams' share of lwIP's heap is read from its stats (MEM_STATS)"
#endif

struct bb_listener {
	struct tcp_pcb *pcb;
	bb_accept_fn fn;
	void *arg;
};

struct bb_stream {
	bool used;
	struct tcp_pcb *pcb;
	const struct bb_stream_ops *ops;
	void *arg;
	struct pbuf *pending; /* arrived, not yet taken */
	bool peer_closed;     /* a FIN waits behind pending */
	bool stalled;	      /* a write found no room: writable() is owed */
	bool delivering, again;
};

static struct bb_stream streams[BB_LWIP_MAX_STREAMS];
static struct bb_listener listeners[2];
/* the pcb whose callback runs, and whether it was aborted in there
 * (lwIP must then be told with ERR_ABRT) */
static struct tcp_pcb *in_cb, *aborted;
static uint8_t chunk[16384];

static void detach(struct bb_stream *s)
{
	if (s->pcb) {
		tcp_arg(s->pcb, NULL);
		tcp_recv(s->pcb, NULL);
		tcp_sent(s->pcb, NULL);
		tcp_err(s->pcb, NULL);
		tcp_poll(s->pcb, NULL, 0);
	}
	if (s->pending)
		pbuf_free(s->pending);
	memset(s, 0, sizeof(*s));
}

/* Offers what is queued; stops when the caller takes less. Not
 * reentrant: a resume from inside data() only asks for another round. */
static void deliver(struct bb_stream *s)
{
	if (s->delivering) {
		s->again = true;
		return;
	}
	s->delivering = true;
	do {
		s->again = false;
		while (s->pending) {
			struct pbuf *q = s->pending;
			u16_t qlen = q->len;
			size_t n = s->ops->data(s->arg, s, q->payload, qlen);

			if (!s->used) /* closed in the callback */
				return;
			if (n > qlen)
				n = qlen;
			if (n) {
				s->pending = pbuf_free_header(q, (u16_t)n);
				tcp_recved(s->pcb, (u16_t)n);
			}
			if (n < qlen)
				break;
		}
	} while (s->again && s->pending);
	s->delivering = false;
	if (!s->pending && s->peer_closed)
		s->ops->data(s->arg, s, NULL, 0);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct bb_stream *s = arg;

	(void)err;
	if (!s) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p)
		s->peer_closed = true;
	else if (s->pending)
		pbuf_cat(s->pending, p);
	else
		s->pending = p;
	in_cb = pcb;
	deliver(s);
	in_cb = NULL;
	if (aborted == pcb) {
		aborted = NULL;
		return ERR_ABRT;
	}
	return ERR_OK;
}

/* Room again: for this stream, and for any other that found the heap
 * empty (lwIP's heap is shared: an ACK anywhere may free it). */
static void kick(struct bb_stream *s)
{
	size_t i;

	if (s && s->used && s->ops->writable) {
		s->stalled = false;
		s->ops->writable(s->arg, s);
	}
	for (i = 0; i < BB_LWIP_MAX_STREAMS; i++) {
		struct bb_stream *o = &streams[i];

		if (o != s && o->used && o->stalled && o->ops->writable) {
			o->stalled = false;
			o->ops->writable(o->arg, o);
		}
	}
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)len;
	in_cb = pcb;
	kick(arg);
	in_cb = NULL;
	if (aborted == pcb) {
		aborted = NULL;
		return ERR_ABRT;
	}
	return ERR_OK;
}

/* A stream stalled with nothing in flight hears no ACK: retry it here. */
static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	struct bb_stream *s = arg;

	if (!s || !s->stalled)
		return ERR_OK;
	in_cb = pcb;
	kick(s);
	in_cb = NULL;
	if (aborted == pcb) {
		aborted = NULL;
		return ERR_ABRT;
	}
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	struct bb_stream *s = arg;
	const struct bb_stream_ops *ops;
	void *a;

	(void)err;
	if (!s)
		return;
	ops = s->ops;
	a = s->arg;
	s->pcb = NULL; /* lwIP has freed it */
	detach(s);
	if (ops->closed)
		ops->closed(a, s);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct bb_listener *l = arg;
	struct bb_stream *s = NULL;
	struct bb_udp_peer from;
	size_t i;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	for (i = 0; i < BB_LWIP_MAX_STREAMS && !s; i++)
		if (!streams[i].used)
			s = &streams[i];
	if (!s) {
		tcp_abort(pcb); /* full: a reset, the client retries */
		return ERR_ABRT;
	}
	s->used = true;
	s->pcb = pcb;
	from.ip = ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)));
	from.port = pcb->remote_port;
	s->arg = l->fn(l->arg, s, &from, &s->ops);
	if (!s->arg) {
		memset(s, 0, sizeof(*s));
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	tcp_arg(pcb, s);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_poll(pcb, on_poll, 1);
	tcp_nagle_disable(pcb);
	return ERR_OK;
}

struct bb_listener *bb_tcp_listen(uint32_t addr, uint16_t port, bb_accept_fn fn,
				  void *arg)
{
	struct bb_listener *l = NULL;
	struct tcp_pcb *pcb;
	ip_addr_t a;
	size_t i;

	for (i = 0; i < sizeof(listeners) / sizeof(listeners[0]) && !l; i++)
		if (!listeners[i].pcb)
			l = &listeners[i];
	if (!l) {
		bb_board_fail(BB_ENOSPC, "no listener slot left");
		return NULL;
	}
	ip_addr_set_ip4_u32(&a, htonl(addr));
	pcb = tcp_new();
	if (!pcb || tcp_bind(pcb, &a, port) != ERR_OK) {
		if (pcb)
			tcp_close(pcb);
		bb_board_fail(BB_EIO, "TCP port %u in use", port);
		return NULL;
	}
	l->pcb = tcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG);
	if (!l->pcb) {
		tcp_close(pcb);
		bb_board_fail(BB_ENOMEM, "no listening pcb left");
		return NULL;
	}
	l->fn = fn;
	l->arg = arg;
	tcp_arg(l->pcb, l);
	tcp_accept(l->pcb, on_accept);
	return l;
}

void bb_tcp_unlisten(struct bb_listener *l)
{
	if (!l || !l->pcb)
		return;
	tcp_close(l->pcb);
	memset(l, 0, sizeof(*l));
}

/* lwIP's heap holds every stream's unacknowledged send data, and also
 * the packets built for DHCP, TFTP, ACKs and SYN-ACKs. Streams together
 * stop short of BB_LWIP_HEAP_RESERVE, so those never find it empty (an
 * ACK that cannot be built stalls a connection); a stream that finds no
 * room is stalled, and any ACK that frees some wakes it (kick). Each
 * segment costs its headers and lwIP's block header beside its data. */
#define SEG_COST (TCP_MSS + 128)

/* A write that cannot take all it is offered waits until it can take
 * WRITE_MIN while earlier data is still in flight (its ACK wakes the
 * stream): a few large writes go out as long GSO runs (tap_tx.c), each
 * one wakeup of the receiver, where many small ones would each be one. */
#define WRITE_MIN (8 * TCP_MSS)

static size_t room_of(struct bb_stream *s, size_t want)
{
	size_t room = tcp_sndbuf(s->pcb), used = lwip_stats.mem.used;
	size_t lim = lwip_stats.mem.avail - BB_LWIP_HEAP_RESERVE, heap;
	bool by_heap = false;

	heap = used < lim ? (lim - used) / SEG_COST * TCP_MSS : 0;
	if (heap < room) {
		room = heap;
		by_heap = true;
	}
	if (room < want && room < WRITE_MIN && s->pcb->unacked)
		room = 0;
	if (!room && by_heap)
		s->stalled = true;
	return room;
}

size_t bb_stream_write(struct bb_stream *s, const void *p, size_t len)
{
	size_t room = room_of(s, len);

	if (tcp_sndqueuelen(s->pcb) + 4 > TCP_SND_QUEUELEN)
		return 0;
	if (len > room)
		len = room;
	if (len > 0xffff)
		len = 0xffff;
	if (!len)
		return 0;
	if (tcp_write(s->pcb, p, (u16_t)len, TCP_WRITE_FLAG_COPY)) {
		s->stalled = true; /* the heap is out */
		return 0;
	}
	tcp_output(s->pcb);
	return len;
}

/* More follows at once: no push yet (tcp_output waits for the rest). */
size_t bb_stream_write_more(struct bb_stream *s, const void *p, size_t len)
{
	size_t room = room_of(s, len);

	if (tcp_sndqueuelen(s->pcb) + 4 > TCP_SND_QUEUELEN)
		return 0;
	len = len < room ? len : room;
	len = len < 0xffff ? len : 0xffff;
	if (!len)
		return 0;
	if (tcp_write(s->pcb, p, (u16_t)len,
		      TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE)) {
		s->stalled = true;
		return 0;
	}
	return len;
}

void bb_stream_caps(struct bb_stream_caps *c)
{
	c->streams = BB_LWIP_MAX_STREAMS;
	c->tls = BB_LWIP_MAX_TLS;
}

/* No sendfile under lwIP: a pread into one chunk, copied into the send
 * buffer (tcp_write copies anyway). */
size_t bb_stream_send_file(struct bb_stream *s, struct bb_file *f, uint64_t off,
			   size_t len)
{
	size_t room = room_of(s, len);
	long r;

	/* a head written with _more must not wait behind a full buffer */
	if (tcp_sndqueuelen(s->pcb) + 4 > TCP_SND_QUEUELEN) {
		tcp_output(s->pcb);
		return 0;
	}
	len = len < room ? len : room;
	len = len < sizeof(chunk) ? len : sizeof(chunk);
	if (!len) {
		tcp_output(s->pcb);
		return 0;
	}
	r = bb_file_pread(f, chunk, len, off);
	if (r <= 0)
		return 0;
	return bb_stream_write(s, chunk, (size_t)r);
}

void bb_stream_resume(struct bb_stream *s)
{
	deliver(s);
}

void bb_stream_shutdown(struct bb_stream *s)
{
	if (s->pcb)
		tcp_shutdown(s->pcb, 0, 1);
}

void bb_stream_close(struct bb_stream *s)
{
	struct tcp_pcb *pcb = s->pcb;
	uint32_t left = s->pending ? s->pending->tot_len : 0;

	/* lwIP answers a close with a reset while received bytes are not
	 * acknowledged to it: they are done with now */
	while (pcb && left) {
		u16_t n = left > 0xffff ? 0xffff : (u16_t)left;

		tcp_recved(pcb, n);
		left -= n;
	}
	detach(s);
	if (pcb && tcp_close(pcb) != ERR_OK) {
		tcp_abort(pcb);
		if (pcb == in_cb)
			aborted = pcb;
	}
}

void bb_stream_abort(struct bb_stream *s)
{
	struct tcp_pcb *pcb = s->pcb;

	detach(s);
	if (pcb) {
		tcp_abort(pcb);
		if (pcb == in_cb)
			aborted = pcb;
	}
}
