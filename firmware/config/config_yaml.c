#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "common/parse.h"
#include "firmware/config/config_deps.h"
#include "firmware/config/config_yaml.h"

struct bb_cfg_pos bb_cfg_pos_of(const yaml_node_t *n)
{
	struct bb_cfg_pos p = {1, 1};

	if (n) {
		p.line = (int)n->start_mark.line + 1;
		p.col = (int)n->start_mark.column + 1;
	}
	return p;
}

void bb_cfg_error(struct bb_cfg_ctx *c, const yaml_node_t *n, const char *path,
		  const char *fmt, ...)
{
	struct bb_cfg_pos p = bb_cfg_pos_of(n);
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(c->errs, "%s:%d:%d: %s: %s\n", c->file, p.line, p.col,
		path && path[0] ? path : "(top)", msg);
	c->nerr++;
}

const char *bb_cfg_path_key(char *buf, size_t cap, const char *path,
			    const char *key)
{
	/* a cut path still names the place well enough for a message */
	if (snprintf(buf, cap, "%s%s%s", path, path[0] ? "." : "", key) < 0)
		buf[0] = 0;
	return buf;
}

const char *bb_cfg_path_idx(char *buf, size_t cap, const char *path, size_t i)
{
	if (snprintf(buf, cap, "%s[%zu]", path, i) < 0)
		buf[0] = 0;
	return buf;
}

bool bb_cfg_expect_map(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path)
{
	if (n && n->type == YAML_MAPPING_NODE)
		return true;
	bb_cfg_error(c, n, path, "expected a mapping (key: value lines)");
	return false;
}

bool bb_cfg_expect_seq(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path)
{
	if (n && n->type == YAML_SEQUENCE_NODE)
		return true;
	bb_cfg_error(c, n, path, "expected a list");
	return false;
}

const char *bb_cfg_scalar(struct bb_cfg_ctx *c, yaml_node_t *n,
			  const char *path, size_t *len)
{
	if (!n || n->type != YAML_SCALAR_NODE) {
		bb_cfg_error(c, n, path, "expected a single value");
		return NULL;
	}
	*len = n->data.scalar.length;
	if (memchr(n->data.scalar.value, 0, *len)) {
		bb_cfg_error(c, n, path, "NUL byte in value");
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

size_t bb_cfg_items(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
		    yaml_node_item_t **items)
{
	if (!bb_cfg_expect_seq(c, n, path))
		return 0;
	*items = n->data.sequence.items.start;
	return (size_t)(n->data.sequence.items.top -
			n->data.sequence.items.start);
}

yaml_node_t *bb_cfg_get(struct bb_cfg_ctx *c, yaml_node_t *n, const char *key)
{
	yaml_node_pair_t *p;

	if (!n || n->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, key))
			return yaml_document_get_node(c->doc, p->value);
	}
	return NULL;
}

static int parse_size(const char *s, size_t len, uint64_t *out)
{
	static const struct {
		const char *suffix;
		uint64_t mul;
	} units[] = {
	    {"KiB", 1ull << 10},
	    {"MiB", 1ull << 20},
	    {"GiB", 1ull << 30},
	    {"TiB", 1ull << 40},
	    {"KB", 1000ull},
	    {"MB", 1000000ull},
	    {"GB", 1000000000ull},
	    {"TB", 1000000000000ull},
	    {"B", 1},
	    {"", 1},
	};
	size_t i, d = 0;
	uint32_t v;

	while (d < len && s[d] >= '0' && s[d] <= '9')
		d++;
	if (bb_parse_u32(s, d, 0, 0xffffffffu, &v))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].suffix) == len - d &&
		    !memcmp(units[i].suffix, s + d, len - d)) {
			*out = (uint64_t)v * units[i].mul;
			return 0;
		}
	return -1;
}

static void scalar_field(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
			 const struct bb_cfg_field *f, char *obj)
{
	size_t len;
	const char *s = bb_cfg_scalar(c, n, path, &len);
	uint32_t v;

	if (!s)
		return;
	switch (f->type) {
	case BB_T_STR:
		*(char **)(obj + f->off) = bb_arena_strndup(c->arena, s, len);
		return;
	case BB_T_BOOL:
		if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))
			*(bool *)(obj + f->off) = true;
		else if (!strcmp(s, "false") || !strcmp(s, "no") ||
			 !strcmp(s, "off"))
			*(bool *)(obj + f->off) = false;
		else
			bb_cfg_error(c, n, path, "expected true or false");
		return;
	case BB_T_U32:
	case BB_T_U16:
		if (bb_parse_u32(s, len, f->min, f->max, &v)) {
			bb_cfg_error(c, n, path,
				     "expected a whole number from %u to %u",
				     f->min, f->max);
			return;
		}
		if (f->type == BB_T_U16)
			*(uint16_t *)(obj + f->off) = (uint16_t)v;
		else
			*(uint32_t *)(obj + f->off) = v;
		return;
	case BB_T_IPV4:
		if (bb_parse_ipv4(s, len, (uint32_t *)(obj + f->off)))
			bb_cfg_error(c, n, path, "'%s' is not an IPv4 address",
				     s);
		return;
	case BB_T_DURATION:
		if (bb_parse_duration(s, len, &v))
			bb_cfg_error(c, n, path,
				     "'%s' is not a duration (like 90s, 30m, "
				     "1h, 2d, 1h30m or seconds)",
				     s);
		else if (v < f->min || (f->max && v > f->max))
			bb_cfg_error(c, n, path,
				     "duration out of range (%u to %u s)",
				     f->min, f->max);
		else
			*(uint32_t *)(obj + f->off) = v;
		return;
	case BB_T_SIZE:
		if (parse_size(s, len, (uint64_t *)(obj + f->off)))
			bb_cfg_error(c, n, path,
				     "'%s' is not a size (like 500MB, 20GiB)",
				     s);
		return;
	default: return;
	}
}

