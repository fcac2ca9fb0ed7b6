/* The DHCPv4 server state machine (RFC 2131 section 4.3). */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/parse.h"
#include "common/wr.h"
#include "dhcp/dhcp_boot.h"
#include "dhcp/dhcp_config.h"
#include "dhcp/dhcp_journal.h"
#include "dhcp/dhcp_lease.h"
#include "dhcp/dhcp_ratelimit.h"
#include "dhcp/dhcp_reply.h"
#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_wire.h"

struct bb_dhcp_server {
	struct bb_dhcp_config cfg; /* points into mem */
	void *mem;
	uint32_t *cursor;  /* next candidate, one per pool */
	size_t *pool_base; /* first cursor index of each subnet */
	struct bb_lease_table t;
	struct bb_dhcp_stats st;
	struct bb_dhcp_msg msg; /* the request being handled */
	struct bb_dhcp_rl rl;	/* DISCOVER/DECLINE per chaddr */
};

static int apply_config(struct bb_dhcp_server *srv,
			const struct bb_dhcp_config *in)
{
	struct bb_dhcp_config out;
	size_t i, npools = 0, *base;
	uint32_t *cursor;
	void *mem;

	for (i = 0; i < in->nsubnets; i++) {
		if (in->subnets[i].prefix > 32)
			return BB_EINVAL;
		npools += in->subnets[i].npools;
	}
	mem = bb_dhcp_config_copy(in, &out);
	cursor = calloc(npools + 1, sizeof(*cursor));
	base = calloc(in->nsubnets + 1, sizeof(*base));
	if (!mem || !cursor || !base ||
	    bb_lease_set_by_cid(&srv->t, in->match_client_id)) {
		free(mem);
		free(cursor);
		free(base);
		return BB_ENOMEM;
	}
	for (i = 0, npools = 0; i < out.nsubnets; i++) {
		size_t j;

		base[i] = npools;
		for (j = 0; j < out.subnets[i].npools; j++)
			cursor[npools++] = out.subnets[i].pools[j].lo;
	}
	if (!out.offer_time)
		out.offer_time = 60;
	if (!out.lease_time)
		out.lease_time = 3600;
	free(srv->mem);
	free(srv->cursor);
	free(srv->pool_base);
	srv->cfg = out;
	srv->mem = mem;
	srv->cursor = cursor;
	srv->pool_base = base;
	return 0;
}

struct bb_dhcp_server *bb_dhcp_server_new(const struct bb_dhcp_config *cfg)
{
	struct bb_dhcp_server *srv = calloc(1, sizeof(*srv));

	if (srv && apply_config(srv, cfg)) {
		free(srv);
		return NULL;
	}
	return srv;
}

int bb_dhcp_server_reconfigure(struct bb_dhcp_server *srv,
			       const struct bb_dhcp_config *cfg)
{
	return apply_config(srv, cfg);
}

void bb_dhcp_server_free(struct bb_dhcp_server *srv)
{
	if (!srv)
		return;
	bb_lease_table_free(&srv->t);
	free(srv->mem);
	free(srv->cursor);
	free(srv->pool_base);
	free(srv);
}

const char *bb_dhcp_ignore_name(unsigned reason)
{
	static const char *const names[BB_IGN_COUNT] = {
	    "none",	      "no-subnet",	   "unknown-client",
	    "standdown",      "other-server",	   "no-address",
	    "address-in-use", "not-owner",	   "no-requested-address",
	    "rate-limited",   "inform-off-subnet", "not-a-request",
	};

	return reason < BB_IGN_COUNT ? names[reason] : "?";
}

const struct bb_dhcp_stats *
bb_dhcp_server_stats(const struct bb_dhcp_server *srv)
{
	return &srv->st;
}

/* --- who is asking, from where --- */

static bool in_net(const struct bb_dhcp_subnet *s, uint32_t ip)
{
	return (ip & bb_prefix_mask(s->prefix)) == s->net;
}

static const struct bb_dhcp_subnet *subnet_of(const struct bb_dhcp_server *srv,
					      uint32_t ip, size_t *idx)
{
	size_t i;

	for (i = 0; i < srv->cfg.nsubnets; i++)
		if (in_net(&srv->cfg.subnets[i], ip)) {
			*idx = i;
			return &srv->cfg.subnets[i];
		}
	return NULL;
}

