/* bootbox check: validate a configuration like `kea-dhcp4 -t` or `nginx -t`:
 * exit 0 when it is good, 1 with every error as file:line:col otherwise.
 * Beyond the file, what it names on this host is checked too (paths,
 * interface, matchbox data) unless --syntax asks for the file alone (a
 * config written for another host). --dump prints the effective config. */
#include <stdio.h>
#include <string.h>

#include "firmware/cmd/check_host.h"
#include "firmware/cmd/cli.h"
#include "firmware/config/config.h"
#include "firmware/config/config_dump.h"
#include "firmware/serve/talos_schematic.h"

int bb_cmd_check(int argc, char **argv)
{
	struct bb_cli_opts o;
	struct bb_config *cfg;
	char *rest[32];
	int rc, i, n = 0, dump = 0, syntax = 0, nerr = 0, nwarn = 0;

	/* our own flags; the rest goes to the common parser */
	for (i = 0; i < argc && n < 32; i++) {
		if (i && !strcmp(argv[i], "--dump"))
			dump = 1;
		else if (i && !strcmp(argv[i], "--syntax"))
			syntax = 1;
		else
			rest[n++] = argv[i];
	}
	if (i < argc) {
		fprintf(stderr, "bootbox check: too many arguments\n");
		return 2;
	}
	if ((rc = bb_cli_parse(n, rest, &o)))
		return rc;
	if (o.help) {
		printf(
		    "usage: bootbox check [-c FILE] [--syntax] [--dump]\n"
		    "Validates the configuration and what it names on this "
		    "host (paths, the\ninterface and its address, the "
		    "matchbox directory); prints every problem\nas "
		    "file:line:col: key.path: message and exits 1 on any "
		    "error.\n"
		    "  --syntax  the file alone (a configuration for another "
		    "host)\n"
		    "  --dump    print the effective configuration (defaults "
		    "filled in)\n");
		return 0;
	}
	if (bb_config_load(o.config, stderr, &cfg))
		return 1;
	if (!syntax)
		nerr = bb_check_host(cfg, stderr, &nwarn);
	if (!nerr && dump)
		bb_config_dump(cfg, stdout);
	else if (!nerr)
		printf("%s: configuration ok%s\n", o.config,
		       nwarn ? " (with warnings)" : "");
	if (!nerr && !dump && cfg->talos.customization) {
		char msg[400];

		if (bb_talos_schematic_known(cfg, msg, sizeof(msg)))
			printf("talos.customization: %s\n", msg);
		else
			printf("talos.customization: schematic %s\n",
			       cfg->talos.schematic);
	}
	bb_config_free(cfg);
	return nerr ? 1 : 0;
}
