#include <string.h>

#include "common/err.h"
#include "common/rd.h"
#include "common/wr.h"
#include "dhcp/crc32_table.h"
#include "dhcp/dhcp_journal.h"

/* Slicing by four: a replay of 100,000 records spends its time here. */
uint32_t bb_crc32(const uint8_t *p, size_t n)
{
	const uint32_t(*T)[256] = bb_crc32_table;
	uint32_t c = 0xffffffffu;

	for (; n >= 4; n -= 4, p += 4) {
		c ^= (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		c = T[3][c & 0xff] ^ T[2][(c >> 8) & 0xff] ^
		    T[1][(c >> 16) & 0xff] ^ T[0][c >> 24];
	}
	while (n--)
		c = (c >> 8) ^ T[0][(c ^ *p++) & 0xff];
	return ~c;
}

static void wr_i64(struct bb_wr *w, int64_t v)
{
	bb_wr_u32be(w, (uint32_t)((uint64_t)v >> 32));
	bb_wr_u32be(w, (uint32_t)v);
}

int bb_dhcp_journal_encode(const struct bb_dhcp_lease *l, uint8_t *buf,
			   size_t cap)
{
	struct bb_wr w = bb_wr_init(buf, cap);
	size_t hlen = strnlen(l->hostname, sizeof(l->hostname) - 1);
	size_t cid = l->client_id_len > 64 ? 64 : l->client_id_len;
	size_t payload = 4 + 6 + 1 + 8 + 8 + 1 + cid + 1 + hlen;

	bb_wr_bytes(&w, "BL", 2);
	bb_wr_u8(&w, 1);
	bb_wr_u16be(&w, (uint16_t)payload);
	bb_wr_u32be(&w, l->ip);
	bb_wr_bytes(&w, l->mac, 6);
	bb_wr_u8(&w, l->state);
	wr_i64(&w, l->expires);
	wr_i64(&w, l->updated);
	bb_wr_u8(&w, (uint8_t)cid);
	bb_wr_bytes(&w, l->client_id, cid);
	bb_wr_u8(&w, (uint8_t)hlen);
	bb_wr_bytes(&w, l->hostname, hlen);
	if (!w.err)
		bb_wr_u32be(&w, bb_crc32(buf, w.len));
	return bb_wr_result(&w);
}

static int64_t rd_i64(struct bb_rd *r)
{
	uint64_t hi = bb_rd_u32be(r);

	return (int64_t)(hi << 32 | bb_rd_u32be(r));
}

long bb_dhcp_journal_decode(const uint8_t *buf, size_t len,
			    struct bb_dhcp_lease *l)
{
	struct bb_rd r = bb_rd_init(buf, len), p;
	const uint8_t *payload, *crc;
	uint16_t plen;
	size_t n;

	if (len < 5)
		return len && (buf[0] != 'B' || (len > 1 && buf[1] != 'L'))
			   ? BB_EMALFORMED
			   : BB_EPARTIAL;
	if (buf[0] != 'B' || buf[1] != 'L' || buf[2] != 1)
		return BB_EMALFORMED;
	bb_rd_bytes(&r, 3);
	plen = bb_rd_u16be(&r);
	payload = bb_rd_bytes(&r, plen);
	crc = bb_rd_bytes(&r, 4);
	if (!payload || !crc)
		return BB_EPARTIAL;
	if (bb_crc32(buf, 5 + (size_t)plen) !=
	    ((uint32_t)crc[0] << 24 | (uint32_t)crc[1] << 16 |
	     (uint32_t)crc[2] << 8 | crc[3]))
		return BB_EMALFORMED;
	memset(l, 0, sizeof(*l));
	p = bb_rd_init(payload, plen);
	l->ip = bb_rd_u32be(&p);
	bb_rd_copy(&p, l->mac, 6);
	l->state = bb_rd_u8(&p);
	l->expires = rd_i64(&p);
	l->updated = rd_i64(&p);
	l->client_id_len = bb_rd_u8(&p);
	if (l->client_id_len > 64)
		return BB_EMALFORMED;
	bb_rd_copy(&p, l->client_id, l->client_id_len);
	n = bb_rd_u8(&p);
	if (n >= sizeof(l->hostname))
		return BB_EMALFORMED;
	bb_rd_copy(&p, l->hostname, n);
	if (p.err || bb_rd_left(&p) || l->state > BB_LEASE_DECLINED ||
	    memchr(l->hostname, 0, n))
		return BB_EMALFORMED;
	return (long)(5 + plen + 4);
}
