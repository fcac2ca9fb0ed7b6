/* The TFTP server's sessions, I/O-free: the table of transfers, the limits
 * (slots, per source address, a transfer's whole life), retransmission and
 * the cutting of a window into datagram trains. Datagrams and the time go
 * in; what to send comes out as packets and as (header + file range)
 * trains, by offset, never by pointer; each session has one deadline.
 * The board owns the sockets, the files and the timers: it opens the file
 * a request names, reads the ranges, sends, and arms a timer for the
 * deadline. A peer has proven its address once it acknowledges something
 * it could only know by receiving from us; before that a session sends
 * its first packet at most twice (no amplifier for spoofed requests). */
#ifndef BB_TFTP_SESSION_H
#define BB_TFTP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tftp/tftp.h"

struct bb_tftp_limits {
	uint32_t max_sessions; /* slots; default 4096 */
	uint32_t per_source;   /* at once from one address; default 8 */
	uint32_t lifetime_ms;  /* a transfer's whole life; default 600 s */
	/* the longest datagram train the board sends at once (UDP GSO),
	 * headers included, and its most blocks; a train never holds a
	 * block that would not fit two in it. 0: one block a datagram. */
	uint32_t train_bytes;
	uint32_t train_blocks;
};

/* count blocks from first, each seg bytes (4 of header) but the last,
 * which may be shorter: the file's bytes [off, off + len). */
struct bb_tftp_train {
	uint32_t first, count, seg;
	uint64_t off, len;
};

#define BB_TFTP_PKT_MAX	   192
#define BB_TFTP_TRAINS_MAX 64 /* the largest window */

/* What to send, in this order: pkt (an OACK or ERROR) when pkt_len, then
 * the trains. */
struct bb_tftp_out {
	uint8_t pkt[BB_TFTP_PKT_MAX];
	size_t pkt_len;
	struct bb_tftp_train train[BB_TFTP_TRAINS_MAX];
	size_t ntrains;
};

enum bb_tftp_end {
	BB_TFTP_RUNNING = 0,
	BB_TFTP_END_OK,
	BB_TFTP_END_CLIENT, /* the client sent an ERROR */
	BB_TFTP_END_TIMEOUT,
	BB_TFTP_END_LIFETIME,
	BB_TFTP_END_GONE,    /* the peer is unreachable */
	BB_TFTP_END_READ,    /* the file could not be read */
	BB_TFTP_END_STOPPED, /* the server stops */
};

struct bb_tftp_sessions;

/* NULL on no memory; zero limits take their defaults. */
struct bb_tftp_sessions *bb_tftp_sessions_new(const struct bb_tftp_limits *l);
void bb_tftp_sessions_free(struct bb_tftp_sessions *t);
uint32_t bb_tftp_sessions_count(const struct bb_tftp_sessions *t);

/* A datagram at the listener from ip:port (host order). Returns a session
 * id (>= 0) whose file the board opens next (bb_tftp_session_rrq), then
 * calls bb_tftp_open or bb_tftp_refuse; or -1, with an ERROR in out->pkt
 * to send from the listener (none for a repeated request). */
int bb_tftp_request(struct bb_tftp_sessions *t, uint32_t ip, uint16_t port,
		    const uint8_t *pkt, size_t len, uint64_t now,
		    struct bb_tftp_out *out);
const struct bb_tftp_rrq *bb_tftp_session_rrq(const struct bb_tftp_sessions *t,
					      int id);
/* The file cannot be served: frees the slot; out gets the ERROR. */
void bb_tftp_refuse(struct bb_tftp_sessions *t, int id, uint16_t code,
		    const char *msg, struct bb_tftp_out *out);
/* The file is open, size bytes; blocks must fit max_blksize (the path
 * MTU). out gets the first packet (OACK or block 1). */
void bb_tftp_open(struct bb_tftp_sessions *t, int id, uint64_t size,
		  uint32_t max_blksize, uint64_t now, struct bb_tftp_out *out);
/* A datagram from the session's peer, len bytes, any content. */
void bb_tftp_input(struct bb_tftp_sessions *t, int id, const uint8_t *pkt,
		   size_t len, uint64_t now, struct bb_tftp_out *out);
/* The deadline may have passed: resends, or ends the session. */
void bb_tftp_tick(struct bb_tftp_sessions *t, int id, uint64_t now,
		  struct bb_tftp_out *out);
/* The board cannot go on: why is GONE, READ or STOPPED. */
void bb_tftp_fail(struct bb_tftp_sessions *t, int id, enum bb_tftp_end why);

/* After each call above: RUNNING, or why it ended (then report and
 * release it). The deadline is when to call bb_tftp_tick. */
enum bb_tftp_end bb_tftp_session_end(const struct bb_tftp_sessions *t, int id);
uint64_t bb_tftp_session_deadline(const struct bb_tftp_sessions *t, int id);

struct bb_tftp_report {
	uint32_t ip;
	uint16_t port;
	const char *file;
	uint64_t bytes; /* acknowledged by the client */
	uint64_t ms;
	const char *result;
};
void bb_tftp_session_report(const struct bb_tftp_sessions *t, int id,
			    uint64_t now, struct bb_tftp_report *r);
void bb_tftp_release(struct bb_tftp_sessions *t, int id);

/* Cuts blocks first..first+count-1 of x into trains within the limits;
 * returns how many (at most count). */
size_t bb_tftp_trains(const struct bb_tftp_xfer *x, uint32_t first,
		      uint32_t count, uint32_t train_bytes,
		      uint32_t train_blocks, struct bb_tftp_train *tr,
		      size_t cap);

/* What a TFTP server reports (metrics): transfers by outcome, bytes and
 * retransmitted blocks. */
struct bb_tftp_server_stats {
	uint64_t ok, failed, bytes, retransmits;
};

#endif
