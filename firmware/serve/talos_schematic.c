#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "board/board.h"
#include "cache/cache.h"
#include "cache/schematic_reply.h"
#include "common/err.h"
#include "firmware/config/arena.h"
#include "firmware/serve/cache_plan.h"
#include "firmware/serve/talos_schematic.h"

#define SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"

struct bb_schematic_ask {
	struct bb_board_fetch *f;
	char url[600], path[800];
	bb_schematic_fn fn;
	void *arg;
};

static void record_path(const struct bb_config *cfg, char *buf, size_t cap)
{
	const char *body = cfg->talos.customization;
	uint8_t sum[32];
	char dir[600];
	size_t i, n;

	mbedtls_sha256_ret((const unsigned char *)body, strlen(body), sum, 0);
	bb_cache_dir(cfg, dir, sizeof(dir));
	n = (size_t)snprintf(buf, cap, "%s/schematics/", dir);
	for (i = 0; i < 32 && n + 3 <= cap; i++, n += 2)
		snprintf(buf + n, 3, "%02x", sum[i]);
}

int bb_talos_schematic_set(struct bb_config *cfg, const char *id)
{
	cfg->talos.schematic = bb_arena_strdup(cfg->arena, id);
	return cfg->talos.schematic ? 0 : BB_ENOMEM;
}

int bb_talos_schematic_known(struct bb_config *cfg, char *msg, size_t cap)
{
	char path[800], id[65];
	struct bb_buf b = {0};

	msg[0] = 0;
	if (!cfg->talos.enabled || !cfg->talos.customization)
		return 0;
	record_path(cfg, path, sizeof(path));
	if (bb_read_file(path, &b, 128) || b.len < 64 ||
	    bb_cache_check_schematic(b.p, 64)) {
		bb_buf_free(&b);
		snprintf(msg, cap,
			 "the schematic id of talos.customization is not "
			 "known yet (asked at the first serve or cache "
			 "fetch)");
		return BB_ENOENT;
	}
	memcpy(id, b.p, 64);
	id[64] = 0;
	bb_buf_free(&b);
	return bb_talos_schematic_set(cfg, id);
}

static void answered(void *arg, const struct bb_board_fetch_result *r)
{
	struct bb_schematic_ask *a = arg;
	char msg[900], id[66];
	const char *why;
	int rc = 0;

	a->f = NULL;
	msg[0] = 0;
	if (r->err) {
		snprintf(msg, sizeof(msg), "%s: %s", a->url, r->msg);
		rc = r->err;
	} else if ((rc = bb_schematic_reply_parse(
			r->status, (const char *)r->body, r->len, id, &why))) {
		snprintf(msg, sizeof(msg),
			 "%s: HTTP %d, no schematic id in the reply (%s)",
			 a->url, r->status, why);
	} else {
		id[64] = '\n';
		if (bb_mkdirs_parent(a->path, 0755) ||
		    bb_write_file_atomic(a->path, id, 65, 0644)) {
			snprintf(msg, sizeof(msg),
				 "%s: cannot record the schematic id", a->path);
			rc = BB_EIO;
		}
		id[64] = 0;
	}
	a->fn(a->arg, rc, rc ? NULL : id, msg);
	free(a);
}

int bb_talos_schematic_ask(const struct bb_config *cfg, bb_schematic_fn fn,
			   void *arg, struct bb_schematic_ask **out, char *msg,
			   size_t cap)
{
	struct bb_schematic_ask *a = calloc(1, sizeof(*a));
	struct bb_board_fetch_req q = {0};
	const char *fac = cfg->talos.factory;

	*out = NULL;
	if (!a) {
		snprintf(msg, cap, "out of memory");
		return BB_ENOMEM;
	}
	snprintf(a->url, sizeof(a->url), "%s%sschematics", fac,
		 fac[strlen(fac) - 1] == '/' ? "" : "/");
	record_path(cfg, a->path, sizeof(a->path));
	a->fn = fn;
	a->arg = arg;
	q.method = "POST";
	q.url = a->url;
	/* talos.ca_bundle is trusted besides the system store */
	q.ca_path = SYSTEM_CA;
	q.extra_ca = cfg->talos.ca_bundle;
	q.body = cfg->talos.customization;
	q.body_len = strlen(cfg->talos.customization);
	if (bb_board_fetch_start(&q, answered, a, &a->f)) {
		snprintf(msg, cap, "%s: %s", a->url, bb_board_errmsg());
		free(a);
		return BB_EIO;
	}
	*out = a;
	return 0;
}

void bb_talos_schematic_cancel(struct bb_schematic_ask *a)
{
	if (!a)
		return;
	bb_board_fetch_cancel(a->f);
	free(a);
}
