#include <cjson/cJSON.h>
#include <mbedtls/x509_crt.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "boot/boot.h"
#include "cache/cache.h"
#include "firmware/serve/cert_check.h"
#include "common/parse.h"
#include "common/sanitize.h"
#include "dhcp/dhcp_server.h"
#include "firmware/serve/api.h"
#include "firmware/serve/api_status.h"
#include "firmware/serve/cache_plan.h"
#include "firmware/serve/cert_client.h"
#include "firmware/serve/log.h"
#include "firmware/serve/serve.h"
#include "firmware/serve/serve_cache.h"
#include "firmware/serve/serve_handoff.h"

const char *bb_api_lifecycle(struct bb_serve *s,
			     const struct bb_boot_machine *m)
{
	enum bb_phase p = bb_serve_phase(s, m);

	if (p == BB_PHASE_DISCOVERED && m->state == BB_BOOT_UNKNOWN &&
	    !m->last_seen)
		return "unseen";
	return bb_phase_name(p);
}

static const struct bb_boot_profile *profile_of(struct bb_serve *s,
						const struct bb_boot_machine *m)
{
	size_t i;

	if (!s->boot || !m->group[0])
		return NULL;
	for (i = 0; i < s->boot->ngroups; i++)
		if (!strcmp(s->boot->groups[i].id, m->group))
			return bb_boot_profile(s->boot,
					       s->boot->groups[i].profile);
	return NULL;
}

void bb_api_machine_extra(struct bb_serve *s, const struct bb_boot_machine *m,
			  cJSON *j)
{
	const struct bb_boot_profile *p = profile_of(s, m);
	const struct bb_cfg_machine *cm = bb_config_machine(s->cfg, m->name);
	struct bb_cache_key primary, k;
	bool has_primary = !bb_cache_primary(s->cfg, &primary);
	const char *prof = p ? p->id : cm && cm->profile ? cm->profile : NULL;

	cJSON_AddStringToObject(j, "lifecycle", bb_api_lifecycle(s, m));
	if (prof)
		cJSON_AddStringToObject(j, "profile", prof);
	else
		cJSON_AddNullToObject(j, "profile");
	if (p && p->kernel &&
	    !bb_cache_key_from_path(p->kernel, strlen(p->kernel),
				    has_primary ? &primary : NULL, &k))
		cJSON_AddStringToObject(j, "talos_version", k.version);
	else
		cJSON_AddNullToObject(j, "talos_version");
	if (m->last_seen)
		cJSON_AddNumberToObject(
		    j, "age", (double)(bb_board_wall_now() - m->last_seen));
	else
		cJSON_AddNullToObject(j, "age");
}

struct pool_count {
	const struct bb_cfg_subnet *sn;
	uint64_t used;
};

static int count_pool(const struct bb_dhcp_lease *l, void *arg)
{
	struct pool_count *pc = arg;
	size_t i;

	for (i = 0; i < pc->sn->npools; i++)
		if (l->ip >= pc->sn->pools[i].lo &&
		    l->ip <= pc->sn->pools[i].hi)
			pc->used++;
	return 0;
}

void bb_api_pool_use(struct bb_serve *s, size_t i, uint64_t *size,
		     uint64_t *used)
{
	struct pool_count pc = {&s->cfg->dhcp.subnets[i], 0};
	size_t j;

	*size = 0;
	for (j = 0; j < pc.sn->npools; j++)
		*size += (uint64_t)pc.sn->pools[j].hi - pc.sn->pools[j].lo + 1;
	bb_serve_dhcp_foreach(s, bb_board_wall_now(), count_pool, &pc);
	*used = pc.used;
}

static const char *lease_state(uint8_t st)
{
	return st == BB_LEASE_BOUND	 ? "bound"
	       : st == BB_LEASE_DECLINED ? "declined"
					 : "free";
}

static int add_lease(const struct bb_dhcp_lease *l, void *arg)
{
	struct bb_serve *s = ((void **)arg)[0];
	cJSON *arr = ((void **)arg)[1], *j = cJSON_CreateObject();
	struct bb_boot_machine *m =
	    s->boot ? bb_boot_machine_by_mac(s->boot, l->mac) : NULL;
	char ip[16], mac[18], host[200];

	cJSON_AddStringToObject(j, "ip", bb_fmt_ipv4(l->ip, ip));
	cJSON_AddStringToObject(j, "mac", bb_fmt_mac(l->mac, mac));
	cJSON_AddStringToObject(j, "state", lease_state(l->state));
	cJSON_AddNumberToObject(j, "expires", (double)l->expires);
	cJSON_AddNumberToObject(j, "updated", (double)l->updated);
	/* the client chose it: escaped like every untrusted string */
	bb_sanitize(host, sizeof(host), l->hostname,
		    strnlen(l->hostname, sizeof(l->hostname)));
	cJSON_AddStringToObject(j, "hostname", host);
	if (m && m->inventory)
		cJSON_AddStringToObject(j, "machine", m->name);
	else
		cJSON_AddNullToObject(j, "machine");
	cJSON_AddItemToArray(arr, j);
	return 0;
}

