#include "common/err.h"
#include "dhcp/dhcp_journal.h"
#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_wire.h"
#include "tests/unit/dhcp_util.h"
#include "tests/unit/test.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define SRV	       IP(192, 168, 2, 2)

static const uint8_t MAC1[6] = {0x52, 0x54, 0, 0, 0, 1};
static const uint8_t MAC2[6] = {0x52, 0x54, 0, 0, 0, 2};
static const uint8_t MGMT[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};

static const struct bb_dhcp_pool pools1[] = {
    {IP(192, 168, 2, 100), IP(192, 168, 2, 102)}};
static const struct bb_dhcp_pool pools2[] = {
    {IP(10, 9, 0, 10), IP(10, 9, 0, 20)}};
static const uint32_t dns[] = {SRV};
static struct bb_dhcp_subnet subnets[] = {
    {IP(192, 168, 2, 0), 24, pools1, 1, IP(192, 168, 2, 1), dns, 1, dns, 1,
     "ring0.lan", 0, BB_STANDDOWN_NONE, NULL, 0},
    {IP(10, 9, 0, 0), 24, pools2, 1, IP(10, 9, 0, 1), dns, 1, NULL, 0, NULL,
     600, BB_STANDDOWN_NONE, NULL, 0},
};
static struct bb_dhcp_host hosts[] = {
    {{0x52, 0x54, 0, 0x12, 0x34, 0x56},
     IP(192, 168, 2, 101),
     "management",
     NULL,
     NULL,
     0},
};

static struct bb_dhcp_config config(void)
{
	struct bb_dhcp_config c = {0};

	c.server_id = SRV;
	c.lease_time = 3600;
	c.decline_time = 600;
	c.offer_time = 60;
	c.subnets = subnets;
	c.nsubnets = 2;
	c.hosts = hosts;
	c.nhosts = 1;
	c.boot.next_server = SRV;
	c.boot.bios_file = "undionly.kpxe";
	c.boot.efi64_file = "ipxe.efi";
	c.boot.arm64_file = "snponly.efi";
	c.boot.http_base = "http://192.168.2.2:8080";
	return c;
}

static struct bb_dhcp_msg reply;
static struct bb_dhcp_tx tx;
static int64_t now = 1700000000;

/* Feeds p to srv; parses the reply into `reply`; returns the reply type or
 * 0 for none, -1 for a drop. */
static int feed(struct bb_dhcp_server *srv, struct tpkt *p)
{
	uint8_t out[1500];
	size_t len = tpkt_end(p);
	uint8_t *g = bb_test_guard(p->b, len);
	struct bb_dhcp_rx rx = {g, len, 0, 68, now};
	int n = bb_dhcp_server_input(srv, &rx, out, sizeof(out), &tx);

	bb_test_unguard(g, len);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	CHECK(n >= 300);
	CHECK_EQ(bb_dhcp_parse(out, (size_t)n, &reply), 0);
	CHECK_EQ(reply.op, BB_DHCP_BOOTREPLY);
	return reply.msg_type;
}

static uint32_t u32opt(uint8_t code)
{
	uint32_t v = 0;

	bb_dhcp_get_u32(&reply, code, &v);
	return v;
}

static const char *stropt(uint8_t code)
{
	static char s[300];
	size_t len = 0;
	const uint8_t *p = bb_dhcp_get(&reply, code, &len);

	if (!p)
		return NULL;
	memcpy(s, p, len);
	s[len] = 0;
	return s;
}

/* DISCOVER + REQUEST(selecting); returns the ACKed address or 0 */
static uint32_t dora(struct bb_dhcp_server *srv, const uint8_t mac[6],
		     uint32_t giaddr)
{
	struct tpkt p;
	uint32_t ip;

	tpkt_start(&p, BB_DHCPDISCOVER, mac, 0, giaddr, 0);
	if (feed(srv, &p) != BB_DHCPOFFER)
		return 0;
	ip = reply.yiaddr;
	tpkt_start(&p, BB_DHCPREQUEST, mac, 0, giaddr, 0);
	bb_dhcp_put_u32(&p.w, BB_OPT_SERVER_ID, SRV);
	bb_dhcp_put_u32(&p.w, BB_OPT_REQUESTED_IP, ip);
	if (feed(srv, &p) != BB_DHCPACK)
		return 0;
	CHECK_EQ(reply.yiaddr, ip);
	CHECK(tx.journal_len > 0);
	return ip;
}

