/* Part of a large download, on a thread of its own: mbedTLS decrypts one
 * record stream per core, so a cold fetch of a big artifact asks the
 * origin for its second half [start, end) with Range over a second TLS
 * connection (same address, same trust and host checks), and the first
 * half goes on over the loop's connection on another part (adopted after
 * the head: the loop itself decrypts no bulk, it serves DHCP). The bytes go
 * straight into the file at their offsets; the main fetch hashes them (reading
 * them back) once its own half is in, so the digest and the in-order progress
 * stay the main fetch's. */
#ifndef BB_LINUX_FETCH_PART_H
#define BB_LINUX_FETCH_PART_H

#include <stdbool.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "board/linux/sha256.h"
#include "cache/upstream.h"

struct bb_fetch_part;

struct bb_fetch_part_opts {
	const struct bb_url *url;   /* copied */
	uint32_t ip_be;		    /* the address the main connection uses */
	const mbedtls_x509_crt *ca; /* read only; outlives the part */
	int fd;
	uint64_t start, end, total; /* [start, end) of a total-byte body */
	uint32_t timeout_ms;	    /* connect and idle read */
	bool yield;		    /* decrypt at a lower priority */
	/* not NULL: no connection of its own; this session (on adopt_fd,
	 * its head read) goes on with the body from start on, which the
	 * caller no longer touches until the part is freed */
	mbedtls_ssl_context *ssl;
	int adopt_fd;
	/* not NULL (a part of its own): the session of this established,
	 * verified connection to the same origin is resumed, when the origin
	 * agrees, instead of a full handshake (no key exchange, no second
	 * chain check: ~5 ms of both ends' CPU before the range starts).
	 * Copied before start returns. */
	const mbedtls_ssl_context *resume;
	/* not NULL: the range starts where this digest stands; the part
	 * hashes its bytes in order as it decrypts them (while they are in
	 * the cache) and owns *sha until it is done or failed */
	struct bb_sha256 *sha;
};

/* NULL when out of memory or threads. */
struct bb_fetch_part *bb_fetch_part_start(const struct bb_fetch_part_opts *o);
/* Readable when more is written, the head was accepted, or it ended. */
int bb_fetch_part_fd(const struct bb_fetch_part *p);
#define BB_PART_RUNNING	  0
#define BB_PART_STREAMING 1 /* the origin answered 206 for our range */
#define BB_PART_DONE	  2 /* every byte of the range is in the file */
/* Bytes of the range in the file from start on; *state one of the above
 * or a negative BB_E*; msg (when not NULL) why it failed. Clears the fd. */
uint64_t bb_fetch_part_poll(struct bb_fetch_part *p, int *state,
			    const char **msg);
/* Reads up to end instead (the other half failed): 0, or -1 when the
 * range is complete or failed already. */
int bb_fetch_part_extend(struct bb_fetch_part *p, uint64_t end);
/* Stops the thread (cutting its connection) and frees. */
void bb_fetch_part_free(struct bb_fetch_part *p);

#endif
