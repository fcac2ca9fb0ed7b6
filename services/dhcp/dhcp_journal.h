/* Lease journal records: self-delimiting, versioned and checksummed, so a
 * replay stops exactly at the first torn or damaged record.
 *   "BL" | version 1 | length of payload (u16) | payload | crc32 (u32)
 *   payload: ip u32 | mac[6] | state u8 | expires i64 | updated i64 |
 *            cid_len u8 | cid | hostname_len u8 | hostname
 * All integers big-endian; the CRC (IEEE) covers header and payload. */
#ifndef BB_DHCP_JOURNAL_H
#define BB_DHCP_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_server.h"

/* Decodes one record at buf. Returns its size (> 0), BB_EPARTIAL when buf
 * holds only part of one, or BB_EMALFORMED. */
long bb_dhcp_journal_decode(const uint8_t *buf, size_t len,
			    struct bb_dhcp_lease *out);

uint32_t bb_crc32(const uint8_t *p, size_t n);

#endif