static void test_dora(void)
{
	struct bb_dhcp_config c = config();
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	struct tpkt p;
	uint8_t prl[] = {1, 3, 6, 15};

	tpkt_start(&p, BB_DHCPDISCOVER, MAC1, 0, 0, 0);
	bb_dhcp_put(&p.w, BB_OPT_PRL, prl, sizeof(prl));
	CHECK_EQ(feed(srv, &p), BB_DHCPOFFER);
	CHECK(reply.yiaddr >= IP(192, 168, 2, 100) &&
	      reply.yiaddr <= IP(192, 168, 2, 102));
	CHECK_EQ(u32opt(BB_OPT_SERVER_ID), SRV);
	CHECK_EQ(u32opt(BB_OPT_LEASE_TIME), 3600);
	CHECK_EQ(u32opt(BB_OPT_T1), 1800);
	CHECK_EQ(u32opt(BB_OPT_T2), 3150);
	CHECK_EQ(u32opt(BB_OPT_SUBNET_MASK), 0xffffff00);
	CHECK_EQ(u32opt(BB_OPT_ROUTER), IP(192, 168, 2, 1));
	CHECK_EQ(u32opt(BB_OPT_DNS), SRV);
	CHECK_STR(stropt(BB_OPT_DOMAIN), "ring0.lan");
	CHECK(!bb_dhcp_has(&reply, BB_OPT_NTP));      /* not asked for */
	CHECK(!bb_dhcp_has(&reply, BB_OPT_BOOTFILE)); /* an ordinary client */
	CHECK_EQ(tx.dest, BB_DHCP_TX_UNICAST_HW);
	CHECK_EQ(tx.journal_len, 0); /* offers are not persisted */
	tpkt_start(&p, BB_DHCPREQUEST, MAC1, 0, 0, BB_DHCP_FLAG_BROADCAST);
	bb_dhcp_put_u32(&p.w, BB_OPT_SERVER_ID, SRV);
	bb_dhcp_put_u32(&p.w, BB_OPT_REQUESTED_IP, reply.yiaddr);
	bb_dhcp_put_str(&p.w, BB_OPT_HOSTNAME, "node\nx");
	CHECK_EQ(feed(srv, &p), BB_DHCPACK);
	CHECK_EQ(tx.dest, BB_DHCP_TX_BROADCAST);
	CHECK(tx.journal_len > 0);
	CHECK_STR(bb_dhcp_server_lease_by_ip(srv, reply.yiaddr)->hostname,
		  "node?x");
	CHECK_EQ(bb_dhcp_server_stats(srv)->ack, 1);
	bb_dhcp_server_free(srv);
}

