/* bootbox import kea|kea-leases|netbox: the way in from the runbook's
 * tools. kea and netbox print YAML to paste into bootbox.yaml (nothing is
 * changed); kea-leases appends kea's leases to the lease journal, so the
 * machines keep their addresses across the switch. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board/linux/fsutil.h"
#include "board/posix/journal_file.h"
#include "board/linux/loop.h"
#include "common/err.h"
#include "firmware/cmd/cli.h"
#include "firmware/config/config.h"
#include "firmware/config/dhcp_conf.h"
#include "firmware/cmd/import.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bootbox import kea KEA-DHCP4.CONF\n"
		"       bootbox import kea-leases [-c FILE] DHCP4.LEASES\n"
		"       bootbox import netbox --endpoint URL --token-file F\n"
		"                             [--site SLUG] [--role SLUG] "
		"[--ca-bundle PEM]\n"
		"kea and netbox print dhcp:/machines: YAML for bootbox.yaml;\n"
		"kea-leases adds kea's leases to the lease journal (stop "
		"serve first).\n");
}

static int leases(int argc, char **argv)
{
	struct bb_cli_opts o;
	struct bb_config *cfg;
	struct bb_buf recs = {0}, old = {0};
	struct bb_journal j;
	char path[1024];
	int rc, n = 0;

	if ((rc = bb_cli_parse(argc, argv, &o)))
		return rc;
	if (o.help || o.npos != 1) {
		usage(o.help ? stdout : stderr);
		return o.help ? 0 : 2;
	}
	if (bb_config_load(o.config, stderr, &cfg))
		return 1;
	if (bb_import_kea_leases(o.pos[0], (long long)time(NULL), &recs, &n,
				 stderr)) {
		bb_config_free(cfg);
		return 1;
	}
	bb_dhcp_journal_path(cfg, path, sizeof(path));
	memset(&j, 0, sizeof(j));
	rc = bb_journal_open(&j, path, &old);
	if (!rc)
		rc = bb_journal_write_durable(&j, recs.p ? recs.p : "",
					      recs.len);
	if (rc)
		fprintf(stderr, "bootbox import: cannot write %s: %s\n", path,
			bb_strerror(rc));
	else
		printf("%d lease(s) from %s added to %s\n", n, o.pos[0], path);
	if (j.fd > 0)
		bb_journal_close(&j);
	bb_buf_free(&old);
	bb_buf_free(&recs);
	bb_config_free(cfg);
	return rc ? 1 : 0;
}

static bool slug_ok(const char *s)
{
	return s && *s &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(s);
}

struct wait {
	bool over;
	int rc;
};

static void imported(void *arg, int rc)
{
	struct wait *w = arg;

	w->over = true;
	w->rc = rc;
}

/* serve's refresh, on a loop of our own until it is over (every request
 * in it is bounded by its timeouts; the whole by ten minutes). */
static int import_netbox(const struct bb_netbox_query *q)
{
	struct bb_loop *loop = bb_loop_new();
	struct wait w = {false, 1};
	struct bb_netbox_job *j;
	uint64_t t0;

	if (!loop)
		return 1;
	t0 = bb_loop_now_ms(loop);
	if (bb_netbox_start(q, stdout, stderr, imported, &w, &j)) {
		bb_loop_free(loop);
		return 1;
	}
	while (!w.over && bb_loop_now_ms(loop) - t0 < 600000)
		bb_loop_run_once(loop, 100);
	if (!w.over) {
		bb_netbox_cancel(j);
		fprintf(stderr, "netbox: no answer in 10 minutes\n");
	}
	bb_loop_free(loop);
	return w.rc;
}

static int netbox(int argc, char **argv)
{
	struct bb_netbox_query q = {0};
	const char *token_file = NULL;
	struct bb_buf tok = {0};
	int i, rc;

	for (i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			fprintf(stderr,
				"bootbox import netbox: %s needs a value\n", a);
			return 2;
		}
		if (!strcmp(a, "--endpoint"))
			q.endpoint = v;
		else if (!strcmp(a, "--token-file"))
			token_file = v;
		else if (!strcmp(a, "--site"))
			q.site = v;
		else if (!strcmp(a, "--role"))
			q.role = v;
		else if (!strcmp(a, "--ca-bundle"))
			q.ca_bundle = v;
		else {
			fprintf(stderr,
				"bootbox import netbox: unknown option "
				"'%s'\n",
				a);
			return 2;
		}
	}
	if (!q.endpoint || !token_file) {
		usage(stderr);
		return 2;
	}
	if ((q.site && !slug_ok(q.site)) || (q.role && !slug_ok(q.role))) {
		fprintf(stderr, "bootbox import netbox: --site and --role take "
				"NetBox slugs (a-z, 0-9, -, _)\n");
		return 2;
	}
	if ((rc = bb_read_file(token_file, &tok, 4096))) {
		fprintf(stderr, "bootbox import netbox: %s: %s\n", token_file,
			bb_strerror(rc));
		return 1;
	}
	while (tok.len && strchr(" \t\r\n", tok.p[tok.len - 1]))
		tok.p[--tok.len] = 0;
	if (!tok.len || strpbrk(tok.p, "\r\n")) {
		fprintf(stderr, "bootbox import netbox: %s: not one token\n",
			token_file);
		bb_buf_free(&tok);
		return 1;
	}
	q.token = tok.p;
	rc = import_netbox(&q);
	bb_buf_free(&tok);
	return rc;
}

int bb_cmd_import(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "kea")) {
		if (argc != 3 || argv[2][0] == '-') {
			usage(stderr);
			return 2;
		}
		return bb_import_kea(argv[2], stdout, stderr);
	}
	if (!strcmp(argv[1], "kea-leases"))
		return leases(argc - 1, argv + 1);
	if (!strcmp(argv[1], "netbox"))
		return netbox(argc - 1, argv + 1);
	fprintf(stderr, "bootbox import: unknown source '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