/* RFC 2131 4.3.1: the relay's address picks the subnet; a client that
 * unicasts a renewal is on the subnet of its ciaddr; others are on ours. */
static const struct bb_dhcp_subnet *select_subnet(struct bb_dhcp_server *srv,
						  const struct bb_dhcp_msg *m,
						  size_t *idx)
{
	const struct bb_dhcp_subnet *s;

	if (m->giaddr)
		return subnet_of(srv, m->giaddr, idx);
	if (m->ciaddr && (s = subnet_of(srv, m->ciaddr, idx)))
		return s;
	return subnet_of(srv, srv->cfg.server_id, idx);
}

static const struct bb_dhcp_host *host_of(const struct bb_dhcp_server *srv,
					  const uint8_t mac[6])
{
	size_t i;

	for (i = 0; i < srv->cfg.nhosts; i++)
		if (!memcmp(srv->cfg.hosts[i].mac, mac, 6))
			return &srv->cfg.hosts[i];
	return NULL;
}

static bool reserved_for_other(const struct bb_dhcp_server *srv, uint32_t ip,
			       const uint8_t mac[6])
{
	size_t i;

	for (i = 0; i < srv->cfg.nhosts; i++)
		if (srv->cfg.hosts[i].ip == ip &&
		    memcmp(srv->cfg.hosts[i].mac, mac, 6))
			return true;
	return false;
}

static bool reserved(const struct bb_dhcp_server *srv, uint32_t ip)
{
	size_t i;

	for (i = 0; i < srv->cfg.nhosts; i++)
		if (srv->cfg.hosts[i].ip == ip)
			return true;
	return false;
}

/* A reserved address belongs to the hardware address of its machine, so
 * the PXE ROM (no option 61), iPXE (01:mac) and the OS (RFC 4361 IAID+DUID,
 * a string) of one boot are one owner; other addresses follow the lease
 * table's rule (chaddr, or option 61 with match_client_id). */
static bool owns(const struct bb_dhcp_server *srv, const struct bb_lease_rec *r,
		 const struct bb_client_key *k)
{
	if (reserved(srv, r->l.ip))
		return !memcmp(r->l.mac, k->mac, 6);
	return bb_lease_owned_by(&srv->t, r, k);
}

static bool in_pools(const struct bb_dhcp_subnet *s, uint32_t ip)
{
	size_t i;

	for (i = 0; i < s->npools; i++)
		if (ip >= s->pools[i].lo && ip <= s->pools[i].hi)
			return true;
	return false;
}

/* May ip go to the client k (mac) now? */
static bool usable(struct bb_dhcp_server *srv, const struct bb_dhcp_subnet *s,
		   uint32_t ip, const struct bb_client_key *k, int64_t now)
{
	uint32_t mask = bb_prefix_mask(s->prefix);
	struct bb_lease_rec *r;

	if (!in_net(s, ip) || ip == srv->cfg.server_id ||
	    (s->prefix < 31 && ((ip & ~mask) == 0 || (ip | mask) == ~0u)))
		return false;
	if (reserved_for_other(srv, ip, k->mac))
		return false;
	r = bb_lease_by_ip(&srv->t, ip);
	if (!r || owns(srv, r, k))
		return !r || r->l.state != BB_LEASE_DECLINED ||
		       r->l.expires <= now;
	if (bb_lease_active(r, now))
		return false;
	return r->offer_until <= now;
}

static uint32_t scan_pools(struct bb_dhcp_server *srv, size_t sidx,
			   const struct bb_client_key *k, int64_t now)
{
	const struct bb_dhcp_subnet *s = &srv->cfg.subnets[sidx];
	size_t p;

	for (p = 0; p < s->npools; p++) {
		uint32_t *cur = &srv->cursor[srv->pool_base[sidx] + p];
		uint64_t size = (uint64_t)s->pools[p].hi - s->pools[p].lo + 1;
		uint64_t n;

		/* round robin from the cursor: freed addresses are reused
		 * last, which keeps a returning client's old one free longest
		 */
		for (n = 0; n < size; n++) {
			uint32_t ip = *cur;

			*cur = ip >= s->pools[p].hi ? s->pools[p].lo : ip + 1;
			if (usable(srv, s, ip, k, now))
				return ip;
		}
	}
	return 0;
}

/* An empty pool takes back the address quarantined longest (kea and
 * dnsmasq do the same): otherwise DISCOVER + DECLINE from a few chaddrs
 * would empty it for decline_time. */
