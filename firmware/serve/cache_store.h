/* The artifact cache on disk: <dir>/talos/<schematic>/<version>/<artifact>,
 * a fetch in progress in "<artifact>.part" (kept across crashes, resumed
 * with Range, locked by the process writing it), and <dir>/index
 * (services/cache text form, replaced atomically). A finished fetch is fsynced,
 * checked against the index (or recorded there the first time) and renamed into
 * place, then the directory is fsynced: a crash leaves either the old state or
 * the new, never a half-written artifact under its final name. */
#ifndef BB_CACHE_STORE_H
#define BB_CACHE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "cache/cache.h"

struct bb_cache_store {
	char dir[512];
	struct bb_cache_index idx;
};

struct bb_cache_fetch_opts {
	const char *factory;   /* "https://factory.talos.dev" */
	const char *ca_bundle; /* NULL: system store only */
	const char *system_ca; /* NULL: the Debian default */
	const char *proxy;     /* NULL: direct */
	uint32_t read_timeout_ms;
	int retries;	    /* on a resumable failure, default 3 */
	uint64_t max_bytes; /* per artifact, 0: 4 GiB */
};

struct bb_cache_fetch_cb {
	void (*progress)(void *arg, uint64_t have, uint64_t total);
	/* err 0 or a negative BB_E*; msg one line */
	void (*done)(void *arg, int err, const char *msg);
	void *arg;
	/* optional, once: another process is fetching the same artifact
	 * (it holds the .part); this fetch waits for it, then finds the
	 * artifact published or resumes what it left */
	void (*waiting)(void *arg, const char *msg);
};

/* Opens (creating) the cache dir and reads the index; a damaged index is
 * reported in msg and the damaged part dropped (files are re-verified on
 * their next fetch). 0 or a negative BB_E*. */
int bb_cache_store_open(struct bb_cache_store *s, const char *dir, char *msg,
			size_t msg_cap);
void bb_cache_store_close(struct bb_cache_store *s);
int bb_cache_store_save(struct bb_cache_store *s);

/* Absolute paths of an artifact and of its partial download. */
int bb_cache_store_path(const struct bb_cache_store *s,
			const struct bb_cache_key *k, char *buf, size_t cap);
int bb_cache_store_part_path(const struct bb_cache_store *s,
			     const struct bb_cache_key *k, char *buf,
			     size_t cap);

/* Cached, in the index, and the file has the recorded length. */
bool bb_cache_store_has(struct bb_cache_store *s, const struct bb_cache_key *k);

/* Marks an artifact used now (LRU); the index is saved lazily by callers. */
void bb_cache_store_touch(struct bb_cache_store *s,
			  const struct bb_cache_key *k, int64_t now);

struct bb_cache_job;
/* Fetches k from upstream into the cache, over the board's download
 * (board/board.h) and its timers. NULL when it cannot start (done is then
 * not called). */
struct bb_cache_job *bb_cache_store_fetch(struct bb_cache_store *s,
					  const struct bb_cache_key *k,
					  const struct bb_cache_fetch_opts *o,
					  const struct bb_cache_fetch_cb *cb);
void bb_cache_store_cancel(struct bb_cache_job *j);

/* Deletes k's file and index entry. */
int bb_cache_store_remove(struct bb_cache_store *s,
			  const struct bb_cache_key *k);

#endif
