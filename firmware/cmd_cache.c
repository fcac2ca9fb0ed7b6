/* bootbox cache fetch|list|verify: the Talos artifact cache from the command
 * line. fetch shows a progress bar on a TTY (bytes, rate, ETA) and plain
 * lines otherwise; verify rechecks every file against the index. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "board/linux/cache_store.h"
#include "common/err.h"
#include "firmware/cache_plan.h"
#include "firmware/cli.h"

struct progress {
	const char *name;
	int tty;
	uint64_t start_ms, last_ms;
	uint64_t start_have;
	int last_decile;
	int err;
	struct bb_loop *loop;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void human(uint64_t b, char *buf, size_t cap)
{
	if (b >= 1 << 20)
		snprintf(buf, cap, "%.1f MiB", (double)b / (1 << 20));
	else
		snprintf(buf, cap, "%.1f KiB", (double)b / 1024);
}

static void on_progress(void *arg, uint64_t have, uint64_t total)
{
	struct progress *p = arg;
	uint64_t t = now_ms(), dt = t - p->start_ms;
	double rate = dt ? (double)(have - p->start_have) * 1000 / (double)dt
			 : 0;
	char h[32], tot[32], r[32];
	int decile = total ? (int)(have * 10 / total) : 0;

	if (p->tty && t - p->last_ms < 100 && have != total)
		return;
	if (!p->tty && decile == p->last_decile && t - p->last_ms < 5000)
		return;
	p->last_ms = t;
	p->last_decile = decile;
	human(have, h, sizeof(h));
	human(total, tot, sizeof(tot));
	human((uint64_t)rate, r, sizeof(r));
	if (p->tty) {
		int width = 24, fill = total ? (int)(have * width / total) : 0;
		char bar[32];

		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(width - fill));
		bar[width] = 0;
		fprintf(stderr, "\r%-20s [%s] %s / %s  %s/s  ETA %ds   ",
			p->name, bar, h, total ? tot : "?", r,
			rate > 0 && total ? (int)((double)(total - have) / rate)
					  : 0);
	} else {
		fprintf(stderr, "%s: %s of %s (%s/s)\n", p->name, h,
			total ? tot : "?", r);
	}
}

static void on_done(void *arg, int err, const char *msg)
{
	struct progress *p = arg;

	if (p->tty)
		fprintf(stderr, "\n");
	if (err)
		fprintf(stderr, "%s: failed: %s\n", p->name, msg);
	else
		printf("%s: fetched (%s)\n", p->name, msg);
	p->err = err;
	bb_loop_stop(p->loop);
}

static int fetch_one(struct bb_cache_store *st, const struct bb_config *cfg,
		     const struct bb_cache_key *k)
{
	struct bb_cache_fetch_opts o = { 0 };
	struct progress p = { 0 };
	struct bb_cache_fetch_cb cb = { on_progress, on_done, &p };
	char name[128], part[1024];
	struct stat sb;

	snprintf(name, sizeof(name), "%s/%s", k->version, k->artifact);
	if (bb_cache_store_has(st, k)) {
		printf("%s: cached\n", name);
		return 0;
	}
	p.name = name;
	p.tty = isatty(2);
	p.start_ms = p.last_ms = now_ms();
	p.last_decile = -1;
	if (!bb_cache_store_part_path(st, k, part, sizeof(part)) &&
	    !stat(part, &sb) && sb.st_size > 0) {
		p.start_have = (uint64_t)sb.st_size;
		fprintf(stderr, "%s: resuming at %lld bytes\n", name,
			(long long)sb.st_size);
	}
	bb_cache_fetch_opts_from(cfg, &o);
	p.loop = bb_loop_new();
	if (!p.loop || !bb_cache_store_fetch(p.loop, st, k, &o, &cb)) {
		fprintf(stderr, "%s: cannot start the fetch\n", name);
		bb_loop_free(p.loop);
		return BB_EINVAL;
	}
	bb_loop_run(p.loop);
	bb_loop_free(p.loop);
	return p.err;
}

static int do_fetch(struct bb_cache_store *st, const struct bb_config *cfg)
{
	struct bb_cache_key want[16];
	size_t n = bb_cache_wanted(cfg, want, 16), i;
	int bad = 0;

	if (n == 0) {
		fprintf(stderr, "bootbox cache: no talos: section in %s\n",
			cfg->path);
		return 1;
	}
	for (i = 0; i < n && i < 16; i++)
		bad |= fetch_one(st, cfg, &want[i]) != 0;
	if ((n = bb_cache_evict(st, cfg)))
		printf("%zu unreferenced artifact(s) evicted (over "
		       "talos.max_size)\n", n);
	return bad;
}

static int do_list(struct bb_cache_store *st, const struct bb_config *cfg)
{
	size_t i;

	printf("%-10s %-20s %12s  %-16s %-10s %s\n", "VERSION", "ARTIFACT",
	       "BYTES", "SHA256", "STATE", "SCHEMATIC");
	for (i = 0; i < st->idx.n; i++) {
		const struct bb_cache_entry *e = &st->idx.e[i];
		char sum[17];
		int j;

		for (j = 0; j < 8; j++)
			snprintf(sum + 2 * j, 3, "%02x", e->sha256[j]);
		printf("%-10s %-20s %12llu  %-16s %-10s %.12s…\n",
		       e->key.version, e->key.artifact,
		       (unsigned long long)e->length, sum,
		       !bb_cache_store_has(st, &e->key) ? "missing"
		       : bb_cache_referenced(cfg, &e->key) ? "in use"
							  : "unused",
		       e->key.schematic);
	}
	return 0;
}

static int do_verify(struct bb_cache_store *st)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < st->idx.n; i++) {
		const struct bb_cache_entry *e = &st->idx.e[i];
		int rc = bb_cache_store_verify(st, e);

		printf("%s/%s: %s\n", e->key.version, e->key.artifact,
		       rc == 0		  ? "ok"
		       : rc == BB_ENOENT ? "MISSING"
		       : rc == BB_ECRYPTO ? "CORRUPT (length or sha256 differ)"
					  : bb_strerror(rc));
		bad |= rc != 0;
	}
	printf("%zu artifacts checked, %s\n", st->idx.n,
	       bad ? "problems found" : "all good");
	return bad;
}

int bb_cmd_cache(int argc, char **argv)
{
	struct bb_cli_opts o;
	struct bb_config *cfg = NULL;
	struct bb_cache_store st;
	char dir[600], msg[800];
	int rc;

	if ((rc = bb_cli_parse(argc, argv, &o)))
		return rc;
	if (o.help || o.npos != 1 ||
	    (strcmp(o.pos[0], "fetch") && strcmp(o.pos[0], "list") &&
	     strcmp(o.pos[0], "verify"))) {
		fprintf(o.help ? stdout : stderr,
			"usage: bootbox cache fetch|list|verify [-c FILE]\n");
		return o.help ? 0 : 2;
	}
	if (bb_config_load(o.config, stderr, &cfg))
		return 1;
	bb_cache_dir(cfg, dir, sizeof(dir));
	if (bb_cache_store_open(&st, dir, msg, sizeof(msg))) {
		fprintf(stderr, "bootbox cache: cannot open %s\n", dir);
		bb_config_free(cfg);
		return 1;
	}
	if (msg[0])
		fprintf(stderr, "warning: %s\n", msg);
	if (!strcmp(o.pos[0], "fetch"))
		rc = do_fetch(&st, cfg);
	else if (!strcmp(o.pos[0], "list"))
		rc = do_list(&st, cfg);
	else
		rc = do_verify(&st);
	bb_cache_store_close(&st);
	bb_config_free(cfg);
	return rc ? 1 : 0;
}
