/* bootbox machines: the machines and their boot state, from the running
 * appliance's API; the inventory alone when nothing answers. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "common/parse.h"
#include "firmware/api_client.h"
#include "firmware/cli.h"

static const char *s(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsString(v) ? v->valuestring : "-";
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
	printf("%-20s %-17s %-15s %-10s %-20s %s\n", "NAME", "MAC", "IP",
	       "STATE", "GROUP", "LAST IP");
	cJSON_ArrayForEach(m, arr) printf("%-20s %-17s %-15s %-10s %-20s %s\n",
					  s(m, "name"), s(m, "mac"), s(m, "ip"),
					  s(m, "state"),
					  s(m, "group")[0] ? s(m, "group") : "-",
					  s(m, "last_ip"));
	cJSON_Delete(arr);
	return 0;
}

static void print_inventory(const struct bb_config *cfg)
{
	size_t i;
	char mac[18], ip[16];

	printf("%-20s %-17s %-15s %s\n", "NAME", "MAC", "IP", "STATE");
	for (i = 0; i < cfg->nmachines; i++)
		printf("%-20s %-17s %-15s %s\n", cfg->machines[i].name,
		       bb_fmt_mac(cfg->machines[i].mac, mac),
		       cfg->machines[i].ip ? bb_fmt_ipv4(cfg->machines[i].ip, ip)
					   : "-",
		       "unknown (appliance not running)");
}

int bb_cmd_machines(int argc, char **argv)
{
	struct bb_cli_opts o;
	struct bb_config *cfg;
	struct bb_buf b = { 0 };
	int rc;

	if ((rc = bb_cli_parse(argc, argv, &o)))
		return rc;
	if (o.help) {
		printf("usage: bootbox machines [-c FILE] [--json]\n");
		return 0;
	}
	if (bb_config_load(o.config, stderr, &cfg))
		return 1;
	if (bb_api_get(cfg, "/api/v1/machines", &b) == 0)
		rc = print_api(b.p, o.json);
	else
		print_inventory(cfg);
	bb_buf_free(&b);
	bb_config_free(cfg);
	return rc;
}
