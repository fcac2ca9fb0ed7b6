/* bootbox import netbox: the machine inventory from NetBox's REST API, as
 * the runbook's machinecfg read it: devices of a site and role, the
 * interface that carries each one's primary IPv4 (its MAC is the one that
 * PXE-boots), the role and the architecture from the platform. Pages are
 * followed through "next", bounded. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/linux/http_client.h"
#include "cache/upstream.h"
#include "common/err.h"
#include "common/parse.h"
#include "firmware/config/config_dump.h"
#include "firmware/serve/netbox.h"

#define MAX_PAGES 200

struct nb {
	const struct bb_netbox_query *q;
	FILE *out, *err;
	char auth[300];
	int warnings;
};

/* "next" is absolute and names the host NetBox thinks it has (often
 * behind a proxy): only its path and query are used, on our endpoint. */
static int rebase(const struct nb *nb, const char *next, char *url, size_t cap)
{
	struct bb_url u;
	int n;

	if (!bb_url_parse(next, strlen(next), &u))
		n = snprintf(url, cap, "%s%s", nb->q->endpoint, u.path);
	else
		n = snprintf(url, cap, "%s%s", nb->q->endpoint, next);
	return n < 0 || (size_t)n >= cap ? BB_ETOOBIG : 0;
}

/* GETs every page of a list and calls fn for each result. */
static int each(struct nb *nb, const char *path,
		void (*fn)(struct nb *, const cJSON *, void *), void *arg)
{
	char url[2048], msg[256];
	int page;

	if (snprintf(url, sizeof(url), "%s%s", nb->q->endpoint, path) >=
	    (int)sizeof(url)) {
		fprintf(nb->err, "netbox: endpoint too long\n");
		return 1;
	}
	for (page = 0; page < MAX_PAGES; page++) {
		struct bb_http_req r = {.url = url,
					.method = "GET",
					.headers = nb->auth,
					.ca_bundle = nb->q->ca_bundle,
					.max_reply = 16u << 20};
		struct bb_http_resp resp;
		const cJSON *res, *next, *it;
		cJSON *j;
		int rc = bb_http_request(&r, &resp, msg, sizeof(msg));

		if (rc) {
			fprintf(nb->err, "netbox: %s: %s\n", url, msg);
			return 1;
		}
		if (resp.status != 200) {
			fprintf(nb->err, "netbox: %s: HTTP %d%s\n", url,
				resp.status,
				resp.status == 403 || resp.status == 401
				    ? " (is the token valid?)"
				    : "");
			bb_buf_free(&resp.body);
			return 1;
		}
		j = cJSON_ParseWithLength(resp.body.p ? resp.body.p : "",
					  resp.body.len);
		bb_buf_free(&resp.body);
		res = cJSON_GetObjectItemCaseSensitive(j, "results");
		if (!cJSON_IsArray(res)) {
			fprintf(nb->err, "netbox: %s: not a NetBox list\n",
				url);
			cJSON_Delete(j);
			return 1;
		}
		cJSON_ArrayForEach(it, res) fn(nb, it, arg);
		next = cJSON_GetObjectItemCaseSensitive(j, "next");
		if (!cJSON_IsString(next) || !*next->valuestring) {
			cJSON_Delete(j);
			return 0;
		}
		rc = rebase(nb, next->valuestring, url, sizeof(url));
		cJSON_Delete(j);
		if (rc) {
			fprintf(nb->err, "netbox: a \"next\" URL too long\n");
			return 1;
		}
	}
	fprintf(nb->err, "netbox: %s: more than %d pages\n", path, MAX_PAGES);
	return 1;
}

static const char *str_at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

struct iface {
	long id;
	char name[64];
	uint8_t mac[6];
	bool has_mac, mgmt;
};

struct dev {
	struct iface ifs[64];
	int nifs;
	const char *primary; /* "a.b.c.d/n" */
	int found;	     /* index into ifs of the primary's interface */
};

static void on_iface(struct nb *nb, const cJSON *it, void *arg)
{
	struct dev *d = arg;
	struct iface *f;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
	/* NetBox 4.2 moved the MAC into its own object */
	const char *mac = str_at(it, "mac_address", NULL);

	(void)nb;
	if (!mac)
		mac = str_at(it, "primary_mac_address", "mac_address");
	if (d->nifs == 64 || !cJSON_IsNumber(id))
		return;
	f = &d->ifs[d->nifs++];
	memset(f, 0, sizeof(*f));
	f->id = (long)id->valuedouble;
	snprintf(f->name, sizeof(f->name), "%s",
		 str_at(it, "name", NULL) ? str_at(it, "name", NULL) : "?");
	f->has_mac = mac && !bb_parse_mac(mac, strlen(mac), f->mac);
	f->mgmt =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "mgmt_only"));
}