static void test_request_states(void)
{
	struct bb_dhcp_config c = config();
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	struct tpkt p;
	uint32_t ip = dora(srv, MAC1, 0), ip2;

	CHECK(ip != 0);
	/* RENEWING: unicast from ciaddr */
	tpkt_start(&p, BB_DHCPREQUEST, MAC1, ip, 0, 0);
	CHECK_EQ(feed(srv, &p), BB_DHCPACK);
	CHECK_EQ(tx.dest, BB_DHCP_TX_UNICAST);
	CHECK_EQ(tx.dst_ip, ip);
	CHECK_EQ(tx.dst_port, 68);
	/* REBINDING: broadcast, ciaddr set: same answer */
	tpkt_start(&p, BB_DHCPREQUEST, MAC1, ip, 0, BB_DHCP_FLAG_BROADCAST);
	CHECK_EQ(feed(srv, &p), BB_DHCPACK);
	/* INIT-REBOOT with its own address */
	tpkt_start(&p, BB_DHCPREQUEST, MAC1, 0, 0, 0);
	bb_dhcp_put_u32(&p.w, BB_OPT_REQUESTED_IP, ip);
	CHECK_EQ(feed(srv, &p), BB_DHCPACK);
	/* INIT-REBOOT from another network: NAK, broadcast */
	tpkt_start(&p, BB_DHCPREQUEST, MAC1, 0, 0, 0);
	bb_dhcp_put_u32(&p.w, BB_OPT_REQUESTED_IP, IP(172, 16, 0, 5));
	CHECK_EQ(feed(srv, &p), BB_DHCPNAK);
	CHECK_EQ(reply.yiaddr, 0);
	CHECK_EQ(tx.dest, BB_DHCP_TX_BROADCAST);
	CHECK(!bb_dhcp_has(&reply, BB_OPT_LEASE_TIME));
	/* another client asking for MAC1's address: NAK */
	tpkt_start(&p, BB_DHCPREQUEST, MAC2, 0, 0, 0);
	bb_dhcp_put_u32(&p.w, BB_OPT_REQUESTED_IP, ip);
	CHECK_EQ(feed(srv, &p), BB_DHCPNAK);
	/* RENEWING someone else's address: NAK */
	tpkt_start(&p, BB_DHCPREQUEST, MAC2, ip, 0, 0);
	CHECK_EQ(feed(srv, &p), BB_DHCPNAK);
	/* SELECTING another server: ignored, the offer is let go */
	tpkt_start(&p, BB_DHCPDISCOVER, MAC2, 0, 0, 0);
	CHECK_EQ(feed(srv, &p), BB_DHCPOFFER);
	ip2 = reply.yiaddr;
	tpkt_start(&p, BB_DHCPREQUEST, MAC2, 0, 0, 0);
	bb_dhcp_put_u32(&p.w, BB_OPT_SERVER_ID, IP(192, 168, 2, 9));
	bb_dhcp_put_u32(&p.w, BB_OPT_REQUESTED_IP, ip2);
	CHECK_EQ(feed(srv, &p), 0);
	/* a REQUEST naming nothing */
	tpkt_start(&p, BB_DHCPREQUEST, MAC2, 0, 0, 0);
	CHECK_EQ(feed(srv, &p), 0);
	bb_dhcp_server_free(srv);
}

static void test_decline_release_inform(void)
{
	struct bb_dhcp_config c = config();
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	struct tpkt p;
	uint32_t ip = dora(srv, MAC1, 0), got;
	int64_t t0 = now;

	tpkt_start(&p, BB_DHCPDECLINE, MAC1, 0, 0, 0);
	bb_dhcp_put_u32(&p.w, BB_OPT_REQUESTED_IP, ip);
	bb_dhcp_put_u32(&p.w, BB_OPT_SERVER_ID, SRV);
	CHECK_EQ(feed(srv, &p), 0);
	CHECK(tx.journal_len > 0);
	CHECK_EQ(bb_dhcp_server_lease_by_ip(srv, ip)->state, BB_LEASE_DECLINED);
	/* while quarantined nobody gets it, not even the decliner */
	got = dora(srv, MAC1, 0);
	CHECK(got != 0 && got != ip);
	/* the pool is now empty: the quarantined address is reclaimed */
	CHECK_EQ(dora(srv, MAC2, 0), ip);
	/* RELEASE gives an address back */
	tpkt_start(&p, BB_DHCPRELEASE, MAC1, got, 0, 0);
	bb_dhcp_put_u32(&p.w, BB_OPT_SERVER_ID, SRV);
	CHECK_EQ(feed(srv, &p), 0);
	CHECK(tx.journal_len > 0);
	CHECK_EQ(bb_dhcp_server_lease_by_ip(srv, got)->state, BB_LEASE_FREE);
	/* a RELEASE of someone else's address is ignored */
	tpkt_start(&p, BB_DHCPRELEASE, MAC1, IP(192, 168, 2, 150), 0, 0);
	CHECK_EQ(feed(srv, &p), 0);
	CHECK_EQ(tx.journal_len, 0);
	/* after the quarantine the address is usable again */
	now = t0 + 601;
	CHECK_EQ(dora(srv, MAC1, 0), got); /* sticky: its old free one */
	tpkt_start(&p, BB_DHCPINFORM, MAC2, IP(192, 168, 2, 77), 0, 0);
	CHECK_EQ(feed(srv, &p), BB_DHCPACK);
	CHECK_EQ(reply.yiaddr, 0);
	CHECK(!bb_dhcp_has(&reply, BB_OPT_LEASE_TIME));
	CHECK_EQ(u32opt(BB_OPT_ROUTER), IP(192, 168, 2, 1));
	CHECK_EQ(tx.dest, BB_DHCP_TX_UNICAST);
	CHECK_EQ(tx.dst_ip, IP(192, 168, 2, 77));
	now = t0;
	bb_dhcp_server_free(srv);
}

