#include <stdio.h>
#include <string.h>

#include "firmware/serve/cache_store.h"
#include "firmware/serve/cache_plan.h"

int bb_cache_primary(const struct bb_config *cfg, struct bb_cache_key *out)
{
	const struct bb_cfg_talos *t = &cfg->talos;

	memset(out, 0, sizeof(*out));
	if (!t->enabled || !t->schematic || !t->version ||
	    strlen(t->schematic) >= sizeof(out->schematic) ||
	    strlen(t->version) >= sizeof(out->version))
		return -1;
	strcpy(out->schematic, t->schematic);
	strcpy(out->version, t->version);
	return 0;
}

/* talos.version and every version a machine or a group pins. */
static size_t versions(const struct bb_config *cfg, const char **v, size_t cap)
{
	size_t n = 0, i, j;
	const char *c;

	v[n++] = cfg->talos.version;
	for (i = 0; i < cfg->nmachines + cfg->boot.ngroups; i++) {
		c = i < cfg->nmachines
			? cfg->machines[i].talos_version
			: cfg->boot.groups[i - cfg->nmachines].talos_version;
		for (j = 0; c && j < n && strcmp(v[j], c); j++)
			;
		if (c && j == n && n < cap)
			v[n++] = c;
	}
	return n;
}

size_t bb_cache_wanted(const struct bb_config *cfg, struct bb_cache_key *out,
		       size_t cap)
{
	static const char *const kinds[][2] = {
	    {"kernel-", ""}, {"initramfs-", ".xz"}, {"cmdline-metal-", ""}};
	struct bb_cache_key p;
	const char *ver[16];
	size_t n = 0, a, k, v, nv;

	if (bb_cache_primary(cfg, &p))
		return 0;
	nv = versions(cfg, ver, 16);
	for (v = 0; v < nv; v++)
		for (a = 0; a < cfg->talos.narches; a++)
			for (k = 0; k < 3; k++) {
				if (n < cap) {
					out[n] = p;
					snprintf(out[n].version,
						 sizeof(out[n].version), "%s",
						 ver[v]);
					snprintf(out[n].artifact,
						 sizeof(out[n].artifact),
						 "%s%s%s", kinds[k][0],
						 cfg->talos.arches[a],
						 kinds[k][1]);
				}
				n++;
			}
	return n;
}

static bool path_names(const char *path, const struct bb_cache_key *primary,
		       const struct bb_cache_key *k)
{
	struct bb_cache_key pk;
	char arch[BB_CACHE_ARTIFACT_MAX + 1];

	if (!path || bb_cache_key_from_path(path, strlen(path), primary, &pk))
		return false;
	if (bb_cache_key_eq(&pk, k))
		return true;
	/* a Talos kernel brings its factory cmdline along */
	if (strncmp(pk.artifact, "kernel-", 7))
		return false;
	snprintf(arch, sizeof(arch), "%s", pk.artifact + 7);
	snprintf(pk.artifact, sizeof(pk.artifact), "cmdline-metal-%.5s", arch);
	return bb_cache_key_eq(&pk, k);
}

bool bb_cache_referenced(const struct bb_config *cfg,
			 const struct bb_cache_key *k)
{
	struct bb_cache_key want[BB_CACHE_WANTED_MAX], primary;
	size_t n = bb_cache_wanted(cfg, want, BB_CACHE_WANTED_MAX), i, j;
	const struct bb_cfg_boot *b = &cfg->boot;

	for (i = 0; i < n && i < BB_CACHE_WANTED_MAX; i++)
		if (bb_cache_key_eq(&want[i], k))
			return true;
	if (bb_cache_primary(cfg, &primary))
		return false;
	for (i = 0; i < b->nprofiles; i++) {
		if (path_names(b->profiles[i].kernel, &primary, k))
			return true;
		for (j = 0; j < b->profiles[i].ninitrd; j++)
			if (path_names(b->profiles[i].initrd[j], &primary, k))
				return true;
	}
	return false;
}

void bb_cache_dir(const struct bb_config *cfg, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/cache",
		 cfg->appliance.state_dir ? cfg->appliance.state_dir
					  : "/var/lib/bootbox");
}

void bb_cache_fetch_opts_from(const struct bb_config *cfg,
			      struct bb_cache_fetch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->factory = cfg->talos.factory;
	o->ca_bundle = cfg->talos.ca_bundle;
	o->proxy = cfg->talos.proxy;
	/* one artifact larger than the whole cache cannot be kept */
	o->max_bytes = cfg->talos.max_bytes;
}

static bool referenced(const struct bb_cache_key *k, void *arg)
{
	return bb_cache_referenced(arg, k);
}

size_t bb_cache_evict(struct bb_cache_store *st, const struct bb_config *cfg)
{
	size_t idx[64], n, i, gone = 0;
	struct bb_cache_key keys[64];

	if (!cfg->talos.max_bytes)
		return 0;
	n = bb_cache_evict_plan(&st->idx, cfg->talos.max_bytes, referenced,
				(void *)cfg, idx, 64);
	/* indexes shift as entries go: copy the keys first */
	for (i = 0; i < n; i++)
		keys[i] = st->idx.e[idx[i]].key;
	for (i = 0; i < n; i++)
		gone += bb_cache_store_remove(st, &keys[i]) == 0;
	return gone;
}
