/* The reply datagram: header, the options a client asked for, boot
 * options for its firmware, option 61 and the relay's option 82 echoed. */
#include <string.h>

#include "common/parse.h"
#include "common/wr.h"
#include "dhcp/dhcp_reply.h"
#include "dhcp/dhcp_wire.h"

/* RFC 2132 9.8: send what the client asked for; without a list, all. */
static bool wanted(const struct bb_dhcp_msg *m, uint8_t code)
{
	size_t len, i;
	const uint8_t *prl = bb_dhcp_get(m, BB_OPT_PRL, &len);

	if (!prl)
		return true;
	for (i = 0; i < len; i++)
		if (prl[i] == code)
			return true;
	return false;
}

static bool has_code(const struct bb_dhcp_option *o, size_t n, uint8_t code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (o[i].code == code)
			return true;
	return false;
}

/* The machine's own options, then the subnet's that it does not override. */
static void put_operator_opts(struct bb_wr *w, const struct bb_dhcp_msg *m,
			      const struct bb_dhcp_reply *r)
{
	const struct bb_dhcp_option *ho = r->host ? r->host->options : NULL;
	size_t hn = r->host ? r->host->noptions : 0, i;

	for (i = 0; i < hn; i++)
		if (ho[i].always_send || wanted(m, ho[i].code))
			bb_dhcp_put(w, ho[i].code, ho[i].data, ho[i].len);
	for (i = 0; i < r->sub->noptions; i++) {
		const struct bb_dhcp_option *o = &r->sub->options[i];

		if ((o->always_send || wanted(m, o->code)) &&
		    !has_code(ho, hn, o->code))
			bb_dhcp_put(w, o->code, o->data, o->len);
	}
}

static void put_config_opts(struct bb_wr *w, const struct bb_dhcp_msg *m,
			    const struct bb_dhcp_reply *r)
{
	const struct bb_dhcp_subnet *s = r->sub;
	const char *domain =
	    r->host && r->host->domain ? r->host->domain : s->domain;
	uint32_t mask = bb_prefix_mask(s->prefix);

	bb_dhcp_put_u32(w, BB_OPT_SUBNET_MASK, mask);
	if (s->router && wanted(m, BB_OPT_ROUTER))
		bb_dhcp_put_u32(w, BB_OPT_ROUTER, s->router);
	if (s->ndns && wanted(m, BB_OPT_DNS))
		bb_dhcp_put_ips(w, BB_OPT_DNS, s->dns, s->ndns);
	/* a reserved machine always learns its name: iPXE's ${hostname}
	 * selects its profile, whether or not it asked */
	if (r->host && r->host->hostname)
		bb_dhcp_put_str(w, BB_OPT_HOSTNAME, r->host->hostname);
	if (domain && (wanted(m, BB_OPT_DOMAIN) || r->host))
		bb_dhcp_put_str(w, BB_OPT_DOMAIN, domain);
	if (wanted(m, BB_OPT_BROADCAST))
		bb_dhcp_put_u32(w, BB_OPT_BROADCAST, s->net | ~mask);
	if (s->nntp && wanted(m, BB_OPT_NTP))
		bb_dhcp_put_ips(w, BB_OPT_NTP, s->ntp, s->nntp);
	put_operator_opts(w, m, r);
}

static void put_boot_opts(struct bb_wr *w, const struct bb_dhcp_config *cfg,
			  const struct bb_dhcp_reply *r)
{
	char ip[16];

	if (r->boot.vendor_http)
		bb_dhcp_put_str(w, BB_OPT_VENDOR_CLASS, "HTTPClient");
	else if (r->boot.vendor_pxe)
		bb_dhcp_put_str(w, BB_OPT_VENDOR_CLASS, "PXEClient");
	/* PXE spec 2.1: discovery control 8 = "take the boot file from this
	 * offer"; without option 43 EDK2 files the offer as BINL and asks a
	 * boot server on port 4011 instead */
	if (r->boot.vendor_pxe && r->boot.kind == BB_BOOT_TFTP)
		bb_dhcp_put(w, BB_OPT_VENDOR_OPTS, "\x06\x01\x08\xff", 4);
	if (r->boot.kind == BB_BOOT_TFTP)
		bb_dhcp_put_str(w, BB_OPT_TFTP_SERVER,
				bb_fmt_ipv4(cfg->boot.next_server, ip));
	if (r->boot.kind != BB_BOOT_NONE)
		bb_dhcp_put_str(w, BB_OPT_BOOTFILE, r->boot.file);
}

