/* The TFTP service: the board's server on the configured root. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/linux/tftp_server.h"
#include "common/err.h"
#include "firmware/serve/log.h"
#include "firmware/serve/ipxe_extra.h"
#include "firmware/serve/serve.h"

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

static uint32_t listen_of(const struct bb_config *c)
{
	/* the boot network's address, not every interface of the host */
	return c->tftp.listen_set ? c->tftp.listen_addr : c->appliance.address;
}

int bb_serve_tftp_start(struct bb_serve *s)
{
	struct bb_tftp_server_opts o = {0};
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
	o.addr = listen_of(s->cfg);
	o.per_source = s->cfg->tftp.max_per_client;
	o.lifetime_ms = s->cfg->tftp.max_transfer_time * 1000;
	o.log = tftp_log;
	t->srv = bb_tftp_server_start(s->loop, &o);
	if (!t->srv) {
		bb_err("tftp: cannot serve %s on %u.%u.%u.%u:%u: %s", o.root,
		       o.addr >> 24, (o.addr >> 16) & 255, (o.addr >> 8) & 255,
		       o.addr & 255, o.port, strerror(errno));
		return BB_EIO;
	}
	bb_info("tftp: serving %s on %u.%u.%u.%u:%u%s%s", o.root, o.addr >> 24,
		(o.addr >> 16) & 255, (o.addr >> 8) & 255, o.addr & 255, o.port,
		o.fallback ? ", then " : "", o.fallback ? o.fallback : "");
	return 0;
}

int bb_serve_tftp_reload(struct bb_serve *s, const struct bb_config *next)
{
	if (!s->tftp || !next->tftp.enabled)
		return 0;
	if (next->tftp.port != s->cfg->tftp.port ||
	    listen_of(next) != listen_of(s->cfg) ||
	    next->tftp.max_per_client != s->cfg->tftp.max_per_client ||
	    next->tftp.max_transfer_time != s->cfg->tftp.max_transfer_time)
		bb_warn("tftp: listen, port and limits change on a restart, "
			"not on a reload");
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
