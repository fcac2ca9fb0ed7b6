/* Keeps the appliance's certificate fresh while `bootbox serve` runs: when
 * the certificate is missing or two thirds through its lifetime, renew it
 * as `bootbox cert renew --force` does, on the loop (the PKI is asked
 * through the board's outbound requests, which never hold the loop), and
 * on failure retry with a doubling backoff from pki.retry up to an hour, so a
 * PKI that is down is neither hammered nor forgotten. The HTTPS listener picks
 * the new files up on its own. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board/board.h"
#include "common/err.h"
#include "firmware/serve/cert_client.h"
#include "firmware/serve/log.h"
#include "firmware/serve/serve.h"

#define MAX_BACKOFF 3600u
#define MAX_SLEEP   (6u * 3600) /* look again at least this often */

struct bb_serve_cert {
	struct bb_serve *s;
	struct bb_board_timer *timer;
	struct bb_cert_job *job; /* NULL: no renewal running */
	unsigned fails;
};

static void check(void *arg);

static bool wanted(const struct bb_config *cfg)
{
	return cfg->pki.enabled && cfg->pki.cn && cfg->pki.ca_bundle;
}

static void retry_later(struct bb_serve_cert *c)
{
	uint32_t base = c->s->cfg->pki.retry, delay = base;
	unsigned i;

	for (i = 0; i < c->fails && delay < MAX_BACKOFF; i++)
		delay *= 2;
	if (delay > MAX_BACKOFF)
		delay = MAX_BACKOFF;
	c->fails++;
	bb_warn("cert: renewal failed; next attempt in %us", delay);
	bb_board_timer_arm(c->timer, (uint64_t)delay * 1000);
}

static void warn_line(const char *line)
{
	bb_warn("cert: %s", line);
}

static void on_done(void *arg, int rc, const char *msg)
{
	struct bb_serve_cert *c = arg;

	c->job = NULL;
	if (rc == 0) {
		bb_info("cert: certificate renewed: %s", msg);
		c->fails = 0;
		bb_board_timer_arm(c->timer, 0);
	} else {
		bb_err("cert: %s", msg);
		retry_later(c);
	}
}

static void check(void *arg)
{
	struct bb_serve_cert *c = arg;
	time_t due, na, now = (time_t)bb_board_wall_now();
	char msg[1024];
	int rc;

	if (c->job || !wanted(c->s->cfg))
		return;
	rc = bb_cert_due(c->s->cfg, &due, &na);
	if (rc == 0 && due > now) {
		uint64_t wait = (uint64_t)(due - now);

		bb_board_timer_arm(
		    c->timer, (wait > MAX_SLEEP ? MAX_SLEEP : wait) * 1000);
		return;
	}
	bb_info("cert: %s; asking the PKI",
		rc ? "no certificate yet" : "renewal due");
	rc = bb_cert_obtain_start(c->s->cfg, warn_line, on_done, c, &c->job,
				  msg, sizeof(msg));
	if (rc < 0) {
		bb_err("cert: %s", msg);
		retry_later(c);
	}
}

int bb_serve_cert_start(struct bb_serve *s)
{
	struct bb_serve_cert *c;

	if (!wanted(s->cfg))
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return BB_ENOMEM;
	c->s = s;
	if (!(c->timer = bb_board_timer_new(check, c))) {
		free(c);
		return BB_ENOMEM;
	}
	bb_board_timer_arm(c->timer, 0);
	s->cert = c;
	return 0;
}

int bb_serve_cert_reload(struct bb_serve *s, const struct bb_config *next)
{
	(void)next;
	/* the new pki: section is read at the next check; look now */
	if (s->cert && !s->cert->job) {
		s->cert->fails = 0;
		bb_board_timer_arm(s->cert->timer, 0);
	}
	return 0;
}

void bb_serve_cert_stop(struct bb_serve *s)
{
	struct bb_serve_cert *c = s->cert;

	if (!c)
		return;
	bb_board_timer_free(c->timer);
	bb_cert_obtain_cancel(c->job);
	free(c);
	s->cert = NULL;
}
