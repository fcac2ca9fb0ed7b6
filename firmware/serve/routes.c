/* The HTTP routes of the appliance: matchbox's /boot.ipxe, /ipxe,
 * /metadata, /generic and /assets/, the JSON API, /metrics and /. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "boot/boot.h"
#include "common/parse.h"
#include "dhcp/dhcp_server.h"
#include "firmware/serve/api.h"
#include "firmware/serve/ipxe_extra.h"
#include "firmware/serve/log.h"
#include "firmware/serve/metrics.h"
#include "firmware/serve/routes.h"
#include "firmware/serve/serve.h"
#include "firmware/serve/serve_cache.h"
#include "firmware/serve/trust.h"
#include "firmware/serve/talos_boot.h"

enum { R_CHAIN, R_IPXE, R_META, R_GENERIC, R_ASSETS, R_API, R_OTHER };

/* The machine a request comes from: by its MAC when it says so, else by
 * its address (reservation or current lease). */
struct bb_boot_machine *bb_routes_machine_by_ip(struct bb_serve *s, uint32_t ip)
{
	struct bb_dhcp_lease l;
	size_t i;

	for (i = 0; i < s->boot->nmachines; i++)
		if (s->boot->machines[i].ip == ip ||
		    s->boot->machines[i].last_ip == ip)
			return &s->boot->machines[i];
	if (bb_serve_dhcp_lease(s, ip, &l) && l.state == BB_LEASE_BOUND)
		return bb_boot_machine_get(s->boot, l.mac);
	return NULL;
}

const char *bb_routes_kv(const struct bb_boot_machine *m, char *buf, size_t cap)
{
	return bb_log_fields(buf, cap, m->mac, m->last_ip ? m->last_ip : m->ip,
			     m->name);
}

static void labels_into(const struct bb_boot_machine *m,
			struct bb_boot_params *p)
{
	size_t i;

	for (i = 0; m && i < m->labels.n; i++)
		if (!bb_boot_param(p, m->labels.kv[i].key))
			bb_boot_param_set(p, m->labels.kv[i].key,
					  m->labels.kv[i].val);
}

/* A ?mac= from another host selects the script but moves nothing: the
 * address a machine is tracked at and its phases come from the machine
 * itself. Without our DHCP there is no lease to check against (as with
 * matchbox), and the request is taken at its word. */
static bool own_request(struct bb_serve *s, const struct bb_boot_machine *m,
			const struct bb_http_request *req)
{
	return !s->dhcp || bb_trust_from_machine(s, m, req->client_ip);
}

static struct bb_boot_machine *from_query(struct bb_serve *s,
					  const struct bb_http_request *req,
					  struct bb_boot_params *p)
{
	const char *mac = bb_boot_param(p, "mac");
	struct bb_boot_machine *m = NULL;
	uint8_t b[6];

	if (mac && !bb_parse_mac(mac, strlen(mac), b))
		m = bb_boot_machine_get(s->boot, b);
	if (!m)
		m = bb_routes_machine_by_ip(s, req->client_ip);
	if (m && own_request(s, m, req)) {
		m->last_ip = req->client_ip;
		bb_serve_boot_advance(s, m, BB_BOOT_SEEN);
	}
	if (m)
		labels_into(m, p);
	return m;
}

/* Every Talos artifact the profile names is cached or on its way. */
static bool profile_ready(struct bb_serve *s, const struct bb_boot_profile *p,
			  const struct bb_talos_boot *tb, char *why, size_t cap)
{
	size_t i;

	if (tb && tb->kernel[0])
		return bb_serve_cache_ready(s, tb->kernel, why, cap) &&
		       bb_serve_cache_ready(s, tb->initrd, why, cap);
	if (p->kernel && !bb_serve_cache_ready(s, p->kernel, why, cap))
		return false;
	for (i = 0; i < p->ninitrd; i++)
		if (!bb_serve_cache_ready(s, p->initrd[i], why, cap))
			return false;
	return true;
}

