/* The TFTP service, on any board: the session engine (services/tftp) per
 * request, a connected bb_udp per transfer (the RFC 1350 TID) from the
 * address the request came to, files beneath the root (then the fallback
 * directory of iPXE builds) through board.h. Runs of blocks go to the
 * board whole (one GSO send on Linux); a lock-step transfer reads ahead so
 * that most blocks cost one send, not a read and a send. */
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "common/err.h"
#include "common/parse.h"
#include "common/sanitize.h"
#include "firmware/serve/ipxe_extra.h"
#include "firmware/serve/log.h"
#include "firmware/serve/metrics.h"
#include "firmware/serve/serve.h"
#include "tftp/tftp_session.h"

#define RA_XFERS 256u /* past this many at once: no read-ahead */

struct xfer {
	struct bb_serve_tftp *t;
	struct xfer *prev, *next;
	int id; /* the engine's session */
	struct bb_udp *u;
	struct bb_file *f;
	struct bb_board_timer *timer;
	uint8_t *ra; /* caps.read_ahead bytes of the file from ra_off */
	uint64_t ra_off;
	size_t ra_len;
};

struct bb_serve_tftp {
	struct bb_board_caps caps;
	struct bb_tftp_sessions *tab;
	struct bb_udp *listen;
	struct bb_root *root, *fallback;
	struct xfer *xfers;
	uint32_t nxfers;
	struct bb_tftp_out out;
	uint8_t *buf; /* one datagram */
	size_t bufsz;
	struct bb_tftp_server_stats stats;
};

const struct bb_tftp_server_stats *bb_serve_tftp_stats(struct bb_serve *s)
{
	return s->tftp ? &s->tftp->stats : NULL;
}

static void xfer_end(struct xfer *x)
{
	struct bb_serve_tftp *t = x->t;
	struct bb_tftp_report r;
	char name[300], ip[16];

	bb_tftp_session_report(t->tab, x->id, bb_board_now_ms(), &r);
	if (!strcmp(r.result, "ok"))
		t->stats.ok++;
	else
		t->stats.failed++;
	t->stats.bytes += r.bytes;
	bb_sanitize(name, sizeof(name), r.file, r.file ? strlen(r.file) : 0);
	bb_info("tftp: %s %s %llu bytes in %llu ms: %s", bb_fmt_ipv4(r.ip, ip),
		name, (unsigned long long)r.bytes, (unsigned long long)r.ms,
		r.result);
	bb_tftp_release(t->tab, x->id);
	bb_board_timer_free(x->timer);
	bb_udp_close(x->u);
	bb_file_close(x->f);
	free(x->ra);
	if (x->prev)
		x->prev->next = x->next;
	else
		t->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	t->nxfers--;
	free(x);
}

/* A lone block [off, off + len): from the read-ahead when the board
 * allows one, else read now. */
static bool read_block(struct xfer *x, uint64_t off, size_t len, uint8_t *to)
{
	struct bb_serve_tftp *t = x->t;
	size_t ra = t->caps.read_ahead;
	long r;

	if (!len)
		return true;
	if (ra && len <= ra / 2 &&
	    (x->ra || (t->nxfers <= RA_XFERS && (x->ra = malloc(ra))))) {
		if (off < x->ra_off || off + len > x->ra_off + x->ra_len) {
			r = bb_file_pread(x->f, x->ra, ra, off);
			x->ra_off = off;
			x->ra_len = r > 0 ? (size_t)r : 0;
			if (x->ra_len < len)
				return false;
		}
		memcpy(to, x->ra + (off - x->ra_off), len);
		return true;
	}
	return bb_file_pread(x->f, to, len, off) == (long)len;
}

/* 0, or why the transfer cannot go on (BB_EIO: the file; else the peer). */
static int send_train(struct xfer *x, const struct bb_tftp_train *tr)
{
	struct bb_serve_tftp *t = x->t;
	size_t len = (size_t)tr->len;
	int rc;

	if (tr->count > 1)
		return bb_udp_send_tftp_data(x->u, x->f, tr->first, tr->count,
					     tr->seg, tr->off, tr->len);
	if (len + 4 > t->bufsz)
		return BB_EIO;
	bb_tftp_data_header(tr->first, t->buf);
	if (!read_block(x, tr->off, len, t->buf + 4))
		return BB_EIO;
	rc = bb_udp_send(x->u, BB_UDP_TO, NULL, NULL, t->buf, len + 4);
	return rc == BB_EAGAIN ? 0 : rc; /* a full buffer: the retransmit */
}

