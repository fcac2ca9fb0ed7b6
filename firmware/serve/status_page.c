#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "boot/boot.h"
#include "firmware/serve/api.h"
#include "firmware/serve/api_status.h"
#include "firmware/config/version.h"
#include "firmware/serve/serve.h"
#include "firmware/serve/status_page.h"
#include "firmware/serve/status_page_js.h"

static void esc(struct bb_buf *b, const char *s)
{
	char one[2] = {0, 0};

	for (; s && *s; s++) {
		switch (*s) {
		case '&': bb_buf_puts(b, "&amp;"); break;
		case '<': bb_buf_puts(b, "&lt;"); break;
		case '>': bb_buf_puts(b, "&gt;"); break;
		case '"': bb_buf_puts(b, "&quot;"); break;
		case '\'': bb_buf_puts(b, "&#39;"); break;
		default: one[0] = *s; bb_buf_puts(b, one);
		}
	}
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* the script's when(): ISO 8601 UTC, "-" for none */
static const char *when(double t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0)
		return "-";
	gmtime_r(&tt, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static const char *ago(double s, char buf[32])
{
	if (s < 0)
		return "-";
	if (s < 120)
		snprintf(buf, 32, "%.0f s", s);
	else if (s < 7200)
		snprintf(buf, 32, "%.0f min", s / 60);
	else
		snprintf(buf, 32, "%.0f h", s / 3600);
	return buf;
}

static void cell(struct bb_buf *b, const char *cls, const char *v)
{
	bb_buf_puts(b, cls ? "<td class=\"" : "<td>");
	if (cls) {
		esc(b, cls);
		bb_buf_puts(b, "\">");
	}
	esc(b, v && v[0] ? v : "-");
	bb_buf_puts(b, "</td>");
}

static void table(struct bb_buf *b, const char *id, const char *const *head)
{
	bb_buf_printf(b, "<table id=\"%s\"><thead><tr>", id);
	for (; *head; head++)
		bb_buf_printf(b, "<th>%s</th>", *head);
	bb_buf_puts(b, "</tr></thead><tbody>");
}

static void table_end(struct bb_buf *b, int rows, int cols)
{
	if (!rows)
		bb_buf_printf(b, "<tr><td colspan=\"%d\">none</td></tr>", cols);
	bb_buf_puts(b, "</tbody></table>\n");
}

static void machines(struct bb_serve *s, struct bb_buf *b)
{
	static const char *const h[] = {"machine", "phase", "address",	 "MAC",
					"profile", "Talos", "last seen", NULL};
	char cls[40], t[32];
	size_t i;

	bb_buf_puts(b, "<h2>Machines</h2>");
	table(b, "machines", h);
	for (i = 0; s->boot && i < s->boot->nmachines; i++) {
		cJSON *m = bb_api_machine_json(s, &s->boot->machines[i]);

		snprintf(cls, sizeof(cls), "p-%s", str(m, "lifecycle"));
		bb_buf_puts(b, "<tr>");
		cell(b, NULL, str(m, "name"));
		cell(b, cls, str(m, "lifecycle"));
		cell(b, NULL, str(m, "ip") ? str(m, "ip") : str(m, "last_ip"));
		cell(b, NULL, str(m, "mac"));
		cell(b, NULL, str(m, "profile"));
		cell(b, NULL, str(m, "talos_version"));
		cell(b, NULL, ago(num(m, "age", -1), t));
		bb_buf_puts(b, "</tr>");
		cJSON_Delete(m);
	}
	table_end(b, s->boot ? (int)s->boot->nmachines : 0, 7);
}

static void leases(struct bb_serve *s, struct bb_buf *b)
{
	static const char *const hp[] = {"subnet", "pool in use", NULL};
	static const char *const hl[] = {
	    "address", "MAC", "state", "machine / hostname", "expires", NULL};
	cJSON *d = bb_api_leases_json(s), *e;
	char t[32], u[64];
	int n = 0;

	bb_buf_puts(b, "<h2>Leases</h2>");
	table(b, "pools", hp);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(d, "subnets"))
	{
		snprintf(u, sizeof(u), "%.0f of %.0f", num(e, "pool_used", 0),
			 num(e, "pool_size", 0));
		bb_buf_puts(b, "<tr>");
		cell(b, NULL, str(e, "subnet"));
		cell(b, NULL, u);
		bb_buf_puts(b, "</tr>");
		n++;
	}
	table_end(b, n, 2);
	table(b, "leases", hl);
	n = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(d, "leases"))
	{
		bb_buf_puts(b, "<tr>");
		cell(b, NULL, str(e, "ip"));
		cell(b, NULL, str(e, "mac"));
		cell(b, NULL, str(e, "state"));
		cell(b, NULL,
		     str(e, "machine") ? str(e, "machine")
				       : str(e, "hostname"));
		cell(b, NULL, when(num(e, "expires", 0), t));
		bb_buf_puts(b, "</tr>");
		n++;
	}
	table_end(b, n, 5);
	cJSON_Delete(d);
}

