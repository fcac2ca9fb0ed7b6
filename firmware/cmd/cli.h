/* Command entry points: each gets argv starting at its own name and returns
 * the process exit status (0 ok, 1 failure, 2 usage). */
#ifndef BB_CLI_H
#define BB_CLI_H

#include <stdio.h>

#include "firmware/config/version.h"

#define BB_DEFAULT_CONFIG "/etc/bootbox/bootbox.yaml"

struct bb_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

/* Common option parsing: -c FILE / --config FILE, --json, --help. Leaves the
 * remaining positional arguments in pos[0..*npos). Returns 0, or 2 after
 * printing usage (help is 1 when --help was given: exit 0). */
struct bb_cli_opts {
	const char *config;
	int json;
	int help;
	const char *pos[8];
	int npos;
	const char *out; /* --out DIR */
};
int bb_cli_parse(int argc, char **argv, struct bb_cli_opts *o);

int bb_cmd_serve(int argc, char **argv);
int bb_cmd_check(int argc, char **argv);
int bb_cmd_leases(int argc, char **argv);
int bb_cmd_machines(int argc, char **argv);
int bb_cmd_status(int argc, char **argv);
int bb_cmd_cache(int argc, char **argv);
int bb_cmd_pki(int argc, char **argv);
int bb_cmd_cert(int argc, char **argv);
int bb_cmd_import(int argc, char **argv);

#endif
