/* The Talos artifact cache in the running appliance: prefetch at start,
 * /assets/talos/... served from the cache, and single flight: however many
 * nodes ask for an artifact that is not cached yet, one upstream fetch runs
 * and every one of them is streamed the bytes as they land. */
#ifndef BB_SERVE_CACHE_H
#define BB_SERVE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http_handler.h"

struct bb_serve;
struct bb_config;

int bb_serve_cache_start(struct bb_serve *s);
int bb_serve_cache_reload(struct bb_serve *s, const struct bb_config *next);
void bb_serve_cache_stop(struct bb_serve *s);
/* After a reload switched the config: prefetch what is new. */
void bb_serve_cache_reloaded(struct bb_serve *s);

/* Answers a request for /assets/talos/...; false when the cache is off
 * or the path is not an artifact path (the caller serves it as a file). */
bool bb_serve_cache_route(struct bb_serve *s, const struct bb_http_request *req,
			  struct bb_http_response *resp);

/* Before an iPXE script names path: true when it can be served (cached,
 * arriving, or a fetch just started for it); false with a one-line reason
 * when it is not cached and upstream failed just now. */
bool bb_serve_cache_ready(struct bb_serve *s, const char *path, char *why,
			  size_t cap);

/* The bytes of a small cached artifact (the factory cmdline): up to cap,
 * their count, or -1 when it is not cached. */
long bb_serve_cache_read(struct bb_serve *s, const char *path, char *buf,
			 size_t cap);

/* Fills j (a cJSON object) with the cached artifacts, the fetches in
 * flight with their progress, and the failures remembered. */
struct cJSON;
void bb_serve_cache_describe(struct bb_serve *s, struct cJSON *j);

/* Counters since start, for /metrics (they survive reloads). */
struct bb_cache_counters {
	uint64_t hits, misses, fetch_bytes, errors, fetches;
};
extern struct bb_cache_counters bb_cache_counters;

#endif
