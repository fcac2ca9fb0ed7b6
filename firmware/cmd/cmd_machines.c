/* bootbox machines: the machines and their boot state, from the running
 * appliance's API; the inventory alone when nothing answers. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/parse.h"
#include "firmware/cmd/api_client.h"
#include "firmware/cmd/cli.h"

static const char *s(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsString(v) ? v->valuestring : "-";
}

/* One lifecycle: the appliance's "lifecycle" (unseen, discovered,
 * booting, installing, up, handed-off); an older one's "phase". */
static void print_row(const cJSON *m)
{
	const cJSON *age = cJSON_GetObjectItem(m, "age");
	const char *life =
	    strcmp(s(m, "lifecycle"), "-") ? s(m, "lifecycle") : s(m, "phase");
	const char *ip = strcmp(s(m, "ip"), "-") ? s(m, "ip") : s(m, "last_ip");
	char seen[32] = "never";

	if (cJSON_IsNumber(age) && age->valuedouble < 120)
		snprintf(seen, sizeof(seen), "%.0f s ago", age->valuedouble);
	else if (cJSON_IsNumber(age) && age->valuedouble < 7200)
		snprintf(seen, sizeof(seen), "%.0f min ago",
			 age->valuedouble / 60);
	else if (cJSON_IsNumber(age))
		snprintf(seen, sizeof(seen), "%.0f h ago",
			 age->valuedouble / 3600);
	printf("%-20s %-17s %-15s %-11s %-12s %-9s %s\n", s(m, "name"),
	       s(m, "mac"), ip, life, s(m, "profile"),
	       s(m, "talos_version")[0] ? s(m, "talos_version") : "-", seen);
}

static int print_api(const char *json, int as_json)
{
	cJSON *arr = cJSON_Parse(json), *m;

	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(arr);
		fprintf(stderr, "bootbox machines: unexpected answer\n");
		return 1;
	}
	if (as_json) {
		char *t = cJSON_Print(arr);

		printf("%s\n", t);
		cJSON_free(t);
		cJSON_Delete(arr);
		return 0;
	}
	printf("%-20s %-17s %-15s %-11s %-12s %-9s %s\n", "NAME", "MAC", "IP",
	       "PHASE", "PROFILE", "TALOS", "LAST SEEN");
	cJSON_ArrayForEach(m, arr) print_row(m);
	cJSON_Delete(arr);
	return 0;
}

static void print_inventory(const struct bb_config *cfg)
{
	size_t i;
	char mac[18], ip[16];

	printf("%-20s %-17s %-15s %s\n", "NAME", "MAC", "IP", "PHASE");
	for (i = 0; i < cfg->nmachines; i++)
		printf("%-20s %-17s %-15s %s\n", cfg->machines[i].name,
		       bb_fmt_mac(cfg->machines[i].mac, mac),
		       cfg->machines[i].ip
			   ? bb_fmt_ipv4(cfg->machines[i].ip, ip)
			   : "-",
		       "unknown (appliance not running)");
}

static int reinstall(const struct bb_config *cfg, const struct bb_cli_opts *o)
{
	struct bb_buf b = {0};
	char path[160];
	int rc;

	if (strcmp(o->pos[0], "reinstall") || o->npos != 2) {
		fprintf(stderr, "usage: bootbox machines reinstall NAME\n");
		return 2;
	}
	if (!bb_config_machine(cfg, o->pos[1])) {
		fprintf(stderr,
			"bootbox machines: '%s' is not a machine in "
			"%s\n",
			o->pos[1], cfg->path);
		return 1;
	}
	snprintf(path, sizeof(path), "/api/v1/machines/%s/reinstall",
		 o->pos[1]);
	rc = bb_api_post(cfg, path, &b);
	bb_buf_free(&b);
	if (rc == BB_EACCES)
		return 1; /* said why */
	if (rc == BB_EIO) {
		fprintf(stderr, "bootbox machines: the appliance is not "
				"running (its API did not answer)\n");
		return 1;
	}
	if (rc) {
		fprintf(stderr,
			"bootbox machines: the appliance refused the "
			"reinstall of %s\n",
			o->pos[1]);
		return 1;
	}
	printf("%s will be installed again at its next boot\n", o->pos[1]);
	return 0;
}

int bb_cmd_machines(int argc, char **argv)
{
	struct bb_cli_opts o;
	struct bb_config *cfg;
	struct bb_buf b = {0};
	int rc;

	if ((rc = bb_cli_parse(argc, argv, &o)))
		return rc;
	if (o.help) {
		printf("usage: bootbox machines [-c FILE] [--json]\n"
		       "       bootbox machines reinstall NAME [-c FILE]\n"
		       "reinstall: the machine installs again at its next "
		       "boot; for the management\nnode the hand-off starts "
		       "over\n");
		return 0;
	}
	if (bb_config_load(o.config, stderr, &cfg))
		return 1;
	if (o.npos > 0)
		rc = reinstall(cfg, &o);
	else if ((rc = bb_api_get(cfg, "/api/v1/machines", &b)) == 0)
		rc = print_api(b.p, o.json);
	else if (rc == BB_EACCES)
		rc = 1; /* another appliance answered: said why */
	else {
		print_inventory(cfg);
		rc = 0;
	}
	bb_buf_free(&b);
	bb_config_free(cfg);
	return rc;
}
