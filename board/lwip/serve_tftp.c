/* TFTP on the lwIP board: the services/tftp engine per transfer, one
 * connected UDP pcb each (the RFC 1350 TID), in a table sized in
 * lwipopts.h. Blocks are read with pread into one buffer and sent one
 * datagram each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/lwip/lwipopts.h"
#include "board/lwip/serve_lwip.h"
#include "common/err.h"
#include "common/parse.h"
#include "common/sanitize.h"
#include "firmware/serve/log.h"
#include "tftp/tftp.h"

struct xfer {
	bool used;
	struct bb_serve_tftp *t;
	struct bb_udp *u;
	struct bb_file *f;
	struct bb_board_timer *timer;
	struct bb_tftp_xfer x;
	struct bb_tftp_rrq rrq;
	uint32_t ip;
	uint64_t t0;
};

struct bb_serve_tftp {
	struct bb_udp *listen;
	struct bb_root *root;
	struct xfer xf[BB_LWIP_MAX_TFTP];
	uint8_t buf[BB_LWIP_TFTP_BLK + 4];
};

/* static, so that size(1) shows it with lwIP's pools */
static struct bb_serve_tftp the_tftp;

static void xfer_end(struct xfer *x, const char *result)
{
	char name[300], ip[16];

	bb_sanitize(name, sizeof(name), x->rrq.file, strlen(x->rrq.file));
	bb_info("tftp: %s %s %llu bytes in %llu ms: %s", bb_fmt_ipv4(x->ip, ip),
		name, (unsigned long long)(x->x.acked ? x->x.size : 0),
		(unsigned long long)(bb_board_now_ms() - x->t0), result);
	bb_board_timer_free(x->timer);
	bb_udp_close(x->u);
	bb_file_close(x->f);
	memset(x, 0, sizeof(*x));
}

static bool pump(struct xfer *x)
{
	struct bb_serve_tftp *t = x->t;
	uint64_t now = bb_board_now_ms();
	struct bb_tftp_send plan;
	uint32_t i;

	if (x->x.done) {
		xfer_end(x, "ok");
		return false;
	}
	bb_tftp_next(&x->x, now, &plan);
	if (plan.oack) {
		int n =
		    bb_tftp_build_oack(&x->x, &x->rrq, t->buf, sizeof(t->buf));

		if (n > 0)
			bb_udp_send(x->u, BB_UDP_TO, NULL, NULL, t->buf,
				    (size_t)n);
	}
	for (i = 0; !plan.oack && i < plan.count; i++) {
		uint64_t off;
		size_t len;
		long r;

		bb_tftp_block_range(&x->x, plan.first + i, &off, &len);
		bb_tftp_data_header(plan.first + i, t->buf);
		r = len ? bb_file_pread(x->f, t->buf + 4, len, off) : 0;
		if (r != (long)len) {
			xfer_end(x, "file read failed");
			return false;
		}
		/* out of pbufs: the rest goes at the retransmit */
		if (bb_udp_send(x->u, BB_UDP_TO, NULL, NULL, t->buf, len + 4))
			break;
	}
	bb_board_timer_arm(x->timer,
			   x->x.deadline > now ? x->x.deadline - now : 1);
	return true;
}

static void on_xfer(void *arg, struct bb_udp *u, const uint8_t *pkt, size_t n,
		    const struct bb_udp_peer *from)
{
	struct xfer *x = arg;
	uint16_t op = n >= 2 ? (uint16_t)(pkt[0] << 8 | pkt[1]) : 0;

	(void)u;
	(void)from;
	if (op == BB_TFTP_ACK && n >= 4)
		bb_tftp_ack(&x->x, (uint16_t)(pkt[2] << 8 | pkt[3]),
			    bb_board_now_ms());
	else if (op == BB_TFTP_ERROR) {
		xfer_end(x, "ended by the client");
		return;
	}
	pump(x);
}

static void on_timer(void *arg)
{
	struct xfer *x = arg;

	if (!bb_tftp_timeout(&x->x, bb_board_now_ms())) {
		xfer_end(x, "timed out");
		return;
	}
	pump(x);
}

