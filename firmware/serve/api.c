#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "board/board.h"
#include "boot/boot.h"
#include "common/parse.h"
#include "dhcp/dhcp_server.h"
#include "firmware/serve/api.h"
#include "firmware/serve/api_token.h"
#include "firmware/serve/api_status.h"
#include "firmware/serve/log.h"
#include "firmware/serve/metrics.h"
#include "firmware/serve/status_page.h"
#include "firmware/serve/serve.h"
#include "firmware/serve/serve_handoff.h"
#include "firmware/serve/trust.h"

cJSON *bb_api_machine_json(struct bb_serve *s, const struct bb_boot_machine *m)
{
	cJSON *j = cJSON_CreateObject();
	char mac[18], ip[16];
	const char *role = bb_boot_param(&m->labels, "role");

	cJSON_AddStringToObject(j, "name", m->name);
	cJSON_AddStringToObject(j, "mac", bb_fmt_mac(m->mac, mac));
	if (m->ip)
		cJSON_AddStringToObject(j, "ip", bb_fmt_ipv4(m->ip, ip));
	else
		cJSON_AddNullToObject(j, "ip");
	cJSON_AddStringToObject(j, "role", role ? role : "");
	cJSON_AddBoolToObject(j, "inventory", m->inventory);
	cJSON_AddStringToObject(j, "state", bb_boot_state_name(m->state));
	cJSON_AddStringToObject(j, "group", m->group);
	cJSON_AddStringToObject(j, "talos_version", m->talos_version);
	cJSON_AddNumberToObject(j, "last_seen", (double)m->last_seen);
	if (m->last_ip)
		cJSON_AddStringToObject(j, "last_ip",
					bb_fmt_ipv4(m->last_ip, ip));
	cJSON_AddBoolToObject(j, "local_boot", m->local_boot);
	cJSON_AddStringToObject(j, "phase",
				bb_phase_name(bb_serve_phase(s, m)));
	if (bb_serve_handoff_is_management(s, m))
		cJSON_AddItemToObject(j, "handoff", bb_api_handoff_json(s));
	bb_api_machine_extra(s, m, j);
	return j;
}

void bb_api_send_json(struct bb_http_response *resp, int status, cJSON *j)
{
	char *txt = cJSON_PrintUnformatted(j);

	resp->status = status;
	resp->content_type = "application/json";
	if (txt) {
		bb_buf_puts(&resp->body, txt);
		bb_buf_puts(&resp->body, "\n");
	}
	cJSON_free(txt);
	cJSON_Delete(j);
}

static void machines(struct bb_serve *s, const char *name,
		     struct bb_http_response *resp)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; s->boot && i < s->boot->nmachines; i++) {
		const struct bb_boot_machine *m = &s->boot->machines[i];

		if (name && (!m->inventory || strcmp(m->name, name)))
			continue;
		if (name) {
			cJSON_Delete(arr);
			bb_api_send_json(resp, 200, bb_api_machine_json(s, m));
			return;
		}
		cJSON_AddItemToArray(arr, bb_api_machine_json(s, m));
	}
	if (name) {
		cJSON_Delete(arr);
		resp->status = 404;
		bb_buf_puts(&resp->body, "{\"error\":\"no such machine\"}\n");
		return;
	}
	bb_api_send_json(resp, 200, arr);
}

/* The booted system calls back. Only the machine itself, from its own
 * address (reservation or the lease DHCP bound to its MAC), or a caller
 * with the API token moves it to "booted": any other host on the boot
 * network could otherwise mark machines installed. */
static void booted(struct bb_serve *s, const struct bb_http_request *req,
		   struct bb_http_response *resp)
{
	struct bb_boot_params p;
	const char *mac;
	uint8_t b[6];
	char kv[128];
	struct bb_boot_machine *m = NULL, *inv;

