#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "board/board.h"
#include "board/linux/http_client.h"
#include "board/linux/sha256.h"
#include "cache/cache.h"
#include "common/err.h"
#include "firmware/config/arena.h"
#include "firmware/serve/cache_plan.h"
#include "firmware/serve/talos_schematic.h"

#define SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"

static void record_path(const struct bb_config *cfg, char *buf, size_t cap)
{
	const char *body = cfg->talos.customization;
	struct bb_sha256 sha;
	uint8_t sum[32];
	char dir[600];
	size_t i, n;

	bb_sha256_init(&sha);
	bb_sha256_update(&sha, body, strlen(body));
	bb_sha256_final(&sha, sum);
	bb_sha256_free(&sha);
	bb_cache_dir(cfg, dir, sizeof(dir));
	n = (size_t)snprintf(buf, cap, "%s/schematics/", dir);
	for (i = 0; i < 32 && n + 3 <= cap; i++, n += 2)
		snprintf(buf + n, 3, "%02x", sum[i]);
}

static int ask_factory(const struct bb_config *cfg, char id[65], char *msg,
		       size_t cap)
{
	struct bb_http_req r = {0};
	struct bb_http_resp resp;
	char url[600];
	const cJSON *v;
	cJSON *j;
	int rc;

	snprintf(url, sizeof(url), "%s%sschematics", cfg->talos.factory,
		 cfg->talos.factory[strlen(cfg->talos.factory) - 1] == '/'
		     ? ""
		     : "/");
	r.url = url;
	/* talos.ca_bundle is trusted besides the system store */
	r.ca_bundle = SYSTEM_CA;
	r.extra_bundle = cfg->talos.ca_bundle;
	r.body = cfg->talos.customization;
	r.len = strlen(r.body);
	if ((rc = bb_http_post(&r, &resp, msg, cap)))
		return rc;
	j = cJSON_ParseWithLength(resp.body.p ? resp.body.p : "",
				  resp.body.len);
	v = cJSON_GetObjectItem(j, "id");
	rc = (resp.status == 200 || resp.status == 201) && cJSON_IsString(v) &&
		     !bb_cache_check_schematic(v->valuestring,
					       strlen(v->valuestring))
		 ? 0
		 : BB_EMALFORMED;
	if (rc)
		snprintf(msg, cap, "%s: HTTP %d, no schematic id in the reply",
			 url, resp.status);
	else
		memcpy(id, v->valuestring, 65);
	cJSON_Delete(j);
	bb_buf_free(&resp.body);
	return rc;
}

int bb_talos_schematic(struct bb_config *cfg, bool online, char *msg,
		       size_t cap)
{
	char path[800], id[65];
	struct bb_buf b = {0};
	int rc;

	msg[0] = 0;
	if (!cfg->talos.enabled || !cfg->talos.customization)
		return 0;
	record_path(cfg, path, sizeof(path));
	if (!bb_read_file(path, &b, 128) && b.len >= 64 &&
	    !bb_cache_check_schematic(b.p, 64)) {
		memcpy(id, b.p, 64);
		id[64] = 0;
		bb_buf_free(&b);
	} else {
		bb_buf_free(&b);
		if (!online) {
			snprintf(msg, cap,
				 "the schematic id of "
				 "talos.customization is not known "
				 "yet (asked at the first serve or "
				 "cache fetch)");
			return BB_ENOENT;
		}
		if ((rc = ask_factory(cfg, id, msg, cap)))
			return rc;
		id[64] = '\n';
		if (bb_mkdirs_parent(path, 0755) ||
		    bb_write_file_atomic(path, id, 65, 0644)) {
			snprintf(msg, cap, "%s: cannot record the schematic id",
				 path);
			return BB_EIO;
		}
		id[64] = 0;
	}
	cfg->talos.schematic = bb_arena_strdup(cfg->arena, id);
	return 0;
}