static void reply_error(struct bb_serve_tftp *t, const struct bb_udp_peer *to,
			uint16_t code, const char *msg)
{
	uint8_t b[128];
	int n = bb_tftp_build_error(code, msg, b, sizeof(b));

	if (n > 0)
		bb_udp_send(t->listen, BB_UDP_TO, to, NULL, b, (size_t)n);
}

static void start_xfer(struct bb_serve_tftp *t, const struct bb_tftp_rrq *r,
		       const struct bb_udp_peer *peer)
{
	struct xfer *x = NULL;
	struct bb_file *f;
	size_t i, maxblk;
	int rc;

	for (i = 0; i < BB_LWIP_MAX_TFTP && !x; i++)
		if (!t->xf[i].used)
			x = &t->xf[i];
	if (!x) {
		reply_error(t, peer, BB_TFTP_EUNDEF, "server busy");
		return;
	}
	if ((rc = bb_file_open(t->root, r->file, &f))) {
		char name[300], ip[16];

		bb_sanitize(name, sizeof(name), r->file, strlen(r->file));
		bb_info("tftp: %s %s refused: %s", bb_fmt_ipv4(peer->ip, ip),
			name, bb_board_errmsg());
		reply_error(
		    t, peer,
		    rc == BB_ENOENT ? BB_TFTP_ENOTFOUND : BB_TFTP_EACCESS,
		    rc == BB_ENOENT ? "file not found" : "access denied");
		return;
	}
	x->u = bb_udp_open(0, 0, peer, on_xfer, x);
	x->timer = bb_board_timer_new(on_timer, x);
	if (!x->u || !x->timer) {
		bb_udp_close(x->u);
		bb_board_timer_free(x->timer);
		bb_file_close(f);
		memset(x, 0, sizeof(*x));
		reply_error(t, peer, BB_TFTP_EUNDEF, "server busy");
		return;
	}
	x->used = true;
	x->t = t;
	x->f = f;
	x->rrq = *r;
	x->ip = peer->ip;
	x->t0 = bb_board_now_ms();
	maxblk = bb_udp_max_payload(x->u) - 4;
	if (maxblk > BB_LWIP_TFTP_BLK)
		maxblk = BB_LWIP_TFTP_BLK;
	bb_tftp_start(&x->x, r, bb_file_size(f), (uint32_t)maxblk, x->t0);
	pump(x);
}

static void on_request(void *arg, struct bb_udp *u, const uint8_t *pkt,
		       size_t n, const struct bb_udp_peer *from)
{
	struct bb_serve_tftp *t = arg;
	struct bb_tftp_rrq r;
	const char *msg;
	int code;

	(void)u;
	code = bb_tftp_parse_request(pkt, n, &r, &msg);
	if (code) {
		reply_error(t, from, (uint16_t)code, msg);
		return;
	}
	start_xfer(t, &r, from);
}

int bb_lwip_tftp_start(struct bb_serve *s)
{
	struct bb_serve_tftp *t;

	if (!s->cfg->tftp.enabled)
		return 0;
	t = &the_tftp;
	memset(t, 0, sizeof(*t));
	s->tftp = t;
	t->root = bb_root_open(s->cfg->tftp.root);
	if (t->root)
		t->listen = bb_udp_open(s->cfg->appliance.address,
					s->cfg->tftp.port, NULL, on_request, t);
	if (!t->root || !t->listen) {
		bb_err("tftp: cannot serve %s on port %u: %s",
		       s->cfg->tftp.root, s->cfg->tftp.port, bb_board_errmsg());
		return BB_EIO;
	}
	bb_info("tftp: serving %s on port %u over lwIP", s->cfg->tftp.root,
		s->cfg->tftp.port);
	return 0;
}

void bb_lwip_tftp_stop(struct bb_serve *s)
{
	struct bb_serve_tftp *t = s->tftp;
	size_t i;

	if (!t)
		return;
	for (i = 0; i < BB_LWIP_MAX_TFTP; i++)
		if (t->xf[i].used)
			xfer_end(&t->xf[i], "server stopped");
	bb_udp_close(t->listen);
	bb_root_close(t->root);
	s->tftp = NULL;
}
