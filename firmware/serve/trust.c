#include <string.h>
#include <strings.h>

#include "board/board.h"
#include "boot/boot.h"
#include "dhcp/dhcp_server.h"
#include "firmware/serve/serve.h"
#include "firmware/serve/trust.h"

struct bb_boot_machine *bb_trust_file_owner(struct bb_boot *b, const char *path)
{
	const char *base = strrchr(path, '/');
	struct bb_boot_machine *best = NULL;
	size_t i, n, bestn = 0;

	base = base ? base + 1 : path;
	for (i = 0; i < b->nmachines; i++) {
		struct bb_boot_machine *m = &b->machines[i];

		if (!m->inventory)
			continue;
		n = strlen(m->name);
		if (!n || strncmp(base, m->name, n) ||
		    (base[n] != 0 && base[n] != '.') || n <= bestn)
			continue;
		best = m;
		bestn = n;
	}
	return best;
}

bool bb_trust_is_own_addr(const struct bb_boot_machine *m, uint32_t client,
			  uint32_t lease_ip)
{
	return client && ((m->ip && m->ip == client) || lease_ip == client);
}

bool bb_trust_bearer_ok(const char *hdr, size_t len, const char *token)
{
	size_t n = strlen(token), i;
	unsigned char diff = 0;

	if (!hdr || !n || len < 7 || strncasecmp(hdr, "Bearer ", 7))
		return false;
	hdr += 7;
	len -= 7;
	while (len && *hdr == ' ') {
		hdr++;
		len--;
	}
	while (len && (hdr[len - 1] == ' ' || hdr[len - 1] == '\t'))
		len--;
	if (len != n)
		return false;
	for (i = 0; i < n; i++)
		diff |= (unsigned char)(hdr[i] ^ token[i]);
	return diff == 0;
}

uint32_t bb_trust_bound_at(struct bb_serve *s, const uint8_t mac[6],
			   uint32_t client)
{
	struct bb_dhcp_lease lease;
	const struct bb_dhcp_lease *l =
	    client && bb_serve_dhcp_lease(s, client, &lease) ? &lease : NULL;

	if (!l || l->state != BB_LEASE_BOUND || memcmp(l->mac, mac, 6) ||
	    l->expires <= bb_board_wall_now())
		return 0;
	return client;
}

bool bb_trust_from_machine(struct bb_serve *s, const struct bb_boot_machine *m,
			   uint32_t client)
{
	return bb_trust_is_own_addr(m, client,
				    bb_trust_bound_at(s, m->mac, client));
}

struct bb_boot_machine *bb_trust_machine_at(struct bb_serve *s, uint32_t client)
{
	size_t i;

	for (i = 0; s->boot && i < s->boot->nmachines; i++)
		if (bb_trust_from_machine(s, &s->boot->machines[i], client))
			return &s->boot->machines[i];
	return NULL;
}
