#include <stdio.h>
#include <string.h>

#include "firmware/config/cli_opts.h"

int bb_cli_parse(int argc, char **argv, struct bb_cli_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->config = BB_DEFAULT_CONFIG;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if ((!strcmp(a, "-c") || !strcmp(a, "--config")) &&
		    i + 1 < argc)
			o->config = argv[++i];
		else if (!strncmp(a, "--config=", 9))
			o->config = a + 9;
		else if (!strcmp(a, "--out") && i + 1 < argc)
			o->out = argv[++i];
		else if (!strncmp(a, "--out=", 6))
			o->out = a + 6;
		else if (!strcmp(a, "--json"))
			o->json = 1;
		else if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			o->help = 1;
		else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "%s: unknown option '%s'\n", argv[0],
				a);
			return 2;
		} else if (o->npos < 8) {
			o->pos[o->npos++] = a;
		} else {
			fprintf(stderr, "%s: too many arguments\n", argv[0]);
			return 2;
		}
	}
	return 0;
}
