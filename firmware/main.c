/* bootbox: one multi-call binary. Commands live in firmware/cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "firmware/cmd/cli.h"

static const struct bb_cmd cmds[] = {
    {"serve", bb_cmd_serve, "run the appliance in the foreground"},
    {"check", bb_cmd_check, "validate the configuration"},
    {"leases", bb_cmd_leases, "show the lease table"},
    {"machines", bb_cmd_machines, "machines and their boot state"},
    {"status", bb_cmd_status, "what a running appliance is doing"},
    {"cache", bb_cmd_cache,
     "the Talos artifact cache: fetch|list|verify|import"},
    {"pki", bb_cmd_pki, "pki init: root + intermediate CA"},
    {"cert", bb_cmd_cert, "cert request|renew: cfssl client"},
    {"import", bb_cmd_import, "import kea|kea-leases|netbox: from the runbook"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: bootbox COMMAND [-c FILE] [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nEvery command takes -c FILE (default %s) and --help.\n",
		BB_DEFAULT_CONFIG);
	fprintf(f, "BOOTBOX_LOG=error|warn|info|debug sets the least severe "
		   "level logged (default\ninfo; another value is an error). "
		   "See bootbox(8).\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("bootbox %s\n", BB_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "bootbox: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