static void test_relay(void)
{
	struct bb_dhcp_config c = config();
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	struct tpkt p;
	static const uint8_t agent[] = {1,   4, 'p', 'o', 'r',
					't', 2, 2,   'x', 'y'};
	size_t len;
	const uint8_t *echo;

	tpkt_start(&p, BB_DHCPDISCOVER, MAC1, 0, IP(10, 9, 0, 1), 0);
	bb_dhcp_put(&p.w, BB_OPT_RELAY_INFO, agent, sizeof(agent));
	CHECK_EQ(feed(srv, &p), BB_DHCPOFFER);
	CHECK(reply.yiaddr >= IP(10, 9, 0, 10) &&
	      reply.yiaddr <= IP(10, 9, 0, 20));
	CHECK_EQ(u32opt(BB_OPT_LEASE_TIME), 600); /* the subnet's own */
	CHECK_EQ(tx.dest, BB_DHCP_TX_UNICAST);
	CHECK_EQ(tx.dst_ip, IP(10, 9, 0, 1));
	CHECK_EQ(tx.dst_port, 67);
	echo = bb_dhcp_get(&reply, BB_OPT_RELAY_INFO, &len);
	CHECK(echo && len == sizeof(agent) && !memcmp(echo, agent, len));
	CHECK_EQ(reply.giaddr, IP(10, 9, 0, 1));
	/* a NAK through the relay carries the broadcast bit */
	tpkt_start(&p, BB_DHCPREQUEST, MAC1, 0, IP(10, 9, 0, 1), 0);
	bb_dhcp_put_u32(&p.w, BB_OPT_REQUESTED_IP, IP(192, 168, 2, 100));
	CHECK_EQ(feed(srv, &p), BB_DHCPNAK);
	CHECK(reply.flags & BB_DHCP_FLAG_BROADCAST);
	CHECK_EQ(tx.dst_ip, IP(10, 9, 0, 1));
	/* a relay from a network we do not serve */
	tpkt_start(&p, BB_DHCPDISCOVER, MAC1, 0, IP(10, 8, 0, 1), 0);
	CHECK_EQ(feed(srv, &p), 0);
	bb_dhcp_server_free(srv);
}

static void test_reservations_known_only(void)
{
	struct bb_dhcp_config c = config();
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	struct tpkt p;
	int i;

	/* three strangers fill the pool but never take the reserved .101 */
	for (i = 0; i < 3; i++) {
		uint8_t mac[6] = {2, 0, 0, 0, 0, (uint8_t)i};
		uint32_t ip = dora(srv, mac, 0);

		CHECK(ip != IP(192, 168, 2, 101));
	}
	tpkt_start(&p, BB_DHCPDISCOVER, MGMT, 0, 0, 0);
	CHECK_EQ(feed(srv, &p), BB_DHCPOFFER);
	CHECK_EQ(reply.yiaddr, IP(192, 168, 2, 101));
	CHECK_STR(stropt(BB_OPT_HOSTNAME), "management");
	CHECK_STR(stropt(BB_OPT_DOMAIN), "ring0.lan");
	CHECK_EQ(bb_dhcp_server_stats(srv)->no_address, 1);
	c.known_only = true;
	CHECK_EQ(bb_dhcp_server_reconfigure(srv, &c), 0);
	tpkt_start(&p, BB_DHCPDISCOVER, MAC2, 0, 0, 0);
	CHECK_EQ(feed(srv, &p), 0);
	CHECK_EQ(dora(srv, MGMT, 0), IP(192, 168, 2, 101));
	bb_dhcp_server_free(srv);
}

