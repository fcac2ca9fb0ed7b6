/* inventory.netbox in serve: a thread reads NetBox every interval (its
 * client blocks, with timeouts, so it stays off the event loop), checks
 * that the configuration still loads with the new machines, replaces the
 * last good copy and asks the loop to reload (SIGHUP to ourselves: the
 * same path an operator's reload takes). NetBox unreachable or a bad
 * answer: the last good copy stays, one warning a round. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board/board.h"
#include "common/err.h"
#include "firmware/serve/netbox.h"
#include "firmware/serve/log.h"
#include "firmware/serve/serve.h"

struct bb_serve_inventory {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool quit, running;
	char *config_path, *file;
	char *endpoint, *token_file, *site, *role, *ca_bundle;
	uint32_t interval;
	int rounds, changes; /* for the log and the tests */
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void free_copy(struct bb_serve_inventory *v)
{
	free(v->config_path);
	free(v->file);
	free(v->endpoint);
	free(v->token_file);
	free(v->site);
	free(v->role);
	free(v->ca_bundle);
}

/* One round: 1 when the copy changed, 0 when not, -1 on failure. */
static int refresh(struct bb_serve_inventory *v)
{
	struct bb_netbox_query q = {.endpoint = v->endpoint,
				    .site = v->site,
				    .role = v->role,
				    .ca_bundle = v->ca_bundle};
	struct bb_buf tok = {0}, old = {0};
	char *text = NULL, *errs = NULL, tmp[1100];
	size_t tlen = 0, elen = 0;
	FILE *out = open_memstream(&text, &tlen);
	FILE *err = open_memstream(&errs, &elen);
	struct bb_config *cfg = NULL;
	int rc = -1;

	if (!out || !err)
		goto done;
	if (bb_read_file(v->token_file, &tok, 4096)) {
		bb_warn("inventory: cannot read the NetBox token %s; keeping "
			"the last good copy",
			v->token_file);
		goto done;
	}
	while (tok.len && strchr(" \t\r\n", tok.p[tok.len - 1]))
		tok.p[--tok.len] = 0;
	q.token = tok.p ? tok.p : "";
	if (bb_import_netbox(&q, out, err)) {
		fflush(err);
		bb_warn("inventory: NetBox %s: %s; keeping the last good copy",
			v->endpoint,
			errs && *errs ? strtok(errs, "\n") : "failed");
		goto done;
	}
	fclose(out);
	out = NULL;
	if (!bb_read_file(v->file, &old, 16u << 20) && old.len == tlen &&
	    !memcmp(old.p, text, tlen)) {
		rc = 0;
		goto done;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", v->file);
	if (bb_mkdirs_parent(tmp, 0750) ||
	    bb_write_file_atomic(tmp, text, tlen, 0640))
		goto done;
	fflush(err);
	if (bb_config_load_inventory(v->config_path, tmp, err, &cfg)) {
		fflush(err);
		bb_warn("inventory: NetBox's machines do not load with %s "
			"(%s); keeping the last good copy",
			v->config_path,
			errs && *errs ? strtok(errs, "\n") : "?");
		unlink(tmp);
		goto done;
	}
	bb_config_free(cfg);
	if (rename(tmp, v->file) || bb_fsync_parent(v->file)) {
		bb_warn("inventory: cannot replace %s: %s", v->file,
			strerror(errno));
		goto done;
	}
	rc = 1;
done:
	if (out)
		fclose(out);
	if (err)
		fclose(err);
	free(text);
	free(errs);
	bb_buf_free(&tok);
	bb_buf_free(&old);
	return rc;
}

static void *run(void *arg)
{
	struct bb_serve_inventory *v = arg;

	pthread_mutex_lock(&v->mu);
	while (!v->quit) {
		struct timespec until;
		int rc;

		pthread_mutex_unlock(&v->mu);
		rc = refresh(v);
		pthread_mutex_lock(&v->mu);
		v->rounds++;
		if (rc > 0 && !v->quit) {
			v->changes++;
			bb_info("inventory: new machines from NetBox in %s; "
				"reloading",
				v->file);
			kill(getpid(), SIGHUP);
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += v->interval;
		while (!v->quit &&
		       pthread_cond_timedwait(&v->cv, &v->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&v->mu);
	return NULL;
}

static int start(struct bb_serve *s, const struct bb_config *cfg)
{
	const struct bb_cfg_inventory *inv = &cfg->inventory;
	struct bb_serve_inventory *v;

	if (!inv->enabled)
		return 0;
	v = calloc(1, sizeof(*v));
	if (!v)
		return BB_ENOMEM;
	v->config_path = dup_or_null(cfg->path);
	v->file = dup_or_null(inv->file);
	v->endpoint = dup_or_null(inv->endpoint);
	v->token_file = dup_or_null(inv->token_file);
	v->site = dup_or_null(inv->site);
	v->role = dup_or_null(inv->role);
	v->ca_bundle = dup_or_null(inv->ca_bundle);
	v->interval = inv->interval;
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	if (!v->config_path || !v->file || !v->endpoint || !v->token_file ||
	    pthread_create(&v->thread, NULL, run, v)) {
		free_copy(v);
		free(v);
		return BB_ENOMEM;
	}
	v->running = true;
	s->inventory = v;
	bb_info("inventory: NetBox %s every %us into %s", v->endpoint,
		v->interval, v->file);
	return 0;
}

int bb_serve_inventory_start(struct bb_serve *s)
{
	return start(s, s->cfg);
}

void bb_serve_inventory_stop(struct bb_serve *s)
{
	struct bb_serve_inventory *v = s->inventory;

	if (!v)
		return;
	pthread_mutex_lock(&v->mu);
	v->quit = true;
	pthread_cond_signal(&v->cv);
	pthread_mutex_unlock(&v->mu);
	pthread_join(v->thread, NULL);
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	free_copy(v);
	free(v);
	s->inventory = NULL;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int bb_serve_inventory_reload(struct bb_serve *s, const struct bb_config *next)
{
	const struct bb_serve_inventory *v = s->inventory;
	const struct bb_cfg_inventory *n = &next->inventory;

	/* the thread's own reload request: nothing to restart */
	if (v && n->enabled && same(v->endpoint, n->endpoint) &&
	    same(v->token_file, n->token_file) && same(v->site, n->site) &&
	    same(v->role, n->role) && same(v->ca_bundle, n->ca_bundle) &&
	    v->interval == n->interval && same(v->file, n->file))
		return 0;
	bb_serve_inventory_stop(s);
	return start(s, next);
}