	bb_boot_parse_query(req->query, req->query_len, &p);
	mac = bb_boot_param(&p, "mac");
	if (s->boot && mac && !bb_parse_mac(mac, strlen(mac), b)) {
		inv = bb_boot_machine_by_mac(s->boot, b);
		if (!bb_api_token_ok(req) &&
		    !bb_trust_bound_at(s, b, req->client_ip) &&
		    !(inv && bb_trust_is_own_addr(inv, req->client_ip, 0))) {
			char ip[16], ms[18];

			bb_warn("api: %s said %s booted: refused (not its "
				"address)",
				bb_fmt_ipv4(req->client_ip, ip),
				bb_fmt_mac(b, ms));
			bb_api_refuse(resp, "not this machine's address");
			return;
		}
		m = bb_boot_machine_get(s->boot, b);
	} else if (s->boot) {
		m = bb_trust_machine_at(s, req->client_ip);
	}
	if (!m) {
		resp->status = 404;
		bb_buf_puts(&resp->body, "unknown machine\n");
		return;
	}
	m->last_ip = req->client_ip;
	if (bb_serve_boot_advance(s, m, BB_BOOT_BOOTED))
		bb_info("boot: %s booted and called back %s", m->name,
			bb_routes_kv(m, kv, sizeof(kv)));
	resp->status = 200;
	bb_buf_puts(&resp->body, "ok\n");
}

static int count_lease(const struct bb_dhcp_lease *l, void *arg)
{
	(void)l;
	(*(int *)arg)++;
	return 0;
}

static void status(struct bb_serve *s, struct bb_http_response *resp)
{
	cJSON *j = cJSON_CreateObject(), *st = cJSON_CreateObject();
	int leases = 0;
	size_t i;

	cJSON_AddStringToObject(j, "name", s->cfg->appliance.name ?: "");
	cJSON_AddNumberToObject(j, "uptime",
				(double)(bb_board_wall_now() - s->started));
	bb_serve_dhcp_foreach(s, bb_board_wall_now(), count_lease, &leases);
	cJSON_AddNumberToObject(j, "leases", leases);
	for (i = 0; s->boot && i < s->boot->nmachines; i++) {
		const char *n = bb_boot_state_name(s->boot->machines[i].state);
		cJSON *c = cJSON_GetObjectItem(st, n);

		if (c)
			cJSON_SetNumberValue(c, c->valuedouble + 1);
		else
			cJSON_AddNumberToObject(st, n, 1);
	}
	cJSON_AddItemToObject(j, "machines", st);
	if (s->handoff)
		cJSON_AddItemToObject(j, "handoff", bb_api_handoff_json(s));
	bb_api_send_json(resp, 200, j);
}

/* Which appliance answers: the CLI compares it with the name in its own
 * config before it believes (or changes) anything. */
static void name_header(struct bb_serve *s, struct bb_http_response *resp)
{
	const char *n = s->cfg->appliance.name ? s->cfg->appliance.name : "";
	size_t i;

	for (i = 0; n[i]; i++)
		if ((unsigned char)n[i] < 0x20 || (unsigned char)n[i] > 0x7e)
			return; /* not a header's worth: the CLI says so */
	snprintf(resp->extra_headers, sizeof(resp->extra_headers),
		 "X-Bootbox-Appliance: %.200s\r\n", n);
}

void bb_api_handle(struct bb_serve *s, const struct bb_http_request *req,
		   struct bb_http_response *resp)
{
	const char *p = req->path;

	if (s->boot)
		s->boot->requests[5]++;
	name_header(s, resp);
	if (req->method == BB_HTTP_POST)
		bb_api_handle_post(s, req, resp);
	else if (req->method != BB_HTTP_GET && req->method != BB_HTTP_HEAD) {
		/* PUT, DELETE, ... are not GET (issue 11) */
		resp->status = 405;
		snprintf(resp->extra_headers, sizeof(resp->extra_headers),
			 "Allow: GET, HEAD\r\n");
	} else if (!strcmp(p, "/api/v1/machines"))
		machines(s, NULL, resp);
	else if (!strcmp(p, "/api/v1/handoff"))
		bb_api_send_json(resp, s->handoff ? 200 : 404,
				 bb_api_handoff_json(s));
	else if (!strncmp(p, "/api/v1/machines/", 17))
		machines(s, p + 17, resp);
	else if (!strcmp(p, "/api/v1/booted"))
		booted(s, req, resp);
	else if (!strcmp(p, "/api/v1/status"))
		status(s, resp);
	else if (!strcmp(p, "/metrics")) {
		resp->status = 200;
		resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
		bb_metrics_render(s, &resp->body);
	} else if (!strcmp(p, "/")) {
		bb_status_page(s, resp);
	} else if (!bb_api_status_route(s, req, resp)) {
		resp->status = 404;
		bb_buf_puts(&resp->body, "{\"error\":\"not found\"}\n");
	}
}
