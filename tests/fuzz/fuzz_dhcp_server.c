/* The DHCP server's input path: the fuzz input is split into packets (two
 * length bytes each) fed with an advancing clock to one server, whose lease
 * table then replays the journal records it produced and the raw input. The
 * last input byte picks the mode (match_client_id, known_only, rate limit)
 * and a packet after which the server is reconfigured to the other identity
 * rule. Checked on every packet: no silent path (no reply means a reason or
 * a journal record), and no unicast to a client address outside our
 * subnets (INFORM reflection). Every reply then goes through the batch the
 * board sends (services/dhcp/dhcp_batch.c), its link address installed or
 * not as the packet's length says: every reply finds a destination, a
 * unicast only to one of our hosts or to the relay's server port, a
 * broadcast only to the client port. */
#include <stdint.h>
#include <stddef.h>

#include "common/err.h"
#include "dhcp/dhcp_batch.h"
#include "dhcp/dhcp_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct bb_dhcp_pool pools[] = {{0xc0a80264, 0xc0a80266}};
static const struct bb_dhcp_pool pools2[] = {{0x0a090010, 0x0a090011}};
static const uint32_t dns[] = {0xc0a80202};
static const struct bb_dhcp_option sub_opts[] = {
    {7, false, 4, {0xc0, 0xa8, 2, 2}},
    {224, true, 255, {0}},
};
static const struct bb_dhcp_option host_opts[] = {{7, false, 1, {1}}};
static const struct bb_dhcp_subnet subs[] = {
    {0xc0a80200, 24, pools, 1, 0xc0a80201, dns, 1, dns, 1, "lan", 0,
     BB_STANDDOWN_NONE, sub_opts, 2},
    {0x0a090000, 24, pools2, 1, 0, NULL, 0, NULL, 0, NULL, 60,
     BB_STANDDOWN_RENEWALS, NULL, 0},
};
static const struct bb_dhcp_host hosts[] = {
    {{0x52, 0x54, 0, 0x12, 0x34, 0x56},
     0xc0a80265,
     "management",
     "x",
     host_opts,
     1},
    {{0x52, 0x54, 0, 0xbe, 0xef, 0x07}, 0xc0a80207, "uefi1", NULL, NULL, 0},
};

static bool ours(uint32_t ip)
{
	return (ip & 0xffffff00u) == 0xc0a80200u ||
	       (ip & 0xffffff00u) == 0x0a090000u;
}

static void check(const struct bb_dhcp_tx *tx, int n)
{
	if (n > 1500)
		__builtin_trap();
	if (n == 0 && !tx->ignore && !tx->journal_len)
		__builtin_trap(); /* a silent path */
	if (n > 0 && tx->ignore)
		__builtin_trap();
	if (n > 0 && tx->dest == BB_DHCP_TX_UNICAST && tx->dst_port == 68 &&
	    !ours(tx->dst_ip))
		__builtin_trap(); /* reflected at an address not ours */
}

static void send_one(struct bb_dhcp_batch *b, const struct bb_dhcp_tx *tx,
		     bool link_ok, const uint8_t *pkt, size_t len)
{
	const struct bb_dhcp_dgram *d;
	int rc = bb_dhcp_batch_add(b, tx, link_ok, pkt, len);

	if (rc == BB_ENOSPC) {
		bb_dhcp_batch_clear(b);
		rc = bb_dhcp_batch_add(b, tx, link_ok, pkt, len);
	}
	if (rc)
		__builtin_trap(); /* a reply with nowhere to go */
	d = &b->d[b->n - 1];
	if (d->pkt != pkt || d->len != len || !d->ip || !d->port)
		__builtin_trap();
	if (d->ip == 0xffffffffu
		? d->port != 68
		: d->ip != tx->dst_ip || (d->port == 68 && !ours(d->ip)) ||
		      (d->port != 68 && d->port != 67))
		__builtin_trap();
	if (tx->dest == BB_DHCP_TX_UNICAST_HW && !link_ok &&
	    d->ip != 0xffffffffu)
		__builtin_trap(); /* unicast without a neighbour entry */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t mode = size ? data[size - 1] : 0;
	struct bb_dhcp_config c = {
	    .server_id = 0xc0a80202,
	    .lease_time = 120,
	    .decline_time = 30,
	    .offer_time = 5,
	    .subnets = subs,
	    .nsubnets = 2,
	    .hosts = hosts,
	    .nhosts = 2,
	    .match_client_id = mode & 1,
	    .known_only = (mode & 2) != 0,
	    .rate_limit = mode & 4 ? 3 : 0,
	    .boot = {0xc0a80202, "undionly.kpxe", "ipxe.efi", "snponly.efi",
		     "http://192.168.2.2:8080"},
	};
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c), *b;
	static struct bb_dhcp_batch batch;
	static uint8_t journal[1 << 16];
	size_t jl = 0, off = 0, good, pkt = 0;
	int64_t now = 1000;

	if (!srv)
		return 0;
	bb_dhcp_batch_clear(&batch);
	while (size - off >= 2) {
		size_t n = (size_t)data[off] << 8 | data[off + 1];
		uint8_t out[1500];
		struct bb_dhcp_tx tx;
		struct bb_dhcp_rx rx;
		int r;

		off += 2;
		if (n > size - off)
			n = size - off;
		rx = (struct bb_dhcp_rx){data + off, n, 0, 68, now};
		r = bb_dhcp_server_input(srv, &rx, out, sizeof(out), &tx);
		if (r >= 0)
			check(&tx, r);
		if (r > 0)
			send_one(&batch, &tx, n & 1, out, (size_t)r);
		if (tx.journal_len && jl + tx.journal_len <= sizeof(journal)) {
			for (size_t i = 0; i < tx.journal_len; i++)
				journal[jl + i] = tx.journal[i];
			jl += tx.journal_len;
		}
		off += n;
		now += n % 97;
		if (++pkt == (size_t)(mode >> 4)) {
			c.match_client_id = !c.match_client_id;
			if (bb_dhcp_server_reconfigure(srv, &c))
				__builtin_trap();
		}
	}
	b = bb_dhcp_server_new(&c);
	if (b) {
		if (bb_dhcp_server_replay(b, journal, jl, &good) < 0 ||
		    good != jl)
			__builtin_trap(); /* our own records always replay */
		bb_dhcp_server_replay(b, data, size, &good);
		bb_dhcp_server_free(b);
	}
	bb_dhcp_server_free(srv);
	return 0;
}
