/* bootbox import netbox: the machine inventory from NetBox's REST API, as
 * the runbook's machinecfg read it: devices of a site and role, the
 * interface that carries each one's primary IPv4 (its MAC is the one that
 * PXE-boots), the role and the architecture from the platform. Pages are
 * followed through "next", bounded. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "common/err.h"
#include "common/parse.h"
#include "firmware/config/config_dump.h"
#include "firmware/serve/netbox.h"
#include "inventory/netbox_page.h"
#include "inventory/netbox_pick.h"

#define MAX_PAGES 200

struct nb {
	char endpoint[512], ca_bundle[1024];
	FILE *out, *err;
	char auth[300];
	int warnings;
};

/* Reading NetBox, one request at a time on the loop: each page of the
 * devices, for each device the pages of its interfaces, then the pages of
 * the IP addresses of each interface until the primary IPv4 is found.
 * What a reply means is decided in services/inventory. */
struct bb_netbox_job {
	struct nb nb;
	void (*done)(void *arg, int rc);
	void *arg;
	struct bb_board_fetch *f;
	enum bb_netbox_list list;
	char url[512 + BB_NETBOX_NEXT_MAX];
	int page;
	struct bb_netbox_page devs; /* the devices page being worked through */
	size_t next_dev;	    /* its device after the current one */
	char dev_next[BB_NETBOX_NEXT_MAX + 1]; /* the next devices page */
	int dev_page;
	struct bb_netbox_dev *d; /* the current device */
	size_t ifidx;
	struct bb_netbox_seen seen;
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

/* The list being read failed (said on err already): the whole import
 * for the devices; that device for its interfaces; no match for an
 * interface's addresses. */
static void list_failed(struct bb_netbox_job *j)
{
	switch (j->list) {
	case BB_NETBOX_DEVICES: finish(j, 1); break;
	case BB_NETBOX_IFACES:
		free(j->d);
		j->d = NULL;
		next_device(j);
		break;
	case BB_NETBOX_IPS:
		j->ifidx++;
		next_ip(j);
		break;
	}
}

static void list_done(struct bb_netbox_job *j)
{
	if (j->list == BB_NETBOX_IFACES)
		j->ifidx = 0;
	else if (j->list == BB_NETBOX_IPS)
		j->ifidx++;
	next_ip(j);
}

static void get(struct bb_netbox_job *j)
{
	struct bb_board_fetch_req q = {0};

	q.method = "GET";
	q.url = j->url;
	q.headers = j->nb.auth;
	q.ca_path = j->nb.ca_bundle[0] ? j->nb.ca_bundle : NULL;
	q.max_reply = BB_NETBOX_REPLY_MAX;
	if (bb_board_fetch_start(&q, on_page, j, &j->f)) {
		fprintf(j->nb.err, "netbox: %s: %s\n", j->url,
			bb_board_errmsg());
		list_failed(j);
	}
}

/* path: from the list's own path on, as bb_netbox_next gives it too */
static void get_path(struct bb_netbox_job *j, const char *path)
{
	snprintf(j->url, sizeof(j->url), "%s%s", j->nb.endpoint, path);
	get(j);
}

static void start_list(struct bb_netbox_job *j, enum bb_netbox_list l,
		       const char *path)
{
	j->list = l;
	j->page = 0;
	get_path(j, path);
}

static void on_page(void *arg, const struct bb_board_fetch_result *r)
{
	struct bb_netbox_job *j = arg;
	struct bb_netbox_page p;
	const char *why;

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
	if (bb_netbox_page_parse(j->list, (const char *)r->body, r->len, &p,
				 &why)) {
		fprintf(j->nb.err, "netbox: %s: %s\n", j->url, why);
		list_failed(j);
		return;
	}
	if (j->list == BB_NETBOX_DEVICES) {
		/* its devices are read one by one before the next page */
		bb_netbox_page_free(&j->devs);
		j->devs = p;
		j->next_dev = 0;
		snprintf(j->dev_next, sizeof(j->dev_next), "%s", p.next);
		next_device(j);
		return;
	}
	if (j->list == BB_NETBOX_IFACES)
		bb_netbox_dev_add_ifaces(j->d, &p);
	else
		bb_netbox_dev_add_ips(j->d, j->ifidx, &p);
	bb_netbox_page_free(&p);
	if (!p.next[0]) {
		list_done(j);
	} else if (++j->page >= MAX_PAGES) {
		fprintf(j->nb.err, "netbox: %s: more than %d pages\n", j->url,
			MAX_PAGES);
		list_failed(j);
	} else {
		get_path(j, p.next);
	}
}

static void note(struct bb_netbox_job *j, const struct bb_netbox_machine *m)
{
	fprintf(j->nb.err, "netbox: %s: %s; using %s\n", m->name,
		m->how == BB_NETBOX_PRIMARY_LOST
		    ? "its primary IPv4 is on no interface with a MAC"
		    : "no primary IPv4: it gets a pool address",
		m->iface ? m->iface : "no interface (skipped)");
	j->nb.warnings++;
}

static bool unique(struct bb_netbox_job *j, const struct bb_netbox_machine *m)
{
	const char *what, *other;
	int rc = bb_netbox_seen_add(&j->seen, m, &what, &other);

	if (!rc)
		return true;
	if (rc == BB_EEXIST)
		fprintf(j->nb.err, "netbox: %s: its %s is %s's too: skipped\n",
			m->name, what, other);
	else
		fprintf(j->nb.err, "netbox: %s: %s: skipped\n", m->name,
			rc == BB_ENOSPC ? "more than 8192 machines"
					: bb_strerror(rc));
	j->nb.warnings++;
	return false;
}

/* The device's machine entry, from what its lists said. */
static void emit(struct bb_netbox_job *j)
{
	struct nb *nb = &j->nb;
	struct bb_netbox_machine m;
	char ip[16], mac[18];
	int rc = bb_netbox_pick(j->d, &m);

	if (m.how != BB_NETBOX_BY_PRIMARY)
		note(j, &m);
	if (rc || !unique(j, &m))
		return;
	if (!j->n++)
		fprintf(nb->out, "machines:\n");
	fprintf(nb->out, "  - name: ");
	bb_yaml_quote(nb->out, m.name);
	fprintf(nb->out, "\n    mac: \"%s\"\n", bb_fmt_mac(m.mac, mac));
	if (m.has_ip)
		fprintf(nb->out, "    ip: %s\n", bb_fmt_ipv4(m.ip, ip));
	if (m.role) {
		fprintf(nb->out, "    role: ");
		bb_yaml_quote(nb->out, m.role);
		fputc('\n', nb->out);
	}
	if (m.arch)
		fprintf(nb->out, "    arch: %s\n", m.arch);
}

static void next_ip(struct bb_netbox_job *j)
{
	int i = bb_netbox_dev_ask(j->d, j->ifidx);
	char path[128];

	if (i >= 0) {
		j->ifidx = (size_t)i;
		snprintf(path, sizeof(path), "%s?interface_id=%ld&limit=100",
			 bb_netbox_list_path(BB_NETBOX_IPS), j->d->ifs[i].id);
		start_list(j, BB_NETBOX_IPS, path);
		return;
	}
	emit(j);
	free(j->d);
	j->d = NULL;
	next_device(j);
}

/* Starts reading a device: true when a request is on its way. */
static bool begin_device(struct bb_netbox_job *j,
			 const struct bb_netbox_device *dev)
{
	char path[128];

	if (dev->skip) {
		if (dev->name[0])
			fprintf(j->nb.err, "netbox: %s: %s: skipped\n",
				dev->name, dev->skip);
		else
			fprintf(j->nb.err, "netbox: a device %s: skipped\n",
				dev->skip);
		j->nb.warnings++;
		return false;
	}
	if (!(j->d = malloc(sizeof(*j->d))))
		return false;
	bb_netbox_dev_init(j->d, dev);
	snprintf(path, sizeof(path), "%s?device_id=%ld&limit=100",
		 bb_netbox_list_path(BB_NETBOX_IFACES), dev->id);
	start_list(j, BB_NETBOX_IFACES, path);
	return true;
}

static void next_device(struct bb_netbox_job *j)
{
	while (j->next_dev < j->devs.n)
		if (begin_device(j, &j->devs.devices[j->next_dev++]))
			return;
	bb_netbox_page_free(&j->devs);
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
	j->list = BB_NETBOX_DEVICES;
	get_path(j, j->dev_next);
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
	snprintf(path, sizeof(path), "%s?limit=100%s%s%s%s",
		 bb_netbox_list_path(BB_NETBOX_DEVICES),
		 q->site ? "&site=" : "", q->site ? q->site : "",
		 q->role ? "&role=" : "", q->role ? q->role : "");
	fprintf(out, "# from NetBox %s by bootbox import netbox\n",
		q->endpoint);
	*jp = j;
	/* a failure to start already ends the job (done called) */
	start_list(j, BB_NETBOX_DEVICES, path);
	return 0;
}

void bb_netbox_cancel(struct bb_netbox_job *j)
{
	if (!j)
		return;
	bb_board_fetch_cancel(j->f);
	bb_netbox_page_free(&j->devs);
	bb_netbox_seen_free(&j->seen);
	free(j->d);
	free(j);
}