static void test_standdown(void)
{
	struct bb_dhcp_config c = config();
	struct bb_dhcp_subnet subs[4];
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	struct tpkt p;
	uint32_t ip = dora(srv, MAC1, 0);
	uint32_t mgmt = dora(srv, MGMT, 0);

	memcpy(subs, c.subnets, c.nsubnets * sizeof(subs[0]));
	subs[0].standdown = BB_STANDDOWN_RENEWALS;
	c.subnets = subs;
	CHECK_EQ(bb_dhcp_server_reconfigure(srv, &c), 0);
	tpkt_start(&p, BB_DHCPDISCOVER, MAC2, 0, 0, 0);
	CHECK_EQ(feed(srv, &p), 0); /* no new lease */
	tpkt_start(&p, BB_DHCPDISCOVER, MGMT, 0, 0, 0);
	CHECK_EQ(feed(srv, &p), 0); /* not even for a reservation */
	tpkt_start(&p, BB_DHCPREQUEST, MAC2, 0, 0, 0);
	bb_dhcp_put_u32(&p.w, BB_OPT_REQUESTED_IP, IP(192, 168, 2, 102));
	CHECK_EQ(feed(srv, &p), 0);		       /* not even a NAK */
	tpkt_start(&p, BB_DHCPREQUEST, MAC1, 0, 0, 0); /* INIT-REBOOT */
	bb_dhcp_put_u32(&p.w, BB_OPT_REQUESTED_IP, ip);
	CHECK_EQ(feed(srv, &p), 0);
	tpkt_start(&p, BB_DHCPREQUEST, MAC2, ip, 0, 0); /* not its lease */
	CHECK_EQ(feed(srv, &p), 0);
	tpkt_start(&p, BB_DHCPREQUEST, MAC1, ip, 0, 0);
	CHECK_EQ(feed(srv, &p), BB_DHCPACK); /* renewals go on */
	tpkt_start(&p, BB_DHCPREQUEST, MGMT, mgmt, 0, 0);
	CHECK_EQ(feed(srv, &p), BB_DHCPACK);

	subs[0].standdown = BB_STANDDOWN_STOP;
	CHECK_EQ(bb_dhcp_server_reconfigure(srv, &c), 0);
	tpkt_start(&p, BB_DHCPREQUEST, MAC1, ip, 0, 0);
	CHECK_EQ(feed(srv, &p), 0); /* stopped entirely */

	subs[0].standdown = BB_STANDDOWN_NONE;
	CHECK_EQ(bb_dhcp_server_reconfigure(srv, &c), 0);
	tpkt_start(&p, BB_DHCPREQUEST, MAC1, ip, 0, 0);
	CHECK_EQ(feed(srv, &p), BB_DHCPACK);
	bb_dhcp_server_free(srv);
}

struct flow {
	const char *name;
	int arch;	    /* -1: no option 93 */
	const char *vendor; /* option 60 */
	const char *user;   /* option 77 */
	const char *file;   /* expected option 67, NULL: none */
	const char *echo;   /* expected option 60 in the reply */
	uint32_t siaddr;
};

