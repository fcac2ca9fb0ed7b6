/* matchbox's JSON files (profiles/ and groups/), read as matchbox reads
 * them: unknown fields are ignored, wrong types are errors. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "common/err.h"

static const char *str_field(const cJSON *o, const char *k, char *err,
			     size_t cap, bool *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!v)
		return NULL;
	if (!cJSON_IsString(v)) {
		snprintf(err, cap, "\"%s\" is not a string", k);
		*bad = true;
		return NULL;
	}
	return v->valuestring;
}

static char **str_array(const cJSON *o, const char *k, size_t *n, char *err,
			size_t cap, bool *bad)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, k), *e;
	char **v;
	size_t i = 0;

	*n = 0;
	if (!a)
		return NULL;
	if (!cJSON_IsArray(a)) {
		snprintf(err, cap, "\"%s\" is not a list", k);
		*bad = true;
		return NULL;
	}
	v = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*v));
	if (!v) {
		*bad = true;
		return NULL;
	}
	cJSON_ArrayForEach(e, a)
	{
		if (!cJSON_IsString(e)) {
			snprintf(err, cap, "\"%s\" holds a non-string", k);
			*bad = true;
			break;
		}
		v[i++] = e->valuestring;
	}
	*n = i;
	return v;
}

int bb_boot_load_profile_json(struct bb_boot *b, const char *buf, size_t len,
			      char *err, size_t cap)
{
	cJSON *j = cJSON_ParseWithLength(buf, len), *boot;
	struct bb_boot_profile p = {0};
	bool bad = false;
	int rc;

	if (!cJSON_IsObject(j)) {
		snprintf(err, cap, "not a JSON object");
		cJSON_Delete(j);
		return BB_EMALFORMED;
	}
	p.id = (char *)str_field(j, "id", err, cap, &bad);
	p.name = (char *)str_field(j, "name", err, cap, &bad);
	p.generic_id = (char *)str_field(j, "generic_id", err, cap, &bad);
	boot = cJSON_GetObjectItemCaseSensitive(j, "boot");
	if (boot && !cJSON_IsObject(boot)) {
		snprintf(err, cap, "\"boot\" is not an object");
		bad = true;
	} else if (boot) {
		p.kernel = (char *)str_field(boot, "kernel", err, cap, &bad);
		p.initrd =
		    str_array(boot, "initrd", &p.ninitrd, err, cap, &bad);
		p.args = str_array(boot, "args", &p.nargs, err, cap, &bad);
	}
	if (!bad && !p.id) {
		snprintf(err, cap, "no \"id\"");
		bad = true;
	}
	rc = bad ? BB_EMALFORMED : bb_boot_add_profile(b, &p);
	if (rc == BB_EEXIST)
		snprintf(err, cap, "duplicate profile id \"%s\"", p.id);
	free(p.initrd);
	free(p.args);
	cJSON_Delete(j);
	return rc;
}

static int kv_object(const cJSON *o, const char *k, struct bb_boot_params *p,
		     char *err, size_t cap)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, k), *e;

	if (!m)
		return 0;
	if (!cJSON_IsObject(m)) {
		snprintf(err, cap, "\"%s\" is not an object", k);
		return BB_EMALFORMED;
	}
	cJSON_ArrayForEach(e, m)
	{
		char num[32];

		if (cJSON_IsString(e)) {
			bb_boot_param_set(p, e->string, e->valuestring);
		} else if (cJSON_IsNumber(e)) {
			snprintf(num, sizeof(num), "%g", e->valuedouble);
			bb_boot_param_set(p, e->string, num);
		} else if (cJSON_IsBool(e)) {
			bb_boot_param_set(p, e->string,
					  cJSON_IsTrue(e) ? "true" : "false");
		} else if (!strcmp(k, "selector")) {
			snprintf(err, cap, "selector \"%s\" is not a string",
				 e->string);
			return BB_EMALFORMED;
		}
	}
	return 0;
}

int bb_boot_load_group_json(struct bb_boot *b, const char *buf, size_t len,
			    char *err, size_t cap)
{
	cJSON *j = cJSON_ParseWithLength(buf, len);
	struct bb_boot_group g = {0};
	bool bad = false;
	int rc;

	if (!cJSON_IsObject(j)) {
		snprintf(err, cap, "not a JSON object");
		cJSON_Delete(j);
		return BB_EMALFORMED;
	}
	g.id = (char *)str_field(j, "id", err, cap, &bad);
	g.name = (char *)str_field(j, "name", err, cap, &bad);
	g.profile = (char *)str_field(j, "profile", err, cap, &bad);
	if (!bad && (!g.id || !g.profile)) {
		snprintf(err, cap, "no \"id\" or \"profile\"");
		bad = true;
	}
	if (!bad && (kv_object(j, "selector", &g.selector, err, cap) ||
		     kv_object(j, "metadata", &g.metadata, err, cap)))
		bad = true;
	rc = bad ? BB_EMALFORMED : bb_boot_add_group(b, &g);
	if (rc == BB_EEXIST)
		snprintf(err, cap, "duplicate group id \"%s\"", g.id);
	cJSON_Delete(j);
	return rc;
}
