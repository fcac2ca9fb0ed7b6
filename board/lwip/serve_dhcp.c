/* DHCP on the lwIP board: the services/dhcp engine behind board.h UDP,
 * with the lease journal through board.h (inline group commit: the ACKs
 * one loop turn produced wait for one durable commit of their records,
 * at the idle hook; an ACK never leaves before its lease is durable). */
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/lwip/serve_lwip.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/parse.h"
#include "dhcp/dhcp_batch.h"
#include "firmware/config/dhcp_conf.h"
#include "firmware/serve/log.h"

struct queued {
	struct bb_dhcp_tx tx;
	size_t len;
	uint8_t pkt[BB_DHCP_MAX_PKT];
};

struct bb_serve_dhcp {
	struct bb_serve *s;
	struct bb_dhcp_server *eng;
	struct bb_udp *u;
	struct bb_jr *jr;
	struct queued *q;
	size_t nq, capq;
	uint64_t live_bytes;
	uint8_t out[BB_DHCP_MAX_PKT];
};

static void send_tx(struct bb_serve_dhcp *d, const struct bb_dhcp_tx *tx,
		    const uint8_t *pkt, size_t len)
{
	/* the destination the engine's rule picks (dhcp_batch.c); the board
	 * installs the link address itself for a client without one */
	bool hw = bb_dhcp_dest_needs_link(tx);
	struct bb_udp_peer to;
	enum bb_udp_how how;
	char ip[16], mac[18];

	if (bb_dhcp_dest_resolve(tx, true, &to.ip, &to.port))
		return; /* nothing may leave */
	how = to.ip == 0xffffffffu ? BB_UDP_BROADCAST
	      : hw		   ? BB_UDP_TO_HW
				   : BB_UDP_TO;
	if (bb_udp_send(d->u, how, &to, tx->chaddr, pkt, len)) {
		bb_warn("dhcp: reply to %s not sent",
			bb_fmt_mac(tx->chaddr, mac));
		return;
	}
	if (bb_log_verbosity >= BB_LOG_INFO) {
		const struct bb_config *cfg = d->s->cfg;
		const char *name = NULL;
		size_t i;

		for (i = 0; i < cfg->nmachines && !name; i++)
			if (!memcmp(cfg->machines[i].mac, tx->chaddr, 6))
				name = cfg->machines[i].name;
		/* the Linux board's line, so logs read alike */
		bb_info("%s %s to %s%s%s%s via %s",
			tx->msg_type == 2   ? "DHCPOFFER"
			: tx->msg_type == 5 ? "DHCPACK"
			: tx->msg_type == 6 ? "DHCPNAK"
					    : "DHCP reply",
			bb_fmt_ipv4(tx->yiaddr, ip),
			bb_fmt_mac(tx->chaddr, mac), name ? " (" : "",
			name ? name : "", name ? ")" : "",
			cfg->appliance.interface);
	}
}

static int enqueue(struct bb_serve_dhcp *d, const struct bb_dhcp_tx *tx,
		   const uint8_t *pkt, size_t len)
{
	if (d->nq == d->capq) {
		size_t cap = d->capq ? d->capq * 2 : 16;
		struct queued *q = realloc(d->q, cap * sizeof(*q));

		if (!q)
			return BB_ENOMEM;
		d->q = q;
		d->capq = cap;
	}
	d->q[d->nq].tx = *tx;
	d->q[d->nq].len = len;
	memcpy(d->q[d->nq].pkt, pkt, len);
	d->nq++;
	return 0;
}

static void on_datagram(void *arg, struct bb_udp *u, const uint8_t *pkt,
			size_t len, const struct bb_udp_peer *from)
{
	struct bb_serve_dhcp *d = arg;
	struct bb_dhcp_rx rx = {pkt, len, from->ip, from->port,
				bb_board_wall_now()};
	struct bb_dhcp_tx tx;
	int n;

	(void)u;
	n = bb_dhcp_server_input(d->eng, &rx, d->out, sizeof(d->out), &tx);
	if (n < 0)
		return;
	if (tx.journal_len) {
		bb_jr_append(d->jr, tx.journal, tx.journal_len);
		if (n > 0 && enqueue(d, &tx, d->out, (size_t)n))
			bb_err("dhcp: out of memory: reply dropped");
		return;
	}
	if (n > 0)
		send_tx(d, &tx, d->out, (size_t)n);
}

static int collect(const struct bb_dhcp_lease *l, void *arg)
{
	uint8_t rec[BB_DHCP_JOURNAL_MAX];
	int n = bb_dhcp_journal_encode(l, rec, sizeof(rec));

	if (n > 0)
		bb_buf_append(arg, rec, (size_t)n);
	return 0;
}