static void test_boot_flows(void)
{
	static const struct flow flows[] = {
	    {"bios pxe", 0, "PXEClient:Arch:00000:UNDI:002001", NULL,
	     "undionly.kpxe", "PXEClient", SRV},
	    {"uefi x64 pxe (7)", 7, "PXEClient:Arch:00007:UNDI:003016", NULL,
	     "ipxe.efi", "PXEClient", SRV},
	    {"uefi x64 pxe (9)", 9, "PXEClient:Arch:00009:UNDI:003016", NULL,
	     "ipxe.efi", "PXEClient", SRV},
	    {"uefi arm64 pxe", 11, "PXEClient:Arch:00011:UNDI:003000", NULL,
	     "snponly.efi", "PXEClient", SRV},
	    {"uefi x64 http", 16, "HTTPClient:Arch:00016:UNDI:003001", NULL,
	     "http://192.168.2.2:8080/ipxe.efi", "HTTPClient", 0},
	    {"uefi arm64 http", 19, "HTTPClient:Arch:00019:UNDI:003001", NULL,
	     "http://192.168.2.2:8080/snponly.efi", "HTTPClient", 0},
	    {"ipxe bios", 0, "PXEClient:Arch:00000:UNDI:002001", "iPXE",
	     "http://192.168.2.2:8080/boot.ipxe", NULL, 0},
	    {"ipxe uefi: no chain loop", 7, "PXEClient:Arch:00007:UNDI:003010",
	     "iPXE", "http://192.168.2.2:8080/boot.ipxe", NULL, 0},
	    {"an os dhcp client", -1, "udhcp 1.35.0", NULL, NULL, NULL, 0},
	    {"plain client", -1, NULL, NULL, NULL, NULL, 0},
	    {"uefi ia32", 6, "PXEClient:Arch:00006", NULL, NULL, NULL, 0},
	};
	struct bb_dhcp_config c = config();
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	size_t i;

	for (i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		const struct flow *f = &flows[i];
		uint8_t mac[6] = {2, 1, 0, 0, 0, (uint8_t)i};
		struct tpkt p;
		const char *got;

		tpkt_start(&p, BB_DHCPDISCOVER, mac, 0, 0, 0);
		if (f->arch >= 0) {
			uint8_t a[2] = {0, (uint8_t)f->arch};
			bb_dhcp_put(&p.w, BB_OPT_CLIENT_ARCH, a, 2);
		}
		if (f->vendor)
			bb_dhcp_put_str(&p.w, BB_OPT_VENDOR_CLASS, f->vendor);
		if (f->user)
			bb_dhcp_put_str(&p.w, BB_OPT_USER_CLASS, f->user);
		CHECK_EQ(feed(srv, &p), BB_DHCPOFFER);
		got = stropt(BB_OPT_BOOTFILE);
		if ((f->file == NULL) != (got == NULL) ||
		    (f->file && strcmp(f->file, got)))
			fprintf(stderr, "  %s: bootfile %s\n", f->name,
				got ? got : "(none)");
		CHECK((f->file == NULL) == (got == NULL));
		if (f->file && got)
			CHECK_STR(got, f->file);
		got = stropt(BB_OPT_VENDOR_CLASS);
		CHECK((f->echo == NULL) == (got == NULL));
		if (f->echo && got)
			CHECK_STR(got, f->echo);
		CHECK_EQ(reply.siaddr, f->siaddr);
		CHECK_EQ(bb_dhcp_has(&reply, BB_OPT_VENDOR_OPTS),
			 f->echo && !strcmp(f->echo, "PXEClient"));
		if (f->siaddr) {
			CHECK_STR(stropt(BB_OPT_TFTP_SERVER), "192.168.2.2");
			CHECK(!memcmp((const char *)reply.data, "", 0));
		}
		/* the reply's msg cycles the pool: release the offer */
		now += 61;
	}
	bb_dhcp_server_free(srv);
}

static void test_expiry_and_exhaustion(void)
{
	struct bb_dhcp_config c = config();
	struct bb_dhcp_server *srv;
	int64_t t0 = now;
	int i;

	c.nhosts = 0;
	srv = bb_dhcp_server_new(&c);
	for (i = 0; i < 3; i++) {
		uint8_t mac[6] = {3, 0, 0, 0, 0, (uint8_t)i};
		CHECK(dora(srv, mac, 0) != 0);
	}
	CHECK_EQ(dora(srv, MAC1, 0), 0); /* pool of 3 is full */
	CHECK(bb_dhcp_server_stats(srv)->no_address >= 1);
	now = t0 + 3601; /* every lease has expired */
	CHECK(dora(srv, MAC1, 0) != 0);
	now = t0;
	bb_dhcp_server_free(srv);
}

