/* The artifact cache service. A flight is one upstream fetch of one
 * artifact; the HTTP clients that ask for it meanwhile share its growing
 * file. A failure is remembered for a short while so that the boot scripts
 * can tell a node why, instead of handing it a kernel URL that will fail. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "firmware/serve/cache_store.h"
#include "common/err.h"
#include "firmware/serve/cache_plan.h"
#include "firmware/serve/log.h"
#include "firmware/serve/serve.h"
#include "firmware/serve/serve_cache.h"
#include "firmware/serve/talos_schematic.h"

#define MAX_FLIGHTS   32
#define FAIL_MEMORY_S 60 /* how long a failure is reported to scripts */

struct bb_serve_cache;

struct bb_cache_counters bb_cache_counters;

struct flight {
	struct bb_serve_cache *sc;
	struct bb_cache_key key;
	struct bb_cache_job *job;
	struct bb_growing *g;
	bool waited; /* another process held the .part first */
	uint64_t t0_ms, last_log_ms;
	int last_decile;
};

struct failure {
	struct bb_cache_key key;
	int64_t when;
	char msg[200];
};

struct bb_serve_cache {
	struct bb_serve *s;
	struct bb_cache_store st;
	struct flight *fl[MAX_FLIGHTS];
	struct failure fail[MAX_FLIGHTS];
	size_t nfail;
	struct bb_board_timer *save_timer;
	bool save_armed;
	struct bb_schematic_ask *ask; /* the factory asked for the id */
};

static struct flight *flight_of(struct bb_serve_cache *sc,
				const struct bb_cache_key *k)
{
	size_t i;

	for (i = 0; i < MAX_FLIGHTS; i++)
		if (sc->fl[i] && bb_cache_key_eq(&sc->fl[i]->key, k))
			return sc->fl[i];
	return NULL;
}

static struct failure *failure_of(struct bb_serve_cache *sc,
				  const struct bb_cache_key *k)
{
	size_t i;

	for (i = 0; i < sc->nfail; i++)
		if (bb_cache_key_eq(&sc->fail[i].key, k))
			return &sc->fail[i];
	return NULL;
}

static void remember_failure(struct bb_serve_cache *sc,
			     const struct bb_cache_key *k, const char *msg)
{
	struct failure *f = failure_of(sc, k);

	if (!f) {
		if (sc->nfail < MAX_FLIGHTS)
			f = &sc->fail[sc->nfail++];
		else
			f = &sc->fail[0]; /* bounded: the oldest slot goes */
	}
	f->key = *k;
	f->when = bb_board_wall_now();
	snprintf(f->msg, sizeof(f->msg), "%s", msg);
}

static void flight_end(struct flight *f)
{
	size_t i;

	for (i = 0; i < MAX_FLIGHTS; i++)
		if (f->sc->fl[i] == f)
			f->sc->fl[i] = NULL;
	bb_growing_unref(f->g);
	free(f);
}

static void on_progress(void *arg, uint64_t have, uint64_t total)
{
	struct flight *f = arg;
	uint64_t now = bb_board_now_ms();
	int decile = total ? (int)(have * 10 / total) : 0;
	char part[1024];

	/* the process we waited for may have died (its .part is ours now)
	 * or removed its .part (a failed fetch): readers keep their place
	 * and follow the file the job writes now */
	if (f->waited && (bb_cache_store_part_path(&f->sc->st, &f->key, part,
						   sizeof(part)) ||
			  bb_growing_reopen(f->g, part)))
		bb_warn("cache: %s/%s: cannot follow the fetch taken over",
			f->key.version, f->key.artifact);
	f->waited = false;
	bb_growing_update(f->g, have, total, BB_GROWING_OPEN);
	if (decile != f->last_decile && now - f->last_log_ms >= 1000) {
		f->last_decile = decile;
		f->last_log_ms = now;
		bb_info("cache: %s/%s: %llu of %llu bytes", f->key.version,
			f->key.artifact, (unsigned long long)have,
			(unsigned long long)total);
	}
}

static void evict(struct bb_serve_cache *sc)
{
	size_t n = bb_cache_evict(&sc->st, sc->s->cfg);

	if (n)
		bb_info("cache: %zu unreferenced artifact(s) evicted (over "
			"talos.max_size)",
			n);
}