cJSON *bb_api_leases_json(struct bb_serve *s)
{
	cJSON *j = cJSON_CreateObject(), *subs, *arr;
	void *arg[2] = {s, NULL};
	struct bb_dhcp_lease *v = NULL;
	char net[16], buf[40];
	size_t i, n = 0;

	cJSON_AddBoolToObject(j, "enabled", s->cfg->dhcp.enabled);
	subs = cJSON_AddArrayToObject(j, "subnets");
	for (i = 0; s->cfg->dhcp.enabled && i < s->cfg->dhcp.nsubnets; i++) {
		const struct bb_cfg_subnet *sn = &s->cfg->dhcp.subnets[i];
		cJSON *o = cJSON_CreateObject();
		uint64_t size, used;

		bb_api_pool_use(s, i, &size, &used);
		snprintf(buf, sizeof(buf), "%s/%u", bb_fmt_ipv4(sn->net, net),
			 sn->prefix);
		cJSON_AddStringToObject(o, "subnet", buf);
		cJSON_AddNumberToObject(o, "pool_size", (double)size);
		cJSON_AddNumberToObject(o, "pool_used", (double)used);
		cJSON_AddItemToArray(subs, o);
	}
	arr = cJSON_AddArrayToObject(j, "leases");
	arg[1] = arr;
	/* copied first: building JSON under the lock would hold DHCP up */
	if (bb_serve_dhcp_leases(s, bb_board_wall_now(), &v, &n))
		cJSON_AddBoolToObject(j, "truncated", true);
	for (i = 0; i < n; i++)
		add_lease(&v[i], arg);
	free(v);
	return j;
}

cJSON *bb_api_certs_json(struct bb_serve *s)
{
	cJSON *j = cJSON_CreateObject();
	struct bb_cert_paths p;
	mbedtls_x509_crt crt;
	time_t due, na;
	char subj[256];

	cJSON_AddBoolToObject(j, "enabled", s->cfg->pki.enabled);
	if (!s->cfg->pki.enabled)
		return j;
	bb_cert_paths(s->cfg, &p);
	cJSON_AddStringToObject(j, "path", p.crt);
	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_file(&crt, p.crt)) {
		cJSON_AddBoolToObject(j, "present", false);
		cJSON_AddNullToObject(j, "subject");
		cJSON_AddNullToObject(j, "not_after");
		cJSON_AddNumberToObject(j, "next_renewal",
					(double)bb_board_wall_now());
		mbedtls_x509_crt_free(&crt);
		return j;
	}
	cJSON_AddBoolToObject(j, "present", true);
	if (mbedtls_x509_dn_gets(subj, sizeof(subj), &crt.subject) < 0)
		subj[0] = 0;
	cJSON_AddStringToObject(j, "subject", subj);
	if (mbedtls_x509_dn_gets(subj, sizeof(subj), &crt.issuer) < 0)
		subj[0] = 0;
	cJSON_AddStringToObject(j, "issuer", subj);
	mbedtls_x509_crt_free(&crt);
	if (!bb_cert_due(s->cfg, &due, &na)) {
		cJSON_AddNumberToObject(j, "not_after", (double)na);
		cJSON_AddNumberToObject(j, "next_renewal", (double)due);
	}
	return j;
}

cJSON *bb_api_events_json(void)
{
	static struct bb_log_event ev[BB_LOG_EVENTS];
	static const char *const lv[] = {"error", "warning", "info", "debug"};
	cJSON *arr = cJSON_CreateArray();
	size_t n = bb_log_events(ev, BB_LOG_EVENTS), i;

	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "time", (double)ev[i].when);
		cJSON_AddStringToObject(o, "level", lv[ev[i].level & 3]);
		cJSON_AddStringToObject(o, "message", ev[i].msg);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

cJSON *bb_api_cache_json(struct bb_serve *s)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddBoolToObject(j, "enabled", s->cache != NULL);
	if (s->cache)
		bb_serve_cache_describe(s, j);
	return j;
}

bool bb_api_status_route(struct bb_serve *s, const struct bb_http_request *req,
			 struct bb_http_response *resp)
{
	const char *p = req->path;

	if (!strcmp(p, "/healthz")) {
		resp->status = 200;
		resp->content_type = "text/plain; charset=utf-8";
		bb_buf_puts(&resp->body, "ok\n");
	} else if (!strcmp(p, "/api/v1/leases"))
		bb_api_send_json(resp, 200, bb_api_leases_json(s));
	else if (!strcmp(p, "/api/v1/cache"))
		bb_api_send_json(resp, 200, bb_api_cache_json(s));
	else if (!strcmp(p, "/api/v1/certs"))
		bb_api_send_json(resp, 200, bb_api_certs_json(s));
	else if (!strcmp(p, "/api/v1/events"))
		bb_api_send_json(resp, 200, bb_api_events_json());
	else
		return false;
	return true;
}
