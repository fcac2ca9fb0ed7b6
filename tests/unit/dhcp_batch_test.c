/* Where a DHCP reply leaves to (services/dhcp/dhcp_batch.c): each kind of
 * destination, each refused one, the fallback to broadcast, and a batch
 * that fills up. */
#include "common/err.h"
#include "dhcp/dhcp_batch.h"
#include "tests/unit/test.h"

#define IP(a, b, c, d)                                                         \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct bb_dhcp_tx mk(enum bb_dhcp_dest dest, uint32_t ip, uint16_t port)
{
	struct bb_dhcp_tx tx = {.dest = dest, .dst_ip = ip, .dst_port = port};

	return tx;
}

/* resolve as "a.b.c.d:port" packed into one number, -1 when refused */
static long long where(struct bb_dhcp_tx tx, bool link_ok)
{
	uint32_t ip = 1;
	uint16_t port = 1;

	if (bb_dhcp_dest_resolve(&tx, link_ok, &ip, &port))
		return -1;
	return (long long)ip << 16 | port;
}

#define AT(ip, port) ((long long)(ip) << 16 | (port))

static void test_destinations(void)
{
	/* relay: its giaddr, server port */
	CHECK_EQ(where(mk(BB_DHCP_TX_UNICAST, IP(10, 9, 0, 1), 67), false),
		 AT(IP(10, 9, 0, 1), 67));
	/* a renewing client at its ciaddr */
	CHECK_EQ(where(mk(BB_DHCP_TX_UNICAST, IP(192, 168, 2, 77), 68), false),
		 AT(IP(192, 168, 2, 77), 68));
	/* a client without an address, its link address installed */
	CHECK_EQ(
	    where(mk(BB_DHCP_TX_UNICAST_HW, IP(192, 168, 2, 100), 68), true),
	    AT(IP(192, 168, 2, 100), 68));
	CHECK(bb_dhcp_dest_needs_link(&(struct bb_dhcp_tx){
	    .dest = BB_DHCP_TX_UNICAST_HW, .dst_ip = IP(192, 168, 2, 100)}));
	CHECK(!bb_dhcp_dest_needs_link(&(struct bb_dhcp_tx){
	    .dest = BB_DHCP_TX_UNICAST, .dst_ip = IP(192, 168, 2, 100)}));
	CHECK_EQ(where(mk(BB_DHCP_TX_BROADCAST, 0xffffffffu, 68), false),
		 AT(0xffffffffu, 68));
}

static void test_fallback_to_broadcast(void)
{
	/* the neighbour entry could not be made: a broadcast reaches it */
	CHECK_EQ(
	    where(mk(BB_DHCP_TX_UNICAST_HW, IP(192, 168, 2, 100), 68), false),
	    AT(0xffffffffu, 68));
	/* no address to install: broadcast, nothing to install */
	CHECK(!bb_dhcp_dest_needs_link(
	    &(struct bb_dhcp_tx){.dest = BB_DHCP_TX_UNICAST_HW}));
	CHECK_EQ(where(mk(BB_DHCP_TX_UNICAST_HW, 0, 68), true),
		 AT(0xffffffffu, 68));
	CHECK_EQ(where(mk(BB_DHCP_TX_UNICAST_HW, 0xffffffffu, 68), true),
		 AT(0xffffffffu, 68));
	/* a broadcast goes to the client port whatever the tx says */
	CHECK_EQ(where(mk(BB_DHCP_TX_BROADCAST, IP(1, 2, 3, 4), 67), false),
		 AT(0xffffffffu, 68));
}

static void test_refused(void)
{
	CHECK_EQ(where(mk(BB_DHCP_TX_NONE, IP(10, 0, 0, 1), 68), true), -1);
	CHECK_EQ(where(mk((enum bb_dhcp_dest)9, IP(10, 0, 0, 1), 68), true),
		 -1);
	CHECK_EQ(where(mk(BB_DHCP_TX_UNICAST, 0, 68), true), -1);
	CHECK_EQ(where(mk(BB_DHCP_TX_UNICAST, 0xffffffffu, 68), true), -1);
	CHECK_EQ(where(mk(BB_DHCP_TX_UNICAST, IP(10, 0, 0, 1), 0), true), -1);
	CHECK_EQ(where(mk(BB_DHCP_TX_UNICAST_HW, IP(10, 0, 0, 1), 0), true),
		 -1);
}

static void test_batch(void)
{
	static struct bb_dhcp_batch b;
	struct bb_dhcp_tx tx = mk(BB_DHCP_TX_UNICAST, IP(10, 9, 0, 1), 67);
	static uint8_t pkt[BB_DHCP_MAX_PKT + 1];
	unsigned i;

	bb_dhcp_batch_clear(&b);
	CHECK_EQ(bb_dhcp_batch_add(&b, &tx, false, pkt, 0), BB_EINVAL);
	CHECK_EQ(bb_dhcp_batch_add(&b, &tx, false, pkt, sizeof(pkt)),
		 BB_EINVAL);
	tx.dest = BB_DHCP_TX_NONE;
	CHECK_EQ(bb_dhcp_batch_add(&b, &tx, false, pkt, 300), BB_EINVAL);
	CHECK_EQ(b.n, 0);
	tx.dest = BB_DHCP_TX_UNICAST;
	for (i = 0; i < BB_DHCP_BATCH; i++)
		CHECK_EQ(bb_dhcp_batch_add(&b, &tx, false, pkt + i, 300 + i),
			 0);
	CHECK_EQ(bb_dhcp_batch_add(&b, &tx, false, pkt, 300), BB_ENOSPC);
	CHECK_EQ(b.n, BB_DHCP_BATCH);
	CHECK(b.d[5].pkt == pkt + 5 && b.d[5].len == 305);
	CHECK_EQ(b.d[5].ip, IP(10, 9, 0, 1));
	CHECK_EQ(b.d[5].port, 67);
	bb_dhcp_batch_clear(&b);
	CHECK_EQ(bb_dhcp_batch_add(&b, &tx, false, pkt, BB_DHCP_MAX_PKT), 0);
	CHECK_EQ(b.n, 1);
}

int main(void)
{
	RUN(test_destinations);
	RUN(test_fallback_to_broadcast);
	RUN(test_refused);
	RUN(test_batch);
	return bb_test_done();
}
