/* Outbound TCP on lwIP's raw API: one connection to ip:port, read and
 * written by copy. lwIP's callbacks only queue what happened; the owner
 * hears of it through event(arg) from a board timer, outside lwIP's
 * callbacks, so it may close or free from there. What it has not read
 * stays queued and unacknowledged (the peer's window closes). */
#ifndef BB_LWIP_TCP_DIAL_H
#define BB_LWIP_TCP_DIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bb_lwip_dial;

enum bb_dial_state {
	BB_DIAL_CONNECTING,
	BB_DIAL_OPEN,
	BB_DIAL_FAILED, /* refused, reset, or out of pcbs: no more I/O */
};

/* ip in host order. NULL when no pcb is left (the board's message). */
struct bb_lwip_dial *bb_lwip_dial(uint32_t ip, uint16_t port,
				  void (*event)(void *arg), void *arg);
enum bb_dial_state bb_lwip_dial_state(const struct bb_lwip_dial *d);
/* Copies up to cap received bytes: how many (0: none queued). */
size_t bb_lwip_dial_read(struct bb_lwip_dial *d, void *buf, size_t cap);
/* The peer closed, and everything before its FIN has been read. */
bool bb_lwip_dial_eof(const struct bb_lwip_dial *d);
/* Bytes taken (copied) into the send buffer, 0..n; event() comes again
 * when acknowledgements make room. */
size_t bb_lwip_dial_write(struct bb_lwip_dial *d, const void *p, size_t n);
/* Ends the connection (a FIN, a reset when that cannot be queued) and
 * frees d; no event after. */
void bb_lwip_dial_close(struct bb_lwip_dial *d);

#endif
