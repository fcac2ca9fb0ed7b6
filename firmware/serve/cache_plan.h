/* Which Talos artifacts the configuration wants cached: for the configured
 * schematic/version (the primary, also what /assets/talos/<artifact>
 * means) and every version a machine or group pins, every configured arch,
 * kernel, initramfs and the factory's kernel command line. */
#ifndef BB_CACHE_PLAN_H
#define BB_CACHE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "cache/cache.h"
#include "firmware/config/config.h"

/* The primary image (artifact empty); -1 when talos is off or invalid. */
int bb_cache_primary(const struct bb_config *cfg, struct bb_cache_key *out);

#define BB_CACHE_WANTED_MAX 96 /* 16 versions x 2 arches x 3 artifacts */

/* For talos.version and every pinned talos_version, every arch: kernel,
 * initramfs and cmdline. Writes up to cap keys; returns how many are
 * wanted. */
size_t bb_cache_wanted(const struct bb_config *cfg, struct bb_cache_key *out,
		       size_t cap);

/* True when a configured image or a profile still refers to k (never
 * evicted). */
bool bb_cache_referenced(const struct bb_config *cfg,
			 const struct bb_cache_key *k);

struct bb_cache_store;
struct bb_cache_fetch_opts;
/* Upstream options from talos: (factory, CA bundle, proxy, size cap). */
void bb_cache_fetch_opts_from(const struct bb_config *cfg,
			      struct bb_cache_fetch_opts *o);
/* Past talos.max_size, removes least recently used artifacts that nothing
 * refers to; returns how many went. */
size_t bb_cache_evict(struct bb_cache_store *st, const struct bb_config *cfg);

/* <state_dir>/cache */
void bb_cache_dir(const struct bb_config *cfg, char *buf, size_t cap);

#endif
