/* Placeholder until its issue lands. */
#include <stdio.h>

#include "firmware/cli.h"

int bb_cmd_cert(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "bootbox cert: not available in this build\n");
	return 1;
}
