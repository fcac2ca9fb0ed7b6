/* Checks of the config that span sections (boot: needs http:, ...), and
 * the "did you mean" for unknown keys. */
#ifndef BB_CONFIG_DEPS_H
#define BB_CONFIG_DEPS_H

#include <stddef.h>
#include <yaml.h>

#include "firmware/config/config_yaml.h"

/* After every section was parsed: sections that need each other. */
void bb_cfg_cross_check(struct bb_cfg_ctx *c, yaml_node_t *root);

/* The candidate closest to key (at most 2 edits, and fewer than half of
 * its letters), or NULL. cands is read with stride bytes between
 * entries, so a field table can be passed as it is; count entries at
 * most, fewer when a NULL one ends it (SIZE_MAX: until it). */
const char *bb_cfg_suggest(const char *key, const void *cands, size_t stride,
			   size_t count);

/* " (did you mean 'x'?)" or "" into buf. */
const char *bb_cfg_did_you_mean(char *buf, size_t cap, const char *key,
				const void *cands, size_t stride, size_t count);

#endif
