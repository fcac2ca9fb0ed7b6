/* bootbox cert request|renew -c FILE: the appliance's certificate from the
 * PKI of pki:. request always asks for a new one; renew only when the one
 * on disk is two thirds through its life (or missing), unless --force. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "board/linux/loop.h"
#include "common/err.h"
#include "firmware/serve/cert_client.h"
#include "firmware/cmd/cli.h"
#include "firmware/config/config.h"

static void warn_line(const char *line)
{
	fprintf(stderr, "bootbox cert: warning: %s\n", line);
}

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: bootbox cert request|renew [-c FILE] [--force]\n");
	return rc;
}

struct wait {
	bool over;
	int rc;
	char *msg;
	size_t cap;
};

static void obtained(void *arg, int rc, const char *msg)
{
	struct wait *w = arg;

	w->over = true;
	w->rc = rc;
	snprintf(w->msg, w->cap, "%s", msg);
}

/* The renewal serve runs, on a loop of our own until it is over: every
 * request in it is bounded by pki.timeout, the loop by a few of those. */
static int obtain(const struct bb_config *cfg, char *msg, size_t cap)
{
	struct bb_loop *loop = bb_loop_new();
	struct wait w = {false, BB_ETIMEDOUT, msg, cap};
	struct bb_cert_job *j;
	uint64_t limit_ms = (uint64_t)cfg->pki.timeout * 1000 * 8 + 5000;
	uint64_t t0;
	int rc;

	if (!loop) {
		snprintf(msg, cap, "out of memory");
		return BB_ENOMEM;
	}
	t0 = bb_loop_now_ms(loop);
	rc = bb_cert_obtain_start(cfg, warn_line, obtained, &w, &j, msg, cap);
	while (!rc && !w.over && bb_loop_now_ms(loop) - t0 < limit_ms)
		bb_loop_run_once(loop, 100);
	if (!rc && !w.over) {
		bb_cert_obtain_cancel(j);
		snprintf(msg, cap, "the PKI did not answer in %llu s",
			 (unsigned long long)(limit_ms / 1000));
	}
	bb_loop_free(loop);
	return rc ? rc : w.rc;
}

/* renew: 1 when there is nothing to do yet (said on stdout). */
static int not_due(const struct bb_config *cfg)
{
	time_t due, na;
	char when[32];
	int rc = bb_cert_due(cfg, &due, &na);

	if (rc || time(NULL) >= due)
		return 0;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&due));
	printf("certificate still good: renewal due %s (use --force to renew "
	       "now)\n",
	       when);
	return 1;
}

int bb_cmd_cert(int argc, char **argv)
{
	struct bb_cli_opts o;
	struct bb_config *cfg = NULL;
	char msg[1024];
	int rc, i, force = 0, n = 0;
	char *args[16];

	/* --force is ours; the rest goes to the common parser */
	if (argc > 16)
		return usage(stderr, 2);
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = 1;
		else
			args[n++] = argv[i];
	}
	if ((rc = bb_cli_parse(n, args, &o)))
		return rc;
	if (o.help)
		return usage(stdout, 0);
	if (o.npos != 1 ||
	    (strcmp(o.pos[0], "request") && strcmp(o.pos[0], "renew")))
		return usage(stderr, 2);
	if (bb_config_load(o.config, stderr, &cfg))
		return 1;
	if (!strcmp(o.pos[0], "renew") && !force && not_due(cfg)) {
		bb_config_free(cfg);
		return 0;
	}
	rc = obtain(cfg, msg, sizeof(msg));
	if (rc)
		fprintf(stderr, "bootbox cert: %s\n", msg);
	else
		printf("%s\n", msg);
	bb_config_free(cfg);
	return rc ? 1 : 0;
}
