/* The Talos artifact cache, I/O-free: which URL paths name which artifact,
 * where an artifact lives upstream and on disk, the index of what is cached
 * (length + sha256 recorded at first fetch, checked after), and which
 * artifacts to evict when the cache is over its size limit.
 *
 * Local paths (what profiles refer to):
 *   /assets/talos/<schematic>/<version>/<artifact>   a pinned image
 *   /assets/talos/<artifact>                          the configured primary
 * Upstream: <factory>/image/<schematic>/<version>/<artifact>.
 * On disk:  <cache_dir>/talos/<schematic>/<version>/<artifact>.
 * Artifacts are a fixed list (kernel-<arch>, initramfs-<arch>.xz and the
 * factory's kernel command line cmdline-metal-<arch>), schematics
 * exactly 64 lowercase hex, versions vMAJOR.MINOR.PATCH[-suffix]: nothing a
 * client sends can name another file. */
#ifndef BB_CACHE_H
#define BB_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define BB_CACHE_SCHEMATIC_LEN 64
#define BB_CACHE_VERSION_MAX   40
#define BB_CACHE_ARTIFACT_MAX  24

struct bb_cache_key {
	char schematic[BB_CACHE_SCHEMATIC_LEN + 1];
	char version[BB_CACHE_VERSION_MAX + 1];
	char artifact[BB_CACHE_ARTIFACT_MAX + 1];
};

/* Validators: 0 or BB_EMALFORMED. */
int bb_cache_check_schematic(const char *s, size_t len);
int bb_cache_check_version(const char *s, size_t len);
int bb_cache_check_artifact(const char *s, size_t len);
/* The i-th artifact name of the fixed list, NULL past its end. */
const char *bb_cache_artifact_at(size_t i);

/* A local path to a key. primary (may be NULL) resolves the short form.
 * BB_ENOENT: not under /assets/talos/; BB_EMALFORMED: under it but not a
 * valid artifact path. */
int bb_cache_key_from_path(const char *path, size_t len,
			   const struct bb_cache_key *primary,
			   struct bb_cache_key *out);

/* Builders: bytes written (NUL-terminated) or BB_ENOSPC. factory has no
 * trailing slash requirement (one is dropped). */
int bb_cache_url(const char *factory, const struct bb_cache_key *k, char *buf,
		 size_t cap);
int bb_cache_relpath(const struct bb_cache_key *k, char *buf, size_t cap);

bool bb_cache_key_eq(const struct bb_cache_key *a,
		     const struct bb_cache_key *b);

/* Where an entry's bytes came from: the factory, or an operator's files
 * (`bootbox cache import`), checked against the factory's length when it
 * could be asked, else taken as they are. */
enum bb_cache_origin {
	BB_CACHE_FETCHED = 0,
	BB_CACHE_IMPORTED,	  /* unverified */
	BB_CACHE_IMPORT_VERIFIED, /* length matched the factory's */
};

const char *bb_cache_origin_name(enum bb_cache_origin o);

struct bb_cache_entry {
	struct bb_cache_key key;
	enum bb_cache_origin origin;
	uint64_t length;
	uint8_t sha256[32];
	int64_t fetched;   /* wall clock of the first complete fetch */
	int64_t last_used; /* wall clock of the last serve */
};

struct bb_cache_index {
	struct bb_cache_entry *e;
	size_t n, cap;
};

/* Text form, one entry a line:
 *   <schematic> <version> <artifact> <length> <sha256 hex> <fetched> <used>
 *   [imported|verified]   (absent: fetched from the factory)
 * parse: 0, or BB_EMALFORMED with *bad_line (1-based) set; the index is left
 * with the lines before it. */
int bb_cache_index_parse(struct bb_cache_index *idx, const char *buf,
			 size_t len, size_t *bad_line);
int bb_cache_index_format(const struct bb_cache_index *idx, struct bb_buf *out);

struct bb_cache_entry *bb_cache_index_find(struct bb_cache_index *idx,
					   const struct bb_cache_key *k);
/* Adds or replaces; BB_ENOMEM. */
int bb_cache_index_put(struct bb_cache_index *idx,
		       const struct bb_cache_entry *e);
void bb_cache_index_remove(struct bb_cache_index *idx,
			   const struct bb_cache_key *k);
uint64_t bb_cache_index_bytes(const struct bb_cache_index *idx);
void bb_cache_index_free(struct bb_cache_index *idx);

/* Eviction: while the cached bytes exceed max_bytes, the least recently used
 * entry that is_referenced() says no profile needs is chosen, oldest first.
 * Writes up to cap indexes into idx->e to out; returns how many. Referenced
 * artifacts are never chosen, even if that leaves the cache over its limit. */
size_t bb_cache_evict_plan(const struct bb_cache_index *idx, uint64_t max_bytes,
			   bool (*is_referenced)(const struct bb_cache_key *,
						 void *),
			   void *arg, size_t *out, size_t cap);

#endif