/* one row of plain cells */
static void row(struct bb_buf *b, const char *const *cells, int n)
{
	int i;

	bb_buf_puts(b, "<tr>");
	for (i = 0; i < n; i++)
		cell(b, NULL, cells[i]);
	bb_buf_puts(b, "</tr>");
}

static const char *artifact_name(const cJSON *e, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", str(e, "version"), str(e, "artifact"));
	return buf;
}

/* the rows of one cache list: cached, fetching or failed */
static int cache_rows(struct bb_buf *b, const cJSON *list, int kind)
{
	const cJSON *e;
	char t[32], v[200], w[200];
	int n = 0;

	cJSON_ArrayForEach(e, list)
	{
		const char *c[4];

		if (kind == 0) {
			snprintf(v, sizeof(v), "%.1f MiB",
				 num(e, "length", 0) / 1048576.0);
			c[0] = str(e, "version");
			c[1] = str(e, "artifact");
			c[2] = v;
			c[3] = when(num(e, "last_used", 0), t);
			row(b, c, 4);
		} else if (kind == 1) {
			snprintf(v, sizeof(v), "%.0f of %.0f bytes",
				 num(e, "have", 0), num(e, "total", 0));
			c[0] = artifact_name(e, w, sizeof(w));
			c[1] = v;
			row(b, c, 2);
		} else {
			c[0] = when(num(e, "time", 0), t);
			c[1] = artifact_name(e, w, sizeof(w));
			c[2] = str(e, "message");
			row(b, c, 3);
		}
		n++;
	}
	return n;
}

static void cache(struct bb_serve *s, struct bb_buf *b)
{
	static const char *const ha[] = {"version", "artifact", "size",
					 "last used", NULL};
	static const char *const hf[] = {"fetching", "progress", NULL};
	static const char *const he[] = {"when", "artifact", "error", NULL};
	cJSON *d;

	if (!s->cache)
		return;
	d = bb_api_cache_json(s);
	bb_buf_puts(b, "<h2>Artifact cache</h2>");
	table(b, "artifacts", ha);
	table_end(b, cache_rows(b, cJSON_GetObjectItem(d, "artifacts"), 0), 4);
	table(b, "fetching", hf);
	table_end(b, cache_rows(b, cJSON_GetObjectItem(d, "fetching"), 1), 2);
	table(b, "cacheerr", he);
	table_end(b, cache_rows(b, cJSON_GetObjectItem(d, "errors"), 2), 3);
	cJSON_Delete(d);
}

static void cert(struct bb_serve *s, struct bb_buf *b)
{
	static const char *const h[] = {"subject", "expires", "next renewal",
					NULL};
	cJSON *d;
	char t[32], u[32];

	if (!s->cfg->pki.enabled)
		return;
	d = bb_api_certs_json(s);
	bb_buf_puts(b, "<h2>Certificate</h2>");
	table(b, "cert", h);
	bb_buf_puts(b, "<tr>");
	cell(b, NULL, str(d, "subject") ?: "(none yet)");
	cell(b, NULL, when(num(d, "not_after", 0), t));
	cell(b, NULL, when(num(d, "next_renewal", 0), u));
	bb_buf_puts(b, "</tr>");
	table_end(b, 1, 3);
	cJSON_Delete(d);
}