/* A Talos profile: the factory's cmdline first. false while the cmdline
 * is on its way (the node is told to try again); when it cannot be had
 * (offline, and the old wget script never fetched it) the node boots on
 * the profile's args alone, which is what it did before, with a warning. */
static bool render_talos(struct bb_serve *s, const struct bb_boot_profile *p,
			 const struct bb_talos_boot *tb, struct bb_buf *out)
{
	struct bb_boot_talos t = {0};
	char cmdline[4096], why[300];
	long n = bb_serve_cache_read(s, tb->cmdline, cmdline, sizeof(cmdline));

	if (n < 0 && bb_serve_cache_ready(s, tb->cmdline, why, sizeof(why)))
		return false;
	if (n < 0)
		bb_warn(
		    "boot: %s: booting without the factory's kernel command "
		    "line (its extraKernelArgs and META are missing)",
		    why);
	if (tb->kernel[0]) {
		t.kernel = tb->kernel;
		t.initrd = tb->initrds;
		t.ninitrd = 1;
	}
	t.cmdline = n > 0 ? cmdline : NULL;
	t.cmdline_len = n > 0 ? (size_t)n : 0;
	bb_boot_render_talos(p, &t, out);
	return true;
}

static void ipxe(struct bb_serve *s, const struct bb_http_request *req,
		 struct bb_http_response *resp)
{
	char why[300], kv[128];
	struct bb_boot_params p;
	struct bb_boot_machine *m;
	const struct bb_boot_group *g;
	const struct bb_boot_profile *prof;
	struct bb_talos_boot tb;
	bool talos;

	bb_boot_parse_query(req->query, req->query_len, &p);
	m = from_query(s, req, &p);
	resp->status = 200;
	resp->content_type = "text/plain";
	if (m && m->local_boot) {
		bb_info("boot: %s is installed: it boots its local disk %s",
			m->name, bb_routes_kv(m, kv, sizeof(kv)));
		bb_boot_render_local(&resp->body);
		return;
	}
	g = bb_boot_select(s->boot, &p);
	prof = g ? bb_boot_profile(s->boot, g->profile) : NULL;
	if (!prof) {
		bb_warn("boot: no profile for mac %s hostname %s",
			bb_boot_param(&p, "mac") ?: "?",
			bb_boot_param(&p, "hostname") ?: "?");
		bb_boot_render_retry(&p, &resp->body);
		return;
	}
	talos = bb_talos_boot_plan(s->cfg, prof, m, g,
				   bb_boot_param(&p, "arch"), &tb);
	if (!talos && prof->talos && !prof->kernel) {
		snprintf(why, sizeof(why),
			 "profile %s says talos: true, but the Talos image is "
			 "not known (no talos: section, or its schematic id)",
			 prof->id);
		bb_warn("boot: %s", why);
		bb_boot_render_unavailable(why, &resp->body);
		return;
	}
	if (!profile_ready(s, prof, talos ? &tb : NULL, why, sizeof(why))) {
		bb_warn("boot: %s: %s %s", m ? m->name : "?", why,
			m ? bb_routes_kv(m, kv, sizeof(kv)) : "");
		bb_boot_render_unavailable(why, &resp->body);
		return;
	}
	if (!talos)
		bb_boot_render_ipxe(prof, &resp->body);
	else if (!render_talos(s, prof, &tb, &resp->body)) {
		bb_boot_render_unavailable("the Image Factory's kernel command "
					   "line is still being fetched",
					   &resp->body);
		return;
	}
	if (m && !own_request(s, m, req))
		return;
	if (m && talos)
		snprintf(m->talos_version, sizeof(m->talos_version), "%s",
			 tb.image.version);
	if (m) {
		snprintf(m->group, sizeof(m->group), "%s", g->id);
		if (bb_serve_boot_advance(s, m, BB_BOOT_BOOTING))
			bb_info("boot: %s is booting profile %s (group %s) %s",
				m->name, prof->id, g->id,
				bb_routes_kv(m, kv, sizeof(kv)));
	}
}

/* A per-machine file (named after a machine: a Talos machine config with
 * cluster secrets) goes only to that machine's reserved or DHCP-bound
 * address. */
