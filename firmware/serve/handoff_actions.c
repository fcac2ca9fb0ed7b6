/* The hand-off's actions: installed machines boot their disk, DHCP steps
 * back from the handed-over scopes, an export of machines and leases for
 * the management cluster (JSON + Tinkerbell Hardware), an operator's hook.
 * Each returns whether it is done; one that fails is retried later. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "boot/boot.h"
#include "common/err.h"
#include "common/parse.h"
#include "dhcp/dhcp_server.h"
#include "firmware/serve/log.h"
#include "firmware/serve/serve.h"
#include "firmware/serve/serve_handoff.h"
#include "handoff/export.h"

struct lease_find {
	const uint8_t *mac;
	struct bb_dhcp_lease *found; /* copied: the engine is the lane's */
};

static int find_bound(const struct bb_dhcp_lease *l, void *arg)
{
	struct lease_find *f = arg;

	if (l->state != BB_LEASE_BOUND || memcmp(l->mac, f->mac, 6))
		return 0;
	*f->found = *l;
	return 1;
}

/* mac's bound lease into *out; false when it has none. */
static bool lease_of(struct bb_serve *s, const uint8_t mac[6],
		     struct bb_dhcp_lease *out)
{
	struct lease_find f = {mac, out};

	return bb_serve_dhcp_foreach(s, bb_board_wall_now(), find_bound, &f) !=
	       0;
}

/* Only the reservation or a lease DHCP itself bound to the node's MAC: an
 * address the node merely asked from (?mac= on /ipxe or /api/v1/booted)
 * is anyone's to claim, and probing it would let any host on the boot
 * network pose as the node and have DHCP stand down. */
uint32_t bb_handoff_management_ip(struct bb_serve *s)
{
	const struct bb_cfg_machine *cm =
	    bb_config_machine(s->cfg, s->cfg->handoff.management);
	struct bb_dhcp_lease l;

	if (!cm)
		return 0;
	if (cm->ip)
		return cm->ip;
	return lease_of(s, cm->mac, &l) ? l.ip : 0;
}

static bool local_boot(struct bb_serve *s)
{
	size_t i, n = 0;

	for (i = 0; s->boot && i < s->boot->nmachines; i++) {
		struct bb_boot_machine *m = &s->boot->machines[i];

		/* kernel and initrd served: it has installed itself */
		if (m->state >= BB_BOOT_INITRD && !m->local_boot) {
			m->local_boot = true;
			n++;
		}
	}
	if (s->boot)
		bb_serve_boot_changed(s);
	bb_info("handoff: %zu installed machine(s) now boot their local disk",
		n);
	return true;
}

static const struct bb_cfg_subnet *subnet_of(const struct bb_config *cfg,
					     uint32_t ip)
{
	size_t i;

	for (i = 0; i < cfg->dhcp.nsubnets; i++) {
		const struct bb_cfg_subnet *sn = &cfg->dhcp.subnets[i];
		uint32_t mask = sn->prefix ? ~0u << (32 - sn->prefix) : 0;

		if ((ip & mask) == sn->net)
			return sn;
	}
	return NULL;
}

static void export_fill(struct bb_serve *s, struct bb_export_machine *e,
			const uint8_t mac[6], const char *name,
			const struct bb_cfg_machine *cm,
			const struct bb_boot_machine *bm)
{
	struct bb_dhcp_lease lease;
	const struct bb_dhcp_lease *l =
	    lease_of(s, mac, &lease) ? &lease : NULL;
	const struct bb_cfg_subnet *sn;
	const char *uefi;

	memset(e, 0, sizeof(*e));
	e->name = name;
	memcpy(e->mac, mac, 6);
	e->ip = cm && cm->ip ? cm->ip : l ? l->ip : 0;
	e->reserved = cm && cm->ip;
	if (l) {
		e->lease_expires = l->expires;
		e->lease_time = (uint32_t)(l->expires - l->updated);
	}
	if ((sn = e->ip ? subnet_of(s->cfg, e->ip) : NULL)) {
		e->prefix = sn->prefix;
		e->gateway = sn->router;
		e->dns = sn->dns;
		e->ndns = sn->ndns;
	}
	e->arch = cm && cm->arch ? cm->arch : "amd64";
	e->role = cm ? cm->role : NULL;
	uefi = bm ? bb_boot_param(&bm->labels, "uefi") : NULL;
	e->uefi = uefi && !strcmp(uefi, "true");
	e->allow_pxe = !(bm && bm->local_boot);
	e->phase = bm ? bb_phase_name(bb_serve_phase(s, bm))
		      : bb_phase_name(BB_PHASE_DISCOVERED);
}

