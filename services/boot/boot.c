#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "boot/boot_index.h"
#include "common/err.h"
#include "common/parse.h"

static const char *const state_names[] = {"unknown", "seen",   "booting",
					  "kernel",  "initrd", "booted"};

const char *bb_boot_state_name(enum bb_boot_state s)
{
	return (unsigned)s < 6 ? state_names[s] : "unknown";
}

void bb_boot_init(struct bb_boot *b)
{
	memset(b, 0, sizeof(*b));
}

static void free_strs(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void bb_boot_free(struct bb_boot *b)
{
	size_t i;

	for (i = 0; i < b->nprofiles; i++) {
		struct bb_boot_profile *p = &b->profiles[i];

		free(p->id);
		free(p->name);
		free(p->kernel);
		free(p->generic_id);
		free_strs(p->initrd, p->ninitrd);
		free_strs(p->args, p->nargs);
	}
	for (i = 0; i < b->ngroups; i++) {
		free(b->groups[i].id);
		free(b->groups[i].name);
		free(b->groups[i].profile);
	}
	free(b->profiles);
	free(b->groups);
	free(b->machines);
	bb_boot_index_free(b);
	memset(b, 0, sizeof(*b));
}

static char *dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char **dup_strs(char *const *v, size_t n)
{
	char **o = calloc(n + 1, sizeof(*o));
	size_t i;

	for (i = 0; o && i < n; i++)
		o[i] = strdup(v[i]);
	return o;
}

const struct bb_boot_profile *bb_boot_profile(const struct bb_boot *b,
					      const char *id)
{
	size_t i;

	for (i = 0; id && i < b->nprofiles; i++)
		if (!strcmp(b->profiles[i].id, id))
			return &b->profiles[i];
	return NULL;
}

int bb_boot_add_profile(struct bb_boot *b, const struct bb_boot_profile *p)
{
	struct bb_boot_profile *v, *n;

	if (!p->id)
		return BB_EINVAL;
	if (bb_boot_profile(b, p->id))
		return BB_EEXIST;
	v = realloc(b->profiles, (b->nprofiles + 1) * sizeof(*v));
	if (!v)
		return BB_ENOMEM;
	b->profiles = v;
	n = &v[b->nprofiles];
	memset(n, 0, sizeof(*n));
	n->id = dup(p->id);
	n->name = dup(p->name);
	n->kernel = dup(p->kernel);
	n->generic_id = dup(p->generic_id);
	n->initrd = dup_strs(p->initrd, p->ninitrd);
	n->ninitrd = p->ninitrd;
	n->args = dup_strs(p->args, p->nargs);
	n->nargs = p->nargs;
	n->talos = p->talos;
	b->nprofiles++;
	return 0;
}

int bb_boot_add_group(struct bb_boot *b, const struct bb_boot_group *g)
{
	struct bb_boot_group *v;
	size_t i;

	if (!g->id || !g->profile)
		return BB_EINVAL;
	for (i = 0; i < b->ngroups; i++)
		if (!strcmp(b->groups[i].id, g->id))
			return BB_EEXIST;
	v = realloc(b->groups, (b->ngroups + 1) * sizeof(*v));
	if (!v)
		return BB_ENOMEM;
	b->groups = v;
	v[b->ngroups] = *g;
	v[b->ngroups].id = dup(g->id);
	v[b->ngroups].name = dup(g->name);
	v[b->ngroups].profile = dup(g->profile);
	b->ngroups++;
	return bb_boot_index_group(b, b->ngroups - 1);
}

static struct bb_boot_machine *new_machine(struct bb_boot *b)
{
	if (b->nmachines == b->capmachines) {
		size_t cap = b->capmachines ? b->capmachines * 2 : 16;
		struct bb_boot_machine *v =
		    realloc(b->machines, cap * sizeof(*v));

		if (!v)
			return NULL;
		b->machines = v;
		b->capmachines = cap;
	}
	memset(&b->machines[b->nmachines], 0, sizeof(b->machines[0]));
	return &b->machines[b->nmachines++];
}

int bb_boot_add_machine(struct bb_boot *b, const char *name,
			const uint8_t mac[6], uint32_t ip,
			const struct bb_boot_params *labels)
{
	struct bb_boot_machine *m = new_machine(b);

	if (!m)
		return BB_ENOMEM;
	snprintf(m->name, sizeof(m->name), "%s", name);
	memcpy(m->mac, mac, 6);
	m->ip = ip;
	m->inventory = true;
	if (labels)
		m->labels = *labels;
	return bb_boot_index_machine(b, (size_t)(m - b->machines));
}

struct bb_boot_machine *bb_boot_machine_by_mac(struct bb_boot *b,
					       const uint8_t mac[6])
{
	return bb_boot_index_mac(b, mac);
}

struct bb_boot_machine *bb_boot_machine_by_name(struct bb_boot *b,
						const char *name)
{
	size_t i;

	for (i = 0; i < b->nmachines; i++)
		if (b->machines[i].inventory &&
		    !strcmp(b->machines[i].name, name))
			return &b->machines[i];
	return NULL;
}

struct bb_boot_machine *bb_boot_machine_get(struct bb_boot *b,
					    const uint8_t mac[6])
{
	struct bb_boot_machine *m = bb_boot_machine_by_mac(b, mac);

	/* strangers are remembered up to a bound: a scan of the network
	 * must not grow memory without end */
	if (m || b->nstrangers >= 4096)
		return m;
	m = new_machine(b);
	if (m) {
		memcpy(m->mac, mac, 6);
		bb_fmt_mac(mac, m->name);
		b->nstrangers++;
		if (bb_boot_index_machine(b, (size_t)(m - b->machines)))
			return NULL;
	}
	return m;
}

bool bb_boot_advance(struct bb_boot_machine *m, enum bb_boot_state s,
		     int64_t now)
{
	m->last_seen = now;
	if (s <= m->state)
		return false;
	m->state = s;
	return true;
}
