/* The HTTP service: the board's server with the appliance's routes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/linux/http_server.h"
#include "common/err.h"
#include "common/parse.h"
#include "firmware/log.h"
#include "firmware/routes.h"
#include "firmware/serve.h"

struct bb_serve_http {
	struct bb_http_server *srv;
	uint32_t addr;
	uint16_t port;
};

static void access_log(void *ctx, const char *line)
{
	(void)ctx;
	bb_info("%s", line);
}

static struct bb_http_server *start(struct bb_serve *s,
				    const struct bb_config *cfg)
{
	struct bb_http_server_opts o = { 0 };
	struct bb_http_server *srv;
	char ip[16];

	o.addr = cfg->http.listen_addr;
	o.port = cfg->http.listen_port;
	o.max_conns = cfg->http.max_connections;
	o.idle_timeout_ms = cfg->http.idle_timeout * 1000;
	o.header_timeout_ms = cfg->http.header_timeout * 1000;
	o.handler = bb_routes_handle;
	o.ctx = s;
	o.access_log = getenv("BOOTBOX_NO_ACCESS_LOG") ? NULL : access_log;
	srv = bb_http_server_start(s->loop, &o);
	if (!srv)
		bb_err("http: cannot listen on %s:%u: %s",
		       bb_fmt_ipv4(o.addr, ip), o.port, strerror(errno));
	else
		bb_info("http: listening on %s:%u", bb_fmt_ipv4(o.addr, ip),
			o.port);
	return srv;
}

int bb_serve_http_start(struct bb_serve *s)
{
	struct bb_serve_http *h;

	if (!s->cfg->http.enabled)
		return 0;
	h = calloc(1, sizeof(*h));
	if (!h)
		return BB_ENOMEM;
	s->http = h;
	h->srv = start(s, s->cfg);
	h->addr = s->cfg->http.listen_addr;
	h->port = s->cfg->http.listen_port;
	return h->srv ? 0 : BB_EIO;
}

int bb_serve_http_reload(struct bb_serve *s, const struct bb_config *next)
{
	struct bb_serve_http *h = s->http;
	struct bb_http_server *srv;

	if (!h || !next->http.enabled)
		return 0;
	if (h->addr == next->http.listen_addr &&
	    h->port == next->http.listen_port)
		return 0; /* timeouts and limits apply to new connections */
	srv = start(s, next);
	if (!srv)
		return 0; /* keep serving on the old address */
	bb_http_server_stop(h->srv);
	h->srv = srv;
	h->addr = next->http.listen_addr;
	h->port = next->http.listen_port;
	return 0;
}

void bb_serve_http_stop(struct bb_serve *s)
{
	if (!s->http)
		return;
	bb_http_server_stop(s->http->srv);
	free(s->http);
	s->http = NULL;
}