int bb_handoff_export_build(struct bb_serve *s, struct bb_buf *json,
			    struct bb_buf *yaml)
{
	size_t n = 0, i,
	       cap = s->cfg->nmachines + (s->boot ? s->boot->nmachines : 0);
	struct bb_export_machine *e = calloc(cap + 1, sizeof(*e));
	struct bb_dhcp_lease lease;
	int rc;

	if (!e)
		return BB_ENOMEM;
	for (i = 0; i < s->cfg->nmachines; i++) {
		const struct bb_cfg_machine *cm = &s->cfg->machines[i];

		export_fill(s, &e[n++], cm->mac, cm->name, cm,
			    s->boot ? bb_boot_machine_by_mac(s->boot, cm->mac)
				    : NULL);
	}
	/* strangers that booted from us are machines the cluster should know */
	for (i = 0; s->boot && i < s->boot->nmachines; i++) {
		const struct bb_boot_machine *m = &s->boot->machines[i];

		if (!m->inventory && lease_of(s, m->mac, &lease))
			export_fill(s, &e[n++], m->mac, m->name, NULL, m);
	}
	rc = bb_export_json(e, n, s->cfg->appliance.name ?: "bootbox",
			    bb_board_wall_now(), json);
	if (!rc)
		rc = bb_export_hardware(e, n, s->cfg->handoff.ns, yaml);
	free(e);
	return rc;
}

static void posted(void *arg, const struct bb_board_fetch_result *r)
{
	char *url = arg;

	if (!r->err && r->status / 100 == 2)
		bb_info("handoff: export posted to %s", url);
	else if (!r->err)
		bb_err("handoff: export POST to %s failed (HTTP %d)", url,
		       r->status);
	else
		bb_err("handoff: export POST to %s failed (%s)", url, r->msg);
	free(url);
}

/* Through the board's outbound requests: the management cluster's
 * importer may be slow or down, and the loop must not wait for it. */
static void post_export(const char *url, const struct bb_buf *json)
{
	struct bb_board_fetch_req q = {0};
	char *copy = strdup(url);

	q.method = "POST";
	q.url = url; /* the config check accepts only http:// here */
	q.headers = "Content-Type: application/json\r\n";
	q.body = json->p;
	q.body_len = json->len;
	q.timeout_ms = 5000;
	if (!copy || bb_board_fetch_start(&q, posted, copy, NULL)) {
		bb_err("handoff: cannot start the export POST: %s",
		       copy ? bb_board_errmsg() : "out of memory");
		free(copy);
	}
}

static bool export(struct bb_serve *s)
{
	struct bb_buf json = {0}, yaml = {0};
	char dir[512], pj[600], py[600];
	const char *d = s->cfg->handoff.export_dir;
	bool ok = false;

	if (!d) {
		snprintf(dir, sizeof(dir), "%s/export",
			 s->cfg->appliance.state_dir);
		d = dir;
	}
	snprintf(pj, sizeof(pj), "%s/machines.json", d);
	snprintf(py, sizeof(py), "%s/hardware.yaml", d);
	if (bb_handoff_export_build(s, &json, &yaml) || bb_mkdirs(d, 0755) ||
	    bb_write_file_atomic(pj, json.p, json.len, 0640) ||
	    bb_write_file_atomic(py, yaml.p, yaml.len, 0640)) {
		bb_err("handoff: cannot write the export to %s", d);
		goto out;
	}
	bb_info("handoff: exported machines to %s and %s", pj, py);
	if (s->cfg->handoff.export_url)
		post_export(s->cfg->handoff.export_url, &json);
	ok = true;
out:
	bb_buf_free(&json);
	bb_buf_free(&yaml);
	return ok;
}

