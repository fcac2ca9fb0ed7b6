#include <stdio.h>
#include <string.h>

#include "firmware/config/config_deps.h"

static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[65], prev, tmp;

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			tmp = row[j];
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

const char *bb_cfg_suggest(const char *key, const void *cands, size_t stride,
			   size_t count)
{
	const char *best = NULL, *const * p;
	size_t bd = 3, d, n = strlen(key), i;

	for (p = cands, i = 0; i < count && *p;
	     p = (const char *const *)((const char *)p + stride), i++) {
		d = distance(key, *p);
		if (d < bd && d * 2 < n) {
			bd = d;
			best = *p;
		}
	}
	return best;
}

const char *bb_cfg_did_you_mean(char *buf, size_t cap, const char *key,
				const void *cands, size_t stride, size_t count)
{
	const char *s = bb_cfg_suggest(key, cands, stride, count);

	if (s)
		snprintf(buf, cap, " (did you mean '%s'?)", s);
	else if (cap)
		buf[0] = 0;
	return buf;
}

void bb_cfg_cross_check(struct bb_cfg_ctx *c, yaml_node_t *root)
{
	const struct bb_config *cfg = c->cfg;

	if (cfg->boot.enabled && !cfg->http.enabled)
		bb_cfg_error(c, bb_cfg_get(c, root, "boot"), "boot",
			     "needs an http: section (boot scripts and "
			     "assets are served over HTTP)");
	if (cfg->http.tls_enabled && !cfg->pki.enabled)
		bb_cfg_error(c, bb_cfg_get(c, root, "http"), "http.tls_listen",
			     "needs a pki: section (the certificate it "
			     "serves)");
}
