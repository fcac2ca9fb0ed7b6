/* The boot service: profiles and groups from the config and from an
 * unchanged matchbox data directory, the machine inventory with its labels
 * (name, role, arch, metadata) for selectors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "boot/boot.h"
#include "common/err.h"
#include "common/parse.h"
#include "firmware/serve/log.h"
#include "firmware/serve/routes.h"
#include "firmware/serve/serve.h"

static int add_config(struct bb_boot *b, const struct bb_config *cfg)
{
	size_t i, j;
	int rc;

	for (i = 0; i < cfg->boot.nprofiles; i++) {
		const struct bb_cfg_profile *p = &cfg->boot.profiles[i];
		struct bb_boot_profile bp = {p->id,   p->name,	 p->kernel,
					     NULL,    p->initrd, p->ninitrd,
					     p->args, p->nargs,	 p->talos};

		if ((rc = bb_boot_add_profile(b, &bp)))
			return rc;
	}
	for (i = 0; i < cfg->boot.ngroups; i++) {
		const struct bb_cfg_group *g = &cfg->boot.groups[i];
		struct bb_boot_group bg;

		memset(&bg, 0, sizeof(bg));
		bg.id = g->id;
		bg.name = g->name;
		bg.profile = g->profile;

		for (j = 0; j < g->nselector; j++)
			bb_boot_param_set(&bg.selector, g->selector[j].key,
					  g->selector[j].val);
		for (j = 0; j < g->nmetadata; j++)
			bb_boot_param_set(&bg.metadata, g->metadata[j].key,
					  g->metadata[j].val);
		if (g->talos_version)
			bb_boot_param_set(&bg.metadata, "talos_version",
					  g->talos_version);
		if ((rc = bb_boot_add_group(b, &bg)))
			return rc;
	}
	for (i = 0; i < cfg->nmachines; i++) {
		const struct bb_cfg_machine *m = &cfg->machines[i];
		struct bb_boot_params labels = {0};
		char mac[18], id[96];

		bb_boot_param_set(&labels, "name", m->name);
		if (m->role)
			bb_boot_param_set(&labels, "role", m->role);
		if (m->arch)
			bb_boot_param_set(&labels, "arch", m->arch);
		for (j = 0; j < m->nmetadata; j++)
			bb_boot_param_set(&labels, m->metadata[j].key,
					  m->metadata[j].val);
		if (m->talos_version)
			bb_boot_param_set(&labels, "talos_version",
					  m->talos_version);
		if ((rc = bb_boot_add_machine(b, m->name, m->mac, m->ip,
					      &labels)))
			return rc;
		if (m->profile) {
			/* "profile:" on a machine is a group selecting it */
			struct bb_boot_group g;

			memset(&g, 0, sizeof(g));
			g.id = id;
			g.profile = m->profile;
			snprintf(id, sizeof(id), "machine-%s", m->name);
			bb_boot_param_set(&g.selector, "mac",
					  bb_fmt_mac(m->mac, mac));
			if ((rc = bb_boot_add_group(b, &g)))
				return rc;
		}
	}
	return 0;
}

struct load_ctx {
	struct bb_boot *b;
	const char *dir;
	int (*load)(struct bb_boot *, const char *, size_t, char *, size_t);
};

static int load_one(void *arg, const char *name)
{
	struct load_ctx *c = arg;
	size_t n = strlen(name);
	struct bb_buf buf = {0};
	char path[1024], err[200];

	if (n < 6 || strcmp(name + n - 5, ".json"))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	if (bb_read_file(path, &buf, 1 << 20))
		bb_warn("boot: cannot read %s", path);
	else if (c->load(c->b, buf.p ? buf.p : "", buf.len, err, sizeof(err)))
		bb_warn("boot: %s: %s (skipped)", path, err);
	bb_buf_free(&buf);
	return 0;
}

/* Every *.json of dir through load; a bad file is reported and skipped. */
static void load_dir(struct bb_boot *b, const char *dir,
		     int (*load)(struct bb_boot *, const char *, size_t, char *,
				 size_t))
{
	struct load_ctx c = {b, dir, load};

	bb_list_dir(dir, load_one, &c);
}

static struct bb_boot *build(const struct bb_config *cfg)
{
	struct bb_boot *b = malloc(sizeof(*b));
	char dir[1024];

	if (!b)
		return NULL;
	bb_boot_init(b);
	if (add_config(b, cfg)) {
		bb_err("boot: cannot build the boot service (duplicate ids?)");
		bb_boot_free(b);
		free(b);
		return NULL;
	}
	if (cfg->boot.matchbox_dir) {
		snprintf(dir, sizeof(dir), "%s/profiles",
			 cfg->boot.matchbox_dir);
		load_dir(b, dir, bb_boot_load_profile_json);
		snprintf(dir, sizeof(dir), "%s/groups", cfg->boot.matchbox_dir);
		load_dir(b, dir, bb_boot_load_group_json);
	}
	return b;
}

static void states_path(const struct bb_config *cfg, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/machines.state", cfg->appliance.state_dir);
}

/* At most one write a second, and its fsyncs off the loop where the
 * board can (bb_write_file_bg: in a boot storm they held every DHCP reply
 * for milliseconds): the first move after a quiet second is written at
 * once, so a lone machine's phase is on disk as soon as the console shows
 * it; the rest of a burst (a rack booting) once, at the end of that
 * second. Exit and reload write what is left (bb_serve_boot_stop). */
#define SAVE_EVERY_MS 1000

static void states_failed(struct bb_serve *s)
{
	char path[1024];

	states_path(s->cfg, path, sizeof(path));
	bb_err("boot: cannot write %s; machine states are kept in memory",
	       path);
}

