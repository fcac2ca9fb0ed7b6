/* Per-chaddr rate limit on the messages that make the engine hold or
 * quarantine an address (DISCOVER, DECLINE): a fixed one-second window per
 * hardware address, in a fixed table, so a flood of random chaddrs costs
 * no memory (a colliding address takes the slot over). */
#ifndef BB_DHCP_RATELIMIT_H
#define BB_DHCP_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define BB_DHCP_RL_SLOTS 4096

struct bb_dhcp_rl_slot {
	uint8_t mac[6];
	uint16_t count;
	int64_t sec;
};

struct bb_dhcp_rl {
	struct bb_dhcp_rl_slot s[BB_DHCP_RL_SLOTS];
};

/* Counts one message of mac at now (seconds); false when it is over limit
 * messages in this second. limit 0: always true. */
bool bb_dhcp_rl_take(struct bb_dhcp_rl *rl, const uint8_t mac[6], int64_t now,
		     uint32_t limit);

#endif
