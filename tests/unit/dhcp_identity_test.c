/* Who a DHCP client is, across one machine's boot chain: the PXE ROM (no
 * option 61), iPXE (01:mac), the OS (RFC 4361 type 255 IAID+DUID, or a
 * string); reservations, pool clients with and without match_client_id,
 * relayed requests; and the paths that must not reply (DECLINE flood, rate
 * limit, INFORM reflection, RELEASE by another machine), each counted. */
#include "common/err.h"
#include "dhcp/dhcp_lease.h"
#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_wire.h"
#include "tests/unit/dhcp_util.h"
#include "tests/unit/test.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define SRV	       IP(192, 168, 2, 2)
#define RELAY	       IP(10, 9, 0, 1)

static const uint8_t RES[6] = {0x52, 0x54, 0, 0, 0, 0x10};  /* reserved */
static const uint8_t RES9[6] = {0x52, 0x54, 0, 0, 0, 0x19}; /* in 10.9 */
static const uint8_t POOL[6] = {0x52, 0x54, 0, 0, 0, 0x20}; /* a pool one */
static const uint8_t OTHER[6] = {0x52, 0x54, 0, 0, 0, 0x30};

static const struct bb_dhcp_pool pools1[] = {
    {IP(192, 168, 2, 100), IP(192, 168, 2, 103)}};
static const struct bb_dhcp_pool pools2[] = {
    {IP(10, 9, 0, 10), IP(10, 9, 0, 20)}};
static const struct bb_dhcp_subnet subnets[] = {
    {IP(192, 168, 2, 0), 24, pools1, 1, 0, NULL, 0, NULL, 0, NULL, 0,
     BB_STANDDOWN_NONE, NULL, 0},
    {IP(10, 9, 0, 0), 24, pools2, 1, RELAY, NULL, 0, NULL, 0, NULL, 0,
     BB_STANDDOWN_NONE, NULL, 0},
};
static const struct bb_dhcp_host hosts[] = {
    {{0x52, 0x54, 0, 0, 0, 0x10}, IP(192, 168, 2, 10), "cp1", NULL, NULL, 0},
    {{0x52, 0x54, 0, 0, 0, 0x19}, IP(10, 9, 0, 9), "rack9", NULL, NULL, 0},
};