static void on_done(void *arg, int err, const char *msg)
{
	struct flight *f = arg;
	struct bb_serve_cache *sc = f->sc;
	uint64_t ms = bb_board_now_ms() - f->t0_ms;
	const struct bb_cache_entry *e;

	f->job = NULL;
	if (err) {
		bb_err("cache: %s/%s: %s", f->key.version, f->key.artifact,
		       msg);
		bb_cache_counters.errors++;
		remember_failure(sc, &f->key, msg);
		bb_growing_update(f->g, bb_growing_have(f->g),
				  bb_growing_total(f->g), BB_GROWING_FAILED);
	} else {
		e = bb_cache_index_find(&sc->st.idx, &f->key);
		bb_cache_counters.fetch_bytes += e ? e->length : 0;
		bb_cache_counters.fetches++;
		bb_info("cache: %s/%s cached (%llu bytes in %llu ms)",
			f->key.version, f->key.artifact,
			(unsigned long long)(e ? e->length : 0),
			(unsigned long long)ms);
		bb_growing_update(f->g, e ? e->length : bb_growing_have(f->g),
				  e ? e->length : bb_growing_have(f->g),
				  BB_GROWING_DONE);
	}
	flight_end(f);
	if (!err)
		evict(sc);
}

static void on_waiting(void *arg, const char *msg)
{
	struct flight *f = arg;

	f->waited = true;
	bb_warn("cache: %s/%s: %s", f->key.version, f->key.artifact, msg);
}

static struct flight *flight_start(struct bb_serve_cache *sc,
				   const struct bb_cache_key *k)
{
	struct bb_cache_fetch_opts o;
	struct bb_cache_fetch_cb cb = {on_progress, on_done, NULL, on_waiting};
	struct flight *f;
	char part[1024];
	size_t slot;

	for (slot = 0; slot < MAX_FLIGHTS && sc->fl[slot]; slot++)
		;
	if (slot == MAX_FLIGHTS || !(f = calloc(1, sizeof(*f))))
		return NULL;
	f->sc = sc;
	f->key = *k;
	f->last_decile = -1;
	f->t0_ms = bb_board_now_ms();
	cb.arg = f;
	bb_cache_fetch_opts_from(sc->s->cfg, &o);
	f->job = bb_cache_store_fetch(&sc->st, k, &o, &cb);
	if (!f->job) {
		free(f);
		return NULL;
	}
	/* the job created the .part: readers stream from it */
	bb_cache_store_part_path(&sc->st, k, part, sizeof(part));
	if (!(f->g = bb_growing_open(part))) {
		bb_cache_store_cancel(f->job);
		free(f);
		return NULL;
	}
	sc->fl[slot] = f;
	bb_info("cache: fetching %s/%s from %s", k->version, k->artifact,
		sc->s->cfg->talos.factory);
	return f;
}

static void prefetch(struct bb_serve_cache *sc)
{
	struct bb_cache_key want[BB_CACHE_WANTED_MAX];
	size_t n = bb_cache_wanted(sc->s->cfg, want, BB_CACHE_WANTED_MAX), i;

	for (i = 0; i < n && i < BB_CACHE_WANTED_MAX; i++)
		if (!bb_cache_store_has(&sc->st, &want[i]) &&
		    !flight_of(sc, &want[i]) && !flight_start(sc, &want[i]))
			bb_err("cache: cannot start the prefetch of %s/%s",
			       want[i].version, want[i].artifact);
}

static void on_save(void *arg)
{
	struct bb_serve_cache *sc = arg;

	sc->save_armed = false;
	if (bb_cache_store_save(&sc->st))
		bb_warn("cache: cannot save the index (last-use times)");
}

static void on_schematic(void *arg, int rc, const char *id, const char *msg)
{
	struct bb_serve_cache *sc = arg;

	sc->ask = NULL;
	if (rc || bb_talos_schematic_set(sc->s->cfg, id)) {
		bb_err("cache: talos.customization: %s; Talos artifacts are "
		       "off until the factory answers (restart or reload)",
		       rc ? msg : "out of memory");
		return;
	}
	bb_info("cache: talos.customization is schematic %s", id);
	if (sc->s->cfg->talos.prefetch)
		prefetch(sc);
}

/* talos.customization: the id recorded, else asked of the factory, whose
 * answer (later, on the loop) starts the prefetch. false while asking. A
 * reload forgets an answer still due for the previous configuration. */
static bool resolve_schematic(struct bb_serve_cache *sc)
{
	struct bb_config *cfg = sc->s->cfg;
	char msg[700];

	bb_talos_schematic_cancel(sc->ask);
	sc->ask = NULL;
	if (!cfg->talos.customization)
		return true;
	if (!bb_talos_schematic_known(cfg, msg, sizeof(msg))) {
		bb_info("cache: talos.customization is schematic %s",
			cfg->talos.schematic);
		return true;
	}
	if (bb_talos_schematic_ask(cfg, on_schematic, sc, &sc->ask, msg,
				   sizeof(msg)))
		bb_err("cache: talos.customization: %s; Talos artifacts are "
		       "off until the factory answers (restart or reload)",
		       msg);
	return false;
}

