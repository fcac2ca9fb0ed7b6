/* An lwIP netif over a Linux TAP device: Ethernet frames in and out of
 * /dev/net/tun, read by the main loop when the fd is readable. */
#ifndef BB_LWIP_TAPIF_H
#define BB_LWIP_TAPIF_H

#include <stdint.h>

#include "lwip/netif.h"
#include "lwip/pbuf.h"

/* Attaches to (or creates) the TAP named ifname, brings it up, and adds
 * the netif with our address/prefix as the default. 0 or a negative BB_E*
 * (bb_board_errmsg says why). */
int bb_tapif_open(struct netif *nif, const char *ifname, uint32_t addr,
		  uint8_t prefix);
/* The fd to poll for reading. */
int bb_tapif_fd(const struct netif *nif);
/* Reads and feeds up to max frames; the count. */
int bb_tapif_input(struct netif *nif, int max);
/* Writes what lwIP sent since the last call (tap_tx.c). */
void bb_tapif_flush(struct netif *nif);
void bb_tapif_close(struct netif *nif);

/* tap_tx.c: frames held for the end of the turn, and written */
err_t bb_tap_tx_queue(int fd, struct pbuf *p);
void bb_tap_tx_flush(int fd);

#endif
