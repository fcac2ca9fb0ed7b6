/* The DHCP service, on board/board.h: datagrams from the board's listener
 * on the interface through the engine; replies that carry a lease (ACK)
 * wait in a queue until every journal record of their batch is durable
 * (group commit), so an ACK never leaves before its lease is. On Linux the
 * commit runs on the journal's thread: while one batch syncs, the service
 * answers and collects the next, and starts it when the first is durable.
 * The service runs in a lane of its own (a thread on Linux), so that a
 * reply never waits behind the main loop's downloads; the engine is
 * shared with the API, /metrics and the boot service there, under lock.
 * The same file serves the lwIP board, whose lane is its one loop and
 * whose journal commits inline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/parse.h"
#include "dhcp/dhcp_batch.h"
#include "dhcp/dhcp_wire.h"
#include "firmware/config/dhcp_conf.h"
#include "firmware/serve/log.h"
#include "firmware/serve/metrics.h"
#include "firmware/serve/serve.h"

struct queued {
	struct bb_dhcp_tx tx; /* journal bytes are already in the journal */
	uint64_t rx_ns;	      /* when its request reached the host */
	size_t len;
	uint8_t pkt[BB_DHCP_MAX_PKT];
};

/* A no-reply is logged once per client and reason every SEEN_AGAIN
 * seconds, and at most SEEN_PER_SEC lines a second in all: a flood of
 * random chaddrs is counted in /metrics, not written out. */
#define SEEN_SLOTS   1024
#define SEEN_AGAIN   600
#define SEEN_PER_SEC 10

/* Replies handed to the board and not flushed yet: flushed every SENT of
 * them (the Linux board's sendmmsg batch too), so that the latency taken
 * after the flush is when each one left. */
#define SENT 64

/* a machine name as logged (a longer one is cut) */
#define NAME_CAP 128

struct bb_serve_dhcp {
	struct bb_serve *s;
	struct bb_lane *lane;
	struct bb_lock *lock; /* the engine: the lane writes, others read */
	bool said;	      /* setup logged why it failed */
	struct bb_dhcp_server *eng;
	struct bb_udp *u;
	struct bb_jr *jr;
	char ifname[64];       /* the one bound at start */
	char path[1024];       /* of the journal */
	struct queued *q, *qf; /* waiting for the next batch; in flight */
	size_t nq, capq, nqf, capqf;
	bool pending;	     /* records appended since the last commit */
	uint64_t commit_ns;  /* when the batch in flight was handed over */
	uint64_t live_bytes; /* journal size right after the last compaction */
	uint8_t out[BB_DHCP_MAX_PKT];
	struct sent {
		uint64_t rx_ns;
		uint8_t type;
	} sent[SENT];
	unsigned nsent;
	struct seen { /* no-reply lines already logged */
		uint8_t mac[6];
		uint8_t reason;
		int64_t at;
	} seen[SEEN_SLOTS];
	int64_t log_sec; /* no-reply lines logged in this second */
	unsigned log_n;
};

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

/* mac's machine name into out, or NULL: the config is the main loop's, so
 * the engine's copy of the reservations is asked. */
static const char *machine_name(struct bb_serve_dhcp *d, const uint8_t mac[6],
				char out[NAME_CAP])
{
	const char *n;

	bb_lock_take(d->lock);
	n = bb_dhcp_server_host_name(d->eng, mac);
	if (n)
		snprintf(out, NAME_CAP, "%s", n);
	bb_lock_give(d->lock);
	return n ? out : NULL;
}

