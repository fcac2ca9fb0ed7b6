/* DHCPv4 message codec (RFC 2131 header, RFC 2132 options). Parsing copies
 * every option's value into one buffer in the message struct, concatenating
 * the instances of a split option in RFC 3396 order (options field, then
 * file, then sname when option 52 overloads them), so getters always return
 * one contiguous (ptr, len). Typed getters demand the exact length. */
#ifndef BB_DHCP_WIRE_H
#define BB_DHCP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wr.h"

#define BB_DHCP_FIXED_LEN      236 /* op .. file */
#define BB_DHCP_COOKIE	       0x63825363u
#define BB_DHCP_MIN_LEN	       (BB_DHCP_FIXED_LEN + 4)
#define BB_DHCP_MAX_IN	       4096 /* larger datagrams are refused */
#define BB_DHCP_BOOTREQUEST    1
#define BB_DHCP_BOOTREPLY      2
#define BB_DHCP_FLAG_BROADCAST 0x8000

enum bb_dhcp_type {
	BB_DHCPDISCOVER = 1,
	BB_DHCPOFFER = 2,
	BB_DHCPREQUEST = 3,
	BB_DHCPDECLINE = 4,
	BB_DHCPACK = 5,
	BB_DHCPNAK = 6,
	BB_DHCPRELEASE = 7,
	BB_DHCPINFORM = 8,
};

enum bb_dhcp_opt {
	BB_OPT_PAD = 0,
	BB_OPT_SUBNET_MASK = 1,
	BB_OPT_ROUTER = 3,
	BB_OPT_DNS = 6,
	BB_OPT_HOSTNAME = 12,
	BB_OPT_DOMAIN = 15,
	BB_OPT_BROADCAST = 28,
	BB_OPT_NTP = 42,
	BB_OPT_VENDOR_OPTS = 43,
	BB_OPT_REQUESTED_IP = 50,
	BB_OPT_LEASE_TIME = 51,
	BB_OPT_OVERLOAD = 52,
	BB_OPT_MSG_TYPE = 53,
	BB_OPT_SERVER_ID = 54,
	BB_OPT_PRL = 55,
	BB_OPT_MESSAGE = 56,
	BB_OPT_MAX_SIZE = 57,
	BB_OPT_T1 = 58,
	BB_OPT_T2 = 59,
	BB_OPT_VENDOR_CLASS = 60,
	BB_OPT_CLIENT_ID = 61,
	BB_OPT_TFTP_SERVER = 66,
	BB_OPT_BOOTFILE = 67,
	BB_OPT_USER_CLASS = 77,
	BB_OPT_RELAY_INFO = 82,
	BB_OPT_CLIENT_ARCH = 93,
	BB_OPT_IPXE = 175,
	BB_OPT_END = 255,
};

struct bb_dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr; /* host byte order */
	uint8_t chaddr[16];
	uint8_t msg_type; /* option 53, 0 when absent */
	/* option values, concatenated per code */
	uint16_t off[256];
	uint16_t len[256];
	uint8_t has[32]; /* bitmap of present codes */
	uint8_t data[BB_DHCP_MAX_IN];
	size_t data_len;
};

/* 0, or BB_EMALFORMED: shorter than the fixed part, wrong cookie, hlen > 16,
 * an option running past its area, a bad overload value, an option 53 that
 * is not exactly one byte. Never reads outside pkt[0..len). */
int bb_dhcp_parse(const uint8_t *pkt, size_t len, struct bb_dhcp_msg *m);

static inline bool bb_dhcp_has(const struct bb_dhcp_msg *m, uint8_t code)
{
	return m->has[code >> 3] & (1u << (code & 7));
}

/* The value of code and its length, or NULL when absent. */
const uint8_t *bb_dhcp_get(const struct bb_dhcp_msg *m, uint8_t code,
			   size_t *len);
/* 0, BB_ENOENT (absent) or BB_EMALFORMED (not exactly the size). */
int bb_dhcp_get_u8(const struct bb_dhcp_msg *m, uint8_t code, uint8_t *v);
int bb_dhcp_get_u16(const struct bb_dhcp_msg *m, uint8_t code, uint16_t *v);
int bb_dhcp_get_u32(const struct bb_dhcp_msg *m, uint8_t code, uint32_t *v);

/* Builder: the fixed header copied from req with op = BOOTREPLY, then the
 * cookie. Options follow with bb_dhcp_put_*; bb_dhcp_finish adds END and
 * pads to 300 bytes (the BOOTP minimum some clients insist on). */
void bb_dhcp_put_header(struct bb_wr *w, const struct bb_dhcp_msg *req,
			uint32_t yiaddr, uint32_t siaddr, const char *file);
/* Splits values over 255 bytes into several instances (RFC 3396). */
void bb_dhcp_put(struct bb_wr *w, uint8_t code, const void *val, size_t len);
void bb_dhcp_put_u8(struct bb_wr *w, uint8_t code, uint8_t v);
void bb_dhcp_put_u32(struct bb_wr *w, uint8_t code, uint32_t v);
void bb_dhcp_put_ips(struct bb_wr *w, uint8_t code, const uint32_t *ips,
		     size_t n);
void bb_dhcp_put_str(struct bb_wr *w, uint8_t code, const char *s);
int bb_dhcp_finish(struct bb_wr *w);

#endif
