#include <string.h>

#include "common/err.h"
#include "common/rd.h"
#include "dhcp/dhcp_wire.h"

/* Appends the instances found in one option area to m->data. The first
 * pass over all areas (collect) only records where each instance is; the
 * second (gather) concatenates, so a split option stays in order. */
struct inst {
	const uint8_t *p;
	uint8_t code, len;
};

#define MAX_INST 1024

static int scan_area(const uint8_t *p, size_t len, struct inst *in, size_t *n,
		     uint8_t *overload)
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = p[i++], olen;

		if (code == BB_OPT_PAD)
			continue;
		if (code == BB_OPT_END)
			return 0;
		if (i >= len)
			return BB_EMALFORMED; /* no length byte */
		olen = p[i++];
		if (olen > len - i)
			return BB_EMALFORMED; /* runs past the area */
		if (*n == MAX_INST)
			return BB_EMALFORMED;
		if (code == BB_OPT_OVERLOAD && overload) {
			if (olen != 1 || p[i] < 1 || p[i] > 3)
				return BB_EMALFORMED;
			*overload = p[i];
		}
		in[(*n)++] = (struct inst){p + i, code, olen};
		i += olen;
	}
	/* a missing END is tolerated: many clients pad with zeros only */
	return 0;
}

static void gather(struct bb_dhcp_msg *m, const struct inst *in, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		uint8_t code = in[i].code;

		if (bb_dhcp_has(m, code))
			continue; /* already gathered with its first instance */
		m->has[code >> 3] |= (uint8_t)(1u << (code & 7));
		m->off[code] = (uint16_t)m->data_len;
		for (j = i; j < n; j++) {
			if (in[j].code != code)
				continue;
			/* total option bytes never exceed the packet */
			memcpy(m->data + m->data_len, in[j].p, in[j].len);
			m->data_len += in[j].len;
		}
		m->len[code] = (uint16_t)(m->data_len - m->off[code]);
	}
}

int bb_dhcp_parse(const uint8_t *pkt, size_t len, struct bb_dhcp_msg *m)
{
	struct inst in[MAX_INST];
	struct bb_rd r = bb_rd_init(pkt, len);
	const uint8_t *sname, *file;
	uint8_t overload = 0;
	size_t n = 0;

	if (len < BB_DHCP_MIN_LEN || len > BB_DHCP_MAX_IN)
		return BB_EMALFORMED;
	memset(m->has, 0, sizeof(m->has));
	m->data_len = 0;
	m->msg_type = 0;
	m->op = bb_rd_u8(&r);
	m->htype = bb_rd_u8(&r);
	m->hlen = bb_rd_u8(&r);
	m->hops = bb_rd_u8(&r);
	m->xid = bb_rd_u32be(&r);
	m->secs = bb_rd_u16be(&r);
	m->flags = bb_rd_u16be(&r);
	m->ciaddr = bb_rd_u32be(&r);
	m->yiaddr = bb_rd_u32be(&r);
	m->siaddr = bb_rd_u32be(&r);
	m->giaddr = bb_rd_u32be(&r);
	bb_rd_copy(&r, m->chaddr, 16);
	sname = bb_rd_bytes(&r, 64);
	file = bb_rd_bytes(&r, 128);
	if (r.err || m->hlen > 16 || bb_rd_u32be(&r) != BB_DHCP_COOKIE)
		return BB_EMALFORMED;
	if (scan_area(r.p, bb_rd_left(&r), in, &n, &overload))
		return BB_EMALFORMED;
	if ((overload & 1) && scan_area(file, 128, in, &n, NULL))
		return BB_EMALFORMED;
	if ((overload & 2) && scan_area(sname, 64, in, &n, NULL))
		return BB_EMALFORMED;
	gather(m, in, n);
	if (bb_dhcp_has(m, BB_OPT_MSG_TYPE) &&
	    bb_dhcp_get_u8(m, BB_OPT_MSG_TYPE, &m->msg_type))
		return BB_EMALFORMED;
	return 0;
}

const uint8_t *bb_dhcp_get(const struct bb_dhcp_msg *m, uint8_t code,
			   size_t *len)
{
	if (!bb_dhcp_has(m, code))
		return NULL;
	*len = m->len[code];
	return m->data + m->off[code];
}