static void log_reply(struct bb_serve_dhcp *d, const struct bb_dhcp_tx *tx)
{
	char ip[16], mac[18], kv[128], nb[NAME_CAP];
	const char *name;

	if (bb_log_verbosity < BB_LOG_INFO)
		return;
	name = machine_name(d, tx->chaddr, nb);
	bb_info("%s %s to %s%s%s%s via %s %s", type_name(tx->msg_type),
		bb_fmt_ipv4(tx->yiaddr, ip), bb_fmt_mac(tx->chaddr, mac),
		name ? " (" : "", name ? name : "", name ? ")" : "", d->ifname,
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
	char ip[16], mac[18], nb[NAME_CAP];
	const char *name;

	if (bb_log_verbosity < BB_LOG_INFO || !first_time(d, tx, now))
		return;
	name = machine_name(d, tx->chaddr, nb);
	bb_info("dhcp: no reply to %s from %s%s%s%s: %s%s%s%s",
		type_name(tx->rx_type), bb_fmt_mac(tx->chaddr, mac),
		name ? " (" : "", name ? name : "", name ? ")" : "",
		bb_dhcp_ignore_name(tx->ignore), tx->ign_ip ? " (" : "",
		tx->ign_ip ? bb_fmt_ipv4(tx->ign_ip, ip) : "",
		tx->ign_ip ? ")" : "");
}

static int enqueue(struct bb_serve_dhcp *d, const struct bb_dhcp_tx *tx,
		   uint64_t rx_ns, const uint8_t *pkt, size_t len)
{
	/* from a few: each entry is 1.8 KiB and there are two queues, which
	 * on a small board is RAM; a burst grows them once for good */
	if (d->nq == d->capq) {
		size_t cap = d->capq ? d->capq * 2 : 8;
		struct queued *q = realloc(d->q, cap * sizeof(*q));

		if (!q)
			return BB_ENOMEM;
		d->q = q;
		d->capq = cap;
	}
	d->q[d->nq].tx = *tx;
	d->q[d->nq].rx_ns = rx_ns;
	d->q[d->nq].len = len;
	memcpy(d->q[d->nq].pkt, pkt, len);
	d->nq++;
	return 0;
}

/* What was queued leaves; each reply's latency, from its request's
 * arrival to now, goes to /metrics. */
static void flush_replies(struct bb_serve_dhcp *d)
{
	uint64_t now;
	unsigned i;

	bb_udp_flush(d->u);
	now = bb_metrics_ns();
	for (i = 0; i < d->nsent; i++)
		bb_metrics_dhcp_reply(
		    d->sent[i].type,
		    now > d->sent[i].rx_ns ? now - d->sent[i].rx_ns : 0);
	d->nsent = 0;
}

/* A reply to where the engine's rule says (dhcp_batch.c); for a client
 * without an address, the board installs its link address (or falls back
 * to a broadcast when it cannot). */
static void send_reply(struct bb_serve_dhcp *d, const struct bb_dhcp_tx *tx,
		       const uint8_t *pkt, size_t len, uint64_t rx_ns)
{
	struct bb_udp_peer to;
	enum bb_udp_how how;

	if (bb_dhcp_dest_resolve(tx, true, &to.ip, &to.port))
		return; /* nothing may leave */
	how = to.ip == 0xffffffffu	    ? BB_UDP_BROADCAST
	      : bb_dhcp_dest_needs_link(tx) ? BB_UDP_TO_HW
					    : BB_UDP_TO;
	if (bb_udp_send(d->u, how, &to, tx->chaddr, pkt, len))
		return;
	log_reply(d, tx);
	d->sent[d->nsent].rx_ns = rx_ns;
	d->sent[d->nsent++].type = tx->msg_type;
	if (d->nsent == SENT)
		flush_replies(d);
}

static void on_datagram(void *arg, struct bb_udp *u, const uint8_t *pkt,
			size_t len, const struct bb_udp_peer *from)
{
	struct bb_serve_dhcp *d = arg;
	int64_t now = bb_board_wall_now();
	struct bb_dhcp_rx rx = {pkt, len, from->ip, from->port, now};
	struct bb_dhcp_tx tx;
	char ip[16];
	uint64_t t0, rx_ns;
	int n;

	(void)u;
	t0 = bb_metrics_ns();
	/* a board without the host's receive time: from now */
	rx_ns = from->rx_ns && from->rx_ns <= t0 ? from->rx_ns : t0;
	if (from->rx_ns)
		bb_metrics_dhcp_wait(t0 - rx_ns);
	bb_lock_take(d->lock);
	n = bb_dhcp_server_input(d->eng, &rx, d->out, sizeof(d->out), &tx);
	bb_lock_give(d->lock);
	bb_metrics_dhcp(bb_metrics_ns() - t0);

	if (n < 0) {
		bb_debug(
		    "dhcp: dropped a malformed datagram from %s (%zu bytes)",
		    bb_fmt_ipv4(from->ip, ip), len);
		return;
	}
	if (tx.journal_len) {
		bb_jr_append(d->jr, tx.journal, tx.journal_len);
		d->pending = true;
		if (n > 0 && enqueue(d, &tx, rx_ns, d->out, (size_t)n))
			bb_err("dhcp: out of memory: reply dropped");
		return;
	}
	if (n > 0)
		send_reply(d, &tx, d->out, (size_t)n, rx_ns);
	else if (tx.ignore)
		log_ignored(d, &tx, now);
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

	bb_lock_take(d->lock);
	bb_dhcp_server_foreach(d->eng, bb_board_wall_now(), collect, &b);
	bb_lock_give(d->lock);
	if (b.err || bb_jr_rewrite(d->jr, b.p ? b.p : "", b.len))
		bb_warn("dhcp: journal compaction failed; still appending");
	else
		d->live_bytes = b.len;
	bb_buf_free(&b);
}

static void send_queue(struct bb_serve_dhcp *d, struct queued *q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		send_reply(d, &q[i].tx, q[i].pkt, q[i].len, q[i].rx_ns);
	flush_replies(d);
}

/* Compaction replaces the file: only between batches. */
static void maybe_compact(struct bb_serve_dhcp *d)
{
	if (!bb_jr_busy(d->jr) &&
	    bb_jr_size(d->jr) > 4 * d->live_bytes + (4u << 20))
		compact(d);
}

static void begin_batch(struct bb_serve_dhcp *d);

/* A batch is durable (or failed): its ACKs leave (or are withheld), and
 * the next, with what came meanwhile, starts at once. */
static void committed(void *arg, int rc)
{
	struct bb_serve_dhcp *d = arg;

	bb_metrics_dhcp_commit(bb_metrics_ns() - d->commit_ns);
	if (rc)
		bb_err("dhcp: cannot write the lease journal %s: %s; %zu "
		       "acknowledgements withheld",
		       d->path, bb_board_errmsg(), d->nqf);
	else
		send_queue(d, d->qf, d->nqf);
	d->nqf = 0;
	maybe_compact(d);
	begin_batch(d);
}

/* The records appended so far go to the board's commit; their queued
 * replies become the in-flight ones (an inline commit calls committed
 * before it returns, so the queues turn first). */
static void begin_batch(struct bb_serve_dhcp *d)
{
	struct queued *t = d->qf;
	size_t cap = d->capqf;

	if (!d->pending || bb_jr_busy(d->jr))
		return;
	d->qf = d->q;
	d->capqf = d->capq;
	d->nqf = d->nq;
	d->q = t;
	d->capq = cap;
	d->nq = 0;
	d->pending = false;
	d->commit_ns = bb_metrics_ns();
	bb_jr_commit(d->jr, committed, d);
}

/* After each batch of datagrams: their replies leave, and the commit of
 * their records starts now, not at the end of the loop's turn (the board
 * serves DHCP ahead of a batch of downloads). */
static void on_batch_end(void *arg, struct bb_udp *u)
{
	struct bb_serve_dhcp *d = arg;

	(void)u;
	flush_replies(d);
	begin_batch(d); /* while one is in flight, committed starts it */
}

static int count_live(const struct bb_dhcp_lease *l, void *arg)
{
	(void)l;
	(*(size_t *)arg)++;
	return 0;
}

struct replay_ctx {
	struct bb_serve_dhcp *d;
	long n;
	size_t good;
};

static size_t replay(void *arg, const uint8_t *p, size_t len)
{
	struct replay_ctx *c = arg;

	c->good = 0;
	bb_lock_take(c->d->lock);
	c->n = bb_dhcp_server_replay(c->d->eng, p, len, &c->good);
	bb_lock_give(c->d->lock);
	if (c->n < 0)
		return len; /* out of memory: cut nothing, do not start */
	if (c->good < len)
		bb_warn("dhcp: %s: torn tail of %zu bytes cut after %ld whole "
			"records",
			c->d->path, len - c->good, c->n);
	return c->good;
}

static int load_journal(struct bb_serve_dhcp *d, const struct bb_config *cfg)
{
	struct replay_ctx c = {d, 0, 0};
	size_t live = 0;
	int rc;

	bb_dhcp_journal_path(cfg, d->path, sizeof(d->path));
	rc = bb_jr_open(d->path, replay, &c, &d->jr);
	if (rc) {
		bb_err("dhcp: cannot open the lease journal %s: %s", d->path,
		       bb_board_errmsg());
		return rc;
	}
	if (c.n < 0) {
		bb_err("dhcp: out of memory replaying %s", d->path);
		return (int)c.n;
	}
	bb_info("dhcp: %ld lease records replayed from %s", c.n, d->path);
	/* rewriting a journal that is mostly live costs a full write and
	 * fsync at every start for nothing */
	bb_lock_take(d->lock);
	bb_dhcp_server_foreach(d->eng, bb_board_wall_now(), count_live, &live);
	bb_lock_give(d->lock);
	if ((size_t)c.n > 2 * live + 1024)
		compact(d);
	else
		d->live_bytes = c.good;
	return 0;
}

/* For the lane (on the caller's thread, before it runs): the journal and
 * the socket are its own. */
static int setup(void *arg)
{
	struct bb_serve_dhcp *d = arg;
	const struct bb_config *cfg = d->s->cfg;
	int rc;

	d->said = true; /* from here, every failure is logged */
	if ((rc = load_journal(d, cfg)))
		return rc;
	rc = bb_udp_open_if(d->ifname, BB_DHCP_SERVER_PORT, on_datagram,
			    on_batch_end, d, &d->u);
	if (rc) {
		bb_err("dhcp: cannot listen on %s port %u: %s%s", d->ifname,
		       BB_DHCP_SERVER_PORT, bb_board_errmsg(),
		       rc == BB_EEXIST ? " (another DHCP server holds it: kea, "
					 "dnsmasq or a second bootbox; not "
					 "answering beside it)"
				       : "");
		bb_jr_close(d->jr);
		d->jr = NULL;
		return BB_EIO;
	}
	return 0;
}

/* On the lane, at stop. */
static void teardown(void *arg)
{
	struct bb_serve_dhcp *d = arg;

	bb_udp_close(d->u);
	d->u = NULL;
	/* waits for a batch in flight and writes what is still appended */
	bb_jr_close(d->jr);
	d->jr = NULL;
}

int bb_serve_dhcp_start(struct bb_serve *s)
{
	const struct bb_config *cfg = s->cfg;
	const char *ifname = cfg->appliance.interface;
	struct bb_serve_dhcp *d;
	struct bb_dhcp_conf conf;
	int rc;

	if (!cfg->dhcp.enabled)
		return 0;
	if (bb_log_threads() || bb_metrics_threads())
		return BB_ENOMEM;
	d = calloc(1, sizeof(*d));
	if (!d || bb_dhcp_conf_build(cfg, s->dhcp_standdown, &conf)) {
		free(d);
		return BB_ENOMEM;
	}
	d->s = s;
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname ? ifname : "");
	d->eng = bb_dhcp_server_new(&conf.c);
	bb_dhcp_conf_free(&conf);
	d->lock = bb_lock_new();
	s->dhcp = d;
	if (!d->eng || !d->lock)
		return BB_ENOMEM;
	rc = bb_lane_start("bootbox-dhcp", setup, d, &d->lane);
	if (rc) {
		if (!d->said || d->lane) /* the lane itself, not setup */
			bb_err("dhcp: cannot start: %s", bb_board_errmsg());
		return rc;
	}
	bb_info("dhcp: serving %zu subnet(s) on %s, %zu reservation(s)",
		cfg->dhcp.nsubnets, d->ifname, cfg->nmachines);
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
	if (strcmp(next->appliance.interface ? next->appliance.interface : "",
		   d->ifname))
		bb_warn("dhcp: a new interface takes effect at the next start");
	if (strcmp(next->appliance.state_dir, s->cfg->appliance.state_dir))
		bb_warn("dhcp: a new appliance.state_dir (lease journal, lock) "
			"takes effect at the next start");
	if (bb_dhcp_conf_build(next, s->dhcp_standdown, &conf))
		return BB_ENOMEM;
	bb_lock_take(d->lock);
	rc = bb_dhcp_server_reconfigure(d->eng, &conf.c);
	bb_lock_give(d->lock);
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
	bb_lane_stop(d->lane, teardown, d);
	bb_lock_free(d->lock);
	bb_dhcp_server_free(d->eng);
	free(d->q);
	free(d->qf);
	free(d);
	s->dhcp = NULL;
}