static int count_lease(const struct bb_dhcp_lease *l, void *arg)
{
	(void)l;
	(*(int *)arg)++;
	return 0;
}

static void test_journal_replay_and_torn_tails(void)
{
	struct bb_dhcp_config c = config();
	struct bb_dhcp_server *a = bb_dhcp_server_new(&c), *b;
	uint8_t j[4096];
	size_t jl = 0, good, cut, last_start = 0;
	uint32_t ip1, ip2;
	int n = 0;
	long applied;

	ip1 = dora(a, MAC1, 0);
	memcpy(j + jl, tx.journal, tx.journal_len);
	jl += tx.journal_len;
	last_start = jl;
	ip2 = dora(a, MGMT, 0);
	memcpy(j + jl, tx.journal, tx.journal_len);
	jl += tx.journal_len;
	b = bb_dhcp_server_new(&c);
	applied = bb_dhcp_server_replay(b, j, jl, &good);
	CHECK_EQ(applied, 2);
	CHECK_EQ(good, jl);
	CHECK_EQ(bb_dhcp_server_lease_by_ip(b, ip1)->state, BB_LEASE_BOUND);
	CHECK(!memcmp(bb_dhcp_server_lease_by_ip(b, ip2)->mac, MGMT, 6));
	bb_dhcp_server_foreach(b, now, count_lease, &n);
	CHECK_EQ(n, 2);
	/* after a restart the client renews the address it had */
	CHECK_EQ(dora(b, MAC1, 0), ip1);
	bb_dhcp_server_free(b);
	/* a tail torn at every byte of the last record */
	for (cut = last_start; cut < jl; cut++) {
		b = bb_dhcp_server_new(&c);
		applied = bb_dhcp_server_replay(b, j, cut, &good);
		CHECK_EQ(applied, 1);
		CHECK_EQ(good, last_start);
		bb_dhcp_server_free(b);
	}
	/* zeros (a grown file's unwritten part) between records and at the
	 * end are read through; a record cut before them is still torn */
	{
		static uint8_t z[3 * sizeof(j)];
		size_t zl = 0;

		memcpy(z, j, last_start);
		zl = last_start + 700;
		memcpy(z + zl, j + last_start, jl - last_start);
		zl += jl - last_start + 900;
		b = bb_dhcp_server_new(&c);
		CHECK_EQ(bb_dhcp_server_replay(b, z, zl, &good), 2);
		CHECK_EQ(good, zl);
		bb_dhcp_server_free(b);
		memset(z + zl - 900 - 3, 0, 3);
		b = bb_dhcp_server_new(&c);
		CHECK_EQ(bb_dhcp_server_replay(b, z, zl, &good), 1);
		CHECK_EQ(good, last_start + 700);
		bb_dhcp_server_free(b);
	}
	/* a flipped bit: the CRC stops the replay there */
	j[last_start + 8] ^= 1;
	b = bb_dhcp_server_new(&c);
	CHECK_EQ(bb_dhcp_server_replay(b, j, jl, &good), 1);
	CHECK_EQ(good, last_start);
	bb_dhcp_server_free(b);
	bb_dhcp_server_free(a);
}

static void test_max_size_and_long_options(void)
{
	struct bb_dhcp_config c = config();
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	struct tpkt p;
	uint8_t out[1500];
	struct bb_dhcp_rx rx;
	uint8_t cid[300];
	size_t len;
	int n;

	memset(cid, 7, sizeof(cid));
	tpkt_start(&p, BB_DHCPDISCOVER, MAC1, 0, 0, 0);
	bb_dhcp_put_u32(&p.w, BB_OPT_MAX_SIZE, 0); /* wrong length: ignored */
	bb_dhcp_put(&p.w, BB_OPT_CLIENT_ID, cid,
		    sizeof(cid)); /* split (3396) */
	len = tpkt_end(&p);
	rx = (struct bb_dhcp_rx){p.b, len, 0, 68, now};
	n = bb_dhcp_server_input(srv, &rx, out, sizeof(out), &tx);
	CHECK(n > 0 && n <= 576 - 28);
	{
		struct bb_dhcp_msg m;
		const uint8_t *v;

		CHECK_EQ(bb_dhcp_parse(p.b, len, &m), 0);
		v = bb_dhcp_get(&m, BB_OPT_CLIENT_ID, &len);
		CHECK(v && len == 300 && v[299] == 7);
	}
	bb_dhcp_server_free(srv);
}

