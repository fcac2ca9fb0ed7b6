/* The HTTP service: the board's server with the appliance's routes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/linux/http_server.h"
#include "board/linux/tls_listener.h"
#include "common/err.h"
#include "common/parse.h"
#include "firmware/serve/cert_client.h"
#include "firmware/serve/log.h"
#include "firmware/serve/routes.h"
#include "firmware/serve/serve.h"

struct bb_serve_http {
	struct bb_http_server *srv;
	uint32_t addr;
	uint16_t port;
	struct bb_tls_listener *tls; /* http.tls_listen, NULL: none */
	uint32_t tls_addr;
	uint16_t tls_port;
};

/* one line per request: held, and written once per turn of the loop */
static void access_log(void *ctx, const char *line)
{
	(void)ctx;
	bb_log_held(BB_LOG_INFO, "%s", line);
}

static void flush_log(struct bb_loop *loop, void *arg)
{
	(void)loop;
	(void)arg;
	bb_log_flush();
}

static struct bb_http_server *start(struct bb_serve *s,
				    const struct bb_config *cfg)
{
	struct bb_http_server_opts o = {0};
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

static void tls_log(void *ctx, int is_error, const char *line)
{
	(void)ctx;
	if (is_error)
		bb_warn("%s", line);
	else
		bb_info("%s", line);
}

/* HTTPS in front of srv with the certificate that pki: keeps renewed. */
static struct bb_tls_listener *start_tls(struct bb_serve *s,
					 const struct bb_config *cfg,
					 struct bb_http_server *srv)
{
	struct bb_tls_listener_opts o = {0};
	struct bb_tls_listener *l;
	struct bb_cert_paths p;
	char ip[16];

	bb_cert_paths(cfg, &p);
	o.addr = cfg->http.tls_addr;
	o.port = cfg->http.tls_port;
	o.cert_path = p.chain;
	o.key_path = p.key;
	o.http = srv;
	o.max_conns = cfg->http.max_connections;
	o.handshake_timeout_ms = cfg->http.header_timeout * 1000;
	o.idle_timeout_ms = cfg->http.idle_timeout * 2000;
	o.log = tls_log;
	l = bb_tls_listener_start(s->loop, &o);
	if (!l)
		bb_err("https: cannot listen on %s:%u: %s",
		       bb_fmt_ipv4(o.addr, ip), o.port, strerror(errno));
	else
		bb_info("https: listening on %s:%u", bb_fmt_ipv4(o.addr, ip),
			o.port);
	return l;
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
	if (bb_loop_add_idle(s->loop, flush_log, NULL))
		return BB_ENOMEM;
	h->srv = start(s, s->cfg);
	h->addr = s->cfg->http.listen_addr;
	h->port = s->cfg->http.listen_port;
	if (h->srv && s->cfg->http.tls_enabled) {
		h->tls = start_tls(s, s->cfg, h->srv);
		h->tls_addr = s->cfg->http.tls_addr;
		h->tls_port = s->cfg->http.tls_port;
		if (!h->tls)
			return BB_EIO;
	}
	return h->srv ? 0 : BB_EIO;
}

static void reload_tls(struct bb_serve *s, struct bb_serve_http *h,
		       const struct bb_config *next)
{
	struct bb_tls_listener *l;

	if (h->tls && next->http.tls_enabled &&
	    h->tls_addr == next->http.tls_addr &&
	    h->tls_port == next->http.tls_port)
		return;
	l = next->http.tls_enabled ? start_tls(s, next, h->srv) : NULL;
	if (next->http.tls_enabled && !l)
		return; /* keep the old listener, if any */
	bb_tls_listener_stop(h->tls);
	h->tls = l;
	h->tls_addr = next->http.tls_addr;
	h->tls_port = next->http.tls_port;
}

int bb_serve_http_reload(struct bb_serve *s, const struct bb_config *next)
{
	struct bb_serve_http *h = s->http;
	struct bb_http_server *srv;

	if (!h || !next->http.enabled)
		return 0;
	if (h->addr != next->http.listen_addr ||
	    h->port != next->http.listen_port) {
		srv = start(s, next);
		if (!srv)
			return 0; /* keep serving on the old address */
		/* the HTTPS side feeds the old server: restart it too */
		bb_tls_listener_stop(h->tls);
		h->tls = NULL;
		bb_http_server_stop(h->srv);
		h->srv = srv;
		h->addr = next->http.listen_addr;
		h->port = next->http.listen_port;
	}
	/* timeouts and limits apply to new connections */
	reload_tls(s, h, next);
	return 0;
}

void bb_serve_http_stop(struct bb_serve *s)
{
	if (!s->http)
		return;
	bb_tls_listener_stop(s->http->tls);
	bb_http_server_stop(s->http->srv);
	bb_log_flush();
	free(s->http);
	s->http = NULL;
}