static bool secret_allowed(struct bb_serve *s, const char *path,
			   uint32_t client, const char **owner)
{
	struct bb_boot_machine *m = bb_trust_file_owner(s->boot, path);

	if (!m)
		return true;
	*owner = m->name;
	return bb_trust_from_machine(s, m, client);
}

void bb_routes_reload(void)
{
	bb_file_confined_flush();
}

/* root/rel opened into resp, refused unless it stays inside root or
 * rel's last component is a link whose owner also owns its target (the
 * rule of bb_open_beneath, so HTTP and TFTP serve the same files). */
static bool confined(const char *root, const char *rel,
		     struct bb_http_response *resp)
{
	struct bb_file *f;
	uint64_t mtime_ns;

	if (!root || bb_file_open_confined(root, rel, &f, &mtime_ns))
		return false;
	if ((size_t)snprintf(resp->file, sizeof(resp->file), "%s/%s", root,
			     rel) >= sizeof(resp->file)) {
		bb_file_close(f);
		resp->file[0] = 0;
		return false;
	}
	resp->fh = f;
	resp->file_size = bb_file_size(f);
	resp->file_mtime_ns = mtime_ns;
	return true;
}

static void track_asset(struct bb_serve *s, const struct bb_http_request *req)
{
	struct bb_boot_machine *m = bb_routes_machine_by_ip(s, req->client_ip);
	const struct bb_boot_group *g;
	const struct bb_boot_profile *p;
	struct bb_talos_boot tb;
	const char *kernel;
	char *const *initrd;
	char kv[128];
	size_t i, ninitrd;

	if (!m || !m->group[0])
		return;
	for (i = 0, g = NULL; i < s->boot->ngroups; i++)
		if (!strcmp(s->boot->groups[i].id, m->group))
			g = &s->boot->groups[i];
	p = g ? bb_boot_profile(s->boot, g->profile) : NULL;
	if (!p)
		return;
	/* a pinned or talos: true profile names other paths than its own */
	if (bb_talos_boot_plan(s->cfg, p, m, g, NULL, &tb) && tb.kernel[0]) {
		kernel = tb.kernel;
		initrd = tb.initrds;
		ninitrd = 1;
	} else {
		kernel = p->kernel;
		initrd = p->initrd;
		ninitrd = p->ninitrd;
	}
	if (kernel && !strcmp(kernel, req->path) &&
	    bb_serve_boot_advance(s, m, BB_BOOT_KERNEL))
		bb_info("boot: %s fetched its kernel %s", m->name,
			bb_routes_kv(m, kv, sizeof(kv)));
	for (i = 0; i < ninitrd; i++)
		if (!strcmp(initrd[i], req->path) &&
		    bb_serve_boot_advance(s, m, BB_BOOT_INITRD))
			bb_info("boot: %s fetched its initrd %s", m->name,
				bb_routes_kv(m, kv, sizeof(kv)));
}

static void assets(struct bb_serve *s, const struct bb_http_request *req,
		   struct bb_http_response *resp)
{
	const char *rel = req->path + strlen("/assets/");
	const char *owner = NULL;
	char mb[1024];

	if (!secret_allowed(s, req->path, req->client_ip, &owner)) {
		char ip[16];

		bb_warn("boot: %s asked for %s's file %s: refused",
			bb_fmt_ipv4(req->client_ip, ip), owner, req->path);
		resp->status = 403;
		bb_buf_puts(&resp->body, "forbidden: this file belongs to "
					 "another machine\n");
		return;
	}
	if (bb_serve_cache_route(s, req, resp)) {
		if (resp->status == 200)
			track_asset(s, req);
		return;
	}
	if (s->cfg->boot.matchbox_dir)
		snprintf(mb, sizeof(mb), "%s/assets",
			 s->cfg->boot.matchbox_dir);
	if (confined(s->cfg->boot.assets_dir, rel, resp) ||
	    (s->cfg->boot.matchbox_dir && confined(mb, rel, resp))) {
		resp->status = 200;
		track_asset(s, req);
		return;
	}
	resp->status = 404;
	bb_buf_puts(&resp->body, "not found\n");
}