static void test_malformed(void)
{
	struct bb_dhcp_config c = config();
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c);
	struct tpkt p;
	size_t len;
	int before;

	tpkt_start(&p, BB_DHCPDISCOVER, MAC1, 0, 0, 0);
	len = tpkt_end(&p);
	before = (int)bb_dhcp_server_stats(srv)->malformed;
	{
		struct {
			const char *what;
			size_t off;
			uint8_t val;
			size_t len;
		} cases[] = {
		    {"truncated header", 0, 1, 100},
		    {"no cookie", 0, 1, 236},
		    {"bad cookie", 236, 0x64, 0},
		    {"hlen 17", 2, 17, 0},
		    {"not a request (op 2)", 0, 2, 0},
		    {"option past the end", 240 + 1, 200, 0},
		    {"53 of length 2", 240 + 1, 2, 0},
		};
		size_t i;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			uint8_t b[1500], out[1500];
			size_t l = cases[i].len ? cases[i].len : len;
			uint8_t *g;
			struct bb_dhcp_rx rx;

			memcpy(b, p.b, len);
			if (!cases[i].len)
				b[cases[i].off] = cases[i].val;
			g = bb_test_guard(b, l);
			rx = (struct bb_dhcp_rx){g, l, 0, 68, now};
			if (bb_dhcp_server_input(srv, &rx, out, sizeof(out),
						 &tx) != BB_EMALFORMED)
				fprintf(stderr, "  accepted: %s\n",
					cases[i].what);
			bb_test_unguard(g, l);
		}
		CHECK_EQ(bb_dhcp_server_stats(srv)->malformed, before + i);
	}
	{
		/* overload pointing at a file field full of garbage */
		uint8_t b[1500], out[1500];
		struct bb_dhcp_rx rx;

		tpkt_start(&p, BB_DHCPDISCOVER, MAC1, 0, 0, 0);
		bb_dhcp_put_u8(&p.w, BB_OPT_OVERLOAD, 1);
		len = tpkt_end(&p);
		memcpy(b, p.b, len);
		memset(b + 108, 0x33,
		       128); /* option 51 of length 0x33, again... */
		rx = (struct bb_dhcp_rx){b, len, 0, 68, now};
		CHECK_EQ(bb_dhcp_server_input(srv, &rx, out, sizeof(out), &tx),
			 BB_EMALFORMED);
		memset(b + 108, 0, 128);
		b[245] = 4; /* overload value 4 */
		CHECK_EQ(bb_dhcp_server_input(srv, &rx, out, sizeof(out), &tx),
			 BB_EMALFORMED);
	}
	{
		/* no option 53 at all: BOOTP, dropped */
		uint8_t out[1500];
		struct bb_dhcp_rx rx;

		tpkt_start(&p, BB_DHCPDISCOVER, MAC1, 0, 0, 0);
		p.w.len -= 3;
		len = tpkt_end(&p);
		rx = (struct bb_dhcp_rx){p.b, len, 0, 68, now};
		CHECK_EQ(bb_dhcp_server_input(srv, &rx, out, sizeof(out), &tx),
			 BB_EMALFORMED);
	}
	bb_dhcp_server_free(srv);
}

int main(void)
{
	RUN(test_dora);
	RUN(test_request_states);
	RUN(test_decline_release_inform);
	RUN(test_relay);
	RUN(test_reservations_known_only);
	RUN(test_standdown);
	RUN(test_boot_flows);
	RUN(test_expiry_and_exhaustion);
	RUN(test_journal_replay_and_torn_tails);
	RUN(test_max_size_and_long_options);
	RUN(test_malformed);
	return bb_test_done();
}
