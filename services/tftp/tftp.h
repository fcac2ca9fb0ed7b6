/* TFTP read transfers (RFC 1350) with blksize (RFC 2348), tsize and timeout
 * (RFC 2349) and windowsize (RFC 7440), I/O-free. The engine parses the
 * request, negotiates, and for each transfer says which blocks to send and
 * when; the board reads the file ranges and owns the sockets. Block
 * numbers are 32-bit inside and wrap on the wire, so files past 65535
 * blocks work; a duplicate ACK never causes a resend (RFC 1123 4.2.3.1). */
#ifndef BB_TFTP_H
#define BB_TFTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	BB_TFTP_RRQ = 1,
	BB_TFTP_WRQ,
	BB_TFTP_DATA,
	BB_TFTP_ACK,
	BB_TFTP_ERROR,
	BB_TFTP_OACK
};

enum {
	BB_TFTP_ENOTFOUND = 1,
	BB_TFTP_EACCESS = 2,
	BB_TFTP_EBADOP = 4,
	BB_TFTP_EOPTION = 8,
	BB_TFTP_EUNDEF = 0
};

#define BB_TFTP_NAME_MAX 255

struct bb_tftp_rrq {
	char file[BB_TFTP_NAME_MAX + 1]; /* normalised, relative to the root */
	bool has_blksize, has_tsize, has_timeout, has_window;
	uint32_t blksize, timeout, windowsize;
};

/* 0, or a TFTP error code to answer with and a static message. */
int bb_tftp_parse_request(const uint8_t *pkt, size_t len, struct bb_tftp_rrq *r,
			  const char **msg);

/* The requested name made safe: a leading '/' dropped, '\' read as '/',
 * no "..", no empty or NUL-bearing names. 0 or -1. */
int bb_tftp_path(const char *name, size_t len, char *out, size_t cap);

struct bb_tftp_xfer {
	uint64_t size;
	uint32_t blksize, windowsize, timeout_ms;
	bool oack;	/* an OACK is due or not yet acknowledged */
	bool oack_out;	/* it was sent */
	bool tsize;	/* report tsize in the OACK */
	uint32_t last;	/* the final block (may be empty) */
	uint32_t acked; /* highest block acknowledged */
	uint32_t sent;	/* highest block sent */
	uint32_t retries;
	uint64_t deadline; /* ms: resend when reached */
	bool done;
	bool proven; /* the peer acknowledged what we sent it */
};

/* Retransmissions before giving up: fewer while the peer has not proven
 * that it receives at its address (a spoofed request must not make us
 * send a block many times to a victim). */
#define BB_TFTP_RETRIES		 5
#define BB_TFTP_RETRIES_UNPROVEN 1
/* The longest wait between two sends, whatever the backoff. */
#define BB_TFTP_WAIT_MAX_MS 60000u

/* Negotiates: blksize capped to max_blksize (the path MTU) and to
 * [8, 65464]; windowsize to [1, 64]; timeout to [1, 255] s. */
void bb_tftp_start(struct bb_tftp_xfer *x, const struct bb_tftp_rrq *r,
		   uint64_t size, uint32_t max_blksize, uint64_t now);

/* What to send now: the OACK (first = 0, count = 1, *oack true) or DATA
 * blocks first..first+count-1. count 0: nothing. Marks them sent and arms
 * the deadline. */
struct bb_tftp_send {
	bool oack;
	uint32_t first, count;
};
void bb_tftp_next(struct bb_tftp_xfer *x, uint64_t now, struct bb_tftp_send *s);

/* An ACK of wire block number b. */
void bb_tftp_ack(struct bb_tftp_xfer *x, uint16_t b, uint64_t now);
/* The deadline passed: rewind to the first unacknowledged block. Returns
 * false when it is time to give up. */
bool bb_tftp_timeout(struct bb_tftp_xfer *x, uint64_t now);

/* The file's bytes the client has acknowledged. */
uint64_t bb_tftp_acked_bytes(const struct bb_tftp_xfer *x);

/* Packet builders: bytes written or a negative BB_E*. */
int bb_tftp_build_oack(const struct bb_tftp_xfer *x,
		       const struct bb_tftp_rrq *r, uint8_t *buf, size_t cap);
int bb_tftp_build_error(uint16_t code, const char *msg, uint8_t *buf,
			size_t cap);
/* The 4-byte DATA header for block n; data follows from the board. */
void bb_tftp_data_header(uint32_t n, uint8_t hdr[4]);
/* Offset and length of block n's data in the file. */
void bb_tftp_block_range(const struct bb_tftp_xfer *x, uint32_t n,
			 uint64_t *off, size_t *len);

#endif
