/* Command entry points: each gets argv starting at its own name and returns
 * the process exit status (0 ok, 1 failure, 2 usage). */
#ifndef BB_CLI_H
#define BB_CLI_H

#include <stdio.h>

#include "firmware/config/cli_opts.h"
#include "firmware/config/version.h"

struct bb_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

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