static uint32_t reclaim_declined(struct bb_dhcp_server *srv,
				 const struct bb_dhcp_subnet *s,
				 const struct bb_client_key *k, int64_t now)
{
	struct bb_lease_rec *best = NULL;
	size_t i;

	for (i = 0; i < srv->t.n; i++) {
		struct bb_lease_rec *r = &srv->t.v[i];

		if (r->l.state != BB_LEASE_DECLINED ||
		    !bb_lease_active(r, now) || !in_pools(s, r->l.ip) ||
		    reserved_for_other(srv, r->l.ip, k->mac) ||
		    (best && r->l.updated >= best->l.updated))
			continue;
		best = r;
	}
	if (!best)
		return 0;
	best->l.state = BB_LEASE_FREE;
	best->l.expires = now;
	best->offer_until = 0;
	srv->st.decline_reclaimed++;
	return best->l.ip;
}

/* The address for k in subnet sidx, or 0 with *why set. */
static uint32_t allocate(struct bb_dhcp_server *srv, size_t sidx,
			 const struct bb_dhcp_host *host,
			 const struct bb_client_key *k, uint32_t requested,
			 int64_t now, uint8_t *why)
{
	const struct bb_dhcp_subnet *s = &srv->cfg.subnets[sidx];
	struct bb_lease_rec *r;

	if (host && host->ip && in_net(s, host->ip)) {
		if (usable(srv, s, host->ip, k, now))
			return host->ip;
		*why = BB_IGN_IN_USE;
		return 0;
	}
	r = bb_lease_by_client(&srv->t, k);
	if (r && in_pools(s, r->l.ip) && usable(srv, s, r->l.ip, k, now))
		return r->l.ip;
	if (requested && in_pools(s, requested) &&
	    usable(srv, s, requested, k, now))
		return requested;
	requested = scan_pools(srv, sidx, k, now);
	if (!requested)
		requested = reclaim_declined(srv, s, k, now);
	if (!requested) {
		srv->st.no_address++;
		*why = BB_IGN_NO_ADDRESS;
	}
	return requested;
}

/* --- replies --- */

/* RFC 2131 4.1, "the server sends": relay, then ciaddr, then broadcast
 * flag or a client without an address (to its hardware address). */
static void route(const struct bb_dhcp_msg *m, uint8_t type, uint32_t yiaddr,
		  bool ciaddr_ours, struct bb_dhcp_tx *tx)
{
	memcpy(tx->chaddr, m->chaddr, 6);
	tx->msg_type = type;
	tx->yiaddr = yiaddr;
	if (m->giaddr) {
		tx->dest = BB_DHCP_TX_UNICAST;
		tx->dst_ip = m->giaddr;
		tx->dst_port = BB_DHCP_SERVER_PORT;
	} else if (m->ciaddr && type != BB_DHCPNAK && ciaddr_ours) {
		/* only to a host of our subnets: a ciaddr of anywhere else
		 * would make us a reflector */
		tx->dest = BB_DHCP_TX_UNICAST;
		tx->dst_ip = m->ciaddr;
		tx->dst_port = BB_DHCP_CLIENT_PORT;
	} else if (type == BB_DHCPNAK || (m->flags & BB_DHCP_FLAG_BROADCAST) ||
		   !yiaddr || m->htype != 1 || m->hlen != 6) {
		tx->dest = BB_DHCP_TX_BROADCAST;
		tx->dst_ip = 0xffffffffu;
		tx->dst_port = BB_DHCP_CLIENT_PORT;
	} else {
		tx->dest = BB_DHCP_TX_UNICAST_HW;
		tx->dst_ip = yiaddr;
		tx->dst_port = BB_DHCP_CLIENT_PORT;
	}
}

/* --- the messages --- */

struct ctx {
	struct bb_dhcp_server *srv;
	const struct bb_dhcp_msg *m;
	const struct bb_dhcp_subnet *sub;
	size_t sidx;
	const struct bb_dhcp_host *host;
	struct bb_client_key key;
	int64_t now;
	uint8_t *out;
	size_t cap;
	struct bb_dhcp_tx *tx;
};

/* No reply: counted by reason, and told to the board for its log. */
static int ignore(struct ctx *c, uint8_t why, uint32_t ip)
{
	c->srv->st.ignored++;
	c->srv->st.ignored_by[why]++;
	c->tx->ignore = why;
	c->tx->ign_ip = ip;
	return 0;
}

