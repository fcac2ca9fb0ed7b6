#include <string.h>

#include "dhcp/dhcp_ratelimit.h"

static uint32_t slot_of(const uint8_t mac[6])
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	return (h ^ h >> 15) % BB_DHCP_RL_SLOTS;
}

bool bb_dhcp_rl_take(struct bb_dhcp_rl *rl, const uint8_t mac[6], int64_t now,
		     uint32_t limit)
{
	struct bb_dhcp_rl_slot *s = &rl->s[slot_of(mac)];

	if (!limit)
		return true;
	if (memcmp(s->mac, mac, 6) || s->sec != now) {
		memcpy(s->mac, mac, 6);
		s->sec = now;
		s->count = 0;
	}
	if (s->count >= limit)
		return false;
	s->count++;
	return true;
}