bool bb_serve_dhcp_stats(struct bb_serve *s, struct bb_dhcp_stats *out)
{
	struct bb_serve_dhcp *d = s->dhcp;

	if (!d || !d->eng)
		return false;
	bb_lock_take(d->lock);
	*out = *bb_dhcp_server_stats(d->eng);
	bb_lock_give(d->lock);
	return true;
}

int bb_serve_dhcp_foreach(struct bb_serve *s, int64_t now,
			  int (*fn)(const struct bb_dhcp_lease *, void *),
			  void *arg)
{
	struct bb_serve_dhcp *d = s->dhcp;
	int rc;

	if (!d || !d->eng)
		return 0;
	bb_lock_take(d->lock);
	rc = bb_dhcp_server_foreach(d->eng, now, fn, arg);
	bb_lock_give(d->lock);
	return rc;
}

bool bb_serve_dhcp_lease(struct bb_serve *s, uint32_t ip,
			 struct bb_dhcp_lease *out)
{
	struct bb_serve_dhcp *d = s->dhcp;
	const struct bb_dhcp_lease *l;

	if (!d || !d->eng)
		return false;
	bb_lock_take(d->lock);
	l = bb_dhcp_server_lease_by_ip(d->eng, ip);
	if (l)
		*out = *l;
	bb_lock_give(d->lock);
	return l != NULL;
}

struct copy_ctx {
	struct bb_dhcp_lease *v;
	size_t n, cap;
	bool failed;
};

static int copy_one(const struct bb_dhcp_lease *l, void *arg)
{
	struct copy_ctx *c = arg;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct bb_dhcp_lease *v = realloc(c->v, cap * sizeof(*v));

		if (!v) {
			c->failed = true;
			return 1;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = *l;
	return 0;
}

int bb_serve_dhcp_leases(struct bb_serve *s, int64_t now,
			 struct bb_dhcp_lease **out, size_t *n)
{
	struct copy_ctx c = {0};

	bb_serve_dhcp_foreach(s, now, copy_one, &c);
	if (c.failed) {
		free(c.v);
		return BB_ENOMEM;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}