static uint32_t lease_time(const struct ctx *c)
{
	return c->sub->lease_time ? c->sub->lease_time : c->srv->cfg.lease_time;
}

static int reply(struct ctx *c, uint8_t type, uint32_t yiaddr)
{
	struct bb_dhcp_reply r = {.type = type,
				  .yiaddr = yiaddr,
				  .sub = c->sub,
				  .host = c->host,
				  .lease_time = lease_time(c)};
	size_t idx;
	int n;

	if (type != BB_DHCPNAK)
		bb_dhcp_boot_choose(&c->srv->cfg.boot, c->m, &r.boot);
	n = bb_dhcp_reply_build(&c->srv->cfg, c->m, &r, c->out, c->cap);
	if (n < 0)
		return n;
	route(c->m, type, yiaddr, subnet_of(c->srv, c->m->ciaddr, &idx) != NULL,
	      c->tx);
	if (type == BB_DHCPOFFER)
		c->srv->st.offer++;
	else if (type == BB_DHCPACK)
		c->srv->st.ack++;
	else if (type == BB_DHCPNAK)
		c->srv->st.nak++;
	return n;
}

static void journal(struct ctx *c, const struct bb_lease_rec *r)
{
	int n = bb_dhcp_journal_encode(&r->l, c->tx->journal,
				       sizeof(c->tx->journal));

	c->tx->journal_len = n > 0 ? (size_t)n : 0;
}

static void client_hostname(const struct bb_dhcp_msg *m, char out[64])
{
	size_t len, i;
	const uint8_t *p = bb_dhcp_get(m, BB_OPT_HOSTNAME, &len);

	out[0] = 0;
	if (!p)
		return;
	if (len > 63)
		len = 63;
	/* kept for `bootbox leases`: printable ASCII only */
	for (i = 0; i < len; i++)
		out[i] = p[i] >= 0x21 && p[i] < 0x7f ? (char)p[i] : '?';
	out[len] = 0;
}

static int do_discover(struct ctx *c)
{
	uint32_t req = 0, ip;
	struct bb_lease_rec *r;
	uint8_t why = BB_IGN_NO_ADDRESS;

	c->srv->st.discover++;
	bb_dhcp_get_u32(c->m, BB_OPT_REQUESTED_IP, &req);
	ip = allocate(c->srv, c->sidx, c->host, &c->key, req, c->now, &why);
	if (!ip)
		return ignore(c, why, c->host ? c->host->ip : 0);
	r = bb_lease_get(&c->srv->t, ip);
	if (!r)
		return BB_ENOMEM;
	if (!owns(c->srv, r, &c->key) || !bb_lease_active(r, c->now)) {
		/* hold it for this client while it decides */
		r->l.updated = c->now;
		if (bb_lease_set_owner(&c->srv->t, r, &c->key))
			return BB_ENOMEM;
		r->offer_until = c->now + c->srv->cfg.offer_time;
	}
	return reply(c, BB_DHCPOFFER, ip);
}

static int ack(struct ctx *c, uint32_t ip)
{
	struct bb_lease_rec *r = bb_lease_get(&c->srv->t, ip);

	if (!r)
		return BB_ENOMEM;
	r->l.updated = c->now;
	if (bb_lease_set_owner(&c->srv->t, r, &c->key))
		return BB_ENOMEM;
	r->l.state = BB_LEASE_BOUND;
	r->l.expires = c->now + lease_time(c);
	r->offer_until = 0;
	client_hostname(c->m, r->l.hostname);
	journal(c, r);
	return reply(c, BB_DHCPACK, ip);
}

/* The address this client may have in this subnet, if ip is one: its
 * reservation, or a pool address nobody else holds (INIT-REBOOT, RENEWING
 * and REBINDING all come through here, whatever id they carry now). */
static bool may_have(struct ctx *c, uint32_t ip)
{
	bool resv = c->host && c->host->ip && in_net(c->sub, c->host->ip);

	if (resv ? ip != c->host->ip : !in_pools(c->sub, ip))
		return false;
	return usable(c->srv, c->sub, ip, &c->key, c->now);
}

