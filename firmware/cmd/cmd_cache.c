/* bootbox cache fetch|list|verify: the Talos artifact cache from the command
 * line. fetch shows a progress bar on a TTY (bytes, rate, ETA) and plain
 * lines otherwise; verify rechecks every file against the index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "firmware/cmd/cache_files.h"
#include "firmware/serve/cache_store.h"
#include "common/err.h"
#include "firmware/serve/cache_plan.h"
#include "board/board.h"
#include "board/linux/http_client.h"
#include "board/linux/loop.h"
#include "firmware/cmd/cli.h"
#include "firmware/serve/talos_schematic.h"

struct fetch_set;

struct progress {
	const char *name;
	int tty;
	uint64_t start_ms, last_ms;
	uint64_t start_have;
	int last_decile;
	int err;
	struct fetch_set *set;
	char buf[128];
};

/* Artifacts fetched a few at a time on one loop: a small one does not wait
 * for a large one's last bytes (its handshake and sync overlap the
 * decryption). One at a time on a TTY, where each has its progress bar. */
#define FETCH_PAR 3

struct fetch_set {
	struct bb_loop *loop;
	struct bb_cache_store *st;
	const struct bb_config *cfg;
	const struct bb_cache_key *keys;
	struct progress *p;
	size_t n, next, running, par;
	int bad;
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
	double rate =
	    dt ? (double)(have - p->start_have) * 1000 / (double)dt : 0;
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

static void set_next(struct fetch_set *fs);

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
	p->set->bad |= err != 0;
	p->set->running--;
	set_next(p->set);
}

static void on_waiting(void *arg, const char *msg)
{
	struct progress *p = arg;

	fprintf(stderr, "%s: %s\n", p->name, msg);
}

/* 0 when it is running, or cached (nothing to wait for); else an error */
static int fetch_start(struct fetch_set *fs, const struct bb_cache_key *k,
		       struct progress *p)
{
	struct bb_cache_fetch_opts o = {0};
	struct bb_cache_fetch_cb cb = {on_progress, on_done, p, on_waiting};
	char part[1024];
	struct stat sb;
	int fd;

	snprintf(p->buf, sizeof(p->buf), "%s/%s", k->version, k->artifact);
	if (bb_cache_store_has(fs->st, k)) {
		printf("%s: cached\n", p->buf);
		return 0;
	}
	p->name = p->buf;
	p->set = fs;
	p->tty = isatty(2);
	p->start_ms = p->last_ms = now_ms();
	p->last_decile = -1;
	/* where the store will resume (it cuts a file with a hole) */
	if (!bb_cache_store_part_path(fs->st, k, part, sizeof(part)) &&
	    !stat(part, &sb) && sb.st_size > 0 && !bb_fd_open_rw(part, &fd)) {
		/* not while another process writes it: the look cuts a
		 * file with a hole */
		if (!bb_fd_trylock(fd) &&
		    !bb_fd_resume_size(fd, &p->start_have) && p->start_have)
			fprintf(stderr, "%s: resuming at %llu bytes\n", p->name,
				(unsigned long long)p->start_have);
		bb_fd_close(fd);
	}
	bb_cache_fetch_opts_from(fs->cfg, &o);
	if (!bb_cache_store_fetch(fs->st, k, &o, &cb)) {
		fprintf(stderr, "%s: cannot start the fetch\n", p->name);
		return BB_EINVAL;
	}
	fs->running++;
	return 0;
}

/* Starts fetches up to the parallelism; stops the loop after the last. */
static void set_next(struct fetch_set *fs)
{
	while (fs->running < fs->par && fs->next < fs->n) {
		size_t i = fs->next++;

		fs->bad |= fetch_start(fs, &fs->keys[i], &fs->p[i]) != 0;
	}
	if (!fs->running)
		bb_loop_stop(fs->loop);
}

static int fetch_all(struct bb_cache_store *st, const struct bb_config *cfg,
		     const struct bb_cache_key *keys, size_t n)
{
	struct fetch_set fs = {0};

	fs.st = st;
	fs.cfg = cfg;
	fs.keys = keys;
	fs.n = n;
	fs.par = isatty(2) ? 1 : FETCH_PAR;
	fs.loop = bb_loop_new();
	fs.p = calloc(n, sizeof(*fs.p));
	if (!fs.loop || !fs.p) {
		fprintf(stderr, "bootbox cache: out of memory\n");
		bb_loop_free(fs.loop);
		free(fs.p);
		return 1;
	}
	set_next(&fs);
	if (fs.running)
		bb_loop_run(fs.loop);
	bb_loop_free(fs.loop);
	free(fs.p);
	return fs.bad;
}

