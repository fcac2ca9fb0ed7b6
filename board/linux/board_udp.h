/* Inside the Linux board's UDP: the bb_udp that board_udp.c (listeners on
 * an address, TFTP's connected TIDs) and board_udp_if.c (a listener on one
 * interface with batched receive and send: DHCP) share. */
#ifndef BB_LINUX_BOARD_UDP_H
#define BB_LINUX_BOARD_UDP_H

#include <stdbool.h>
#include <stdint.h>

#include "board/board.h"

struct bb_udp_if;

struct bb_udp {
	int fd;
	bool connected;
	uint32_t addr;	/* bound to; 0: any */
	uint32_t local; /* where the datagram being received went */
	bb_udp_recv_fn fn;
	void *arg;
	struct bb_udp_if *bif; /* bb_udp_open_if's: its batches */
};

/* bb_udp_send, bb_udp_flush and bb_udp_close of a bb_udp_open_if one. */
int bb_udp_if_send(struct bb_udp *u, enum bb_udp_how how,
		   const struct bb_udp_peer *to, const uint8_t hw[6],
		   const void *pkt, size_t len);
void bb_udp_if_flush(struct bb_udp *u);
void bb_udp_if_close(struct bb_udp *u);

#endif