static int do_request(struct ctx *c)
{
	uint32_t sid, req = 0, ip;
	bool has_sid = !bb_dhcp_get_u32(c->m, BB_OPT_SERVER_ID, &sid);
	struct bb_lease_rec *r;

	c->srv->st.request++;
	bb_dhcp_get_u32(c->m, BB_OPT_REQUESTED_IP, &req);
	if (has_sid && sid != c->srv->cfg.server_id) {
		/* SELECTING, and the client chose another server */
		r = bb_lease_by_client(&c->srv->t, &c->key);
		if (r && r->offer_until > c->now && !bb_lease_active(r, c->now))
			r->offer_until = 0;
		return ignore(c, BB_IGN_OTHER_SERVER, sid);
	}
	/* SELECTING and INIT-REBOOT name the address in option 50;
	 * RENEWING and REBINDING in ciaddr (RFC 2131 4.3.2) */
	ip = has_sid || !c->m->ciaddr ? req : c->m->ciaddr;
	if (!ip)
		return ignore(c, BB_IGN_NO_REQUESTED, 0);
	if (may_have(c, ip))
		return ack(c, ip);
	return reply(c, BB_DHCPNAK, 0);
}

static int do_decline(struct ctx *c)
{
	uint32_t ip = 0;
	struct bb_lease_rec *r;

	c->srv->st.decline++;
	bb_dhcp_get_u32(c->m, BB_OPT_REQUESTED_IP, &ip);
	r = ip ? bb_lease_by_ip(&c->srv->t, ip) : NULL;
	/* only an address offered to this machine or held by it */
	if (!r || !owns(c->srv, r, &c->key) ||
	    (!bb_lease_active(r, c->now) && r->offer_until <= c->now) ||
	    r->l.state == BB_LEASE_DECLINED)
		return ignore(c, BB_IGN_NOT_OWNER, ip);
	/* someone else answers ARP for it: quarantine the address */
	r->l.state = BB_LEASE_DECLINED;
	r->l.updated = c->now;
	r->l.expires = c->now + c->srv->cfg.decline_time;
	r->offer_until = 0;
	journal(c, r);
	return 0;
}

static int do_release(struct ctx *c)
{
	struct bb_lease_rec *r = bb_lease_by_ip(&c->srv->t, c->m->ciaddr);

	c->srv->st.release++;
	if (!r || !owns(c->srv, r, &c->key) || r->l.state != BB_LEASE_BOUND)
		return ignore(c, BB_IGN_NOT_OWNER, c->m->ciaddr);
	r->l.state = BB_LEASE_FREE;
	r->l.updated = c->now;
	r->l.expires = c->now;
	journal(c, r);
	return 0;
}

static int do_inform(struct ctx *c)
{
	size_t idx;

	c->srv->st.inform++;
	/* the ACK goes to ciaddr: only to a host of ours (or through the
	 * relay), never reflected at an address the sender made up */
	if (!c->m->ciaddr ||
	    (!c->m->giaddr && !subnet_of(c->srv, c->m->ciaddr, &idx)))
		return ignore(c, BB_IGN_INFORM_OFFNET, c->m->ciaddr);
	return reply(c, BB_DHCPACK, 0);
}

/* In a stood-down scope (renewals mode) only a client renewing a live
 * lease of ours is answered: RENEWING/REBINDING carry ciaddr and no server
 * id. RELEASE and DECLINE still free or quarantine our own records. */
static bool standdown_allows(struct ctx *c)
{
	const struct bb_lease_rec *r;
	size_t len;

	if (c->sub->standdown == BB_STANDDOWN_STOP)
		return false;
	switch (c->m->msg_type) {
	case BB_DHCPRELEASE:
	case BB_DHCPDECLINE: return true;
	case BB_DHCPREQUEST:
		if (!c->m->ciaddr || bb_dhcp_get(c->m, BB_OPT_SERVER_ID, &len))
			return false;
		r = bb_lease_by_ip(&c->srv->t, c->m->ciaddr);
		return r && owns(c->srv, r, &c->key) &&
		       r->l.state == BB_LEASE_BOUND && r->l.expires > c->now;
	default: return false;
	}
}

int bb_dhcp_server_input(struct bb_dhcp_server *srv,
			 const struct bb_dhcp_rx *rx, uint8_t *out, size_t cap,
			 struct bb_dhcp_tx *tx)
{
	struct bb_dhcp_msg *m = &srv->msg;
	struct ctx c = {0};
	size_t cid_len = 0;

