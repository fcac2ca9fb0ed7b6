/* The DHCP service: datagrams from the board's socket through the engine;
 * replies that carry a lease (ACK) wait in a queue until every journal
 * record of their batch is written and fdatasync()ed (group commit), so an
 * ACK never leaves before its lease is on disk. The commit runs on the
 * journal's thread: while one batch syncs, the loop answers and collects
 * the next, and the idle hook hands it over when the first is durable. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/linux/dhcp_sock.h"
#include "board/linux/journal_file.h"
#include "board/linux/ticker.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/parse.h"
#include "dhcp/dhcp_wire.h"
#include "firmware/config/dhcp_conf.h"
#include "firmware/serve/log.h"
#include "firmware/serve/metrics.h"
#include "firmware/serve/serve.h"

struct queued {
	struct bb_dhcp_tx tx; /* journal bytes are already in the journal */
	size_t len;
	uint8_t pkt[BB_DHCP_MAX_PKT];
};

/* A no-reply is logged once per client and reason every SEEN_AGAIN
 * seconds, and at most SEEN_PER_SEC lines a second in all: a flood of
 * random chaddrs is counted in /metrics, not written out. */
#define SEEN_SLOTS   1024
#define SEEN_AGAIN   600
#define SEEN_PER_SEC 10

struct bb_serve_dhcp {
	struct bb_serve *s;
	struct bb_dhcp_server *eng;
	struct bb_dhcp_sock sock;
	struct bb_journal jr;
	struct queued *q, *qf; /* waiting for the next batch; in flight */
	size_t nq, capq, nqf, capqf;
	uint64_t live_bytes; /* journal size right after the last compaction */
	uint8_t (*bufs)[BB_DHCP_SOCK_BUF];
	struct bb_ticker tick;		  /* polls the socket while busy */
	struct bb_dhcp_batch ob;	  /* replies that need no commit */
	uint8_t (*outs)[BB_DHCP_MAX_PKT]; /* their bytes, slot = ob.n */
	struct bb_dhcp_batch qb;	  /* ACKs of a durable batch */
	struct seen {			  /* no-reply lines already logged */
		uint8_t mac[6];
		uint8_t reason;
		int64_t at;
	} seen[SEEN_SLOTS];
	int64_t log_sec; /* no-reply lines logged in this second */
	unsigned log_n;
};

/* While busy, the socket is read once per millisecond: a wakeup costs
 * more than answering a DISCOVER, and a batch of a few dozen datagrams is
 * answered for far less CPU each (bench_dhcp: 14.5 us per exchange at
 * 250 us, 8 us at 1 ms). A client waits up to a millisecond longer. */
#define POLL_US 1000

/* Group commit: a batch's commit starts as soon as the disk is free (at
 * once, or when the batch in flight is durable), with every record that
 * came meanwhile. The journal file is grown ahead (journal_file.c), so a
 * commit flushes data only, not an fs journal commit: a gathering window
 * would only add to every ACK's latency. */

