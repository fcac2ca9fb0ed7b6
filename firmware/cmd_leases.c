/* Placeholder until its issue lands. */
#include <stdio.h>

#include "firmware/cli.h"

int bb_cmd_leases(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "bootbox leases: not available in this build\n");
	return 1;
}