static int get_exact(const struct bb_dhcp_msg *m, uint8_t code, size_t want,
		     const uint8_t **p)
{
	size_t len;

	*p = bb_dhcp_get(m, code, &len);
	if (!*p)
		return BB_ENOENT;
	return len == want ? 0 : BB_EMALFORMED;
}

int bb_dhcp_get_u8(const struct bb_dhcp_msg *m, uint8_t code, uint8_t *v)
{
	const uint8_t *p;
	int rc = get_exact(m, code, 1, &p);

	if (!rc)
		*v = p[0];
	return rc;
}

int bb_dhcp_get_u16(const struct bb_dhcp_msg *m, uint8_t code, uint16_t *v)
{
	const uint8_t *p;
	int rc = get_exact(m, code, 2, &p);

	if (!rc)
		*v = (uint16_t)(p[0] << 8 | p[1]);
	return rc;
}

int bb_dhcp_get_u32(const struct bb_dhcp_msg *m, uint8_t code, uint32_t *v)
{
	const uint8_t *p;
	int rc = get_exact(m, code, 4, &p);

	if (!rc)
		*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		     (uint32_t)p[2] << 8 | p[3];
	return rc;
}

void bb_dhcp_put_header(struct bb_wr *w, const struct bb_dhcp_msg *req,
			uint32_t yiaddr, uint32_t siaddr, const char *file)
{
	uint8_t *sname_file;
	size_t flen = file ? strlen(file) : 0;

	bb_wr_u8(w, BB_DHCP_BOOTREPLY);
	bb_wr_u8(w, req->htype);
	bb_wr_u8(w, req->hlen);
	bb_wr_u8(w, 0);
	bb_wr_u32be(w, req->xid);
	bb_wr_u16be(w, 0);
	bb_wr_u16be(w, req->flags);
	bb_wr_u32be(w, req->ciaddr);
	bb_wr_u32be(w, yiaddr);
	bb_wr_u32be(w, siaddr);
	bb_wr_u32be(w, req->giaddr);
	bb_wr_bytes(w, req->chaddr, 16);
	sname_file = bb_wr_reserve(w, 64 + 128);
	if (sname_file) {
		memset(sname_file, 0, 64 + 128);
		/* the BOOTP file field too: some PXE ROMs read only that */
		if (flen && flen < 128)
			memcpy(sname_file + 64, file, flen);
	}
	bb_wr_u32be(w, BB_DHCP_COOKIE);
}

void bb_dhcp_put(struct bb_wr *w, uint8_t code, const void *val, size_t len)
{
	const uint8_t *p = val;

	do {
		size_t n = len > 255 ? 255 : len;

		bb_wr_u8(w, code);
		bb_wr_u8(w, (uint8_t)n);
		bb_wr_bytes(w, p, n);
		p += n;
		len -= n;
	} while (len);
}

void bb_dhcp_put_u8(struct bb_wr *w, uint8_t code, uint8_t v)
{
	bb_dhcp_put(w, code, &v, 1);
}

void bb_dhcp_put_u32(struct bb_wr *w, uint8_t code, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};

	bb_dhcp_put(w, code, b, 4);
}

void bb_dhcp_put_ips(struct bb_wr *w, uint8_t code, const uint32_t *ips,
		     size_t n)
{
	uint8_t b[4 * 16];
	size_t i;

	if (n > 16)
		n = 16;
	for (i = 0; i < n; i++) {
		b[4 * i] = (uint8_t)(ips[i] >> 24);
		b[4 * i + 1] = (uint8_t)(ips[i] >> 16);
		b[4 * i + 2] = (uint8_t)(ips[i] >> 8);
		b[4 * i + 3] = (uint8_t)ips[i];
	}
	if (n)
		bb_dhcp_put(w, code, b, 4 * n);
}

void bb_dhcp_put_str(struct bb_wr *w, uint8_t code, const char *s)
{
	bb_dhcp_put(w, code, s, strlen(s));
}

int bb_dhcp_finish(struct bb_wr *w)
{
	bb_wr_u8(w, BB_OPT_END);
	while (!w->err && w->len < 300)
		bb_wr_u8(w, BB_OPT_PAD);
	return bb_wr_result(w);
}
