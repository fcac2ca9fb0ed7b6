/* bootbox check: validate a configuration like `kea-dhcp4 -t` or `nginx -t`:
 * exit 0 when it is good, 1 with every error as file:line:col otherwise. */
#include <stdio.h>

#include "firmware/cli.h"
#include "firmware/config.h"
#include "firmware/talos_schematic.h"

int bb_cmd_check(int argc, char **argv)
{
	struct bb_cli_opts o;
	struct bb_config *cfg;
	int rc;

	if ((rc = bb_cli_parse(argc, argv, &o)))
		return rc;
	if (o.help) {
		printf("usage: bootbox check [-c FILE]\n"
		       "Validates the configuration; prints every error as "
		       "file:line:col: key.path: message.\n");
		return 0;
	}
	if (bb_config_load(o.config, stderr, &cfg))
		return 1;
	printf("%s: configuration ok\n", o.config);
	if (cfg->talos.customization) {
		char msg[400];

		if (bb_talos_schematic(cfg, false, msg, sizeof(msg)))
			printf("talos.customization: %s\n", msg);
		else
			printf("talos.customization: schematic %s\n",
			       cfg->talos.schematic);
	}
	bb_config_free(cfg);
	return 0;
}