static void hook_ended(void *arg, int status)
{
	(void)arg;
	if (status)
		bb_warn("handoff: the hook exited with status %d", status);
	else
		bb_info("handoff: the hook finished");
}

/* The hook runs on its own (a slow hook never holds the loop); its end is
 * only logged: the hand-off does not wait for it. true once it has been
 * started, or when this board cannot run one (nothing to retry). */
static bool hook(struct bb_serve_handoff *hs)
{
	struct bb_serve *s = hs->s;
	const struct bb_cfg_machine *cm =
	    bb_config_machine(s->cfg, s->cfg->handoff.management);
	char ip[16], mac[18], acts[64], dir[512];
	char e_machine[300], e_ip[40], e_mac[40], e_acts[100], e_dir[600],
	    e_state[600];
	const char *env[] = {e_machine, e_ip,	 e_mac, e_acts,
			     e_dir,	e_state, NULL};
	const char *argv[] = {"sh", "-c", s->cfg->handoff.hook, NULL};
	int rc;

	snprintf(dir, sizeof(dir), "%s/export", s->cfg->appliance.state_dir);
	snprintf(e_machine, sizeof(e_machine), "BOOTBOX_HANDOFF_MACHINE=%s",
		 s->cfg->handoff.management);
	snprintf(e_ip, sizeof(e_ip), "BOOTBOX_HANDOFF_IP=%s",
		 bb_fmt_ipv4(bb_handoff_management_ip(s), ip));
	snprintf(e_mac, sizeof(e_mac), "BOOTBOX_HANDOFF_MAC=%s",
		 cm ? bb_fmt_mac(cm->mac, mac) : "");
	snprintf(e_acts, sizeof(e_acts), "BOOTBOX_HANDOFF_ACTIONS=%s",
		 bb_action_names(hs->h.actions_done | hs->h.cfg.actions, acts,
				 sizeof(acts)));
	snprintf(e_dir, sizeof(e_dir), "BOOTBOX_HANDOFF_EXPORT_DIR=%s",
		 s->cfg->handoff.export_dir ?: dir);
	snprintf(e_state, sizeof(e_state), "BOOTBOX_STATE_DIR=%s",
		 s->cfg->appliance.state_dir);
	rc = bb_spawn("/bin/sh", argv, env, hook_ended, NULL, NULL);
	if (rc == BB_EUNSUPP) {
		bb_warn("handoff: %s: the hook is skipped", bb_board_errmsg());
		return true;
	}
	if (rc) {
		bb_err("handoff: cannot start the hook: %s", bb_board_errmsg());
		return false;
	}
	bb_info("handoff: hook started: %s", s->cfg->handoff.hook);
	return true;
}

unsigned bb_handoff_run_actions(struct bb_serve_handoff *hs, unsigned mask)
{
	struct bb_serve *s = hs->s;
	unsigned done = 0;

	if ((mask & BB_ACT_LOCAL_BOOT) && local_boot(s))
		done |= BB_ACT_LOCAL_BOOT;
	if ((mask & BB_ACT_DHCP_STANDDOWN) && !bb_serve_dhcp_standdown(s, true))
		done |= BB_ACT_DHCP_STANDDOWN;
	if ((mask & BB_ACT_EXPORT) && export(s))
		done |= BB_ACT_EXPORT;
	if (mask & BB_ACT_HOOK) {
		if (!s->cfg->handoff.hook) {
			bb_warn("handoff: action hook without handoff.hook");
			done |= BB_ACT_HOOK;
		} else if (hook(hs)) {
			done |= BB_ACT_HOOK;
		}
	}
	return done;
}