static int do_fetch(struct bb_cache_store *st, const struct bb_config *cfg)
{
	struct bb_cache_key want[BB_CACHE_WANTED_MAX];
	size_t n = bb_cache_wanted(cfg, want, BB_CACHE_WANTED_MAX);
	int bad;

	if (n == 0) {
		fprintf(stderr, "bootbox cache: no talos: section in %s\n",
			cfg->path);
		return 1;
	}
	bad = fetch_all(st, cfg, want,
			n < BB_CACHE_WANTED_MAX ? n : BB_CACHE_WANTED_MAX);
	if ((n = bb_cache_evict(st, cfg)))
		printf("%zu unreferenced artifact(s) evicted (over "
		       "talos.max_size)\n",
		       n);
	return bad;
}

static int do_list(struct bb_cache_store *st, const struct bb_config *cfg)
{
	size_t i;

	printf("%-10s %-20s %12s  %-16s %-10s %-9s %s\n", "VERSION", "ARTIFACT",
	       "BYTES", "SHA256", "STATE", "ORIGIN", "SCHEMATIC");
	for (i = 0; i < st->idx.n; i++) {
		const struct bb_cache_entry *e = &st->idx.e[i];
		char sum[17];
		int j;

		for (j = 0; j < 8; j++)
			snprintf(sum + 2 * j, 3, "%02x", e->sha256[j]);
		printf("%-10s %-20s %12llu  %-16s %-10s %-9s %.12s…\n",
		       e->key.version, e->key.artifact,
		       (unsigned long long)e->length, sum,
		       !bb_cache_store_has(st, &e->key)	   ? "missing"
		       : bb_cache_referenced(cfg, &e->key) ? "in use"
							   : "unused",
		       bb_cache_origin_name(e->origin), e->key.schematic);
	}
	return 0;
}

/* The factory's length of k (HEAD), or -1 with the reason in msg. */
static long long factory_length(const struct bb_config *cfg,
				const struct bb_cache_key *k, char *msg,
				size_t cap)
{
	struct bb_http_req r = {0};
	struct bb_http_resp resp;
	char url[600];
	long long n = -1;

	if (bb_cache_url(cfg->talos.factory, k, url, sizeof(url)) < 0)
		return -1;
	r.url = url;
	/* talos.ca_bundle is trusted besides the system store */
	r.ca_bundle = "/etc/ssl/certs/ca-certificates.crt";
	r.extra_bundle = cfg->talos.ca_bundle;
	r.head = true;
	r.timeout_ms = 5000;
	if (bb_http_post(&r, &resp, msg, cap))
		return -1;
	if (resp.status == 200 && resp.has_length)
		n = (long long)resp.length;
	else
		snprintf(msg, cap, "the factory answered HTTP %d", resp.status);
	bb_buf_free(&resp.body);
	return n;
}

/* A file's key: .../<schematic>/<version>/<artifact> names that image,
 * else its name is an artifact of the configured one. */
static int key_for_file(const struct bb_config *cfg, const char *file,
			struct bb_cache_key *k)
{
	const char *p = file + strlen(file), *base = strrchr(file, '/');
	char tail[400];
	int slashes = 0;

	base = base ? base + 1 : file;
	while (p > file && slashes < 3)
		if (*--p == '/')
			slashes++;
	snprintf(tail, sizeof(tail), "/assets/talos/%s", p + (*p == '/'));
	if (!bb_cache_key_from_path(tail, strlen(tail), NULL, k))
		return 0;
	if (bb_cache_primary(cfg, k) ||
	    bb_cache_check_artifact(base, strlen(base)))
		return -1;
	snprintf(k->artifact, sizeof(k->artifact), "%s", base);
	return 0;
}

