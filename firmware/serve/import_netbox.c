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

#include "board/board.h"
#include "cache/upstream.h"
#include "common/err.h"
#include "common/parse.h"
#include "firmware/config/config_dump.h"
#include "firmware/serve/netbox.h"

#define MAX_PAGES 200

struct nb {
	char endpoint[512], ca_bundle[1024];
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
		n = snprintf(url, cap, "%s%s", nb->endpoint, u.path);
	else
		n = snprintf(url, cap, "%s%s", nb->endpoint, next);
	return n < 0 || (size_t)n >= cap ? BB_ETOOBIG : 0;
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

/* Reading NetBox, one request at a time on the loop: each page of the
 * devices, for each device the pages of its interfaces, then the pages of
 * the IP addresses of each interface until the primary IPv4 is found. */
enum list { DEVICES, IFACES, IPS };

struct bb_netbox_job {
	struct nb nb;
	void (*done)(void *arg, int rc);
	void *arg;
	struct bb_board_fetch *f;
	enum list list;
	char url[2048];
	int page;
	cJSON *devs;	       /* the devices page being worked through */
	const cJSON *next_dev; /* its device after the current one */
	char dev_next[2048];   /* the next devices page; "": none */
	int dev_page;
	const char *name, *role, *arch; /* the current device's */
	struct dev *d;
	int ifidx;
	struct ipmatch m;
	int n;
};

static void next_device(struct bb_netbox_job *j);
static void next_ip(struct bb_netbox_job *j);
static void on_page(void *arg, const struct bb_board_fetch_result *r);

static void finish(struct bb_netbox_job *j, int rc)
{
	if (!j->n)
		fprintf(j->nb.out, "machines: []\n");
	fprintf(j->nb.err, "netbox: %d machine(s), %d note(s)\n", j->n,
		j->nb.warnings);
	j->done(j->arg, rc);
	bb_netbox_cancel(j);
}

static void get(struct bb_netbox_job *j);

/* The list being read failed (said on err already): the whole import
 * for the devices; that device for its interfaces; no match for an
 * interface's addresses. */
static void list_failed(struct bb_netbox_job *j)
{
	switch (j->list) {
	case DEVICES: finish(j, 1); break;
	case IFACES:
		free(j->d);
		j->d = NULL;
		next_device(j);
		break;
	case IPS:
		j->ifidx++;
		next_ip(j);
		break;
	}
}

static void list_done(struct bb_netbox_job *j)
{
	if (j->list == IFACES) {
		j->ifidx = 0;
	} else if (j->list == IPS) {
		if (j->m.hit)
			j->d->found = j->ifidx;
		j->ifidx++;
	}
	next_ip(j);
}

static void get(struct bb_netbox_job *j)
{
	struct bb_board_fetch_req q = {0};

	q.method = "GET";
	q.url = j->url;
	q.headers = j->nb.auth;
	q.ca_path = j->nb.ca_bundle[0] ? j->nb.ca_bundle : NULL;
	q.max_reply = 16u << 20;
	if (bb_board_fetch_start(&q, on_page, j, &j->f)) {
		fprintf(j->nb.err, "netbox: %s: %s\n", j->url,
			bb_board_errmsg());
		list_failed(j);
	}
}

static void start_list(struct bb_netbox_job *j, enum list l, const char *path)
{
	j->list = l;
	j->page = 0;
	if (snprintf(j->url, sizeof(j->url), "%s%s", j->nb.endpoint, path) >=
	    (int)sizeof(j->url)) {
		fprintf(j->nb.err, "netbox: endpoint too long\n");
		list_failed(j);
		return;
	}
	get(j);
}

static void on_page(void *arg, const struct bb_board_fetch_result *r)
{
	struct bb_netbox_job *j = arg;
	const cJSON *res, *next, *it;
	cJSON *doc;

	j->f = NULL;
	if (r->err) {
		fprintf(j->nb.err, "netbox: %s: %s\n", j->url, r->msg);
		list_failed(j);
		return;
	}
	if (r->status != 200) {
		fprintf(j->nb.err, "netbox: %s: HTTP %d%s\n", j->url, r->status,
			r->status == 403 || r->status == 401
			    ? " (is the token valid?)"
			    : "");
		list_failed(j);
		return;
	}
	doc =
	    cJSON_ParseWithLength(r->body ? (const char *)r->body : "", r->len);
	res = cJSON_GetObjectItemCaseSensitive(doc, "results");
	if (!cJSON_IsArray(res)) {
		fprintf(j->nb.err, "netbox: %s: not a NetBox list\n", j->url);
		cJSON_Delete(doc);
		list_failed(j);
		return;
	}
	next = cJSON_GetObjectItemCaseSensitive(doc, "next");
	if (cJSON_IsString(next) && *next->valuestring &&
	    rebase(&j->nb, next->valuestring,
		   j->list == DEVICES ? j->dev_next : j->url, sizeof(j->url))) {
		fprintf(j->nb.err, "netbox: a \"next\" URL too long\n");
		cJSON_Delete(doc);
		list_failed(j);
		return;
	}
	if (j->list == DEVICES) {
		/* its devices are read one by one before the next page */
		if (!(cJSON_IsString(next) && *next->valuestring))
			j->dev_next[0] = 0;
		cJSON_Delete(j->devs);
		j->devs = doc;
		j->next_dev = res->child;
		next_device(j);
		return;
	}
	cJSON_ArrayForEach(it, res)
	{
		if (j->list == IFACES)
			on_iface(&j->nb, it, j->d);
		else
			on_ip(&j->nb, it, &j->m);
	}
	cJSON_Delete(doc);
	if (!(cJSON_IsString(next) && *next->valuestring)) {
		list_done(j);
	} else if (++j->page >= MAX_PAGES) {
		fprintf(j->nb.err, "netbox: %s: more than %d pages\n", j->url,
			MAX_PAGES);
		list_failed(j);
	} else {
		get(j);
	}
}

/* The device's machine entry, from what its lists said. */
static void emit(struct bb_netbox_job *j)
{
	struct nb *nb = &j->nb;
	struct dev *d = j->d;
	const struct iface *f = NULL;
	char ip[20], m[18];
	int i;

	if (d->found >= 0 && d->ifs[d->found].has_mac) {
		f = &d->ifs[d->found];
	} else {
		/* no primary IP (or it sits on an interface without a MAC):
		 * the first non-management interface with one boots */
		for (i = 0; i < d->nifs && !f; i++)
			if (d->ifs[i].has_mac && !d->ifs[i].mgmt)
				f = &d->ifs[i];
		fprintf(nb->err, "netbox: %s: %s; using %s\n", j->name,
			d->primary ? "its primary IPv4 is on no interface "
				     "with a MAC"
				   : "no primary IPv4: it gets a pool address",
			f ? f->name : "no interface (skipped)");
		nb->warnings++;
	}
	if (!f)
		return;
	if (!j->n++)
		fprintf(nb->out, "machines:\n");
	fprintf(nb->out, "  - name: ");
	bb_yaml_quote(nb->out, j->name);
	fprintf(nb->out, "\n    mac: \"%s\"\n", bb_fmt_mac(f->mac, m));
	if (d->primary && d->found >= 0 && f == &d->ifs[d->found]) {
		snprintf(ip, sizeof(ip), "%.*s", (int)strcspn(d->primary, "/"),
			 d->primary);
		fprintf(nb->out, "    ip: %s\n", ip);
	}
	if (j->role) {
		fprintf(nb->out, "    role: ");
		bb_yaml_quote(nb->out, j->role);
		fputc('\n', nb->out);
	}
	if (j->arch)
		fprintf(nb->out, "    arch: %s\n", j->arch);
}

static void next_ip(struct bb_netbox_job *j)
{
	struct dev *d = j->d;
	char path[128];

	if (d->primary && j->ifidx < d->nifs && d->found < 0) {
		j->m = (struct ipmatch){.want = d->primary};
		snprintf(path, sizeof(path),
			 "/api/ipam/ip-addresses/?interface_id=%ld&limit=100",
			 d->ifs[j->ifidx].id);
		start_list(j, IPS, path);
		return;
	}
	emit(j);
	free(j->d);
	j->d = NULL;
	next_device(j);
}

/* Starts reading device it: true when a request is on its way. */
static bool begin_device(struct bb_netbox_job *j, const cJSON *it)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
	char path[128];

