/* bootbox status: what the running appliance is doing, from its API, as a
 * short summary for a person (--json: the API's status document as it
 * is). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "firmware/cmd/api_client.h"
#include "firmware/cmd/cli.h"

static cJSON *fetch(const struct bb_config *cfg, const char *path)
{
	struct bb_buf b = {0};
	cJSON *j = NULL;

	if (!bb_api_get(cfg, path, &b) && b.p)
		j = cJSON_Parse(b.p);
	bb_buf_free(&b);
	return j;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *span(double s, char buf[32])
{
	if (s < 120)
		snprintf(buf, 32, "%.0f s", s);
	else if (s < 7200)
		snprintf(buf, 32, "%.0f min", s / 60);
	else if (s < 172800)
		snprintf(buf, 32, "%.1f h", s / 3600);
	else
		snprintf(buf, 32, "%.1f days", s / 86400);
	return buf;
}

static const char *date(double t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, 32, "%Y-%m-%d %H:%M UTC", &tm);
	return buf;
}

/* "up 2, booting 1" from the machines' lifecycles */
static void machines(const struct bb_config *cfg)
{
	static const char *const order[] = {"unseen",  "discovered",
					    "booting", "installing",
					    "up",      "handed-off"};
	cJSON *arr = fetch(cfg, "/api/v1/machines"), *m;
	int n[6] = {0}, total = 0, i, first = 1;

	cJSON_ArrayForEach(m, arr)
	{
		const char *l = str(m, "lifecycle") ?: str(m, "phase");

		for (i = 0; i < 6 && (!l || strcmp(l, order[i])); i++)
			;
		if (i < 6)
			n[i]++;
		total++;
	}
	printf("machines:  %d", total);
	for (i = 5; i >= 0; i--)
		if (n[i]) {
			printf("%s%s %d", first ? " (" : ", ", order[i], n[i]);
			first = 0;
		}
	printf("%s\n", first ? "" : ")");
	cJSON_Delete(arr);
}

static void leases(const struct bb_config *cfg)
{
	cJSON *d = fetch(cfg, "/api/v1/leases"), *e;

	if (!cJSON_IsTrue(cJSON_GetObjectItem(d, "enabled"))) {
		printf("dhcp:      off\n");
		cJSON_Delete(d);
		return;
	}
	printf("leases:    %d active",
	       cJSON_GetArraySize(cJSON_GetObjectItem(d, "leases")));
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(d, "subnets"))
	    printf("; %s pool %.0f of %.0f in use", str(e, "subnet"),
		   num(e, "pool_used"), num(e, "pool_size"));
	printf("\n");
	cJSON_Delete(d);
}

static void cache(const struct bb_config *cfg)
{
	cJSON *d = fetch(cfg, "/api/v1/cache"), *e;

	if (cJSON_IsTrue(cJSON_GetObjectItem(d, "enabled"))) {
		printf("cache:     %d artifact(s), %.1f MiB",
		       cJSON_GetArraySize(cJSON_GetObjectItem(d, "artifacts")),
		       num(d, "bytes") / 1048576.0);
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(d, "fetching"))
		    printf("; fetching %s/%s %.0f%%", str(e, "version"),
			   str(e, "artifact"),
			   num(e, "total") > 0
			       ? num(e, "have") * 100 / num(e, "total")
			       : 0);
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(d, "errors"))
		    printf("; failed %s/%s: %s", str(e, "version"),
			   str(e, "artifact"), str(e, "message"));
		printf("\n");
	}
	cJSON_Delete(d);
}

static void cert(const struct bb_config *cfg)
{
	cJSON *d = fetch(cfg, "/api/v1/certs");
	char a[32], b[32];

	if (cJSON_IsTrue(cJSON_GetObjectItem(d, "present")))
		printf("cert:      %s, expires %s, renewal %s\n",
		       str(d, "subject") ?: "?", date(num(d, "not_after"), a),
		       date(num(d, "next_renewal"), b));
	else if (cJSON_IsTrue(cJSON_GetObjectItem(d, "enabled")))
		printf(
		    "cert:      none yet (requested at start and retried)\n");
	cJSON_Delete(d);
}

/* the management node's phase as `bootbox machines` says it */
static const char *mgmt_phase(const struct bb_config *cfg, const cJSON *h)
{
	static char phase[32];
	cJSON *arr = fetch(cfg, "/api/v1/machines"), *m;
	const char *want = str(h, "management");

	snprintf(phase, sizeof(phase), "%s", str(h, "phase") ?: "?");
	cJSON_ArrayForEach(m, arr)
	{
		if (want && str(m, "name") && !strcmp(str(m, "name"), want) &&
		    str(m, "lifecycle"))
			snprintf(phase, sizeof(phase), "%s",
				 str(m, "lifecycle"));
	}
	cJSON_Delete(arr);
	return phase;
}

static void handoff(const struct bb_config *cfg, const cJSON *st)
{
	const cJSON *h = cJSON_GetObjectItem(st, "handoff");

	if (!cJSON_IsTrue(cJSON_GetObjectItem(h, "enabled")))
		return;
	printf("hand-off:  %s is %s, probes %s (%.0f run, %.0f failed)%s%s\n",
	       str(h, "management") ?: "?", mgmt_phase(cfg, h),
	       cJSON_IsTrue(cJSON_GetObjectItem(h, "reachable")) ? "pass"
								 : "fail",
	       num(h, "probes_run"), num(h, "probes_failed"),
	       str(h, "last_error") && str(h, "last_error")[0] ? ": " : "",
	       str(h, "last_error") ?: "");
}

static void last_warning(const struct bb_config *cfg)
{
	cJSON *d = fetch(cfg, "/api/v1/events"), *e, *last = NULL;
	char a[32];

	cJSON_ArrayForEach(e, d)
	{
		const char *l = str(e, "level");

		if (l && (!strcmp(l, "warning") || !strcmp(l, "error")))
			last = e;
	}
	if (last)
		printf("last %s: %s %s\n", str(last, "level"),
		       date(num(last, "time"), a), str(last, "message"));
	cJSON_Delete(d);
}

int bb_cmd_status(int argc, char **argv)
{
	struct bb_cli_opts o;
	struct bb_config *cfg;
	struct bb_buf b = {0};
	cJSON *st;
	char up[32];
	int rc;

	if ((rc = bb_cli_parse(argc, argv, &o)))
		return rc;
	if (o.help) {
		printf("usage: bootbox status [-c FILE] [--json]\n"
		       "A summary of the running appliance: machines by phase, "
		       "leases and pool use,\nthe cache, the certificate, the "
		       "hand-off and the last warning.\n"
		       "--json prints /api/v1/status as it is.\n");
		return 0;
	}
	if (bb_config_load(o.config, stderr, &cfg))
		return 1;
	rc = bb_api_get(cfg, "/api/v1/status", &b);
	if (rc) {
		if (rc != BB_EACCES) /* that one said why */
			fprintf(stderr,
				"bootbox status: the appliance does not "
				"answer on its HTTP port\n");
	} else if (o.json) {
		printf("%s", b.p);
	} else if ((st = cJSON_Parse(b.p))) {
		printf("bootbox '%s' up %s\n", str(st, "name") ?: "",
		       span(num(st, "uptime"), up));
		machines(cfg);
		leases(cfg);
		cache(cfg);
		cert(cfg);
		handoff(cfg, st);
		last_warning(cfg);
		cJSON_Delete(st);
	} else {
		fprintf(stderr, "bootbox status: unexpected answer\n");
		rc = 1;
	}
	bb_buf_free(&b);
	bb_config_free(cfg);
	return rc ? 1 : 0;
}