int bb_serve_cache_start(struct bb_serve *s)
{
	struct bb_serve_cache *sc;
	char dir[600], msg[800];

	if (!s->cfg->talos.enabled)
		return 0;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return BB_ENOMEM;
	sc->s = s;
	s->cache = sc;
	sc->save_timer = bb_board_timer_new(on_save, sc);
	if (!sc->save_timer)
		return BB_ENOMEM;
	bb_cache_dir(s->cfg, dir, sizeof(dir));
	if (bb_cache_store_open(&sc->st, dir, msg, sizeof(msg))) {
		bb_err("cache: cannot open %s", dir);
		return BB_EIO;
	}
	if (msg[0])
		bb_warn("cache: %s", msg);
	bb_info("cache: %zu artifact(s) in %s", sc->st.idx.n, dir);

	if (resolve_schematic(sc) && s->cfg->talos.prefetch)
		prefetch(sc);
	return 0;
}

int bb_serve_cache_reload(struct bb_serve *s, const struct bb_config *next)
{
	if (!s->cache) {
		if (next->talos.enabled)
			bb_warn("cache: enabling talos: needs a restart");
		return 0;
	}
	return 0;
}

/* After the reload has switched s->cfg (a new version to prefetch). */
void bb_serve_cache_reloaded(struct bb_serve *s)
{
	if (!s->cache)
		return;
	if (!s->cfg->talos.enabled) {
		bb_talos_schematic_cancel(s->cache->ask);
		s->cache->ask = NULL;
	} else if (resolve_schematic(s->cache) && s->cfg->talos.prefetch) {
		prefetch(s->cache);
	}
}

void bb_serve_cache_stop(struct bb_serve *s)
{
	struct bb_serve_cache *sc = s->cache;
	size_t i;

	if (!sc)
		return;
	bb_talos_schematic_cancel(sc->ask);
	for (i = 0; i < MAX_FLIGHTS; i++) {
		struct flight *f = sc->fl[i];

		if (!f)
			continue;
		bb_cache_store_cancel(f->job);
		bb_growing_update(f->g, bb_growing_have(f->g),
				  bb_growing_total(f->g), BB_GROWING_FAILED);
		flight_end(f);
	}
	bb_board_timer_free(sc->save_timer);
	if (sc->st.idx.n)
		bb_cache_store_save(&sc->st);
	bb_cache_store_close(&sc->st);
	free(sc);
	s->cache = NULL;
}

static int key_of(struct bb_serve *s, const char *path, struct bb_cache_key *k)
{
	struct bb_cache_key primary;
	bool has_primary = !bb_cache_primary(s->cfg, &primary);

	return bb_cache_key_from_path(path, strlen(path),
				      has_primary ? &primary : NULL, k);
}

static bool nonempty_file(const char *path)
{
	struct bb_file *f;
	uint64_t mtime_ns;
	bool yes;

	if (bb_file_open_path(path, &f, &mtime_ns))
		return false;
	yes = bb_file_size(f) > 0;
	bb_file_close(f);
	return yes;
}

/* An artifact the old wget script left in <assets_dir>/talos/ or
 * <matchbox_dir>/assets/talos/ (the short form only: that script knew one
 * image): served as a file until `bootbox cache import` adopts it or the
 * cache has its own copy. Its path goes to f when f is not NULL. */
static bool legacy_file(struct bb_serve *s, const char *path, char *f,
			size_t cap)
{
	const struct bb_cfg_boot *b = &s->cfg->boot;
	const char *rel = path + strlen("/assets/");
	char buf[1024];

	if (strchr(path + strlen("/assets/talos/"), '/'))
		return false;
	if (!f) {
		f = buf;
		cap = sizeof(buf);
	}
	if (b->assets_dir) {
		snprintf(f, cap, "%s/%s", b->assets_dir, rel);
		if (nonempty_file(f))
			return true;
	}
	if (b->matchbox_dir) {
		snprintf(f, cap, "%s/assets/%s", b->matchbox_dir, rel);
		if (nonempty_file(f))
			return true;
	}
	return false;
}

long bb_serve_cache_read(struct bb_serve *s, const char *path, char *buf,
			 size_t cap)
{
	struct bb_cache_key k;
	char f[1024];
	struct bb_file *fh;
	uint64_t mtime_ns;
	long n;

	if (!s->cache || key_of(s, path, &k))
		return -1;
	if (bb_cache_store_has(&s->cache->st, &k))
		bb_cache_store_path(&s->cache->st, &k, f, sizeof(f));
	else if (!legacy_file(s, path, f, sizeof(f)))
		return -1;
	if (bb_file_open_path(f, &fh, &mtime_ns))
		return -1;
	n = bb_file_pread(fh, buf, cap, 0);
	bb_file_close(fh);
	return n;
}

/* A whole artifact goes out as the routes' files do: open, its size and
 * mtime known (the HTTP service then opens nothing itself). */