static void handoff(struct bb_serve *s, struct bb_buf *b)
{
	static const char *const h[] = {"management", "phase", "probes",
					"reachable",  "runs",  "last error",
					NULL};
	const struct bb_boot_machine *m;
	const char *phase;
	cJSON *d, *p;
	char cls[40], v[200];
	size_t n = 0;

	if (!s->handoff || !s->boot)
		return;
	d = bb_api_handoff_json(s);
	bb_buf_puts(b, "<h2>Hand-off</h2>");
	table(b, "handoff", h);
	bb_buf_puts(b, "<tr>");
	cell(b, NULL, str(d, "management"));
	/* the management node's phase as the machines table says it */
	m = bb_boot_machine_by_name(s->boot, s->cfg->handoff.management);
	phase = m ? bb_api_lifecycle(s, m) : str(d, "phase");
	snprintf(cls, sizeof(cls), "p-%s", phase);
	cell(b, cls, phase);
	v[0] = 0;
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(d, "probes"))
	{
		int w;

		if (!cJSON_IsString(p) || n >= sizeof(v))
			continue;
		w = snprintf(v + n, sizeof(v) - n, "%s%s", n ? ", " : "",
			     p->valuestring);
		n += w > 0 ? (size_t)w : 0;
	}
	cell(b, NULL, v);
	cell(b, NULL,
	     cJSON_IsTrue(cJSON_GetObjectItem(d, "reachable")) ? "yes" : "no");
	snprintf(v, sizeof(v), "%.0f run, %.0f failed", num(d, "probes_run", 0),
		 num(d, "probes_failed", 0));
	cell(b, NULL, v);
	cell(b, NULL, str(d, "last_error"));
	bb_buf_puts(b, "</tr>");
	table_end(b, 1, 6);
	cJSON_Delete(d);
}

static void events(struct bb_buf *b)
{
	static const char *const h[] = {"when", "level", "message", NULL};
	cJSON *d = bb_api_events_json();
	int i, n = cJSON_GetArraySize(d);
	char t[32], cls[32];

	bb_buf_puts(b, "<h2>Recent warnings and events</h2>");
	table(b, "events", h);
	for (i = n - 1; i >= 0; i--) {
		cJSON *e = cJSON_GetArrayItem(d, i);

		snprintf(cls, sizeof(cls), "l-%s", str(e, "level"));
		bb_buf_puts(b, "<tr>");
		cell(b, NULL, when(num(e, "time", 0), t));
		cell(b, cls, str(e, "level"));
		cell(b, NULL, str(e, "message"));
		bb_buf_puts(b, "</tr>");
	}
	table_end(b, n, 3);
	cJSON_Delete(d);
}

void bb_status_page(struct bb_serve *s, struct bb_http_response *resp)
{
	struct bb_buf *b = &resp->body;
	const char *name = s->cfg->appliance.name ?: "bootbox";
	char t[32];

	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
	bb_buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head><meta "
		       "charset=\"utf-8\"><meta name=\"viewport\" "
		       "content=\"width=device-width\"><title>");
	esc(b, name);
	bb_buf_printf(b,
		      " — bootbox</title><style>%s</style></head><body>"
		      "<h1>",
		      bb_status_css);
	esc(b, name);
	bb_buf_printf(b,
		      "</h1><p>bootbox %s · up since %s · <span id=\"upd\">"
		      "rendered by the server</span> · <a href=\"/metrics\">"
		      "metrics</a> · <a href=\"/api/v1/status\">API</a></p>\n",
		      BB_VERSION, when((double)s->started, t));
	machines(s, b);
	leases(s, b);
	cache(s, b);
	cert(s, b);
	handoff(s, b);
	events(b);
	bb_buf_printf(b, "<script>%s</script></body></html>\n", bb_status_js);
}