static void states_written(void *arg, int rc)
{
	struct bb_serve *s = arg;

	s->states_writing = false;
	if (rc)
		states_failed(s);
}

static void write_states(struct bb_serve *s)
{
	struct bb_buf b = {0};
	char path[1024];
	int rc;

	if (s->states_writing)
		return; /* still dirty: the next idle turn comes back */
	s->states_dirty = false;
	s->states_saved_ms = bb_board_now_ms();
	states_path(s->cfg, path, sizeof(path));
	if (bb_boot_state_encode(s->boot, &b)) {
		states_failed(s);
		bb_buf_free(&b);
		return;
	}
	s->states_writing = true; /* done may run before the call returns */
	rc = bb_write_file_bg(path, b.p ? b.p : "", b.len, 0600, states_written,
			      s);
	if (rc) {
		s->states_writing = false;
		states_failed(s);
	}
	bb_buf_free(&b);
}

static void on_save_due(void *arg)
{
	struct bb_serve *s = arg;

	s->states_timer_armed = false;
	if (s->states_dirty && s->boot)
		write_states(s);
}

/* The idle hook: a burst of requests in one turn costs one write. */
static void save_states(void *arg)
{
	struct bb_serve *s = arg;
	uint64_t since = bb_board_now_ms() - s->states_saved_ms;

	if (!s->states_dirty || !s->boot || s->states_timer_armed)
		return;
	if (!s->states_timer)
		s->states_timer = bb_board_timer_new(on_save_due, s);
	if (s->states_saved_ms && since < SAVE_EVERY_MS && s->states_timer) {
		s->states_timer_armed = true;
		bb_board_timer_arm(s->states_timer, SAVE_EVERY_MS - since);
	} else {
		write_states(s);
	}
}

static void load_states(struct bb_serve *s)
{
	struct bb_buf b = {0};
	char path[1024];
	long bad;

	states_path(s->cfg, path, sizeof(path));
	if (!bb_read_file(path, &b, 1 << 22) && b.len) {
		bad = bb_boot_state_decode(s->boot, b.p, b.len);
		if (bad)
			bb_warn("boot: %s: %ld damaged line(s) skipped", path,
				bad);
	}
	bb_buf_free(&b);
}

void bb_serve_boot_changed(struct bb_serve *s)
{
	s->states_dirty = true;
}

enum bb_phase bb_serve_phase(const struct bb_serve *s,
			     const struct bb_boot_machine *m)
{
	const struct bb_serve_boot_hooks *h = &s->boot_hooks;
	enum bb_phase p;

	if (h->phase && h->phase(h->arg, m, &p))
		return p;
	if (m->local_boot)
		return BB_PHASE_HANDED_OFF;
	switch (m->state) {
	case BB_BOOT_BOOTING: return BB_PHASE_BOOTING;
	case BB_BOOT_KERNEL:
	case BB_BOOT_INITRD: return BB_PHASE_INSTALLING;
	case BB_BOOT_BOOTED: return BB_PHASE_UP;
	default: return BB_PHASE_DISCOVERED;
	}
}

bool bb_serve_boot_advance(struct bb_serve *s, struct bb_boot_machine *m,
			   enum bb_boot_state st)
{
	enum bb_phase before = bb_serve_phase(s, m), after;

	if (!bb_boot_advance(m, st, bb_board_wall_now()))
		return false;
	if (s->boot_hooks.moved)
		s->boot_hooks.moved(s->boot_hooks.arg, m);
	/* the status page's events speak the machines' one lifecycle */
	after = bb_serve_phase(s, m);
	if (after != before || st == BB_BOOT_SEEN)
		bb_log_event("boot: %s is %s", m->name, bb_phase_name(after));
	s->states_dirty = true;
	return true;
}

int bb_serve_boot_start(struct bb_serve *s)
{
	if (!s->cfg->boot.enabled && !s->cfg->nmachines)
		return 0;
	s->boot = build(s->cfg);
	if (!s->boot)
		return BB_EINVAL;
	load_states(s);
	if (bb_mkdirs(s->cfg->appliance.state_dir, 0755) ||
	    bb_board_idle_add(save_states, s))
		return BB_EIO;
	bb_info("boot: %zu profile(s), %zu group(s), %zu machine(s)",
		s->boot->nprofiles, s->boot->ngroups, s->boot->nmachines);
	return 0;
}

int bb_serve_boot_reload(struct bb_serve *s, const struct bb_config *next)
{
	struct bb_boot *b = build(next), *old = s->boot;
	size_t i;

	bb_routes_reload();
	if (!b)
		return BB_EINVAL;
	/* boot states survive a reload */
	for (i = 0; old && i < old->nmachines; i++) {
		struct bb_boot_machine *m = &old->machines[i];
		struct bb_boot_machine *n =
		    m->inventory ? bb_boot_machine_by_mac(b, m->mac)
				 : bb_boot_machine_get(b, m->mac);

		if (n) {
			n->state = m->state;
			n->last_seen = m->last_seen;
			n->last_ip = m->last_ip;
			n->local_boot = m->local_boot;
			memcpy(n->group, m->group, sizeof(n->group));
			memcpy(n->talos_version, m->talos_version,
			       sizeof(n->talos_version));
		}
	}
	bb_serve_boot_stop(s);
	s->boot = b;
	return 0;
}

void bb_serve_boot_stop(struct bb_serve *s)
{
	if (!s->boot)
		return;
	bb_board_timer_free(s->states_timer);
	s->states_timer = NULL;
	s->states_timer_armed = false;
	/* the write in flight first: what is left replaces it */
	bb_write_file_bg_wait();
	if (s->states_dirty)
		write_states(s);
	bb_write_file_bg_wait();
	bb_boot_free(s->boot);
	free(s->boot);
	s->boot = NULL;
}