static void compact(struct bb_serve_dhcp *d)
{
	struct bb_buf b = {.limit = (size_t)1 << 30};

	bb_dhcp_server_foreach(d->eng, bb_board_wall_now(), collect, &b);
	if (b.err || bb_jr_rewrite(d->jr, b.p ? b.p : "", b.len))
		bb_warn("dhcp: journal compaction failed; still appending");
	else
		d->live_bytes = b.len;
	bb_buf_free(&b);
}

static void committed(void *arg, int rc)
{
	struct bb_serve_dhcp *d = arg;
	size_t i;

	if (rc)
		bb_err("dhcp: cannot write the lease journal: %s; %zu "
		       "acknowledgements withheld",
		       bb_board_errmsg(), d->nq);
	else
		for (i = 0; i < d->nq; i++)
			send_tx(d, &d->q[i].tx, d->q[i].pkt, d->q[i].len);
	d->nq = 0;
	if (bb_jr_size(d->jr) > 4 * d->live_bytes + (4u << 20))
		compact(d);
}

static void on_idle(void *arg)
{
	struct bb_serve_dhcp *d = arg;

	if (d->nq && !bb_jr_busy(d->jr))
		bb_jr_commit(d->jr, committed, d);
}

struct replay_ctx {
	struct bb_serve_dhcp *d;
	long n;
};

static size_t replay(void *arg, const uint8_t *p, size_t len)
{
	struct replay_ctx *c = arg;
	size_t good = 0;

	c->n = bb_dhcp_server_replay(c->d->eng, p, len, &good);
	return c->n < 0 ? 0 : good;
}

int bb_lwip_dhcp_start(struct bb_serve *s)
{
	const struct bb_config *cfg = s->cfg;
	struct bb_serve_dhcp *d;
	struct bb_dhcp_conf conf;
	struct replay_ctx rc;
	char path[1024];

	if (!cfg->dhcp.enabled)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d || bb_dhcp_conf_build(cfg, s->dhcp_standdown, &conf)) {
		free(d);
		return BB_ENOMEM;
	}
	d->s = s;
	d->eng = bb_dhcp_server_new(&conf.c);
	bb_dhcp_conf_free(&conf);
	s->dhcp = d;
	if (!d->eng)
		return BB_ENOMEM;
	bb_dhcp_journal_path(cfg, path, sizeof(path));
	rc.d = d;
	rc.n = 0;
	if (bb_jr_open(path, replay, &rc, &d->jr)) {
		bb_err("dhcp: cannot open the lease journal: %s",
		       bb_board_errmsg());
		return BB_EIO;
	}
	bb_info("dhcp: %ld lease records replayed from %s", rc.n, path);
	compact(d);
	d->u = bb_udp_open(0, BB_DHCP_SERVER_PORT, NULL, on_datagram, d);
	if (!d->u) {
		bb_err("dhcp: %s", bb_board_errmsg());
		return BB_EIO;
	}
	if (bb_board_idle_add(on_idle, d))
		return BB_ENOSPC;
	bb_info("dhcp: serving %zu subnet(s) on %s over lwIP, %zu "
		"reservation(s)",
		cfg->dhcp.nsubnets, cfg->appliance.interface, cfg->nmachines);
	return 0;
}

void bb_lwip_dhcp_stop(struct bb_serve *s)
{
	struct bb_serve_dhcp *d = s->dhcp;

	if (!d)
		return;
	bb_udp_close(d->u);
	bb_jr_close(d->jr);
	bb_dhcp_server_free(d->eng);
	free(d->q);
	free(d);
	s->dhcp = NULL;
}

/* What the firmware's routes and API ask of the DHCP service. */
struct bb_dhcp_server *bb_serve_dhcp_engine(struct bb_serve *s)
{
	return s->dhcp ? s->dhcp->eng : NULL;
}

/* A new configuration (SIGHUP) or the hand-off's stand-down: the engine
 * reconfigured, leases kept. */
int bb_lwip_dhcp_reload(struct bb_serve *s, const struct bb_config *next)
{
	struct bb_dhcp_conf conf;
	int rc;

	if (!s->dhcp) {
		if (next->dhcp.enabled)
			bb_warn("dhcp: enabling DHCP needs a restart");
		return 0;
	}
	if (bb_dhcp_conf_build(next, s->dhcp_standdown, &conf))
		return BB_ENOMEM;
	rc = bb_dhcp_server_reconfigure(s->dhcp->eng, &conf.c);
	bb_dhcp_conf_free(&conf);
	return rc;
}

int bb_serve_dhcp_standdown(struct bb_serve *s, bool on)
{
	bool was = s->dhcp_standdown;
	int rc;

	s->dhcp_standdown = on;
	if (!s->dhcp || was == on)
		return 0;
	rc = bb_lwip_dhcp_reload(s, s->cfg);
	if (rc)
		s->dhcp_standdown = was;
	return rc;
}
