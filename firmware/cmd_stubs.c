/* Commands whose issues have not landed yet say so plainly. */
#include <stdio.h>

#include "firmware/cli.h"

static int not_yet(const char *name)
{
	fprintf(stderr, "bootbox %s: not available in this build\n", name);
	return 1;
}

int bb_cmd_serve(int argc, char **argv) { (void)argc; (void)argv; return not_yet("serve"); }
int bb_cmd_check(int argc, char **argv) { (void)argc; (void)argv; return not_yet("check"); }
int bb_cmd_leases(int argc, char **argv) { (void)argc; (void)argv; return not_yet("leases"); }
int bb_cmd_machines(int argc, char **argv) { (void)argc; (void)argv; return not_yet("machines"); }
int bb_cmd_status(int argc, char **argv) { (void)argc; (void)argv; return not_yet("status"); }
int bb_cmd_cache(int argc, char **argv) { (void)argc; (void)argv; return not_yet("cache"); }
int bb_cmd_pki(int argc, char **argv) { (void)argc; (void)argv; return not_yet("pki"); }
int bb_cmd_cert(int argc, char **argv) { (void)argc; (void)argv; return not_yet("cert"); }
