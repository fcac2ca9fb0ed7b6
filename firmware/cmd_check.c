/* Placeholder until its issue lands. */
#include <stdio.h>

#include "firmware/cli.h"

int bb_cmd_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "bootbox check: not available in this build\n");
	return 1;
}