/* Sends what the engine put out, then ends the transfer or arms its
 * timer. */
static void settle(struct xfer *x)
{
	struct bb_serve_tftp *t = x->t;
	const struct bb_tftp_out *o = &t->out;
	uint64_t now = bb_board_now_ms(), d;
	size_t i;
	int rc = 0;

	if (o->pkt_len) {
		rc = bb_udp_send(x->u, BB_UDP_TO, NULL, NULL, o->pkt,
				 o->pkt_len);
		rc = rc == BB_EAGAIN ? 0 : rc;
	}
	for (i = 0; !rc && i < o->ntrains; i++)
		rc = send_train(x, &o->train[i]);
	if (rc)
		bb_tftp_fail(t->tab, x->id,
			     rc == BB_EIO ? BB_TFTP_END_READ
					  : BB_TFTP_END_GONE);
	if (bb_tftp_session_end(t->tab, x->id)) {
		xfer_end(x);
		return;
	}
	d = bb_tftp_session_deadline(t->tab, x->id);
	bb_board_timer_arm(x->timer, d > now ? d - now : 1);
}

static void on_xfer(void *arg, struct bb_udp *u, const uint8_t *pkt, size_t len,
		    const struct bb_udp_peer *from)
{
	struct xfer *x = arg;

	(void)u;
	(void)from;
	if (!pkt) /* the board heard the peer is unreachable (ICMP) */
		bb_tftp_fail(x->t->tab, x->id, BB_TFTP_END_GONE);
	bb_tftp_input(x->t->tab, x->id, pkt, pkt ? len : 0, bb_board_now_ms(),
		      &x->t->out);
	settle(x);
}

static void on_timer(void *arg)
{
	struct xfer *x = arg;
	struct bb_serve_tftp *t = x->t;

	bb_tftp_tick(t->tab, x->id, bb_board_now_ms(), &t->out);
	if (!bb_tftp_session_end(t->tab, x->id) &&
	    (t->out.pkt_len || t->out.ntrains))
		t->stats.retransmits++;
	settle(x);
}

static void reply_listener(struct bb_serve_tftp *t,
			   const struct bb_udp_peer *to)
{
	if (t->out.pkt_len)
		bb_udp_send(t->listen, BB_UDP_TO, to, NULL, t->out.pkt,
			    t->out.pkt_len);
}

static int open_file(struct bb_serve_tftp *t, const char *name,
		     struct bb_file **f)
{
	int rc = bb_file_open(t->root, name, f);

	if (rc == BB_ENOENT && t->fallback)
		rc = bb_file_open(t->fallback, name, f);
	return rc;
}

static void refuse(struct bb_serve_tftp *t, int id,
		   const struct bb_udp_peer *peer, uint16_t code,
		   const char *msg)
{
	bb_tftp_refuse(t->tab, id, code, msg, &t->out);
	reply_listener(t, peer);
}

static void start_xfer(struct bb_serve_tftp *t, int id,
		       const struct bb_udp_peer *peer, uint32_t local)
{
	const char *file = bb_tftp_session_rrq(t->tab, id)->file;
	struct bb_file *f = NULL;
	struct xfer *x;
	size_t maxblk;
	int rc = open_file(t, file, &f);

	if (rc) {
		char name[300], ip[16];

		bb_sanitize(name, sizeof(name), file, strlen(file));
		bb_info("tftp: %s %s refused: %s", bb_fmt_ipv4(peer->ip, ip),
			name, bb_board_errmsg());
		if (rc == BB_ENOENT)
			refuse(t, id, peer, BB_TFTP_ENOTFOUND,
			       "file not found");
		else
			refuse(t, id, peer, BB_TFTP_EACCESS, "access denied");
		return;
	}
	x = calloc(1, sizeof(*x));
	if (x) {
		x->t = t;
		x->id = id;
		x->f = f;
		x->u = bb_udp_open(local, 0, peer, on_xfer, x);
		x->timer = bb_board_timer_new(on_timer, x);
	}
	if (!x || !x->u || !x->timer) {
		if (x) {
			bb_udp_close(x->u);
			bb_board_timer_free(x->timer);
		}
		free(x);
		bb_file_close(f);
		refuse(t, id, peer, BB_TFTP_EUNDEF, "server busy");
		return;
	}
	x->next = t->xfers;
	if (x->next)
		x->next->prev = x;
	t->xfers = x;
	t->nxfers++;
	maxblk = bb_udp_max_payload(x->u) - 4;
	if (maxblk > t->bufsz - 4)
		maxblk = t->bufsz - 4;
	if (maxblk > 65464)
		maxblk = 65464;
	bb_tftp_open(t->tab, id, bb_file_size(f), (uint32_t)maxblk,
		     bb_board_now_ms(), &t->out);
	settle(x);
}