	memset(tx, 0, sizeof(*tx));
	srv->st.rx++;
	if (bb_dhcp_parse(rx->pkt, rx->len, m) || !m->msg_type ||
	    m->op != BB_DHCP_BOOTREQUEST) {
		srv->st.malformed++;
		return BB_EMALFORMED;
	}
	c.srv = srv;
	c.m = m;
	c.now = rx->now;
	c.out = out;
	c.cap = cap;
	c.tx = tx;
	c.key.mac = m->chaddr;
	c.key.cid = bb_dhcp_get(m, BB_OPT_CLIENT_ID, &cid_len);
	/* ids over 64 bytes are cut: they still identify the client */
	c.key.cid_len = c.key.cid ? (cid_len > 64 ? 64 : cid_len) : 0;
	tx->rx_type = m->msg_type;
	memcpy(tx->chaddr, m->chaddr, 6);
	if ((m->msg_type == BB_DHCPDISCOVER || m->msg_type == BB_DHCPDECLINE) &&
	    !bb_dhcp_rl_take(&srv->rl, m->chaddr, rx->now, srv->cfg.rate_limit))
		return ignore(&c, BB_IGN_RATE_LIMITED, 0);
	c.sub = select_subnet(srv, m, &c.sidx);
	c.host = host_of(srv, m->chaddr);
	if (!c.sub)
		return ignore(&c, BB_IGN_NO_SUBNET, m->giaddr);
	if (srv->cfg.known_only && !c.host)
		return ignore(&c, BB_IGN_UNKNOWN, 0);
	if (c.sub->standdown && !standdown_allows(&c))
		return ignore(&c, BB_IGN_STANDDOWN, 0);
	switch (m->msg_type) {
	case BB_DHCPDISCOVER: return do_discover(&c);
	case BB_DHCPREQUEST: return do_request(&c);
	case BB_DHCPDECLINE: return do_decline(&c);
	case BB_DHCPRELEASE: return do_release(&c);
	case BB_DHCPINFORM: return do_inform(&c);
	default: /* a server message, or unknown */
		return ignore(&c, BB_IGN_NOT_REQUEST, 0);
	}
}

long bb_dhcp_server_replay(struct bb_dhcp_server *srv, const uint8_t *buf,
			   size_t len, size_t *good_len)
{
	size_t off = 0;
	long count = 0;

	while (off < len) {
		struct bb_dhcp_lease l;
		struct bb_lease_rec *r;
		struct bb_client_key k;
		long n;

		/* zero bytes at a record boundary are the file's preallocated
		 * part, not yet written (a record never starts with one): a
		 * zero tail is the end, a run between records (left by a
		 * restart) is skipped */
		if (!buf[off]) {
			off++;
			continue;
		}
		n = bb_dhcp_journal_decode(buf + off, len - off, &l);
		if (n <= 0)
			break; /* torn or damaged: the good prefix ends here */
		r = bb_lease_get(&srv->t, l.ip);
		if (!r)
			return BB_ENOMEM;
		r->l = l;
		r->offer_until = 0;
		k.mac = r->l.mac;
		k.cid = r->l.client_id;
		k.cid_len = r->l.client_id_len;
		if (bb_lease_set_owner(&srv->t, r, &k))
			return BB_ENOMEM;
		off += (size_t)n;
		count++;
	}
	*good_len = off;
	return count;
}

int bb_dhcp_server_foreach(const struct bb_dhcp_server *srv, int64_t now,
			   int (*fn)(const struct bb_dhcp_lease *, void *),
			   void *arg)
{
	size_t i;
	int rc;

	for (i = 0; i < srv->t.n; i++) {
		const struct bb_dhcp_lease *l = &srv->t.v[i].l;

		if (l->state == BB_LEASE_FREE || (now > 0 && l->expires <= now))
			continue;
		if ((rc = fn(l, arg)))
			return rc;
	}
	return 0;
}

const struct bb_dhcp_lease *
bb_dhcp_server_lease_by_ip(const struct bb_dhcp_server *srv, uint32_t ip)
{
	const struct bb_lease_rec *r = bb_lease_by_ip(&srv->t, ip);

	return r ? &r->l : NULL;
}

const char *bb_dhcp_server_host_name(const struct bb_dhcp_server *srv,
				     const uint8_t mac[6])
{
	const struct bb_dhcp_host *h = host_of(srv, mac);

	return h ? h->hostname : NULL;
}