static void open_whole(struct bb_http_response *resp)
{
	struct bb_file *f;
	uint64_t mtime_ns;

	if (bb_file_open_path(resp->file, &f, &mtime_ns))
		return; /* the service tries the path and answers why */
	resp->fh = f;
	resp->file_size = bb_file_size(f);
	resp->file_mtime_ns = mtime_ns;
}

bool bb_serve_cache_route(struct bb_serve *s, const struct bb_http_request *req,
			  struct bb_http_response *resp)
{
	struct bb_serve_cache *sc = s->cache;
	struct bb_cache_key k;
	struct flight *f;
	int rc;

	/* anything but an artifact name (machine configs, extra files) is
	 * a plain asset, served from assets_dir / matchbox_dir */
	if (!sc || (rc = key_of(s, req->path, &k)))
		return false;
	resp->content_type = "application/octet-stream";
	if (bb_cache_store_has(&sc->st, &k)) {
		bb_cache_store_path(&sc->st, &k, resp->file,
				    sizeof(resp->file));
		open_whole(resp);
		bb_cache_store_touch(&sc->st, &k, bb_board_wall_now());
		bb_cache_counters.hits++;
		if (!sc->save_armed) {
			sc->save_armed = true;
			bb_board_timer_arm(sc->save_timer, 10000);
		}
		resp->status = 200;
		return true;
	}
	bb_cache_counters.misses++;
	f = flight_of(sc, &k);
	if (!f && legacy_file(s, req->path, NULL, 0))
		return false;
	if (!f && !(f = flight_start(sc, &k))) {
		resp->status = 503;
		bb_buf_puts(&resp->body, "cannot fetch this artifact now\n");
		return true;
	}
	resp->status = 200;
	resp->growing = f->g;
	return true;
}

bool bb_serve_cache_ready(struct bb_serve *s, const char *path, char *why,
			  size_t cap)
{
	struct bb_serve_cache *sc = s->cache;
	struct bb_cache_key k;
	struct failure *fail;

	if (!sc || key_of(s, path, &k) || bb_cache_store_has(&sc->st, &k) ||
	    legacy_file(s, path, NULL, 0))
		return true;
	fail = flight_of(sc, &k) ? NULL : failure_of(sc, &k);
	if (fail && bb_board_wall_now() - fail->when < FAIL_MEMORY_S) {
		snprintf(why, cap,
			 "%s/%s is not cached and the Image Factory "
			 "failed: %s",
			 k.version, k.artifact, fail->msg);
		flight_start(sc, &k); /* for the node's next try */
		return false;
	}
	/* start now: the node's kernel request will join this flight and
	 * is streamed the bytes as they arrive */
	if (!flight_of(sc, &k))
		flight_start(sc, &k);
	return true;
}

static cJSON *key_json(const struct bb_cache_key *k)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "schematic", k->schematic);
	cJSON_AddStringToObject(o, "version", k->version);
	cJSON_AddStringToObject(o, "artifact", k->artifact);
	return o;
}

void bb_serve_cache_describe(struct bb_serve *s, cJSON *j)
{
	struct bb_serve_cache *sc = s->cache;
	cJSON *arr, *o;
	size_t i;

	cJSON_AddNumberToObject(j, "bytes",
				(double)bb_cache_index_bytes(&sc->st.idx));
	cJSON_AddNumberToObject(j, "max_bytes",
				(double)s->cfg->talos.max_bytes);
	arr = cJSON_AddArrayToObject(j, "artifacts");
	for (i = 0; i < sc->st.idx.n; i++) {
		const struct bb_cache_entry *e = &sc->st.idx.e[i];

		o = key_json(&e->key);
		cJSON_AddNumberToObject(o, "length", (double)e->length);
		cJSON_AddNumberToObject(o, "fetched", (double)e->fetched);
		cJSON_AddNumberToObject(o, "last_used", (double)e->last_used);
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(j, "fetching");
	for (i = 0; i < MAX_FLIGHTS; i++) {
		const struct flight *f = sc->fl[i];

		if (!f)
			continue;
		o = key_json(&f->key);
		cJSON_AddNumberToObject(o, "have",
					(double)bb_growing_have(f->g));
		cJSON_AddNumberToObject(o, "total",
					(double)bb_growing_total(f->g));
		cJSON_AddNumberToObject(o, "seconds",
					(double)(bb_board_now_ms() - f->t0_ms) /
					    1000.0);
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(j, "errors");
	for (i = 0; i < sc->nfail; i++) {
		o = key_json(&sc->fail[i].key);
		cJSON_AddNumberToObject(o, "time", (double)sc->fail[i].when);
		cJSON_AddStringToObject(o, "message", sc->fail[i].msg);
		cJSON_AddItemToArray(arr, o);
	}
}
