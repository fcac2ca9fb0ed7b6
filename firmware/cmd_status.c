/* bootbox status: what the running appliance is doing, from its API. */
#include <stdio.h>

#include "common/err.h"
#include "firmware/api_client.h"
#include "firmware/cli.h"

int bb_cmd_status(int argc, char **argv)
{
	struct bb_cli_opts o;
	struct bb_config *cfg;
	struct bb_buf b = { 0 };
	int rc;

	if ((rc = bb_cli_parse(argc, argv, &o)))
		return rc;
	if (o.help) {
		printf("usage: bootbox status [-c FILE]\n");
		return 0;
	}
	if (bb_config_load(o.config, stderr, &cfg))
		return 1;
	rc = bb_api_get(cfg, "/api/v1/status", &b);
	if (rc && rc != BB_EACCES) /* that one said why */
		fprintf(stderr, "bootbox status: the appliance does not answer "
				"on its HTTP port\n");
	else if (!rc)
		printf("%s", b.p);
	bb_buf_free(&b);
	bb_config_free(cfg);
	return rc ? 1 : 0;
}
