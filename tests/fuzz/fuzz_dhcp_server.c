/* The DHCP server's input path: the fuzz input is split into packets (two
 * length bytes each) fed with an advancing clock to one server, whose lease
 * table then replays the journal records it produced and the raw input. */
#include <stdint.h>
#include <stddef.h>

#include "dhcp/dhcp_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct bb_dhcp_pool pools[] = { { 0xc0a80264, 0xc0a80266 } };
static const struct bb_dhcp_pool pools2[] = { { 0x0a090010, 0x0a090011 } };
static const uint32_t dns[] = { 0xc0a80202 };
static const struct bb_dhcp_option sub_opts[] = {
	{ 7, false, 4, { 0xc0, 0xa8, 2, 2 } },
	{ 224, true, 255, { 0 } },
};
static const struct bb_dhcp_option host_opts[] = { { 7, false, 1, { 1 } } };
static const struct bb_dhcp_subnet subs[] = {
	{ 0xc0a80200, 24, pools, 1, 0xc0a80201, dns, 1, dns, 1, "lan", 0, BB_STANDDOWN_NONE, sub_opts, 2 },
	{ 0x0a090000, 24, pools2, 1, 0, NULL, 0, NULL, 0, NULL, 60, BB_STANDDOWN_RENEWALS, NULL, 0 },
};
static const struct bb_dhcp_host hosts[] = {
	{ { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, 0xc0a80265, "management", "x", host_opts, 1 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_dhcp_config c = {
		.server_id = 0xc0a80202, .lease_time = 120, .decline_time = 30,
		.offer_time = 5, .subnets = subs, .nsubnets = 2,
		.hosts = hosts, .nhosts = 1,
		.boot = { 0xc0a80202, "undionly.kpxe", "ipxe.efi", "snponly.efi",
			  "http://192.168.2.2:8080" },
	};
	struct bb_dhcp_server *srv = bb_dhcp_server_new(&c), *b;
	static uint8_t journal[1 << 16];
	size_t jl = 0, off = 0, good;
	int64_t now = 1000;

	if (!srv)
		return 0;
	while (size - off >= 2) {
		size_t n = (size_t)data[off] << 8 | data[off + 1];
		uint8_t out[1500];
		struct bb_dhcp_tx tx;
		struct bb_dhcp_rx rx;

		off += 2;
		if (n > size - off)
			n = size - off;
		rx = (struct bb_dhcp_rx){ data + off, n, 0, 68, now };
		if (bb_dhcp_server_input(srv, &rx, out, sizeof(out), &tx) > 1500)
			__builtin_trap();
		if (tx.journal_len && jl + tx.journal_len <= sizeof(journal)) {
			for (size_t i = 0; i < tx.journal_len; i++)
				journal[jl + i] = tx.journal[i];
			jl += tx.journal_len;
		}
		off += n;
		now += n % 97;
	}
	b = bb_dhcp_server_new(&c);
	if (b) {
		if (bb_dhcp_server_replay(b, journal, jl, &good) < 0 || good != jl)
			__builtin_trap(); /* our own records always replay */
		bb_dhcp_server_replay(b, data, size, &good);
		bb_dhcp_server_free(b);
	}
	bb_dhcp_server_free(srv);
	return 0;
}