struct ipmatch {
	const char *want;
	bool hit;
};

static void on_ip(struct nb *nb, const cJSON *it, void *arg)
{
	struct ipmatch *m = arg;
	const char *a = str_at(it, "address", NULL);

	(void)nb;
	if (a && m->want && !strcmp(a, m->want))
		m->hit = true;
}

static const char *arch_of(const cJSON *dev)
{
	const char *p = str_at(dev, "platform", "slug");

	if (!p)
		p = str_at(dev, "platform", "name");
	if (!p)
		return NULL;
	if (strstr(p, "arm64") || strstr(p, "aarch64"))
		return "arm64";
	if (strstr(p, "amd64") || strstr(p, "x86_64") || strstr(p, "x86-64"))
		return "amd64";
	return NULL;
}

static void on_device(struct nb *nb, const cJSON *it, void *arg)
{
	const char *name = str_at(it, "name", NULL);
	const char *role = str_at(it, "role", "slug");
	const char *arch = arch_of(it);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
	struct dev *d = calloc(1, sizeof(*d));
	char path[128], ip[20];
	int *n = arg, i;
	const struct iface *f = NULL;

	if (!d)
		return;
	if (!role) /* NetBox 3 */
		role = str_at(it, "device_role", "slug");
	d->primary = str_at(it, "primary_ip4", "address");
	d->found = -1;
	if (!name || !cJSON_IsNumber(id)) {
		fprintf(nb->err, "netbox: a device without a name: skipped\n");
		nb->warnings++;
		free(d);
		return;
	}
	snprintf(path, sizeof(path),
		 "/api/dcim/interfaces/?device_id=%ld&limit=100",
		 (long)id->valuedouble);
	if (each(nb, path, on_iface, d)) {
		free(d);
		return;
	}
	for (i = 0; d->primary && i < d->nifs && d->found < 0; i++) {
		struct ipmatch m = {.want = d->primary};

		snprintf(path, sizeof(path),
			 "/api/ipam/ip-addresses/?interface_id=%ld&limit=100",
			 d->ifs[i].id);
		if (each(nb, path, on_ip, &m) == 0 && m.hit)
			d->found = i;
	}
	if (d->found >= 0 && d->ifs[d->found].has_mac) {
		f = &d->ifs[d->found];
	} else {
		/* no primary IP (or it sits on an interface without a MAC):
		 * the first non-management interface with one boots */
		for (i = 0; i < d->nifs && !f; i++)
			if (d->ifs[i].has_mac && !d->ifs[i].mgmt)
				f = &d->ifs[i];
		fprintf(nb->err, "netbox: %s: %s; using %s\n", name,
			d->primary ? "its primary IPv4 is on no interface "
				     "with a MAC"
				   : "no primary IPv4: it gets a pool address",
			f ? f->name : "no interface (skipped)");
		nb->warnings++;
	}
	if (!f) {
		free(d);
		return;
	}
	if (!(*n)++)
		fprintf(nb->out, "machines:\n");
	fprintf(nb->out, "  - name: ");
	bb_yaml_quote(nb->out, name);
	{
		char m[18];

		fprintf(nb->out, "\n    mac: \"%s\"\n", bb_fmt_mac(f->mac, m));
	}
	if (d->primary && d->found >= 0 && f == &d->ifs[d->found]) {
		snprintf(ip, sizeof(ip), "%.*s", (int)strcspn(d->primary, "/"),
			 d->primary);
		fprintf(nb->out, "    ip: %s\n", ip);
	}
	if (role) {
		fprintf(nb->out, "    role: ");
		bb_yaml_quote(nb->out, role);
		fputc('\n', nb->out);
	}
	if (arch)
		fprintf(nb->out, "    arch: %s\n", arch);
	free(d);
}

int bb_import_netbox(const struct bb_netbox_query *q, FILE *out, FILE *err)
{
	struct nb nb = {.q = q, .out = out, .err = err};
	char path[512];
	int n = 0, rc;
	size_t len = strlen(q->endpoint);

	if (len && q->endpoint[len - 1] == '/') {
		fprintf(err,
			"netbox: give the endpoint without a trailing /\n");
		return 1;
	}
	snprintf(nb.auth, sizeof(nb.auth), "Authorization: Token %s\r\n",
		 q->token);
	snprintf(path, sizeof(path), "/api/dcim/devices/?limit=100%s%s%s%s",
		 q->site ? "&site=" : "", q->site ? q->site : "",
		 q->role ? "&role=" : "", q->role ? q->role : "");
	fprintf(out, "# from NetBox %s by bootbox import netbox\n",
		q->endpoint);
	rc = each(&nb, path, on_device, &n);
	if (!n)
		fprintf(out, "machines: []\n");
	fprintf(err, "netbox: %d machine(s), %d note(s)\n", n, nb.warnings);
	return rc;
}