static void on_request(void *arg, struct bb_udp *u, const uint8_t *pkt,
		       size_t len, const struct bb_udp_peer *from)
{
	struct bb_serve_tftp *t = arg;
	int id;

	if (!pkt)
		return;
	id = bb_tftp_request(t->tab, from->ip, from->port, pkt, len,
			     bb_board_now_ms(), &t->out);
	if (id < 0)
		reply_listener(t, from);
	else
		start_xfer(t, id, from, bb_udp_local(u));
}

static uint32_t listen_of(const struct bb_config *c)
{
	/* the boot network's address, not every interface of the host */
	return c->tftp.listen_set ? c->tftp.listen_addr : c->appliance.address;
}

int bb_serve_tftp_start(struct bb_serve *s)
{
	const struct bb_config *c = s->cfg;
	struct bb_tftp_limits l = {0};
	struct bb_serve_tftp *t;
	const char *extra = bb_ipxe_extra_dir();
	uint32_t addr = listen_of(c);
	char ip[16];

	if (!c->tftp.enabled)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return BB_ENOMEM;
	s->tftp = t;
	bb_board_caps(&t->caps);
	l.max_sessions = t->caps.tftp_transfers;
	l.per_source = c->tftp.max_per_client;
	l.lifetime_ms = c->tftp.max_transfer_time * 1000;
	l.train_bytes = t->caps.udp_train_bytes;
	l.train_blocks = t->caps.udp_train_blocks;
	t->bufsz = t->caps.udp_payload_max ? t->caps.udp_payload_max : 65468;
	t->buf = malloc(t->bufsz);
	t->tab = bb_tftp_sessions_new(&l);
	if (!t->buf || !t->tab)
		return BB_ENOMEM;
	t->root = bb_root_open(c->tftp.root);
	t->fallback = extra ? bb_root_open(extra) : NULL;
	if (t->root)
		t->listen =
		    bb_udp_open(addr, c->tftp.port, NULL, on_request, t);
	if (!t->root || !t->listen) {
		bb_err("tftp: cannot serve %s on %s:%u: %s", c->tftp.root,
		       bb_fmt_ipv4(addr, ip), c->tftp.port, bb_board_errmsg());
		return BB_EIO;
	}
	bb_info("tftp: serving %s on %s:%u%s%s", c->tftp.root,
		bb_fmt_ipv4(addr, ip), c->tftp.port,
		t->fallback ? ", then " : "", t->fallback ? extra : "");
	return 0;
}

int bb_serve_tftp_reload(struct bb_serve *s, const struct bb_config *next)
{
	struct bb_serve_tftp *t = s->tftp;
	struct bb_root *root;

	if (!t || !next->tftp.enabled)
		return 0;
	if (next->tftp.port != s->cfg->tftp.port ||
	    listen_of(next) != listen_of(s->cfg) ||
	    next->tftp.max_per_client != s->cfg->tftp.max_per_client ||
	    next->tftp.max_transfer_time != s->cfg->tftp.max_transfer_time)
		bb_warn("tftp: listen, port and limits change on a restart, "
			"not on a reload");
	root = bb_root_open(next->tftp.root);
	if (!root) {
		bb_warn("tftp: cannot open the new root %s; keeping the old",
			next->tftp.root);
		return 0;
	}
	/* transfers under way keep their open files */
	bb_root_close(t->root);
	t->root = root;
	return 0;
}

void bb_serve_tftp_stop(struct bb_serve *s)
{
	struct bb_serve_tftp *t = s->tftp;

	if (!t)
		return;
	while (t->xfers) {
		bb_tftp_fail(t->tab, t->xfers->id, BB_TFTP_END_STOPPED);
		xfer_end(t->xfers);
	}
	bb_udp_close(t->listen);
	bb_root_close(t->root);
	bb_root_close(t->fallback);
	bb_tftp_sessions_free(t->tab);
	free(t->buf);
	free(t);
	s->tftp = NULL;
}
