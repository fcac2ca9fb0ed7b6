/* Indexes over the boot tables, so a request costs the same with 10,000
 * machines as with ten: machines by MAC, and groups by one pair of their
 * selector (a group can only match a request that has every pair of its
 * selector, so it is among the groups filed under one of the request's
 * pairs, or among those with no selector at all). Slots hold index + 1,
 * 0 is empty; both tables grow at half full. Internal to services/boot. */
#ifndef BB_BOOT_INDEX_H
#define BB_BOOT_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"

/* Files machine i (its MAC set) / group i. 0 or BB_ENOMEM. */
int bb_boot_index_machine(struct bb_boot *b, size_t i);
int bb_boot_index_group(struct bb_boot *b, size_t i);

struct bb_boot_machine *bb_boot_index_mac(const struct bb_boot *b,
					  const uint8_t mac[6]);

/* Calls fn for every group that may match p (each once, any order). */
void bb_boot_index_candidates(
    const struct bb_boot *b, const struct bb_boot_params *p,
    void (*fn)(const struct bb_boot_group *g, void *arg), void *arg);

void bb_boot_index_free(struct bb_boot *b);

#endif
