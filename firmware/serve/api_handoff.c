/* The hand-off in the JSON API, and the operator's POST routes. A POST
 * changes what a machine boots, so it needs the API token from the state
 * dir (the CLI reads it): neither the boot network nor another local user
 * may send one. */
#include <cjson/cJSON.h>
#include <string.h>

#include "boot/boot.h"
#include "common/parse.h"
#include "firmware/serve/api.h"
#include "firmware/serve/api_token.h"
#include "firmware/serve/serve.h"
#include "firmware/serve/serve_handoff.h"

cJSON *bb_api_handoff_json(struct bb_serve *s)
{
	cJSON *j = cJSON_CreateObject(), *pr;
	const struct bb_handoff *h;
	char buf[64], ip[16];
	size_t i;

	if (!s->handoff) {
		cJSON_AddBoolToObject(j, "enabled", false);
		return j;
	}
	h = &s->handoff->h;
	cJSON_AddBoolToObject(j, "enabled", true);
	cJSON_AddStringToObject(j, "management", s->cfg->handoff.management);
	cJSON_AddStringToObject(j, "address",
				bb_fmt_ipv4(bb_handoff_management_ip(s), ip));
	cJSON_AddStringToObject(j, "phase", bb_phase_name(h->phase));
	cJSON_AddNumberToObject(j, "since", (double)h->phase_since);
	cJSON_AddStringToObject(
	    j, "actions", bb_action_names(h->cfg.actions, buf, sizeof(buf)));
	cJSON_AddStringToObject(
	    j, "actions_done",
	    bb_action_names(h->actions_done, buf, sizeof(buf)));
	cJSON_AddBoolToObject(j, "reachable", h->reachable);
	cJSON_AddStringToObject(j, "last_error", h->last_error);
	cJSON_AddNumberToObject(j, "probes_run", (double)h->probes_run);
	cJSON_AddNumberToObject(j, "probes_failed", (double)h->probes_failed);
	cJSON_AddBoolToObject(j, "dhcp_standdown", s->dhcp_standdown);
	pr = cJSON_AddArrayToObject(j, "probes");
	for (i = 0; i < h->cfg.nprobes; i++) {
		const struct bb_probe *p = &h->cfg.probes[i];

		snprintf(buf, sizeof(buf), "%s:%u%s",
			 p->kind == BB_PROBE_TCP    ? "tcp"
			 : p->kind == BB_PROBE_HTTP ? "http"
						    : "https",
			 p->port, p->kind == BB_PROBE_TCP ? "" : p->path);
		cJSON_AddItemToArray(pr, cJSON_CreateString(buf));
	}
	return j;
}

/* POST /api/v1/machines/NAME/reinstall */
void bb_api_handle_post(struct bb_serve *s, const struct bb_http_request *req,
			struct bb_http_response *resp)
{
	const char *p = req->path, *name, *slash;
	struct bb_boot_machine *m;
	char n[64];

	if (!bb_api_token_ok(req)) {
		bb_api_refuse(resp, "needs the API token (bootbox machines "
				    "reinstall on the appliance)");
		return;
	}
	if (strncmp(p, "/api/v1/machines/", 17) ||
	    !(slash = strchr(name = p + 17, '/')) ||
	    strcmp(slash, "/reinstall") ||
	    (size_t)(slash - name) >= sizeof(n)) {
		resp->status = 404;
		bb_buf_puts(&resp->body, "{\"error\":\"not found\"}\n");
		return;
	}
	snprintf(n, sizeof(n), "%.*s", (int)(slash - name), name);
	m = s->boot ? bb_boot_machine_by_name(s->boot, n) : NULL;
	if (!m) {
		resp->status = 404;
		bb_buf_puts(&resp->body, "{\"error\":\"no such machine\"}\n");
		return;
	}
	bb_serve_handoff_reinstall(s, m);
	bb_serve_boot_changed(s);
	resp->status = 200;
	resp->content_type = "application/json";
	bb_buf_printf(&resp->body, "{\"reinstall\":\"%s\"}\n", m->name);
}
