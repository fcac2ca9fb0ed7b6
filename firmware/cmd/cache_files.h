/* The cache's blocking file work, for the host commands. */
#ifndef BB_CACHE_FILES_H
#define BB_CACHE_FILES_H

#include "firmware/serve/cache_store.h"

/* Rehashes one cached file: 0 when length and sha256 match the index,
 * BB_ECRYPTO on a mismatch, BB_ENOENT when missing. */
int bb_cache_store_verify(struct bb_cache_store *s,
			  const struct bb_cache_entry *e);
/* Copies the file src into the cache as k (through a .part, synced, then
 * renamed) and records it with origin; the index is saved. 0, or a
 * negative BB_E* with one line in msg. */
int bb_cache_store_import(struct bb_cache_store *s,
			  const struct bb_cache_key *k, const char *src,
			  enum bb_cache_origin origin, char *msg, size_t cap);

#endif
