/* Runs one hand-off probe on the event loop, as `bootbox serve` would:
 *   probe IP SPEC [CA_FILE|-] [SNI] [TIMEOUT_MS]
 * Prints "ok" or "fail: <reason>" and exits 0 / 1 (2 on usage). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/linux/probe.h"
#include "common/parse.h"

static int result = -1;

static void done(void *arg, bool ok, const char *err)
{
	struct bb_loop *loop = arg;

	if (ok)
		printf("ok\n");
	else
		printf("fail: %s\n", err);
	result = ok ? 0 : 1;
	bb_loop_stop(loop);
}

int main(int argc, char **argv)
{
	struct bb_probe_opts o = {.timeout_ms = 3000};
	struct bb_probe p;
	struct bb_loop *loop;
	uint32_t ip;

	if (argc < 3 || bb_parse_ipv4(argv[1], strlen(argv[1]), &ip) ||
	    bb_probe_parse(argv[2], strlen(argv[2]), &p)) {
		fprintf(stderr, "usage: probe IP SPEC [CA|-] [SNI] [MS]\n");
		return 2;
	}
	if (argc > 3 && strcmp(argv[3], "-"))
		o.ca_file = argv[3];
	if (argc > 4 && strcmp(argv[4], "-"))
		o.sni = argv[4];
	if (argc > 5)
		o.timeout_ms = (uint32_t)strtoul(argv[5], NULL, 10);
	loop = bb_loop_new();
	if (!bb_probe_start(loop, ip, &p, &o, done, loop)) {
		printf("fail: could not start\n");
		return 1;
	}
	bb_loop_run(loop);
	bb_loop_free(loop);
	return result;
}
