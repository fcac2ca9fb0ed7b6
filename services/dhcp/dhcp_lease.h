/* The in-memory lease table of the DHCP engine: one record per address ever
 * used, found by address and by client identity in O(1) with
 * open-addressing maps. The identity is the hardware address, or with
 * by_cid option 61 when the client sends it (RFC 6842, kea's
 * match-client-id). Records are never removed, only reused, so the maps
 * need no deletion; a client map entry that points at a record another
 * client has taken is skipped on lookup and dropped at the next rehash,
 * which sizes the map to the records, not to every client ever seen. */
#ifndef BB_DHCP_LEASE_H
#define BB_DHCP_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_server.h"

struct bb_lease_rec {
	struct bb_dhcp_lease l;
	int64_t offer_until; /* an OFFER holds the address until then */
	uint32_t chash;	     /* hash of the owner's identity */
};

struct bb_client_key {
	const uint8_t *mac;
	const uint8_t *cid;
	size_t cid_len;
};

struct bb_lease_table {
	struct bb_lease_rec *v;
	size_t n, cap;
	/* open addressing; a slot is key << 32 | (record index + 1), 0 empty:
	 * the key in the slot spares a cache miss on the record per probe */
	uint64_t *ipmap; /* key: the address */
	size_t ipcap;
	uint64_t *cmap; /* key: the record's chash */
	size_t ccap, cused;
	bool by_cid;
};

void bb_lease_table_free(struct bb_lease_table *t);

struct bb_lease_rec *bb_lease_by_ip(const struct bb_lease_table *t,
				    uint32_t ip);
/* The client's most recent record, or NULL. */
struct bb_lease_rec *bb_lease_by_client(const struct bb_lease_table *t,
					const struct bb_client_key *k);
/* The record for ip, created (FREE, no owner) when new. NULL: no memory. */
struct bb_lease_rec *bb_lease_get(struct bb_lease_table *t, uint32_t ip);
/* Makes k the owner of r and, when r->l.updated is the client's latest,
 * its current record. k->cid_len must be at most 64. 0 or BB_ENOMEM. */
int bb_lease_set_owner(struct bb_lease_table *t, struct bb_lease_rec *r,
		       const struct bb_client_key *k);

/* Switches the identity rule and rehashes the client map. 0 or BB_ENOMEM
 * (the old rule stays). */
int bb_lease_set_by_cid(struct bb_lease_table *t, bool by_cid);

bool bb_lease_owned_by(const struct bb_lease_table *t,
		       const struct bb_lease_rec *r,
		       const struct bb_client_key *k);
/* Bound or declined, and not expired at now. */
bool bb_lease_active(const struct bb_lease_rec *r, int64_t now);

#endif
