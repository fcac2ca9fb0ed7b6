#include <stdlib.h>
#include <string.h>

#include "boot/boot_index.h"
#include "common/err.h"
#include "common/parse.h"

static uint32_t mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	return h ^ (h >> 16);
}

static uint32_t fnv(uint32_t h, const char *s)
{
	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* A MAC in any notation hashes as its canonical form: selectors and
 * queries write it in different ways. */
static uint32_t pair_hash(const char *key, const char *val)
{
	uint8_t mac[6];
	char canon[18];
	uint32_t h = fnv(2166136261u, key);

	h = (h ^ '=') * 16777619u;
	if (!strcmp(key, "mac") && !bb_parse_mac(val, strlen(val), mac))
		val = bb_fmt_mac(mac, canon);
	return mix(fnv(h, val)) | 1;
}

static uint32_t mac_hash(const uint8_t mac[6])
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	return mix(h);
}

static int grow(uint32_t **map, size_t *cap, size_t n)
{
	free(*map);
	*cap = *cap ? *cap * 2 : 64;
	while (*cap < 2 * (n + 1))
		*cap *= 2;
	*map = calloc(*cap, sizeof(**map));
	return *map ? 0 : BB_ENOMEM;
}

static void mac_insert(struct bb_boot *b, size_t i)
{
	size_t mask = b->by_mac_cap - 1, k;

	for (k = mac_hash(b->machines[i].mac) & mask; b->by_mac[k];
	     k = (k + 1) & mask)
		;
	b->by_mac[k] = (uint32_t)i + 1;
}

int bb_boot_index_machine(struct bb_boot *b, size_t i)
{
	size_t j;

	if (2 * (i + 1) >= b->by_mac_cap) {
		if (grow(&b->by_mac, &b->by_mac_cap, b->nmachines))
			return BB_ENOMEM;
		for (j = 0; j < b->nmachines; j++)
			if (j != i)
				mac_insert(b, j);
	}
	mac_insert(b, i);
	return 0;
}

struct bb_boot_machine *bb_boot_index_mac(const struct bb_boot *b,
					  const uint8_t mac[6])
{
	size_t mask = b->by_mac_cap - 1, k;

	if (!b->by_mac_cap)
		return NULL;
	for (k = mac_hash(mac) & mask; b->by_mac[k]; k = (k + 1) & mask) {
		struct bb_boot_machine *m = &b->machines[b->by_mac[k] - 1];

		if (!memcmp(m->mac, mac, 6))
			return m;
	}
	return NULL;
}

/* A group is filed under its first selector pair; one without a
 * selector under hash 0 (always looked at). */
static uint32_t group_key(const struct bb_boot_group *g)
{
	return g->selector.n
		   ? pair_hash(g->selector.kv[0].key, g->selector.kv[0].val)
		   : 0;
}

static void group_insert(struct bb_boot *b, size_t i)
{
	size_t mask = b->by_pair_cap - 1, k;
	uint32_t h = group_key(&b->groups[i]);

	for (k = h & mask; b->by_pair[k]; k = (k + 1) & mask)
		;
	b->by_pair[k] = (uint32_t)i + 1;
	b->pair_key[i] = h;
}

int bb_boot_index_group(struct bb_boot *b, size_t i)
{
	size_t j;

	if (2 * (i + 1) >= b->by_pair_cap) {
		uint32_t *keys;

		if (grow(&b->by_pair, &b->by_pair_cap, b->ngroups))
			return BB_ENOMEM;
		/* the map is at least twice the groups: half of it holds
		 * every group's key */
		keys = realloc(b->pair_key, b->by_pair_cap / 2 * sizeof(*keys));
		if (!keys)
			return BB_ENOMEM;
		b->pair_key = keys;
		for (j = 0; j < i; j++)
			group_insert(b, j);
	}
	group_insert(b, i);
	return 0;
}

static void bucket(const struct bb_boot *b, uint32_t h,
		   void (*fn)(const struct bb_boot_group *, void *), void *arg)
{
	size_t mask = b->by_pair_cap - 1, k;

	for (k = h & mask; b->by_pair[k]; k = (k + 1) & mask)
		if (b->pair_key[b->by_pair[k] - 1] == h)
			fn(&b->groups[b->by_pair[k] - 1], arg);
}

void bb_boot_index_candidates(const struct bb_boot *b,
			      const struct bb_boot_params *p,
			      void (*fn)(const struct bb_boot_group *, void *),
			      void *arg)
{
	uint32_t seen[BB_BOOT_MAX_KV];
	size_t i, j;

	if (!b->by_pair_cap)
		return;
	bucket(b, 0, fn, arg);
	for (i = 0; i < p->n; i++) {
		uint32_t h = pair_hash(p->kv[i].key, p->kv[i].val);

		/* one bucket once, however often the request repeats a pair
		 * (two pairs sharing a hash share a bucket too) */
		for (j = 0; j < i && seen[j] != h; j++)
			;
		seen[i] = h;
		if (j == i)
			bucket(b, h, fn, arg);
	}
}

void bb_boot_index_free(struct bb_boot *b)
{
	free(b->by_mac);
	free(b->by_pair);
	free(b->pair_key);
}
