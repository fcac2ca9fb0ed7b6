/* An append-only journal file with group commit: appends go to a buffer,
 * bb_journal_sync() writes them and fdatasync()s once for all of them. A
 * torn tail (a crash mid-write) is cut at start by the caller, who knows
 * the record format; compaction replaces the file atomically. */
#ifndef BB_LINUX_JOURNAL_FILE_H
#define BB_LINUX_JOURNAL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct bb_journal {
	int fd;
	char path[1024];
	uint64_t size;    /* bytes on disk */
	struct bb_buf pending;
	uint64_t syncs, bytes;
};

/* Opens (creating) path and reads it whole into *content (caller frees). */
int bb_journal_open(struct bb_journal *j, const char *path,
		    struct bb_buf *content);
/* Cuts the file to len bytes (a torn tail). */
int bb_journal_truncate(struct bb_journal *j, uint64_t len);
void bb_journal_append(struct bb_journal *j, const void *rec, size_t len);
/* Writes what is pending and makes it durable. 0 or BB_EIO; on error the
 * pending records are dropped (their replies must not be sent). */
int bb_journal_sync(struct bb_journal *j);
/* Replaces the journal with data (all live records), durably. */
int bb_journal_rewrite(struct bb_journal *j, const void *data, size_t len);
void bb_journal_close(struct bb_journal *j);

#endif
