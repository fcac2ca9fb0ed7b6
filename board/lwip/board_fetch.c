/* board.h's outbound request on the lwIP board (the cfssl client, the
 * export POST): services/cache/fetch_machine in its general-request mode
 * over fm_conn.c, the whole reply gathered in memory up to max_reply.
 * timeout_ms bounds each connect, write and read like the Linux board's
 * http_client. https trusts ca_path and extra_ca only. No resolver on this
 * board: the host must be an IPv4 literal (an https one is checked against the
 * certificate's IP subjectAltNames). */
#include <stdlib.h>
#include <string.h>

#include "board/lwip/board_lwip.h"
#include "board/lwip/fm_conn.h"
#include "common/buf.h"
#include "common/err.h"

#define DEFAULT_TIMEOUT_MS 10000u
#define DEFAULT_MAX_REPLY  ((size_t)1 << 20)

struct bb_board_fetch {
	struct bb_lwip_fm c;
	char *method, *headers; /* owned copies the machine points at */
	uint8_t *body;
	struct bb_buf reply;
	bb_board_fetch_fn fn;
	void *arg;
};

static void destroy(struct bb_board_fetch *f)
{
	bb_lwip_fm_free(&f->c);
	free(f->method);
	free(f->headers);
	free(f->body);
	bb_buf_free(&f->reply);
	free(f);
}

static void head(void *arg)
{
	struct bb_board_fetch *f = arg;

	bb_fetchm_body_start(&f->c.m, false);
}

static void body(void *arg)
{
	struct bb_board_fetch *f = arg;
	uint64_t off;
	size_t n;
	const uint8_t *p = bb_fetchm_body(&f->c.m, &n, &off);

	bb_buf_append(&f->reply, p, n);
	if (f->reply.err) {
		bb_fetchm_fail(&f->c.m, BB_ENOMEM, false,
			       "out of memory for the reply");
		return;
	}
	bb_fetchm_taken(&f->c.m, n);
}

static void end(void *arg)
{
	struct bb_board_fetch *f = arg;
	struct bb_board_fetch_result r = {0};
	bool ok = bb_fetchm_act(&f->c.m) == BB_FM_DONE;

	bb_lwip_fm_conn_end(&f->c);
	r.err = ok ? 0 : f->c.m.err ? f->c.m.err : BB_EIO;
	r.msg = ok ? NULL : f->c.m.msg;
	r.status = f->c.m.status;
	r.body = (const uint8_t *)f->reply.p;
	r.len = f->reply.len;
	f->fn(f->arg, &r);
	destroy(f);
}

static const struct bb_lwip_fm_ops ops = {head, body, end};

static char *dup_or_null(const char *s, bool *fail)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*fail = true;
	return d;
}

/* The machine's bounds from the request's, with board.h's defaults. */
static void machine_cfg(const struct bb_board_fetch_req *req,
			const struct bb_board_fetch *f,
			struct bb_fetchm_cfg *mc)
{
	uint32_t t = req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS;

	memset(mc, 0, sizeof(*mc));
	mc->connect_ms = t;
	mc->read_ms = t;
	mc->max_redirects = -1;
	mc->max_bytes = req->max_reply ? req->max_reply : DEFAULT_MAX_REPLY;
	mc->method = f->method;
	mc->headers = f->headers;
	mc->body = f->body;
	mc->body_len = req->body_len;
}

static int setup(struct bb_board_fetch *f, const struct bb_board_fetch_req *req)
{
	struct bb_fetchm_cfg mc;
	bool fail = false;

	f->method = dup_or_null(req->method ? req->method : "POST", &fail);
	f->headers = dup_or_null(req->headers, &fail);
	if (req->body_len && !fail && (f->body = malloc(req->body_len)))
		memcpy(f->body, req->body, req->body_len);
	else if (req->body_len)
		fail = true;
	if (fail)
		return bb_board_fail(BB_ENOMEM, "out of memory");
	machine_cfg(req, f, &mc);
	if (bb_fetchm_init(&f->c.m, &mc, req->url, NULL, 0, bb_board_now_ms()))
		return bb_board_fail(BB_EINVAL, "%.200s: not a usable request",
				     req->url);
	if (!f->c.m.url.tls)
		return 0;
	if (!req->ca_path)
		return bb_board_fail(BB_EINVAL, "%.200s: https needs a CA",
				     req->url);
	if (mbedtls_x509_crt_parse_file(&f->c.ca, req->ca_path) < 0)
		return bb_board_fail(BB_EINVAL, "cannot read CA bundle %.200s",
				     req->ca_path);
	if (req->extra_ca &&
	    mbedtls_x509_crt_parse_file(&f->c.ca, req->extra_ca) < 0)
		return bb_board_fail(BB_EINVAL, "cannot read CA bundle %.200s",
				     req->extra_ca);
	return 0;
}

int bb_board_fetch_start(const struct bb_board_fetch_req *req,
			 bb_board_fetch_fn fn, void *arg,
			 struct bb_board_fetch **out)
{
	struct bb_board_fetch *f = calloc(1, sizeof(*f));
	int rc;

	if (out)
		*out = NULL;
	if (!f)
		return bb_board_fail(BB_ENOMEM, "out of memory");
	f->fn = fn;
	f->arg = arg;
	if ((rc = bb_lwip_fm_init(&f->c, &ops, f)) || (rc = setup(f, req))) {
		destroy(f);
		return rc;
	}
	bb_lwip_fm_go(&f->c); /* the result never comes from inside start */
	if (out)
		*out = f;
	return 0;
}

void bb_board_fetch_cancel(struct bb_board_fetch *f)
{
	if (f)
		destroy(f);
}
