/* The TFTP service: the board's server on the configured root. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/linux/tftp_server.h"
#include "common/err.h"
#include "firmware/log.h"
#include "firmware/ipxe_extra.h"
#include "firmware/serve.h"

struct bb_serve_tftp {
	struct bb_tftp_server *srv;
};

const struct bb_tftp_server_stats *bb_serve_tftp_stats(struct bb_serve *s)
{
	return s->tftp && s->tftp->srv ? bb_tftp_server_stats(s->tftp->srv)
				       : NULL;
}

static void tftp_log(void *ctx, const char *line)
{
	(void)ctx;
	bb_info("%s", line);
}

int bb_serve_tftp_start(struct bb_serve *s)
{
	struct bb_tftp_server_opts o = { 0 };
	struct bb_serve_tftp *t;

	if (!s->cfg->tftp.enabled)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return BB_ENOMEM;
	s->tftp = t;
	o.root = s->cfg->tftp.root;
	o.fallback = bb_ipxe_extra_dir();
	o.port = s->cfg->tftp.port;
	o.log = tftp_log;
	t->srv = bb_tftp_server_start(s->loop, &o);
	if (!t->srv) {
		bb_err("tftp: cannot serve %s on port %u: %s", o.root, o.port,
		       strerror(errno));
		return BB_EIO;
	}
	bb_info("tftp: serving %s on port %u%s%s", o.root, o.port,
		o.fallback ? ", then " : "", o.fallback ? o.fallback : "");
	return 0;
}

int bb_serve_tftp_reload(struct bb_serve *s, const struct bb_config *next)
{
	if (!s->tftp || !next->tftp.enabled)
		return 0;
	if (bb_tftp_server_set_root(s->tftp->srv, next->tftp.root))
		bb_warn("tftp: cannot open the new root %s; keeping the old",
			next->tftp.root);
	return 0;
}

void bb_serve_tftp_stop(struct bb_serve *s)
{
	if (!s->tftp)
		return;
	bb_tftp_server_stop(s->tftp->srv);
	free(s->tftp);
	s->tftp = NULL;
}
