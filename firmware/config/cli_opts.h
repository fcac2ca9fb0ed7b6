/* The command line every command shares (and bootbox-lwip's): -c FILE /
 * --config FILE, --json, --out DIR, --help, and the positional rest. */
#ifndef BB_CLI_OPTS_H
#define BB_CLI_OPTS_H

#define BB_DEFAULT_CONFIG "/etc/bootbox/bootbox.yaml"

/* Leaves the remaining positional arguments in pos[0..*npos). Returns 0,
 * or 2 after printing usage (help is 1 when --help was given: exit 0). */
struct bb_cli_opts {
	const char *config;
	int json;
	int help;
	const char *pos[8];
	int npos;
	const char *out; /* --out DIR */
};
int bb_cli_parse(int argc, char **argv, struct bb_cli_opts *o);

#endif
