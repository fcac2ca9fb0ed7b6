/* Outbound TCP over lwIP's raw API (the listen side is tcp.c). */
#include <stdlib.h>
#include <string.h>

#include "board/lwip/board_lwip.h"
#include "board/lwip/tcp_dial.h"
#include "common/err.h"
#include "lwip/tcp.h"

struct bb_lwip_dial {
	struct tcp_pcb *pcb;
	enum bb_dial_state state;
	struct pbuf *rx; /* arrived, not yet read */
	bool fin;	 /* the peer's FIN waits behind rx */
	void (*event)(void *arg);
	void *arg;
	struct bb_board_timer *kick;
};

static void kick(struct bb_lwip_dial *d)
{
	bb_board_timer_arm(d->kick, 0);
}

static void on_kick(void *arg)
{
	struct bb_lwip_dial *d = arg;

	d->event(d->arg);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct bb_lwip_dial *d = arg;

	(void)pcb;
	(void)err;
	if (!p)
		d->fin = true;
	else if (d->rx)
		pbuf_cat(d->rx, p);
	else
		d->rx = p;
	kick(d);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb;
	(void)len;
	kick(arg);
	return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct bb_lwip_dial *d = arg;

	(void)pcb;
	d->state = err == ERR_OK ? BB_DIAL_OPEN : BB_DIAL_FAILED;
	kick(d);
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	struct bb_lwip_dial *d = arg;

	(void)err;
	d->pcb = NULL; /* lwIP has freed it */
	d->state = BB_DIAL_FAILED;
	kick(d);
}

struct bb_lwip_dial *bb_lwip_dial(uint32_t ip, uint16_t port,
				  void (*event)(void *arg), void *arg)
{
	struct bb_lwip_dial *d = calloc(1, sizeof(*d));
	ip_addr_t a;

	if (!d || !(d->kick = bb_board_timer_new(on_kick, d))) {
		free(d);
		bb_board_fail(BB_ENOMEM, "out of memory for a connection");
		return NULL;
	}
	d->event = event;
	d->arg = arg;
	d->pcb = tcp_new();
	if (!d->pcb) {
		bb_board_timer_free(d->kick);
		free(d);
		bb_board_fail(BB_ENOMEM, "no TCP pcb left");
		return NULL;
	}
	tcp_arg(d->pcb, d);
	tcp_recv(d->pcb, on_recv);
	tcp_sent(d->pcb, on_sent);
	tcp_err(d->pcb, on_err);
	tcp_nagle_disable(d->pcb);
	ip_addr_set_ip4_u32(&a, lwip_htonl(ip));
	if (tcp_connect(d->pcb, &a, port, on_connected) != ERR_OK) {
		/* no route or no memory for the SYN: fails on the loop */
		tcp_close(d->pcb);
		d->pcb = NULL;
		d->state = BB_DIAL_FAILED;
		kick(d);
	}
	return d;
}

enum bb_dial_state bb_lwip_dial_state(const struct bb_lwip_dial *d)
{
	return d->state;
}

size_t bb_lwip_dial_read(struct bb_lwip_dial *d, void *buf, size_t cap)
{
	size_t n = 0;

	while (d->rx && n < cap) {
		u16_t k = d->rx->len;

		if (k > cap - n)
			k = (u16_t)(cap - n);
		memcpy((uint8_t *)buf + n, d->rx->payload, k);
		n += k;
		d->rx = pbuf_free_header(d->rx, k);
		if (d->pcb)
			tcp_recved(d->pcb, k);
	}
	return n;
}

bool bb_lwip_dial_eof(const struct bb_lwip_dial *d)
{
	return d->fin && !d->rx;
}

size_t bb_lwip_dial_write(struct bb_lwip_dial *d, const void *p, size_t n)
{
	size_t room;

	if (!d->pcb || d->state != BB_DIAL_OPEN ||
	    tcp_sndqueuelen(d->pcb) + 4 > TCP_SND_QUEUELEN)
		return 0;
	room = tcp_sndbuf(d->pcb);
	if (n > room)
		n = room;
	if (n > 0xffff)
		n = 0xffff;
	if (!n || tcp_write(d->pcb, p, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
		return 0; /* the heap is out: the next ACK kicks again */
	tcp_output(d->pcb);
	return n;
}

void bb_lwip_dial_close(struct bb_lwip_dial *d)
{
	if (!d)
		return;
	if (d->pcb) {
		tcp_arg(d->pcb, NULL);
		tcp_recv(d->pcb, NULL);
		tcp_sent(d->pcb, NULL);
		tcp_err(d->pcb, NULL);
		/* unread bytes are acknowledged so that lwIP closes with a
		 * FIN rather than a reset */
		while (d->rx) {
			u16_t k = d->rx->len;

			tcp_recved(d->pcb, k);
			d->rx = pbuf_free_header(d->rx, k);
		}
		if (tcp_close(d->pcb) != ERR_OK)
			tcp_abort(d->pcb);
	}
	if (d->rx)
		pbuf_free(d->rx);
	bb_board_timer_free(d->kick);
	free(d);
}
