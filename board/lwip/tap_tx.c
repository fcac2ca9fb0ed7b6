/* The TAP's send side. Frames lwIP sends in one turn of the loop are held
 * (a pbuf reference, no copy) and written at the end of the turn; a run of
 * TCP segments or UDP datagrams of one flow, all of one size but the last,
 * goes down as one write with a virtio-net header asking the kernel to cut
 * it (GSO), the way a VM's NIC hands the host a 64 KiB segment. Per frame,
 * a TAP write delivers the packet to the receiving socket and wakes its
 * reader there and then; per run, once. Anything that does not fit a run
 * is written alone; TCP and UDP with the checksum left to the kernel. */
#include <errno.h>
#include <stdbool.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "board/lwip/tapif.h"
#include "lwip/inet_chksum.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"

/* Linux 6.2 (a TAP takes UDP GSO from then on); older headers lack it */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

#define TXQ	 64
#define ETH_HL	 14
#define IP_HL	 20
#define MAX_HL	 (ETH_HL + IP_HL + 60)
#define MAX_IOV	 (2 + 4 * TXQ)
#define IP_LIMIT 65535

struct frame {
	struct pbuf *p;
	uint8_t h[MAX_HL]; /* Ethernet, IPv4 and TCP/UDP headers */
	unsigned hl, plen; /* header length; L4 payload length */
	uint8_t proto;	   /* 6, 17: checksummed by the kernel; 0: as is */
	bool run;	   /* data that may start or join a run */
	uint32_t seq;
};

static struct frame txq[TXQ];
static int ntx;

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void parse(struct frame *f)
{
	const uint8_t *h = f->h;
	unsigned n = pbuf_copy_partial(f->p, f->h, MAX_HL, 0), l4;

	f->proto = 0;
	f->run = false;
	if (n < ETH_HL + IP_HL + 8 || get16(h + 12) != 0x0800 ||
	    h[14] != 0x45 || (get16(h + 20) & 0x3fff) ||
	    get16(h + 16) + ETH_HL != f->p->tot_len)
		return;
	if (h[23] == 6) {
		l4 = (unsigned)(h[46] >> 4) * 4;
		if (l4 < 20 || ETH_HL + IP_HL + l4 > n)
			return;
		/* runs of plain data segments only: ACK, maybe PSH */
		f->run = (h[47] & ~0x08) == 0x10;
		f->seq = (uint32_t)get16(h + 38) << 16 | get16(h + 40);
	} else if (h[23] == 17) {
		l4 = 8;
		f->run = true;
	} else {
		return;
	}
	f->hl = ETH_HL + IP_HL + l4;
	if (f->p->tot_len < f->hl)
		return;
	f->plen = f->p->tot_len - f->hl;
	f->run = f->run && f->plen;
	f->proto = h[23];
}

/* Does b continue a's run (same flow, same headers, next in sequence)? */
static bool continues(const struct frame *a, const struct frame *b,
		      uint32_t next_seq)
{
	if (!b->run || b->proto != a->proto || b->hl != a->hl ||
	    b->plen > a->plen || memcmp(a->h, b->h, 12) ||
	    memcmp(a->h + 26, b->h + 26, 12))
		return false;
	if (a->proto == 6)
		/* ack, window and options as the first: its header is used */
		return b->seq == next_seq && !memcmp(a->h + 42, b->h + 42, 4) &&
		       !memcmp(a->h + 48, b->h + 48, 2) &&
		       !memcmp(a->h + 54, b->h + 54, a->hl - 54);
	return true;
}

/* iovecs over p's bytes from off on; the count added, -1 when full. */
static int iov_of(struct pbuf *p, unsigned off, struct iovec *v, int room)
{
	int n = 0;

	for (; p; p = p->next) {
		if (off >= p->len) {
			off -= p->len;
			continue;
		}
		if (n == room)
			return -1;
		v[n].iov_base = (uint8_t *)p->payload + off;
		v[n].iov_len = p->len - off;
		off = 0;
		n++;
	}
	return n;
}

static void put_csum_pseudo(uint8_t *h, unsigned at, unsigned l4len)
{
	uint32_t s = get16(h + 26) + get16(h + 28) + get16(h + 30) +
		     get16(h + 32) + h[23] + l4len;

	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	put16(h + at, (uint16_t)s);
}

static void write_frames(int fd, int first, int count)
{
	struct virtio_net_hdr vh;
	struct iovec v[MAX_IOV];
	uint8_t h[MAX_HL];
	const struct frame *f = &txq[first];
	unsigned total = 0;
	int n = 2, i, k;
	uint16_t c;

	memset(&vh, 0, sizeof(vh));
	v[0].iov_base = &vh;
	v[0].iov_len = sizeof(vh);
	if (!f->proto) {
		k = iov_of(f->p, 0, v + 1, MAX_IOV - 1);
		if (k < 0 || writev(fd, v, 1 + k) < 0)
			LINK_STATS_INC(link.drop);
		return;
	}
	memcpy(h, f->h, f->hl);
	for (i = 0; i < count; i++) {
		k = iov_of(txq[first + i].p, f->hl, v + n, MAX_IOV - n);
		if (k < 0) {
			LINK_STATS_INC(link.drop);
			return;
		}
		n += k;
		total += txq[first + i].plen;
	}
	put16(h + 16, (uint16_t)(f->hl - ETH_HL + total));
	h[24] = h[25] = 0;
	c = inet_chksum(h + ETH_HL, IP_HL);
	memcpy(h + 24, &c, 2);
	/* lwIP leaves TCP and UDP checksums to us (lwipopts.h): the
	 * kernel fills them in, or its receiver trusts them as verified */
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.hdr_len = (uint16_t)f->hl;
	vh.csum_start = ETH_HL + IP_HL;
	if (count > 1) {
		vh.gso_size = (uint16_t)f->plen;
		vh.gso_type = f->proto == 6 ? VIRTIO_NET_HDR_GSO_TCPV4
					    : VIRTIO_NET_HDR_GSO_UDP_L4;
	}
	if (f->proto == 6) {
		vh.csum_offset = 16;
		h[47] = txq[first + count - 1].h[47]; /* PSH of the last */
		put_csum_pseudo(h, 50, f->hl - ETH_HL - IP_HL + total);
	} else {
		vh.csum_offset = 6;
		put16(h + 38, (uint16_t)(8 + total));
		put_csum_pseudo(h, 40, 8 + total);
	}
	v[1].iov_base = h;
	v[1].iov_len = f->hl;
	if (writev(fd, v, n) < 0)
		LINK_STATS_INC(link.drop);
}

void bb_tap_tx_flush(int fd)
{
	int i = 0, j;

	for (j = 0; j < ntx; j++)
		parse(&txq[j]);
	while (i < ntx) {
		const struct frame *a = &txq[i];
		uint32_t next = a->seq + a->plen;
		unsigned ip_len = a->hl - ETH_HL + a->plen;

		j = i + 1;
		if (a->run)
			while (j < ntx && txq[j - 1].plen == a->plen &&
			       continues(a, &txq[j], next) &&
			       ip_len + txq[j].plen <= IP_LIMIT) {
				next += txq[j].plen;
				ip_len += txq[j].plen;
				j++;
			}
		write_frames(fd, i, j - i);
		i = j;
	}
	for (j = 0; j < ntx; j++)
		pbuf_free(txq[j].p);
	ntx = 0;
}

err_t bb_tap_tx_queue(int fd, struct pbuf *p)
{
	if (ntx == TXQ)
		bb_tap_tx_flush(fd);
	pbuf_ref(p);
	txq[ntx++].p = p;
	return ERR_OK;
}