/* One file, checked against the factory's length when it answers. */
static int import_file(struct bb_cache_store *st, const struct bb_config *cfg,
		       const char *file)
{
	struct bb_cache_key k;
	char err[400], msg[400];
	long long want;
	struct stat sb;
	enum bb_cache_origin origin = BB_CACHE_IMPORTED;

	if (key_for_file(cfg, file, &k)) {
		fprintf(stderr,
			"%s: not a Talos artifact name (kernel-<arch>, "
			"initramfs-<arch>.xz, cmdline-metal-<arch>)\n",
			file);
		return 1;
	}
	if (stat(file, &sb) || !S_ISREG(sb.st_mode)) {
		fprintf(stderr, "%s: not a file\n", file);
		return 1;
	}
	want = factory_length(cfg, &k, msg, sizeof(msg));
	if (want >= 0 && want != (long long)sb.st_size) {
		fprintf(stderr,
			"%s/%s: REFUSED: %lld bytes, the factory's has "
			"%lld\n",
			k.version, k.artifact, (long long)sb.st_size, want);
		return 1;
	}
	if (want >= 0)
		origin = BB_CACHE_IMPORT_VERIFIED;
	if (bb_cache_store_import(st, &k, file, origin, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", file, err);
		return 1;
	}
	if (want >= 0)
		printf("%s/%s: imported, verified (length matches the "
		       "factory's)\n",
		       k.version, k.artifact);
	else
		printf("%s/%s: imported, unverified (factory not asked: %s)\n",
		       k.version, k.artifact, msg);
	return 0;
}

static int import_dir(struct bb_cache_store *st, const struct bb_config *cfg,
		      const char *dir)
{
	char f[1024];
	const char *name;
	struct stat sb;
	size_t i, found = 0;
	int bad = 0;

	for (i = 0; (name = bb_cache_artifact_at(i)); i++) {
		snprintf(f, sizeof(f), "%s/%s", dir, name);
		if (stat(f, &sb))
			continue;
		found++;
		bad |= import_file(st, cfg, f);
	}
	if (!found) {
		fprintf(stderr, "%s: no Talos artifacts in it\n", dir);
		return 1;
	}
	return bad;
}

static int do_import(struct bb_cache_store *st, const struct bb_config *cfg,
		     const struct bb_cli_opts *o)
{
	struct stat sb;
	int i, bad = 0;

	for (i = 1; i < o->npos; i++)
		bad |= !stat(o->pos[i], &sb) && S_ISDIR(sb.st_mode)
			   ? import_dir(st, cfg, o->pos[i])
			   : import_file(st, cfg, o->pos[i]);
	return bad;
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
		       : rc == BB_ENOENT  ? "MISSING"
		       : rc == BB_ECRYPTO ? "CORRUPT (length or sha256 differ)"
					  : bb_strerror(rc));
		bad |= rc != 0;
	}
	printf("%zu artifacts checked, %s\n", st->idx.n,
	       bad ? "problems found" : "all good");
	return bad;
}

struct ask {
	bool over;
	int rc;
	char id[65], *msg;
	size_t cap;
};

static void answered(void *arg, int rc, const char *id, const char *msg)
{
	struct ask *a = arg;

	a->over = true;
	a->rc = rc;
	if (id)
		snprintf(a->id, sizeof(a->id), "%s", id);
	snprintf(a->msg, a->cap, "%s", msg);
}

/* talos.schematic from the record or (online) from the factory, asked on
 * a loop of our own (each step of the request is bounded). */
static int schematic(struct bb_config *cfg, bool online, char *msg, size_t cap)
{
	struct ask a = {false, BB_ETIMEDOUT, "", msg, cap};
	struct bb_schematic_ask *job;
	struct bb_loop *loop;
	uint64_t t0;
	int rc = bb_talos_schematic_known(cfg, msg, cap);

	if (rc != BB_ENOENT || !online)
		return rc;
	if (!(loop = bb_loop_new()))
		return BB_ENOMEM;
	t0 = bb_loop_now_ms(loop);
	rc = bb_talos_schematic_ask(cfg, answered, &a, &job, msg, cap);
	while (!rc && !a.over && bb_loop_now_ms(loop) - t0 < 60000)
		bb_loop_run_once(loop, 100);
	if (!rc && !a.over) {
		bb_talos_schematic_cancel(job);
		snprintf(msg, cap, "the factory did not answer in 60 s");
	}
	bb_loop_free(loop);
	if (!rc)
		rc = a.rc;
	return rc ? rc : bb_talos_schematic_set(cfg, a.id);
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
	if (o.help || o.npos < 1 ||
	    (strcmp(o.pos[0], "import") && o.npos != 1) ||
	    (!strcmp(o.pos[0], "import") && o.npos < 2) ||
	    (strcmp(o.pos[0], "fetch") && strcmp(o.pos[0], "list") &&
	     strcmp(o.pos[0], "verify") && strcmp(o.pos[0], "import"))) {
		fprintf(o.help ? stdout : stderr,
			"usage: bootbox cache fetch|list|verify [-c FILE]\n"
			"       bootbox cache import [-c FILE] DIR|FILE...\n");
		return o.help ? 0 : 2;
	}
	if (bb_config_load(o.config, stderr, &cfg))
		return 1;
	if (schematic(cfg, strcmp(o.pos[0], "list") != 0, msg, sizeof(msg)))
		fprintf(stderr, "warning: talos.customization: %s\n", msg);
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
	else if (!strcmp(o.pos[0], "import"))
		rc = do_import(&st, cfg, &o);
	else
		rc = do_verify(&st);
	bb_cache_store_close(&st);
	bb_config_free(cfg);
	return rc ? 1 : 0;
}
