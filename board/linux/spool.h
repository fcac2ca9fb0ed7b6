/* A download's bytes are written and hashed on a thread of their own, so
 * that TLS decryption (most of a cold fetch's CPU under mbedTLS) and the
 * page-cache copy plus SHA-256 run on two cores. A bounded ring of chunks
 * in order; the loop puts, the thread writes at the next offset and
 * hashes, and an eventfd tells the loop how far the file is written. */
#ifndef BB_LINUX_SPOOL_H
#define BB_LINUX_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/linux/sha256.h"

struct bb_spool;

/* Writes to fd from offset on, hashing into *sha, which the thread owns
 * until bb_spool_drain() returns. NULL when out of memory or threads. */
struct bb_spool *bb_spool_new(int fd, uint64_t offset, struct bb_sha256 *sha);
/* Readable when more is written (or a write failed). */
int bb_spool_fd(const struct bb_spool *s);
/* Copies n (at most BB_SPOOL_CHUNK) bytes in: 0, or BB_EAGAIN when the
 * ring is full (nothing taken: put them again after the fd fires). p NULL:
 * the next n bytes are in the file already; they are only hashed. */
#define BB_SPOOL_CHUNK 16384
int bb_spool_put(struct bb_spool *s, const void *p, size_t n);
/* Chunks are written in batches; this writes a partial batch now (the
 * network went quiet: readers of the file must not wait for more). */
void bb_spool_kick(struct bb_spool *s);
/* The offset written up to, and 0 or BB_EIO in *err; clears the fd. */
uint64_t bb_spool_written(struct bb_spool *s, int *err);
/* Waits until every byte put is written: 0 or BB_EIO. */
int bb_spool_drain(struct bb_spool *s);
/* Nothing more will be put: write what is queued, then fdatasync() the
 * file, on the thread (a sync can take long: the loop must not wait); the
 * fd fires when it is done. */
void bb_spool_sync(struct bb_spool *s);
/* Whether that sync is done; *err 0 or BB_EIO (a write or the sync). */
bool bb_spool_synced(struct bb_spool *s, int *err);
/* Nothing queued (after a drain): the next bytes put are at off; those
 * before it were hashed into *sha by someone else. 0, or BB_EINVAL. */
int bb_spool_seek(struct bb_spool *s, uint64_t off);
/* Stops the thread (what is queued is still written) and frees. */
void bb_spool_free(struct bb_spool *s);
/* After writing fd's bytes [before, after): starts the writeback of the
 * 4 MiB windows completed, without waiting (one writer per range). */
void bb_writeback_pace(int fd, uint64_t before, uint64_t after);

#endif