static void list_field(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
		       const struct bb_cfg_field *f, char *obj)
{
	yaml_node_item_t *it;
	size_t cnt, i, *count = (size_t *)(obj + f->count_off);
	char ipath[256];
	char **strs = NULL;

	/* a single value where a list is expected is taken as a list of one */
	if (n->type == YAML_SCALAR_NODE) {
		it = NULL;
		cnt = 1;
	} else {
		cnt = bb_cfg_items(c, n, path, &it);
	}
	if (f->type == BB_T_IPLIST && cnt > BB_CFG_MAX_SERVERS) {
		bb_cfg_error(c, n, path, "at most %d addresses",
			     BB_CFG_MAX_SERVERS);
		return;
	}
	if (f->type == BB_T_STRLIST) {
		strs = bb_arena_alloc(c->arena, (cnt + 1) * sizeof(*strs));
		*(char ***)(obj + f->off) = strs;
	}
	for (i = 0; i < cnt; i++) {
		yaml_node_t *e = it ? yaml_document_get_node(c->doc, it[i]) : n;
		const char *s;
		size_t len;

		bb_cfg_path_idx(ipath, sizeof(ipath), path, i);
		s = bb_cfg_scalar(c, e, ipath, &len);
		if (!s)
			continue;
		if (f->type == BB_T_STRLIST) {
			strs[(*count)++] = bb_arena_strndup(c->arena, s, len);
		} else if (bb_parse_ipv4(s, len,
					 (uint32_t *)(obj + f->off) + *count)) {
			bb_cfg_error(c, e, ipath, "'%s' is not an IPv4 address",
				     s);
		} else {
			(*count)++;
		}
	}
}

static void kv_field(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
		     const struct bb_cfg_field *f, char *obj)
{
	size_t *count = (size_t *)(obj + f->count_off), cnt;
	yaml_node_pair_t *p;
	struct bb_kv *kv;
	char kpath[256];

	if (!bb_cfg_expect_map(c, n, path))
		return;
	cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	kv = bb_arena_alloc(c->arena, (cnt + 1) * sizeof(*kv));
	*(struct bb_kv **)(obj + f->off) = kv;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		const char *ks, *vs;
		size_t kl, vl;

		ks = bb_cfg_scalar(c, k, path, &kl);
		if (!ks)
			continue;
		bb_cfg_path_key(kpath, sizeof(kpath), path, ks);
		vs = bb_cfg_scalar(c, v, kpath, &vl);
		if (!vs)
			continue;
		kv[*count].key = bb_arena_strndup(c->arena, ks, kl);
		kv[*count].val = bb_arena_strndup(c->arena, vs, vl);
		(*count)++;
	}
}

void bb_cfg_walk(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
		 const struct bb_cfg_field *fields, void *obj)
{
	const struct bb_cfg_field *f;
	yaml_node_pair_t *p, *q;
	char kpath[256];

	if (!bb_cfg_expect_map(c, n, path))
		return;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		const char *key;
		size_t klen;

		key = bb_cfg_scalar(c, k, path, &klen);
		if (!key)
			continue;
		bb_cfg_path_key(kpath, sizeof(kpath), path, key);
		for (q = n->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 =
			    yaml_document_get_node(c->doc, q->key);

			if (k2->type == YAML_SCALAR_NODE &&
			    !strcmp((char *)k2->data.scalar.value, key)) {
				bb_cfg_error(c, k, kpath, "duplicate key");
				break;
			}
		}
		if (q < p)
			continue;
		for (f = fields; f->key && strcmp(f->key, key); f++)
			;
		if (!f->key) {
			char dym[80];

			bb_cfg_error(c, k, kpath, "unknown key '%s'%s", key,
				     bb_cfg_did_you_mean(
					 dym, sizeof(dym), key, &fields[0].key,
					 sizeof(fields[0]), SIZE_MAX));
			continue;
		}
		if (f->type == BB_T_FN)
			f->fn(c, v, kpath, obj);
		else if (f->type == BB_T_STRLIST || f->type == BB_T_IPLIST)
			list_field(c, v, kpath, f, obj);
		else if (f->type == BB_T_KV)
			kv_field(c, v, kpath, f, obj);
		else
			scalar_field(c, v, kpath, f, obj);
	}
	for (f = fields; f->key; f++)
		if (f->required && !bb_cfg_get(c, n, f->key))
			bb_cfg_error(c, n, path, "missing required key '%s'",
				     f->key);
}
