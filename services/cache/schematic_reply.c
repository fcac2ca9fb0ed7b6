#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "cache/schematic_reply.h"
#include "common/err.h"
#include "common/json_whole.h"

static int decode(const cJSON *root, char id[65], const char **why)
{
	const cJSON *v, *e;
	int n = 0;

	if (!cJSON_IsObject(root)) {
		*why = "not a JSON object";
		return BB_EMALFORMED;
	}
	/* two "id"s would let two readers of the reply disagree */
	cJSON_ArrayForEach(e, root)
	{
		if (e->string && !strcmp(e->string, "id"))
			n++;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "id");
	if (n != 1 || !cJSON_IsString(v)) {
		*why = "no schematic id in the reply";
		return BB_EMALFORMED;
	}
	if (bb_cache_check_schematic(v->valuestring, strlen(v->valuestring))) {
		*why = "the schematic id is not 64 lowercase hex digits";
		return BB_EMALFORMED;
	}
	memcpy(id, v->valuestring, BB_CACHE_SCHEMATIC_LEN);
	id[BB_CACHE_SCHEMATIC_LEN] = 0;
	return 0;
}

int bb_schematic_reply_parse(int status, const char *buf, size_t len,
			     char id[65], const char **why)
{
	cJSON *root;
	int rc;

	id[0] = 0;
	*why = "";
	if (status != 200 && status != 201) {
		*why = "not a 200 or 201 answer";
		return BB_EMALFORMED;
	}
	if (!(root = bb_json_whole(buf, len, BB_SCHEMATIC_REPLY_MAX, &rc, why)))
		return rc;
	rc = decode(root, id, why);
	cJSON_Delete(root);
	return rc;
}
