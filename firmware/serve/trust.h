/* Who may see or change what, decided without I/O (the callers look up
 * reservations and leases): the owner of a per-machine file, a machine's
 * own address, the API token. */
#ifndef BB_TRUST_H
#define BB_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bb_boot;
struct bb_boot_machine;

/* The inventory machine a file under /assets/ belongs to: the one whose
 * whole name is the file's base name, or the base name cut at one of its
 * dots ("cp1.ring0.yaml" belongs to "cp1.ring0", else to "cp1"); the
 * longest such name wins, so "cp1" never gets "cp1.ring0"'s file. NULL: not
 * a per-machine file. */
struct bb_boot_machine *bb_trust_file_owner(struct bb_boot *b,
					    const char *path);

/* Is client m's own address: its reservation, or the address DHCP bound to
 * its MAC (lease_ip: that lease's address, 0 when it has none)? Where its
 * requests came from before (last_ip) proves nothing. */
bool bb_trust_is_own_addr(const struct bb_boot_machine *m, uint32_t client,
			  uint32_t lease_ip);

/* The serve-side lookup for bb_trust_is_own_addr: client when DHCP holds a
 * live lease bound to mac at that address, else 0. */
struct bb_serve;
uint32_t bb_trust_bound_at(struct bb_serve *s, const uint8_t mac[6],
			   uint32_t client);
/* m itself asks from client (reservation or its DHCP-bound lease). */
bool bb_trust_from_machine(struct bb_serve *s, const struct bb_boot_machine *m,
			   uint32_t client);
/* The inventory machine whose own address client is, or NULL. */
struct bb_boot_machine *bb_trust_machine_at(struct bb_serve *s,
					    uint32_t client);

/* Does an Authorization header value carry "Bearer <token>"? Compared in
 * constant time; an empty token matches nothing. */
bool bb_trust_bearer_ok(const char *hdr, size_t len, const char *token);

#endif
