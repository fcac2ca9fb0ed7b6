/* talos.customization: the Image Factory's schematic body, kept as one
 * canonical JSON text (keys sorted, no spaces) so that the same YAML always
 * names the same schematic, whatever its key order or layout. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "firmware/config/config_sections.h"
#include "firmware/config/config_yaml.h"

#define MAX_KEYS  64
#define MAX_DEPTH 8

static cJSON *to_json(struct bb_cfg_ctx *c, yaml_node_t *n, int depth);

static bool is_int(const char *s, size_t len)
{
	size_t i = len && s[0] == '-';

	if (len == i || len - i > 15)
		return false;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Plain scalars keep YAML's types (the factory's meta keys are numbers);
 * quoted ones are strings. */
static cJSON *scalar(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return cJSON_CreateString(s);
	if (!strcmp(s, "true") || !strcmp(s, "false"))
		return cJSON_CreateBool(s[0] == 't');
	if (is_int(s, len))
		return cJSON_CreateNumber((double)strtoll(s, NULL, 10));
	return cJSON_CreateString(s);
}

struct kv {
	const char *key;
	yaml_node_t *val;
};

static cJSON *mapping(struct bb_cfg_ctx *c, yaml_node_t *n, int depth)
{
	struct kv kv[MAX_KEYS], t;
	yaml_node_pair_t *p;
	size_t cnt = 0, i, j;
	cJSON *o = cJSON_CreateObject();

	for (p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top && cnt < MAX_KEYS; p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);

		if (!k || k->type != YAML_SCALAR_NODE)
			continue;
		kv[cnt].key = (const char *)k->data.scalar.value;
		kv[cnt++].val = yaml_document_get_node(c->doc, p->value);
	}
	for (i = 1; i < cnt; i++)
		for (j = i; j > 0 && strcmp(kv[j - 1].key, kv[j].key) > 0;
		     j--) {
			t = kv[j];
			kv[j] = kv[j - 1];
			kv[j - 1] = t;
		}
	for (i = 0; o && i < cnt; i++)
		cJSON_AddItemToObject(o, kv[i].key,
				      to_json(c, kv[i].val, depth));
	return o;
}

static cJSON *to_json(struct bb_cfg_ctx *c, yaml_node_t *n, int depth)
{
	yaml_node_item_t *it;
	cJSON *a;

	if (!n || depth > MAX_DEPTH)
		return cJSON_CreateNull();
	switch (n->type) {
	case YAML_SCALAR_NODE: return scalar(n);
	case YAML_MAPPING_NODE: return mapping(c, n, depth + 1);
	case YAML_SEQUENCE_NODE:
		a = cJSON_CreateArray();
		for (it = n->data.sequence.items.start;
		     a && it < n->data.sequence.items.top; it++)
			cJSON_AddItemToArray(
			    a, to_json(c, yaml_document_get_node(c->doc, *it),
				       depth + 1));
		return a;
	default: return cJSON_CreateNull();
	}
}

void bb_cfg_talos_customization(struct bb_cfg_ctx *c, yaml_node_t *n,
				const char *path, void *obj)
{
	struct bb_cfg_talos *t = obj;
	static const char *const top[] = {"customization", "overlay"};
	yaml_node_pair_t *p;
	cJSON *j;
	char *txt;

	if (!bb_cfg_expect_map(c, n, path))
		return;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		const char *ks = k && k->type == YAML_SCALAR_NODE
				     ? (const char *)k->data.scalar.value
				     : "";

		if (strcmp(ks, top[0]) && strcmp(ks, top[1]))
			bb_cfg_error(c, k, path,
				     "unknown key '%s' (expected customization "
				     "or overlay, as the Image Factory takes)",
				     ks);
	}
	j = to_json(c, n, 0);
	txt = j ? cJSON_PrintUnformatted(j) : NULL;
	if (txt)
		t->customization = bb_arena_strdup(c->arena, txt);
	free(txt);
	cJSON_Delete(j);
}
