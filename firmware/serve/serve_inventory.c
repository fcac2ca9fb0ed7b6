/* inventory.netbox in serve: every interval, NetBox is read through the
 * board's outbound requests (the loop never waits on it), the
 * configuration is checked to still load with the new machines, the last
 * good copy replaced and a reload asked for (the path an operator's
 * SIGHUP takes). NetBox unreachable or a bad answer: the last good copy
 * stays, one warning a round. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "common/err.h"
#include "firmware/serve/netbox.h"
#include "firmware/serve/log.h"
#include "firmware/serve/serve.h"

struct bb_serve_inventory {
	struct bb_board_timer *timer;
	struct bb_netbox_job *job; /* NULL: between rounds */
	char *config_path, *file;
	char *endpoint, *token_file, *site, *role, *ca_bundle;
	uint32_t interval;
	struct bb_buf tok;
	char *text, *errs;
	size_t tlen, elen;
	FILE *out, *err;
	int rounds, changes; /* for the log and the tests */
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void round_free(struct bb_serve_inventory *v)
{
	if (v->out)
		fclose(v->out);
	if (v->err)
		fclose(v->err);
	v->out = v->err = NULL;
	free(v->text);
	free(v->errs);
	v->text = v->errs = NULL;
	bb_buf_free(&v->tok);
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

static const char *first_line(char *errs)
{
	return errs && *errs ? strtok(errs, "\n") : NULL;
}

/* NetBox's answer is in text: 1 when the copy changed, 0 when not, -1 on
 * failure (said). */
static int replace_copy(struct bb_serve_inventory *v)
{
	struct bb_buf old = {0};
	struct bb_config *cfg = NULL;
	char tmp[1100];
	int rc = -1;

	if (!bb_read_file(v->file, &old, 16u << 20) && old.len == v->tlen &&
	    !memcmp(old.p, v->text, v->tlen)) {
		bb_buf_free(&old);
		return 0;
	}
	bb_buf_free(&old);
	snprintf(tmp, sizeof(tmp), "%s.new", v->file);
	if (bb_mkdirs_parent(tmp, 0750) ||
	    bb_write_file_atomic(tmp, v->text, v->tlen, 0640))
		return -1;
	fflush(v->err);
	if (bb_config_load_inventory(v->config_path, tmp, v->err, &cfg)) {
		fflush(v->err);
		bb_warn("inventory: NetBox's machines do not load with %s "
			"(%s); keeping the last good copy",
			v->config_path, first_line(v->errs) ?: "?");
		remove(tmp);
		return -1;
	}
	bb_config_free(cfg);
	if (rename(tmp, v->file) || bb_fsync_parent(v->file))
		bb_warn("inventory: cannot replace %s: %s", v->file,
			strerror(errno));
	else
		rc = 1;
	return rc;
}

static void imported(void *arg, int rc)
{
	struct bb_serve_inventory *v = arg;

	v->job = NULL;
	v->rounds++;
	fflush(v->err);
	if (rc) {
		bb_warn("inventory: NetBox %s: %s; keeping the last good copy",
			v->endpoint, first_line(v->errs) ?: "failed");
	} else {
		fclose(v->out);
		v->out = NULL;
		if (replace_copy(v) > 0) {
			v->changes++;
			bb_info("inventory: new machines from NetBox in %s; "
				"reloading",
				v->file);
			bb_board_reload_soon();
		}
	}
	round_free(v);
	bb_board_timer_arm(v->timer, (uint64_t)v->interval * 1000);
}

static void round_start(void *arg)
{
	struct bb_serve_inventory *v = arg;
	struct bb_netbox_query q = {.endpoint = v->endpoint,
				    .site = v->site,
				    .role = v->role,
				    .ca_bundle = v->ca_bundle};

	v->out = open_memstream(&v->text, &v->tlen);
	v->err = open_memstream(&v->errs, &v->elen);
	if (!v->out || !v->err) {
		round_free(v);
		bb_board_timer_arm(v->timer, (uint64_t)v->interval * 1000);
		return;
	}
	if (bb_read_file(v->token_file, &v->tok, 4096)) {
		bb_warn("inventory: cannot read the NetBox token %s; keeping "
			"the last good copy",
			v->token_file);
		round_free(v);
		bb_board_timer_arm(v->timer, (uint64_t)v->interval * 1000);
		return;
	}
	while (v->tok.len && strchr(" \t\r\n", v->tok.p[v->tok.len - 1]))
		v->tok.p[--v->tok.len] = 0;
	q.token = v->tok.p ? v->tok.p : "";
	if (bb_netbox_start(&q, v->out, v->err, imported, v, &v->job))
		imported(v, 1);
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
	if (!v->config_path || !v->file || !v->endpoint || !v->token_file ||
	    !(v->timer = bb_board_timer_new(round_start, v))) {
		free_copy(v);
		free(v);
		return BB_ENOMEM;
	}
	s->inventory = v;
	bb_board_timer_arm(v->timer, 0);
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
	bb_netbox_cancel(v->job);
	round_free(v);
	bb_board_timer_free(v->timer);
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
