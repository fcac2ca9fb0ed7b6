/* Building client packets and reading replies for the DHCP engine tests. */
#ifndef BB_TEST_DHCP_UTIL_H
#define BB_TEST_DHCP_UTIL_H

#include <string.h>

#include "common/wr.h"
#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_wire.h"

struct tpkt {
	uint8_t b[1500];
	struct bb_wr w;
};

static inline void tpkt_start(struct tpkt *p, uint8_t type,
			      const uint8_t mac[6], uint32_t ciaddr,
			      uint32_t giaddr, uint16_t flags)
{
	uint8_t ch[16] = {0};
	uint8_t zero[192] = {0};

	memcpy(ch, mac, 6);
	p->w = bb_wr_init(p->b, sizeof(p->b));
	bb_wr_u8(&p->w, 1);
	bb_wr_u8(&p->w, 1);
	bb_wr_u8(&p->w, 6);
	bb_wr_u8(&p->w, giaddr ? 1 : 0);
	bb_wr_u32be(&p->w, 0x12345678);
	bb_wr_u16be(&p->w, 0);
	bb_wr_u16be(&p->w, flags);
	bb_wr_u32be(&p->w, ciaddr);
	bb_wr_u32be(&p->w, 0);
	bb_wr_u32be(&p->w, 0);
	bb_wr_u32be(&p->w, giaddr);
	bb_wr_bytes(&p->w, ch, 16);
	bb_wr_bytes(&p->w, zero, 192);
	bb_wr_u32be(&p->w, BB_DHCP_COOKIE);
	bb_dhcp_put_u8(&p->w, BB_OPT_MSG_TYPE, type);
}

static inline size_t tpkt_end(struct tpkt *p)
{
	bb_wr_u8(&p->w, BB_OPT_END);
	return p->w.len;
}

#endif