static void metadata(struct bb_serve *s, const struct bb_http_request *req,
		     struct bb_http_response *resp)
{
	struct bb_boot_params p;
	const struct bb_boot_group *g;

	bb_boot_parse_query(req->query, req->query_len, &p);
	from_query(s, req, &p);
	g = bb_boot_select(s->boot, &p);
	resp->status = g ? 200 : 404;
	bb_boot_render_metadata(g, &p, &resp->body);
}

static void generic(struct bb_serve *s, const struct bb_http_request *req,
		    struct bb_http_response *resp)
{
	struct bb_boot_params p;
	const struct bb_boot_group *g;
	const struct bb_boot_profile *prof;
	char rel[256];

	bb_boot_parse_query(req->query, req->query_len, &p);
	from_query(s, req, &p);
	g = bb_boot_select(s->boot, &p);
	prof = g ? bb_boot_profile(s->boot, g->profile) : NULL;
	resp->status = 404;
	if (!prof || !prof->generic_id || !s->cfg->boot.matchbox_dir ||
	    strchr(prof->generic_id, '/'))
		return;
	snprintf(rel, sizeof(rel), "generic/%s", prof->generic_id);
	if (confined(s->cfg->boot.matchbox_dir, rel, resp)) {
		resp->status = 200;
		resp->content_type = "text/plain";
	}
}

static void dispatch(struct bb_serve *s, const struct bb_http_request *req,
		     struct bb_http_response *resp)
{
	const char *p = req->path;
	bool get = req->method == BB_HTTP_GET || req->method == BB_HTTP_HEAD;

	if (!strncmp(p, "/api/", 5) || !strcmp(p, "/metrics") ||
	    !strcmp(p, "/") || !strcmp(p, "/healthz")) {
		bb_api_handle(s, req, resp);
		return;
	}
	if (!s->boot) {
		/* a cache-only appliance (talos: without boot:) still serves
		 * its artifacts */
		if (!get || !bb_serve_cache_route(s, req, resp))
			resp->status = 404;
		return;
	}
	if (!get) {
		resp->status = 405;
		snprintf(resp->extra_headers, sizeof(resp->extra_headers),
			 "Allow: GET, HEAD\r\n");
		return;
	}
	if (!strcmp(p, "/boot.ipxe")) {
		s->boot->requests[R_CHAIN]++;
		resp->status = 200;
		bb_boot_render_chain(&resp->body);
	} else if (!strcmp(p, "/ipxe")) {
		s->boot->requests[R_IPXE]++;
		ipxe(s, req, resp);
	} else if (!strcmp(p, "/metadata")) {
		s->boot->requests[R_META]++;
		metadata(s, req, resp);
	} else if (!strcmp(p, "/generic")) {
		s->boot->requests[R_GENERIC]++;
		generic(s, req, resp);
	} else if (!strncmp(p, "/assets/", 8)) {
		s->boot->requests[R_ASSETS]++;
		assets(s, req, resp);
	} else {
		/* UEFI HTTP boot fetches the boot file from the root */
		s->boot->requests[R_OTHER]++;
		if (s->cfg->tftp.enabled && !strchr(p + 1, '/') &&
		    (confined(s->cfg->tftp.root, p + 1, resp) ||
		     confined(bb_ipxe_extra_dir(), p + 1, resp))) {
			resp->status = 200;
			return;
		}
		resp->status = 404;
		bb_buf_puts(&resp->body, "not found\n");
	}
}

/* Counts under the process's metrics, which outlive a reload. */
void bb_routes_handle(void *ctx, const struct bb_http_request *req,
		      struct bb_http_response *resp)
{
	uint64_t t0 = bb_metrics_ns(), bytes;

	dispatch(ctx, req, resp);
	bytes = resp->body.len;
	if (resp->growing)
		bytes = bb_growing_total(resp->growing);
	else if (resp->fh)
		bytes = resp->file_size;
	bb_metrics_http(bb_metrics_route_of(req->path), bb_metrics_ns() - t0,
			bytes);
}
