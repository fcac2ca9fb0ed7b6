/* bootbox leases: the lease table, read from the journal in state_dir (it
 * works whether or not the appliance runs: the journal is the truth). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "board/linux/fsutil.h"
#include "common/err.h"
#include "common/parse.h"
#include "dhcp/dhcp_server.h"
#include "firmware/cmd/cli.h"
#include "firmware/config/dhcp_conf.h"

struct out {
	const struct bb_config *cfg;
	cJSON *arr;
	int64_t now;
	int count;
};

static const char *state_name(uint8_t s)
{
	return s == BB_LEASE_BOUND	? "bound"
	       : s == BB_LEASE_DECLINED ? "declined"
					: "free";
}

static const char *machine(const struct bb_config *cfg, const uint8_t *mac)
{
	size_t i;

	for (i = 0; i < cfg->nmachines; i++)
		if (!memcmp(cfg->machines[i].mac, mac, 6))
			return cfg->machines[i].name;
	return NULL;
}

static int print_one(const struct bb_dhcp_lease *l, void *arg)
{
	struct out *o = arg;
	char ip[16], mac[18], when[32];
	const char *name = machine(o->cfg, l->mac);
	time_t t = (time_t)l->expires;
	struct tm tm;

	o->count++;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (o->arr) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "ip", bb_fmt_ipv4(l->ip, ip));
		cJSON_AddStringToObject(j, "mac", bb_fmt_mac(l->mac, mac));
		cJSON_AddStringToObject(j, "state", state_name(l->state));
		cJSON_AddNumberToObject(j, "expires", (double)l->expires);
		cJSON_AddStringToObject(j, "hostname", l->hostname);
		if (name)
			cJSON_AddStringToObject(j, "machine", name);
		else
			cJSON_AddNullToObject(j, "machine");
		cJSON_AddItemToArray(o->arr, j);
		return 0;
	}
	printf("%-15s  %-17s  %-8s  %s (%+llds)  %-16s %s\n",
	       bb_fmt_ipv4(l->ip, ip), bb_fmt_mac(l->mac, mac),
	       state_name(l->state), when, (long long)(l->expires - o->now),
	       l->hostname[0] ? l->hostname : "-", name ? name : "-");
	return 0;
}

int bb_cmd_leases(int argc, char **argv)
{
	struct bb_cli_opts o;
	struct bb_config *cfg;
	struct bb_dhcp_conf conf;
	struct bb_dhcp_server *eng;
	struct bb_buf b = {0};
	struct out out = {0};
	char path[1024];
	size_t good = 0;
	int rc;

	if ((rc = bb_cli_parse(argc, argv, &o)))
		return rc;
	if (o.help) {
		printf("usage: bootbox leases [-c FILE] [--json]\n");
		return 0;
	}
	if (bb_config_load(o.config, stderr, &cfg))
		return 1;
	if (bb_dhcp_conf_build(cfg, false, &conf) ||
	    !(eng = bb_dhcp_server_new(&conf.c))) {
		fprintf(stderr, "bootbox leases: out of memory\n");
		return 1;
	}
	bb_dhcp_conf_free(&conf);
	bb_dhcp_journal_path(cfg, path, sizeof(path));
	rc = bb_read_file(path, &b, (size_t)1 << 30);
	if (rc && rc != BB_ENOENT) {
		fprintf(stderr, "bootbox leases: cannot read %s\n", path);
		return 1;
	}
	bb_dhcp_server_replay(eng, (const uint8_t *)b.p, b.len, &good);
	if (good < b.len)
		fprintf(stderr, "warning: %s: %zu bytes of torn tail ignored\n",
			path, b.len - good);
	out.cfg = cfg;
	out.now = (int64_t)time(NULL);
	if (o.json)
		out.arr = cJSON_CreateArray();
	else
		printf("%-15s  %-17s  %-8s  %-32s %-16s %s\n", "IP", "MAC",
		       "STATE", "EXPIRES", "HOSTNAME", "MACHINE");
	bb_dhcp_server_foreach(eng, out.now, print_one, &out);
	if (out.arr) {
		char *s = cJSON_Print(out.arr);

		printf("%s\n", s);
		cJSON_free(s);
		cJSON_Delete(out.arr);
	}
	bb_buf_free(&b);
	bb_dhcp_server_free(eng);
	bb_config_free(cfg);
	return 0;
}