static const char *type_name(uint8_t t)
{
	static const char *const names[] = {
	    "?",	   "DHCPDISCOVER", "DHCPOFFER",
	    "DHCPREQUEST", "DHCPDECLINE",  "DHCPACK",
	    "DHCPNAK",	   "DHCPRELEASE",  "DHCPINFORM"};

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static const char *machine_name(const struct bb_config *cfg,
				const uint8_t mac[6])
{
	size_t i;

	for (i = 0; i < cfg->nmachines; i++)
		if (!memcmp(cfg->machines[i].mac, mac, 6))
			return cfg->machines[i].name;
	return NULL;
}

static void log_reply(struct bb_serve_dhcp *d, const struct bb_dhcp_tx *tx)
{
	char ip[16], mac[18], kv[128];
	const char *name;

	if (bb_log_verbosity < BB_LOG_INFO)
		return;
	name = machine_name(d->s->cfg, tx->chaddr);
	bb_info("%s %s to %s%s%s%s via %s %s", type_name(tx->msg_type),
		bb_fmt_ipv4(tx->yiaddr, ip), bb_fmt_mac(tx->chaddr, mac),
		name ? " (" : "", name ? name : "", name ? ")" : "",
		d->sock.ifname,
		bb_log_fields(kv, sizeof(kv), tx->chaddr, tx->yiaddr, name));
}

static bool first_time(struct bb_serve_dhcp *d, const struct bb_dhcp_tx *tx,
		       int64_t now)
{
	uint32_t h = tx->ignore;
	struct seen *e;
	int i;

	for (i = 0; i < 6; i++)
		h = h * 31 + tx->chaddr[i];
	e = &d->seen[h % SEEN_SLOTS];
	if (!memcmp(e->mac, tx->chaddr, 6) && e->reason == tx->ignore &&
	    now - e->at < SEEN_AGAIN)
		return false;
	if (d->log_sec != now) {
		d->log_sec = now;
		d->log_n = 0;
	}
	if (d->log_n >= SEEN_PER_SEC)
		return false;
	d->log_n++;
	memcpy(e->mac, tx->chaddr, 6);
	e->reason = tx->ignore;
	e->at = now;
	return true;
}

static void log_ignored(struct bb_serve_dhcp *d, const struct bb_dhcp_tx *tx,
			int64_t now)
{
	char ip[16], mac[18];
	const char *name;

	if (bb_log_verbosity < BB_LOG_INFO || !first_time(d, tx, now))
		return;
	name = machine_name(d->s->cfg, tx->chaddr);
	bb_info("dhcp: no reply to %s from %s%s%s%s: %s%s%s%s",
		type_name(tx->rx_type), bb_fmt_mac(tx->chaddr, mac),
		name ? " (" : "", name ? name : "", name ? ")" : "",
		bb_dhcp_ignore_name(tx->ignore), tx->ign_ip ? " (" : "",
		tx->ign_ip ? bb_fmt_ipv4(tx->ign_ip, ip) : "",
		tx->ign_ip ? ")" : "");
}

static int enqueue(struct bb_serve_dhcp *d, const struct bb_dhcp_tx *tx,
		   const uint8_t *pkt, size_t len)
{
	if (d->nq == d->capq) {
		size_t cap = d->capq ? d->capq * 2 : 64;
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

static void handle(struct bb_serve_dhcp *d, const uint8_t *pkt, size_t len,
		   uint32_t src, uint16_t sport, int64_t now)
{
	struct bb_dhcp_rx rx = {pkt, len, src, sport, now};
	struct bb_dhcp_tx tx;
	uint8_t *out;
	char ip[16];
	uint64_t t0;
	int n;

	if (d->ob.n == BB_DHCP_BATCH)
		bb_dhcp_sock_flush(&d->sock, &d->ob);
	out = d->outs[d->ob.n];
	t0 = bb_metrics_ns();
	n = bb_dhcp_server_input(d->eng, &rx, out, BB_DHCP_MAX_PKT, &tx);
	bb_metrics_dhcp(bb_metrics_ns() - t0);

	if (n < 0) {
		bb_debug(
		    "dhcp: dropped a malformed datagram from %s (%zu bytes)",
		    bb_fmt_ipv4(src, ip), len);
		return;
	}
	if (tx.journal_len) {
		bb_journal_append(&d->jr, tx.journal, tx.journal_len);
		if (n > 0 && enqueue(d, &tx, out, (size_t)n))
			bb_err("dhcp: out of memory: reply dropped");
		return;
	}
	if (n > 0) {
		bb_dhcp_sock_queue(&d->sock, &d->ob, &tx, out, (size_t)n);
		log_reply(d, &tx);
	} else if (tx.ignore) {
		log_ignored(d, &tx, now);
	}
}

static void on_idle(struct bb_loop *loop, void *arg);

/* Reads and answers what the socket holds; the count. Bounded, so a flood
 * cannot starve the other services. */
static int drain(struct bb_serve_dhcp *d)
{
	size_t lens[64];
	uint32_t src[64];
	uint16_t sport[64];
	int64_t now = bb_wall_now();
	int round, n, i, total = 0;

	for (round = 0; round < 8; round++) {
		n = bb_dhcp_sock_recv(&d->sock, d->bufs, lens, src, sport, 64);
		for (i = 0; i < n; i++)
			handle(d, d->bufs[i], lens[i], src[i], sport[i], now);
		total += n;
		if (n < 64)
			break;
	}
	bb_dhcp_sock_flush(&d->sock, &d->ob);
	/* the commit window opens now, not at the end of the loop's turn
	 * (drain runs ahead of a batch of downloads) */
	if (total)
		on_idle(d->s->loop, d);
	return total;
}

/* Busy: the socket is polled on the ticker, not woken per datagram (a
 * wakeup costs more than answering a DISCOVER); idle again when a tick
 * finds nothing. The first datagram of a burst is answered at once. */
static void set_polling(struct bb_serve_dhcp *d, bool on)
{
	if (d->tick.fd < 0 || d->tick.on == on)
		return;
	if (bb_loop_mod_fd(d->s->loop, d->sock.fd, on ? 0 : BB_EV_READ))
		return;
	bb_ticker_set(&d->tick, on);
	if (d->tick.on != on) /* the timer failed: stay woken per datagram */
		bb_loop_mod_fd(d->s->loop, d->sock.fd, BB_EV_READ);
}

static void on_readable(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_serve_dhcp *d = arg;

	(void)loop;
	(void)fd;
	(void)ev;
	if (drain(d))
		set_polling(d, true);
}

static void on_tick(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_serve_dhcp *d = arg;

	(void)loop;
	(void)fd;
	(void)ev;
	bb_ticker_ack(&d->tick);
	if (!drain(d))
		set_polling(d, false);
}

static int collect(const struct bb_dhcp_lease *l, void *arg)
{
	uint8_t rec[BB_DHCP_JOURNAL_MAX];
	int n = bb_dhcp_journal_encode(l, rec, sizeof(rec));

	if (n > 0)
		bb_buf_append(arg, rec, (size_t)n);
	return 0;
}

/* The journal again, with one record per live lease. */
static void compact(struct bb_serve_dhcp *d)
{
	struct bb_buf b = {.limit = (size_t)1 << 30};

	bb_dhcp_server_foreach(d->eng, bb_wall_now(), collect, &b);
	if (b.err || bb_journal_rewrite(&d->jr, b.p ? b.p : "", b.len))
		bb_warn("dhcp: journal compaction failed; still appending");
	else
		d->live_bytes = b.len;
	bb_buf_free(&b);
}

static void send_queue(struct bb_serve_dhcp *d, struct queued *q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		bb_dhcp_sock_queue(&d->sock, &d->qb, &q[i].tx, q[i].pkt,
				   q[i].len);
		log_reply(d, &q[i].tx);
	}
	bb_dhcp_sock_flush(&d->sock, &d->qb);
}

static void withheld(struct bb_serve_dhcp *d, size_t n)
{
	bb_err("dhcp: cannot write the lease journal %s: %s; %zu "
	       "acknowledgements withheld",
	       d->jr.path, strerror(errno), n);
}

/* Compaction replaces the file: only between batches. */
static void maybe_compact(struct bb_serve_dhcp *d)
{
	if (!d->jr.busy && d->jr.size > 4 * d->live_bytes + (4u << 20))
		compact(d);
}

/* The queue of the batch now pending becomes the in-flight one. */
static void begin_batch(struct bb_serve_dhcp *d)
{
	struct queued *t = d->qf;
	size_t cap = d->capqf;

	if (bb_journal_commit_begin(&d->jr))
		return;
	d->qf = d->q;
	d->capqf = d->capq;
	d->nqf = d->nq;
	d->q = t;
	d->capq = cap;
	d->nq = 0;
}

static void on_committed(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_serve_dhcp *d = arg;
	int rc = bb_journal_commit_end(&d->jr);

	(void)loop;
	(void)fd;
	(void)ev;
	if (rc == BB_EAGAIN)
		return;
	if (rc)
		withheld(d, d->nqf);
	else
		send_queue(d, d->qf, d->nqf);
	d->nqf = 0;
	maybe_compact(d);
	begin_batch(d);
}

static void on_idle(struct bb_loop *loop, void *arg)
{
	struct bb_serve_dhcp *d = arg;

	(void)loop;
	if (!d->jr.pending.len)
		return;
	if (d->jr.running) {
		/* else on_committed starts it */
		if (!d->jr.busy)
			begin_batch(d);
		return;
	}
	/* no committer thread: the batch syncs here, on the loop */
	if (bb_journal_sync(&d->jr))
		withheld(d, d->nq);
	else
		send_queue(d, d->q, d->nq);
	d->nq = 0;
	maybe_compact(d);
}

static int count_live(const struct bb_dhcp_lease *l, void *arg)
{
	(void)l;
	(*(size_t *)arg)++;
	return 0;
}

static int load_journal(struct bb_serve_dhcp *d, const struct bb_config *cfg)
{
	size_t live = 0;
	struct bb_buf content = {0};
	char path[1024];
	size_t good = 0;
	long n;
	int rc;

	bb_dhcp_journal_path(cfg, path, sizeof(path));
	rc = bb_journal_open(&d->jr, path, &content);
	if (rc) {
		bb_err("dhcp: cannot open the lease journal %s: %s", path,
		       strerror(errno));
		bb_buf_free(&content);
		return rc;
	}
	n = bb_dhcp_server_replay(d->eng, (const uint8_t *)content.p,
				  content.len, &good);
	if (n < 0) {
		bb_buf_free(&content);
		return (int)n;
	}
	if (good < content.len) {
		bb_warn("dhcp: %s: torn tail of %zu bytes cut after %ld whole "
			"records",
			path, content.len - good, n);
		bb_journal_truncate(&d->jr, good);
	}
	bb_info("dhcp: %ld lease records replayed from %s", n, path);
	bb_buf_free(&content);
	/* rewriting a journal that is mostly live costs a full write and
	 * fsync at every start for nothing */
	bb_dhcp_server_foreach(d->eng, bb_wall_now(), count_live, &live);
	if ((size_t)n > 2 * live + 1024)
		compact(d);
	else
		d->live_bytes = good;
	return 0;
}

int bb_serve_dhcp_start(struct bb_serve *s)
{
	const struct bb_config *cfg = s->cfg;
	struct bb_serve_dhcp *d;
	struct bb_dhcp_conf conf;
	int rc;

	if (!cfg->dhcp.enabled)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d || !(d->bufs = calloc(64, BB_DHCP_SOCK_BUF)) ||
	    !(d->outs = calloc(BB_DHCP_BATCH, BB_DHCP_MAX_PKT)) ||
	    bb_dhcp_conf_build(cfg, s->dhcp_standdown, &conf)) {
		if (d) {
			free(d->bufs);
			free(d->outs);
		}
		free(d);
		return BB_ENOMEM;
	}
	d->s = s;
	d->sock.fd = -1;
	d->tick.fd = -1;
	d->jr.fd = -1;
	d->eng = bb_dhcp_server_new(&conf.c);
	bb_dhcp_conf_free(&conf);
	s->dhcp = d;
	if (!d->eng)
		return BB_ENOMEM;
	if ((rc = load_journal(d, cfg)))
		return rc;
	if (bb_dhcp_sock_open(&d->sock, cfg->appliance.interface, 67)) {
		int e = errno;

		bb_err("dhcp: cannot listen on %s port 67: %s%s",
		       cfg->appliance.interface, strerror(e),
		       e == EADDRINUSE ? " (another DHCP server holds it: kea, "
					 "dnsmasq or a second bootbox; not "
					 "answering beside it)"
				       : "");
		return BB_EIO;
	}
	if (bb_journal_commit_start(&d->jr))
		bb_warn("dhcp: no committer thread; lease writes pause the "
			"loop");
	else if (bb_loop_add_fd(s->loop, d->jr.done_fd, BB_EV_READ,
				on_committed, d))
		return BB_ENOMEM;
	if (bb_loop_add_fd(s->loop, d->sock.fd, BB_EV_READ, on_readable, d) ||
	    bb_loop_add_idle(s->loop, on_idle, d))
		return BB_ENOMEM;
	if (bb_ticker_open(&d->tick, POLL_US) ||
	    bb_loop_add_fd(s->loop, d->tick.fd, BB_EV_READ, on_tick, d)) {
		bb_warn("dhcp: no ticker; woken once per datagram");
		bb_ticker_close(&d->tick);
	}
	/* served ahead of HTTP within a loop turn; without it, only later */
	if (d->jr.running)
		bb_loop_set_prio(s->loop, d->jr.done_fd);
	bb_loop_set_prio(s->loop, d->sock.fd);
	if (d->tick.fd >= 0)
		bb_loop_set_prio(s->loop, d->tick.fd);
	bb_info("dhcp: serving %zu subnet(s) on %s, %zu reservation(s)",
		cfg->dhcp.nsubnets, cfg->appliance.interface, cfg->nmachines);
	return 0;
}

int bb_serve_dhcp_reload(struct bb_serve *s, const struct bb_config *next)
{
	struct bb_serve_dhcp *d = s->dhcp;
	struct bb_dhcp_conf conf;
	int rc;

	if (!d) {
		if (next->dhcp.enabled)
			bb_warn("dhcp: enabling DHCP needs a restart");
		return 0;
	}
	if (!next->dhcp.enabled) {
		bb_warn("dhcp: turning DHCP off needs a restart");
		return 0;
	}
	if (strcmp(next->appliance.interface, d->sock.ifname))
		bb_warn("dhcp: a new interface takes effect at the next start");
	if (strcmp(next->appliance.state_dir, s->cfg->appliance.state_dir))
		bb_warn("dhcp: a new appliance.state_dir (lease journal, lock) "
			"takes effect at the next start");
	if (bb_dhcp_conf_build(next, s->dhcp_standdown, &conf))
		return BB_ENOMEM;
	rc = bb_dhcp_server_reconfigure(d->eng, &conf.c);
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
	if ((rc = bb_serve_dhcp_reload(s, s->cfg))) {
		s->dhcp_standdown = was;
		return rc;
	}
	bb_info("dhcp: %s", on ? "stood down in the handed-over scopes"
			       : "serving every scope again");
	return 0;
}

void bb_serve_dhcp_stop(struct bb_serve *s)
{
	struct bb_serve_dhcp *d = s->dhcp;

	if (!d)
		return;
	if (d->sock.fd >= 0) {
		bb_loop_del_fd(s->loop, d->sock.fd);
		bb_dhcp_sock_close(&d->sock);
	}
	/* records of unsent ACKs may still be written: harmless, the
	 * clients will ask again */
	if (d->tick.fd >= 0) {
		bb_loop_del_fd(s->loop, d->tick.fd);
		bb_ticker_close(&d->tick);
	}
	if (d->jr.running)
		bb_loop_del_fd(s->loop, d->jr.done_fd);
	bb_journal_commit_stop(&d->jr);
	if (d->jr.fd >= 0)
		bb_journal_sync(&d->jr);
	bb_journal_close(&d->jr);
	bb_dhcp_server_free(d->eng);
	free(d->q);
	free(d->qf);
	free(d->bufs);
	free(d->outs);
	free(d);
	s->dhcp = NULL;
}

struct bb_dhcp_server *bb_serve_dhcp_engine(struct bb_serve *s)
{
	return s->dhcp ? s->dhcp->eng : NULL;
}