/* The ids one machine sends along its boot chain. */
static const uint8_t ID_IPXE[] = {1, 0x52, 0x54, 0, 0, 0, 0x10};
static const uint8_t ID_DUID[] = {255, 0xa1, 0xb2, 0xc3, 0xd4, 0,    2,	  0,
				  0,   0xab, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t ID_STR[] = {0, 'c', 'p', '1', '-', 'o', 's'};

struct id {
	const uint8_t *p;
	size_t len;
};

static const struct id chain[] = {
    {NULL, 0}, /* EDK2 / a NIC's PXE ROM */
    {ID_IPXE, sizeof(ID_IPXE)},
    {ID_DUID, sizeof(ID_DUID)},
    {ID_STR, sizeof(ID_STR)},
};

static struct bb_dhcp_config config(bool match_cid)
{
	struct bb_dhcp_config c = {0};

	c.server_id = SRV;
	c.lease_time = 3600;
	c.decline_time = 86400;
	c.offer_time = 60;
	c.match_client_id = match_cid;
	c.subnets = subnets;
	c.nsubnets = 2;
	c.hosts = hosts;
	c.nhosts = 2;
	return c;
}

static struct bb_dhcp_msg reply;
static struct bb_dhcp_tx tx;
static int64_t now = 1700000000;

struct req {
	uint8_t type;
	const uint8_t *mac;
	struct id id;
	uint32_t ciaddr, giaddr, reqip, sid;
};

/* Sends r; the reply type, 0 for none (tx.ignore says why). */
static int send_req(struct bb_dhcp_server *srv, const struct req *r)
{
	struct tpkt p;
	uint8_t out[1500];
	struct bb_dhcp_rx rx;
	size_t len;
	int n;

	tpkt_start(&p, r->type, r->mac, r->ciaddr, r->giaddr, 0);
	if (r->id.len)
		bb_dhcp_put(&p.w, BB_OPT_CLIENT_ID, r->id.p, r->id.len);
	if (r->reqip)
		bb_dhcp_put_u32(&p.w, BB_OPT_REQUESTED_IP, r->reqip);
	if (r->sid)
		bb_dhcp_put_u32(&p.w, BB_OPT_SERVER_ID, r->sid);
	len = tpkt_end(&p);
	rx = (struct bb_dhcp_rx){p.b, len, r->giaddr, 67, now};
	n = bb_dhcp_server_input(srv, &rx, out, sizeof(out), &tx);
	if (n <= 0)
		return n;
	CHECK_EQ(bb_dhcp_parse(out, (size_t)n, &reply), 0);
	return reply.msg_type;
}

/* The reply carries option 61 exactly as sent, or none when none was. */
static void check_echo(struct id id)
{
	size_t len = 0;
	const uint8_t *v = bb_dhcp_get(&reply, BB_OPT_CLIENT_ID, &len);

	if (!id.len) {
		CHECK(!v);
		return;
	}
	CHECK(v && len == id.len && !memcmp(v, id.p, len));
}

/* DISCOVER + REQUEST(SELECTING): the ACKed address, 0 when none. */
static uint32_t dora(struct bb_dhcp_server *srv, const uint8_t *mac,
		     struct id id, uint32_t giaddr)
{
	struct req r = {BB_DHCPDISCOVER, mac, id, 0, giaddr, 0, 0};
	uint32_t ip;

	if (send_req(srv, &r) != BB_DHCPOFFER)
		return 0;
	check_echo(id);
	ip = reply.yiaddr;
	r = (struct req){BB_DHCPREQUEST, mac, id, 0, giaddr, ip, SRV};
	if (send_req(srv, &r) != BB_DHCPACK)
		return 0;
	check_echo(id);
	CHECK(tx.journal_len > 0);
	return reply.yiaddr == ip ? ip : 0;
}

static int init_reboot(struct bb_dhcp_server *srv, const uint8_t *mac,
		       struct id id, uint32_t ip, uint32_t giaddr)
{
	struct req r = {BB_DHCPREQUEST, mac, id, 0, giaddr, ip, 0};

	return send_req(srv, &r);
}

static int renew(struct bb_dhcp_server *srv, const uint8_t *mac, struct id id,
		 uint32_t ip)
{
	struct req r = {BB_DHCPREQUEST, mac, id, ip, 0, 0, 0};

	return send_req(srv, &r);
}

/* A reserved machine gets its address at every stage, in both modes, on
 * its own subnet and through a relay. */
static void reserved_chain(bool match_cid, const uint8_t *mac, uint32_t ip,
			   uint32_t giaddr)
{
	struct bb_dhcp_config c = config(match_cid);
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	size_t i, j;

	for (i = 0; i < 4; i++) {
		CHECK_EQ(dora(srv, mac, chain[i], giaddr), ip);
		/* the next stage reboots into it, then renews with its own id
		 */
		for (j = 0; j < 4; j++)
			CHECK_EQ(init_reboot(srv, mac, chain[j], ip, giaddr),
				 BB_DHCPACK);
		if (!giaddr)
			for (j = 0; j < 4; j++)
				CHECK_EQ(renew(srv, mac, chain[j], ip),
					 BB_DHCPACK);
		now += 5;
	}
	CHECK_EQ(bb_dhcp_server_stats(srv)->ignored, 0);
	CHECK_EQ(bb_dhcp_server_stats(srv)->nak, 0);
	bb_dhcp_server_free(srv);
}

static void test_reserved_every_stage(void)
{
	reserved_chain(false, RES, IP(192, 168, 2, 10), 0);
	reserved_chain(true, RES, IP(192, 168, 2, 10), 0);
	reserved_chain(false, RES9, IP(10, 9, 0, 9), RELAY);
	reserved_chain(true, RES9, IP(10, 9, 0, 9), RELAY);
}

/* A lease the journal holds under the PXE ROM's identity (no option 61)
 * is taken over by iPXE's 01:mac, not treated as another client's. */
static void test_reserved_takes_over_old_lease(void)
{
	struct bb_dhcp_config c = config(true);
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	struct bb_dhcp_lease l = {0};
	uint8_t rec[BB_DHCP_JOURNAL_MAX];
	size_t good;
	int n;

	l.ip = IP(192, 168, 2, 10);
	memcpy(l.mac, RES, 6);
	l.state = BB_LEASE_BOUND;
	l.expires = now + 3000;
	l.updated = now - 600;
	n = bb_dhcp_journal_encode(&l, rec, sizeof(rec));
	CHECK(n > 0);
	CHECK_EQ(bb_dhcp_server_replay(srv, rec, (size_t)n, &good), 1);
	CHECK_EQ(dora(srv, RES, chain[1], 0), IP(192, 168, 2, 10));
	CHECK_EQ(bb_dhcp_server_lease_by_ip(srv, l.ip)->client_id_len,
		 sizeof(ID_IPXE));
	bb_dhcp_server_free(srv);
}

/* Default (chaddr identity): one address per machine whatever id each
 * stage sends; the id is recorded. */
static void test_pool_one_address_per_machine(void)
{
	struct bb_dhcp_config c = config(false);
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	uint32_t ip = dora(srv, POOL, chain[0], 0);
	size_t i;

	CHECK(ip >= IP(192, 168, 2, 100) && ip <= IP(192, 168, 2, 103));
	for (i = 1; i < 4; i++) {
		CHECK_EQ(dora(srv, POOL, chain[i], 0), ip);
		CHECK_EQ(bb_dhcp_server_lease_by_ip(srv, ip)->client_id_len,
			 chain[i].len);
		CHECK_EQ(init_reboot(srv, POOL, chain[(i + 1) % 4], ip, 0),
			 BB_DHCPACK);
		CHECK_EQ(renew(srv, POOL, chain[(i + 2) % 4], ip), BB_DHCPACK);
	}
	/* relayed: the same machine in 10.9 gets one address there too */
	ip = dora(srv, POOL, chain[0], RELAY);
	CHECK(ip >= IP(10, 9, 0, 10) && ip <= IP(10, 9, 0, 20));
	CHECK_EQ(dora(srv, POOL, chain[2], RELAY), ip);
	CHECK_EQ(init_reboot(srv, POOL, chain[3], ip, RELAY), BB_DHCPACK);
	/* another machine may not reboot into it, whatever id it shows */
	CHECK_EQ(init_reboot(srv, OTHER, chain[2], ip, RELAY), BB_DHCPNAK);
	bb_dhcp_server_free(srv);
}

/* match_client_id: true keeps RFC 2131/6842: each id is a client. */
static void test_pool_match_client_id(void)
{
	struct bb_dhcp_config c = config(true);
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	uint32_t a = dora(srv, POOL, chain[0], 0);
	uint32_t b = dora(srv, POOL, chain[1], 0);

	CHECK(a && b && a != b);
	/* INIT-REBOOT with another id into a's address: NAK */
	CHECK_EQ(init_reboot(srv, POOL, chain[2], a, 0), BB_DHCPNAK);
	CHECK_EQ(renew(srv, POOL, chain[1], b), BB_DHCPACK);
	CHECK_EQ(renew(srv, POOL, chain[0], b), BB_DHCPNAK);
	/* a NIC moved to another machine keeps its id's lease (RFC 6842) */
	CHECK_EQ(dora(srv, OTHER, chain[1], 0), b);
	/* switching the mode back at reload: one address per chaddr */
	c.match_client_id = false;
	CHECK_EQ(bb_dhcp_server_reconfigure(srv, &c), 0);
	CHECK_EQ(init_reboot(srv, OTHER, chain[3], b, 0), BB_DHCPACK);
	bb_dhcp_server_free(srv);
}

/* Finding 9: a different MAC presenting the reserved machine's client-id
 * can neither RELEASE nor DECLINE its lease, nor reboot into it. */
static void test_identity_of_release_decline(void)
{
	int mode;

	for (mode = 0; mode < 2; mode++) {
		struct bb_dhcp_config c = config(mode == 1);
		struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
		uint32_t ip = dora(srv, RES, chain[1], 0), p;
		struct req r = {BB_DHCPRELEASE, OTHER, chain[1], ip, 0, 0, SRV};

		CHECK_EQ(ip, IP(192, 168, 2, 10));
		CHECK_EQ(send_req(srv, &r), 0);
		CHECK_EQ(tx.ignore, BB_IGN_NOT_OWNER);
		CHECK_EQ(tx.journal_len, 0);
		r = (struct req){
		    BB_DHCPDECLINE, OTHER, chain[1], 0, 0, ip, SRV};
		CHECK_EQ(send_req(srv, &r), 0);
		CHECK_EQ(tx.ignore, BB_IGN_NOT_OWNER);
		CHECK_EQ(bb_dhcp_server_lease_by_ip(srv, ip)->state,
			 BB_LEASE_BOUND);
		CHECK_EQ(init_reboot(srv, OTHER, chain[1], ip, 0), BB_DHCPNAK);
		/* a pool lease of one machine: same for a stranger with its id
		 */
		p = dora(srv, POOL, chain[2], 0);
		CHECK_EQ(init_reboot(srv, OTHER, chain[3], p, 0), BB_DHCPNAK);
		/* its own RELEASE, with the OS's id, frees the reservation */
		r = (struct req){BB_DHCPRELEASE, RES, chain[3], ip, 0, 0, SRV};
		CHECK_EQ(send_req(srv, &r), 0);
		CHECK_EQ(tx.ignore, BB_IGN_NONE);
		CHECK_EQ(bb_dhcp_server_lease_by_ip(srv, ip)->state,
			 BB_LEASE_FREE);
		bb_dhcp_server_free(srv);
	}
}

/* Finding 7: DISCOVER + DECLINE from strangers cannot empty the pool; a
 * DECLINE of an address never offered to the sender is ignored. */
static void test_decline_flood_reclaims(void)
{
	struct bb_dhcp_config c = config(false);
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	uint8_t mac[6] = {2, 0, 0, 0, 0, 0};
	struct req r;
	int i;

	r = (struct req){BB_DHCPDECLINE,       mac, {NULL, 0}, 0, 0,
			 IP(192, 168, 2, 101), SRV};
	CHECK_EQ(send_req(srv, &r), 0);
	CHECK_EQ(tx.ignore, BB_IGN_NOT_OWNER);
	for (i = 0; i < 20; i++) {
		mac[5] = (uint8_t)i;
		r = (struct req){BB_DHCPDISCOVER, mac, {NULL, 0}, 0, 0, 0, 0};
		CHECK_EQ(send_req(srv, &r), BB_DHCPOFFER);
		r.type = BB_DHCPDECLINE;
		r.reqip = reply.yiaddr;
		r.sid = SRV;
		CHECK_EQ(send_req(srv, &r), 0);
		CHECK_EQ(tx.ignore, BB_IGN_NONE);
		CHECK(tx.journal_len > 0);
		now++;
	}
	CHECK(bb_dhcp_server_stats(srv)->decline_reclaimed >= 16);
	/* a real client still gets an address: the oldest quarantined one */
	CHECK(dora(srv, POOL, chain[0], 0) != 0);
	bb_dhcp_server_free(srv);
}

static void test_rate_limit(void)
{
	struct bb_dhcp_config c = config(false);
	struct bb_dhcp_server *srv;
	struct req r = {BB_DHCPDISCOVER, POOL, {NULL, 0}, 0, 0, 0, 0};
	int i, offers = 0;

	c.rate_limit = 5;
	srv = bb_dhcp_server_new(&c);
	for (i = 0; i < 5000; i++)
		offers += send_req(srv, &r) == BB_DHCPOFFER;
	CHECK_EQ(offers, 5);
	CHECK_EQ(bb_dhcp_server_stats(srv)->ignored_by[BB_IGN_RATE_LIMITED],
		 4995);
	CHECK_EQ(tx.ignore, BB_IGN_RATE_LIMITED);
	/* other machines are not held back by this one */
	r.mac = OTHER;
	CHECK_EQ(send_req(srv, &r), BB_DHCPOFFER);
	/* REQUESTs are not limited: the handshake completes */
	r = (struct req){BB_DHCPREQUEST,       POOL, {NULL, 0}, 0, 0,
			 IP(192, 168, 2, 100), SRV};
	CHECK_EQ(send_req(srv, &r), BB_DHCPACK);
	now++;
	r = (struct req){BB_DHCPDISCOVER, POOL, {NULL, 0}, 0, 0, 0, 0};
	CHECK_EQ(send_req(srv, &r), BB_DHCPOFFER);
	/* reload without a limit */
	c.rate_limit = 0;
	CHECK_EQ(bb_dhcp_server_reconfigure(srv, &c), 0);
	for (i = 0; i < 50; i++)
		CHECK_EQ(send_req(srv, &r), BB_DHCPOFFER);
	bb_dhcp_server_free(srv);
}

/* Finding 12: an INFORM is answered only to a ciaddr of ours or through
 * the relay, never reflected at an address the sender made up. */
static void test_inform_reflection(void)
{
	struct bb_dhcp_config c = config(false);
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	struct req r = {
	    BB_DHCPINFORM, OTHER, {NULL, 0}, IP(8, 8, 8, 8), 0, 0, 0};

	CHECK_EQ(send_req(srv, &r), 0);
	CHECK_EQ(tx.ignore, BB_IGN_INFORM_OFFNET);
	CHECK_EQ(tx.dest, BB_DHCP_TX_NONE);
	r.ciaddr = 0;
	CHECK_EQ(send_req(srv, &r), 0);
	CHECK_EQ(tx.ignore, BB_IGN_INFORM_OFFNET);
	r.ciaddr = IP(192, 168, 2, 77);
	CHECK_EQ(send_req(srv, &r), BB_DHCPACK);
	CHECK_EQ(tx.dst_ip, IP(192, 168, 2, 77));
	r.ciaddr = IP(10, 9, 0, 77);
	r.giaddr = RELAY;
	CHECK_EQ(send_req(srv, &r), BB_DHCPACK);
	CHECK_EQ(tx.dst_ip, RELAY);
	CHECK_EQ(tx.dst_port, 67);
	/* nor is an OFFER or ACK unicast to a made-up ciaddr */
	r = (struct req){
	    BB_DHCPDISCOVER, OTHER, {NULL, 0}, IP(8, 8, 8, 8), 0, 0, 0};
	CHECK_EQ(send_req(srv, &r), BB_DHCPOFFER);
	CHECK(tx.dest != BB_DHCP_TX_UNICAST);
	r = (struct req){BB_DHCPREQUEST, OTHER, {NULL, 0}, IP(8, 8, 8, 8), 0,
			 reply.yiaddr,	 SRV};
	CHECK_EQ(send_req(srv, &r), BB_DHCPACK);
	CHECK(tx.dest != BB_DHCP_TX_UNICAST);
	bb_dhcp_server_free(srv);
}

/* Every no-reply has its reason and counter. */
static void test_ignore_reasons(void)
{
	struct bb_dhcp_config c = config(false);
	struct bb_dhcp_server *srv;
	struct req r;
	const struct bb_dhcp_stats *st;
	unsigned i;
	uint64_t sum = 0;

	c.known_only = true;
	srv = bb_dhcp_server_new(&c);
	st = bb_dhcp_server_stats(srv);
	r = (struct req){BB_DHCPDISCOVER, POOL, {NULL, 0}, 0, 0, 0, 0};
	CHECK_EQ(send_req(srv, &r), 0);
	CHECK_EQ(tx.ignore, BB_IGN_UNKNOWN);
	r = (struct req){BB_DHCPDISCOVER,   RES, {NULL, 0}, 0,
			 IP(172, 16, 0, 1), 0,	 0};
	CHECK_EQ(send_req(srv, &r), 0);
	CHECK_EQ(tx.ignore, BB_IGN_NO_SUBNET);
	r = (struct req){
	    BB_DHCPREQUEST,    RES, {NULL, 0}, 0, 0, IP(192, 168, 2, 10),
	    IP(192, 168, 2, 3)};
	CHECK_EQ(send_req(srv, &r), 0);
	CHECK_EQ(tx.ignore, BB_IGN_OTHER_SERVER);
	r = (struct req){BB_DHCPREQUEST, RES, {NULL, 0}, 0, 0, 0, 0};
	CHECK_EQ(send_req(srv, &r), 0);
	CHECK_EQ(tx.ignore, BB_IGN_NO_REQUESTED);
	r = (struct req){BB_DHCPOFFER, RES, {NULL, 0}, 0, 0, 0, 0};
	CHECK_EQ(send_req(srv, &r), 0);
	CHECK_EQ(tx.ignore, BB_IGN_NOT_REQUEST);
	for (i = 1; i < BB_IGN_COUNT; i++) {
		CHECK(strcmp(bb_dhcp_ignore_name(i), "?"));
		sum += st->ignored_by[i];
	}
	CHECK_EQ(sum, st->ignored);
	CHECK_EQ(st->ignored, 5);
	bb_dhcp_server_free(srv);
}

/* A reserved address held by another machine (the reservation moved):
 * no offer, counted as address-in-use, not silent. */
static void test_reserved_in_use(void)
{
	struct bb_dhcp_config c = config(false);
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	struct bb_dhcp_host moved = hosts[0];
	struct req r = {BB_DHCPDISCOVER, OTHER, {NULL, 0}, 0, 0, 0, 0};

	CHECK_EQ(dora(srv, RES, chain[0], 0), IP(192, 168, 2, 10));
	memcpy(moved.mac, OTHER, 6);
	c.hosts = &moved;
	c.nhosts = 1;
	CHECK_EQ(bb_dhcp_server_reconfigure(srv, &c), 0);
	CHECK_EQ(send_req(srv, &r), 0);
	CHECK_EQ(tx.ignore, BB_IGN_IN_USE);
	CHECK_EQ(tx.ign_ip, IP(192, 168, 2, 10));
	CHECK(!memcmp(tx.chaddr, OTHER, 6));
	CHECK_EQ(bb_dhcp_server_stats(srv)->ignored_by[BB_IGN_IN_USE], 1);
	bb_dhcp_server_free(srv);
}

/* Finding 12: clients that come and go do not grow the client map past a
 * bound set by the number of addresses. */
static void test_client_map_bounded(void)
{
	struct bb_lease_table t = {0};
	uint8_t mac[6] = {2, 0, 0, 0, 0, 0};
	uint32_t i;

	for (i = 0; i < 300000; i++) {
		struct bb_lease_rec *r = bb_lease_get(&t, 100 + i % 16);
		struct bb_client_key k = {mac, NULL, 0};

		mac[2] = (uint8_t)(i >> 16);
		mac[3] = (uint8_t)(i >> 8);
		mac[4] = (uint8_t)i;
		CHECK(r != NULL);
		r->l.updated = i;
		CHECK_EQ(bb_lease_set_owner(&t, r, &k), 0);
	}
	CHECK(t.ccap <= 1024);
	CHECK_EQ(t.n, 16);
	bb_lease_table_free(&t);
}

int main(void)
{
	RUN(test_reserved_every_stage);
	RUN(test_reserved_takes_over_old_lease);
	RUN(test_pool_one_address_per_machine);
	RUN(test_pool_match_client_id);
	RUN(test_identity_of_release_decline);
	RUN(test_decline_flood_reclaims);
	RUN(test_rate_limit);
	RUN(test_inform_reflection);
	RUN(test_ignore_reasons);
	RUN(test_reserved_in_use);
	RUN(test_client_map_bounded);
	return bb_test_done();
}