/* RFC 6842: the client identifier comes back as sent, when it fits with
 * room left for the END option (an id of hundreds of bytes in a 548-byte
 * reply is dropped rather than the reply). */
static void put_client_id(struct bb_wr *w, const struct bb_dhcp_msg *m,
			  size_t reserve)
{
	size_t len;
	const uint8_t *cid = bb_dhcp_get(m, BB_OPT_CLIENT_ID, &len);

	if (cid && !w->err &&
	    len + 2 * (len / 255 + 1) + reserve < w->cap - w->len)
		bb_dhcp_put(w, BB_OPT_CLIENT_ID, cid, len);
}

/* Builds the reply into out[0..cap), capped by the client's option 57
 * clamped to [576, 1500] (never trust a smaller one: CVE-2007-5365). */
int bb_dhcp_reply_build(const struct bb_dhcp_config *cfg,
			const struct bb_dhcp_msg *m,
			const struct bb_dhcp_reply *r, uint8_t *out, size_t cap)
{
	uint16_t maxsz = 576;
	size_t len;
	const uint8_t *relay;
	struct bb_wr w;
	bool tftp = r->boot.kind == BB_BOOT_TFTP;

	if (!bb_dhcp_get_u16(m, BB_OPT_MAX_SIZE, &maxsz)) {
		if (maxsz < 576)
			maxsz = 576;
		if (maxsz > BB_DHCP_MAX_PKT)
			maxsz = BB_DHCP_MAX_PKT;
	}
	/* IP + UDP headers are part of the client's maximum */
	if (cap > (size_t)maxsz - 28)
		cap = (size_t)maxsz - 28;
	w = bb_wr_init(out, cap);
	bb_dhcp_put_header(&w, m, r->yiaddr, tftp ? cfg->boot.next_server : 0,
			   r->boot.kind != BB_BOOT_NONE ? r->boot.file : NULL);
	/* RFC 2131 4.3.2: a NAK through a relay asks it to broadcast */
	if (r->type == BB_DHCPNAK && m->giaddr && w.len >= 12)
		out[10] |= 0x80;
	bb_dhcp_put_u8(&w, BB_OPT_MSG_TYPE, r->type);
	bb_dhcp_put_u32(&w, BB_OPT_SERVER_ID, cfg->server_id);
	if (r->type != BB_DHCPNAK) {
		if (r->type != BB_DHCPACK || r->yiaddr) {
			bb_dhcp_put_u32(&w, BB_OPT_LEASE_TIME, r->lease_time);
			bb_dhcp_put_u32(&w, BB_OPT_T1, r->lease_time / 2);
			bb_dhcp_put_u32(
			    &w, BB_OPT_T2,
			    (uint32_t)((uint64_t)r->lease_time * 7 / 8));
		}
		put_config_opts(&w, m, r);
		put_boot_opts(&w, cfg, r);
	}
	/* RFC 3046 2.2: the relay agent information comes back verbatim */
	relay = m->giaddr ? bb_dhcp_get(m, BB_OPT_RELAY_INFO, &len) : NULL;
	put_client_id(&w, m, relay ? len + 2 * (len / 255 + 1) : 0);
	if (relay)
		bb_dhcp_put(&w, BB_OPT_RELAY_INFO, relay, len);
	return bb_dhcp_finish(&w);
}