	j->name = str_at(it, "name", NULL);
	j->role = str_at(it, "role", "slug");
	if (!j->role) /* NetBox 3 */
		j->role = str_at(it, "device_role", "slug");
	j->arch = arch_of(it);
	if (!j->name || !cJSON_IsNumber(id)) {
		fprintf(j->nb.err,
			"netbox: a device without a name: skipped\n");
		j->nb.warnings++;
		return false;
	}
	if (!(j->d = calloc(1, sizeof(*j->d))))
		return false;
	j->d->primary = str_at(it, "primary_ip4", "address");
	j->d->found = -1;
	snprintf(path, sizeof(path),
		 "/api/dcim/interfaces/?device_id=%ld&limit=100",
		 (long)id->valuedouble);
	start_list(j, IFACES, path);
	return true;
}

static void next_device(struct bb_netbox_job *j)
{
	while (j->next_dev) {
		const cJSON *it = j->next_dev;

		j->next_dev = it->next;
		if (begin_device(j, it))
			return;
	}
	cJSON_Delete(j->devs);
	j->devs = NULL;
	if (!j->dev_next[0]) {
		finish(j, 0);
		return;
	}
	if (++j->dev_page >= MAX_PAGES) {
		fprintf(j->nb.err, "netbox: devices: more than %d pages\n",
			MAX_PAGES);
		finish(j, 1);
		return;
	}
	j->list = DEVICES;
	snprintf(j->url, sizeof(j->url), "%s", j->dev_next);
	get(j);
}

