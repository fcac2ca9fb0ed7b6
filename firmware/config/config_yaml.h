/* Table-driven walking of a libyaml document for the config loader: every
 * mapping is checked against a field table (unknown keys, wrong node kinds
 * and missing required keys are errors), scalars are converted with the
 * bounded parsers of services/common, and every error is reported as
 * "file:line:col: key.path: message" without stopping the walk, so one run
 * shows every problem in the file. */
#ifndef BB_CONFIG_YAML_H
#define BB_CONFIG_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <yaml.h>

#include "firmware/config/arena.h"
#include "firmware/config/config.h"

struct bb_cfg_ctx {
	yaml_document_t *doc;
	const char *file;
	FILE *errs;
	int nerr;
	struct bb_arena *arena;
	struct bb_config *cfg;
};

enum bb_cfg_type {
	BB_T_STR,      /* char * */
	BB_T_BOOL,     /* bool */
	BB_T_U32,      /* uint32_t in [min, max] */
	BB_T_U16,      /* uint16_t in [min, max] */
	BB_T_IPV4,     /* uint32_t */
	BB_T_DURATION, /* uint32_t seconds */
	BB_T_SIZE,     /* uint64_t bytes: 500MB, 20GiB, 1048576 */
	BB_T_STRLIST,  /* char ** + size_t count at count_off */
	BB_T_IPLIST,   /* uint32_t[BB_CFG_MAX_SERVERS] + count */
	BB_T_KV,       /* struct bb_kv * + count */
	BB_T_FN,       /* custom: fn(ctx, node, path, obj) */
};

struct bb_cfg_field {
	const char *key;
	enum bb_cfg_type type;
	size_t off;
	size_t count_off;
	uint32_t min, max;
	void (*fn)(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
		   void *obj);
	bool required;
};

/* Field-table helpers: F optional, FR required, FL list with its count,
 * FN custom parser, FD duration in [lo, hi]. */
#define BB_F(struct_, key, type, field)                                        \
	{                                                                      \
		key, type, offsetof(struct_, field), 0, 0, 0, NULL, false      \
	}
#define BB_FR(struct_, key, type, field)                                       \
	{                                                                      \
		key, type, offsetof(struct_, field), 0, 0, 0, NULL, true       \
	}
#define BB_FL(struct_, key, type, field, count)                                \
	{                                                                      \
		key, type, offsetof(struct_, field), offsetof(struct_, count), \
		    0, 0, NULL, false                                          \
	}
#define BB_FN(key, fn, req)                                                    \
	{                                                                      \
		key, BB_T_FN, 0, 0, 0, 0, fn, req                              \
	}
#define BB_FD(struct_, key, field, lo, hi)                                     \
	{                                                                      \
		key, BB_T_DURATION, offsetof(struct_, field), 0, lo, hi, NULL, \
		    false                                                      \
	}

__attribute__((format(printf, 4, 5))) void bb_cfg_error(struct bb_cfg_ctx *c,
							const yaml_node_t *n,
							const char *path,
							const char *fmt, ...);

struct bb_cfg_pos bb_cfg_pos_of(const yaml_node_t *n);

/* Walks mapping n against fields (terminated by a NULL key) into obj. */
void bb_cfg_walk(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
		 const struct bb_cfg_field *fields, void *obj);

/* The value node of key in mapping n, or NULL. */
yaml_node_t *bb_cfg_get(struct bb_cfg_ctx *c, yaml_node_t *n, const char *key);

/* Node kind checks that report an error and return false. */
bool bb_cfg_expect_map(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path);
bool bb_cfg_expect_seq(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path);
/* A scalar's text (NUL-terminated by libyaml) or NULL after an error. */
const char *bb_cfg_scalar(struct bb_cfg_ctx *c, yaml_node_t *n,
			  const char *path, size_t *len);

/* Items of a sequence node: *items set, count returned (0 on error). */
size_t bb_cfg_items(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
		    yaml_node_item_t **items);

/* path + "." + key, or path + "[i]", into buf. */
const char *bb_cfg_path_key(char *buf, size_t cap, const char *path,
			    const char *key);
const char *bb_cfg_path_idx(char *buf, size_t cap, const char *path, size_t i);

#endif
