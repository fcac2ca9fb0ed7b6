/* An append-only journal file on POSIX, shared by the boards with POSIX
 * files: appends go to a buffer, bb_journal_sync() writes them and
 * fdatasync()s once for all of them (a group commit; board.h's journal,
 * board/posix/journal_inline.c, in the DHCP service's lane). A
 * torn tail (a crash mid-write) is cut at start by the caller, who knows
 * the record format; compaction replaces the file atomically.
 *
 * The file is grown ahead of the write point with zeros (BB_JOURNAL_CHUNK
 * at a time, in the commit that crosses half a chunk): most commits then
 * overwrite blocks that exist, and fdatasync() flushes data only, not a
 * new size and extents (on ext4, a journal commit each). So the records'
 * format must never start a record with a zero byte; a reader skips zeros
 * at record boundaries (the zero tail, and the run a restart leaves). */
#ifndef BB_POSIX_JOURNAL_FILE_H
#define BB_POSIX_JOURNAL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define BB_JOURNAL_CHUNK (1u << 20)
/* No record ends in more zero bytes than this (the DHCP journal's are at
 * most 256 bytes long): at open, the write point is this far past the
 * start of a longer zero tail, so the last record is never overwritten. */
#define BB_JOURNAL_ZERO_GAP 1024

struct bb_journal {
	int fd;
	char path[1024];
	uint64_t size;	/* the write point: records end here */
	uint64_t alloc; /* the file's size: size, then zeros */
	struct bb_buf pending;
	uint64_t syncs, bytes;
};

/* Opens (creating) path and reads it whole into *content (caller frees),
 * up to the write point (the zero tail cut, but for BB_JOURNAL_ZERO_GAP). */
int bb_journal_open(struct bb_journal *j, const char *path,
		    struct bb_buf *content);
/* Where writes resume in a file of these bytes. */
uint64_t bb_journal_write_point(const void *data, size_t len);
/* Cuts the file to len bytes (a torn tail). */
int bb_journal_truncate(struct bb_journal *j, uint64_t len);
void bb_journal_append(struct bb_journal *j, const void *rec, size_t len);
/* Writes what is pending and makes it durable. 0 or BB_EIO; on error the
 * pending records are dropped (their replies must not be sent). */
int bb_journal_sync(struct bb_journal *j);
/* Appends data and fdatasync()s: 0 or BB_EIO. */
int bb_journal_write_durable(struct bb_journal *j, const void *data,
			     size_t len);
/* Grows the file ahead of the write point now, if it is short. */
void bb_journal_grow(struct bb_journal *j);
/* Replaces the journal with data (all live records), durably. */
int bb_journal_rewrite(struct bb_journal *j, const void *data, size_t len);
void bb_journal_close(struct bb_journal *j);

#endif