int bb_netbox_start(const struct bb_netbox_query *q, FILE *out, FILE *err,
		    void (*done)(void *arg, int rc), void *arg,
		    struct bb_netbox_job **jp)
{
	struct bb_netbox_job *j;
	char path[512];
	size_t len = strlen(q->endpoint);

	*jp = NULL;
	if (len && q->endpoint[len - 1] == '/') {
		fprintf(err,
			"netbox: give the endpoint without a trailing /\n");
		return 1;
	}
	if (len >= sizeof(j->nb.endpoint) ||
	    (q->ca_bundle && strlen(q->ca_bundle) >= sizeof(j->nb.ca_bundle))) {
		fprintf(err, "netbox: endpoint or CA bundle path too long\n");
		return 1;
	}
	if (!(j = calloc(1, sizeof(*j)))) {
		fprintf(err, "netbox: out of memory\n");
		return 1;
	}
	snprintf(j->nb.endpoint, sizeof(j->nb.endpoint), "%s", q->endpoint);
	snprintf(j->nb.ca_bundle, sizeof(j->nb.ca_bundle), "%s",
		 q->ca_bundle ? q->ca_bundle : "");
	j->nb.out = out;
	j->nb.err = err;
	j->done = done;
	j->arg = arg;
	snprintf(j->nb.auth, sizeof(j->nb.auth), "Authorization: Token %s\r\n",
		 q->token);
	snprintf(path, sizeof(path), "/api/dcim/devices/?limit=100%s%s%s%s",
		 q->site ? "&site=" : "", q->site ? q->site : "",
		 q->role ? "&role=" : "", q->role ? q->role : "");
	fprintf(out, "# from NetBox %s by bootbox import netbox\n",
		q->endpoint);
	*jp = j;
	/* a failure to start already ends the job (done called) */
	start_list(j, DEVICES, path);
	return 0;
}

void bb_netbox_cancel(struct bb_netbox_job *j)
{
	if (!j)
		return;
	bb_board_fetch_cancel(j->f);
	cJSON_Delete(j->devs);
	free(j->d);
	free(j);
}
