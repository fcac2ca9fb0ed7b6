#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/parse.h"
#include "common/rd.h"
#include "common/wr.h"
#include "tftp/tftp.h"

static bool ieq(const char *a, size_t n, const char *b)
{
	size_t i;

	if (n != strlen(b))
		return false;
	for (i = 0; i < n; i++)
		if ((a[i] | 0x20) != (b[i] | 0x20))
			return false;
	return true;
}

int bb_tftp_path(const char *name, size_t len, char *out, size_t cap)
{
	size_t i, o = 0, seg = 0;

	/* PXE ROMs ask for "/undionly.kpxe" as often as for "undionly.kpxe" */
	while (len && (*name == '/' || *name == '\\')) {
		name++;
		len--;
	}
	if (!len || len > BB_TFTP_NAME_MAX || len >= cap)
		return -1;
	for (i = 0; i <= len; i++) {
		char c = i < len ? name[i] : '/';

		if (c == '\\')
			c = '/';
		if (c == 0 || (unsigned char)c < 0x20)
			return -1;
		if (c == '/') {
			if (i - seg == 2 && name[seg] == '.' &&
			    name[seg + 1] == '.')
				return -1;
			if (i - seg == 0 && i < len)
				return -1; /* "a//b" */
			seg = i + 1;
		}
		if (i < len)
			out[o++] = c;
	}
	out[o] = 0;
	return 0;
}

static int opt_u32(const char *v, size_t len, uint32_t min, uint32_t max,
		   uint32_t *out)
{
	uint32_t x;

	if (bb_parse_u32(v, len, 0, 0xffffffffu, &x))
		return -1;
	*out = x < min ? min : x > max ? max : x;
	return 0;
}

int bb_tftp_parse_request(const uint8_t *pkt, size_t len, struct bb_tftp_rrq *r,
			  const char **msg)
{
	struct bb_rd rd = bb_rd_init(pkt, len);
	const char *name, *mode;
	size_t nlen, mlen;
	uint16_t op = bb_rd_u16be(&rd);

	memset(r, 0, sizeof(*r));
	*msg = "malformed request";
	if (rd.err)
		return BB_TFTP_EBADOP;
	if (op == BB_TFTP_WRQ) {
		*msg = "writing is not allowed";
		return BB_TFTP_EACCESS;
	}
	if (op != BB_TFTP_RRQ)
		return BB_TFTP_EBADOP;
	name = bb_rd_cstr(&rd, &nlen);
	mode = bb_rd_cstr(&rd, &mlen);
	if (!name || !mode)
		return BB_TFTP_EBADOP;
	if (!ieq(mode, mlen, "octet")) {
		*msg = ieq(mode, mlen, "netascii") ? "only octet mode is served"
						   : "unknown mode";
		return BB_TFTP_EBADOP;
	}
	if (bb_tftp_path(name, nlen, r->file, sizeof(r->file))) {
		*msg = "bad file name";
		return BB_TFTP_EACCESS;
	}
	while (bb_rd_left(&rd)) {
		size_t kl, vl;
		const char *k = bb_rd_cstr(&rd, &kl), *v = bb_rd_cstr(&rd, &vl);

		if (!k || !v)
			return BB_TFTP_EBADOP;
		/* RFC 2347: unknown or bad options are left out of the OACK */
		if (ieq(k, kl, "blksize"))
			r->has_blksize = !opt_u32(v, vl, 8, 65464, &r->blksize);
		else if (ieq(k, kl, "tsize"))
			r->has_tsize = true;
		else if (ieq(k, kl, "timeout"))
			r->has_timeout = !opt_u32(v, vl, 1, 255, &r->timeout) &&
					 r->timeout >= 1;
		else if (ieq(k, kl, "windowsize"))
			r->has_window = !opt_u32(v, vl, 1, 64, &r->windowsize);
	}
	return 0;
}

void bb_tftp_start(struct bb_tftp_xfer *x, const struct bb_tftp_rrq *r,
		   uint64_t size, uint32_t max_blksize, uint64_t now)
{
	memset(x, 0, sizeof(*x));
	x->size = size;
	x->blksize = 512;
	if (r->has_blksize)
		x->blksize =
		    r->blksize < max_blksize ? r->blksize : max_blksize;
	if (x->blksize < 8)
		x->blksize = 8;
	x->windowsize = r->has_window ? r->windowsize : 1;
	x->timeout_ms = r->has_timeout ? r->timeout * 1000 : 1000;
	x->tsize = r->has_tsize;
	x->oack =
	    r->has_blksize || r->has_tsize || r->has_timeout || r->has_window;
	x->last = (uint32_t)(size / x->blksize) + 1;
	x->deadline = now;
}

/* Backoff: the negotiated timeout doubled per retry, up to 8 times it but
 * never past BB_TFTP_WAIT_MAX_MS unless the client asked for longer. */
static uint64_t wait_ms(const struct bb_tftp_xfer *x)
{
	uint64_t w = (uint64_t)x->timeout_ms
		     << (x->retries > 3 ? 3 : x->retries);
	uint64_t cap = x->timeout_ms > BB_TFTP_WAIT_MAX_MS
			   ? x->timeout_ms
			   : BB_TFTP_WAIT_MAX_MS;

	return w < cap ? w : cap;
}

void bb_tftp_next(struct bb_tftp_xfer *x, uint64_t now, struct bb_tftp_send *s)
{
	uint32_t end;

	memset(s, 0, sizeof(*s));
	if (x->done)
		return;
	if (x->oack) {
		if (!x->oack_out) {
			s->oack = true;
			s->count = 1;
			x->oack_out = true;
			x->deadline = now + wait_ms(x);
		}
		return;
	}
	if (x->sent > x->acked)
		return; /* a window is in flight */
	end = x->acked + x->windowsize;
	if (end > x->last)
		end = x->last;
	if (end <= x->acked)
		return;
	s->first = x->acked + 1;
	s->count = end - x->acked;
	x->sent = end;
	x->deadline = now + wait_ms(x);
}

void bb_tftp_ack(struct bb_tftp_xfer *x, uint16_t b, uint64_t now)
{
	int64_t n = (int64_t)((x->acked & ~0xffffu) | b);

	if (x->oack) {
		/* RFC 2347: the client takes the options with an ACK of 0 */
		if (b == 0 && x->oack_out) {
			x->oack = false;
			x->proven = true;
			x->retries = 0;
			x->deadline = now;
		}
		return;
	}
	/* the wire number nearest to what we expect */
	if (n < (int64_t)x->acked - 32768)
		n += 65536;
	else if (n > (int64_t)x->acked + 32768)
		n -= 65536;
	if (n <= (int64_t)x->acked || n > (int64_t)x->sent)
		return; /* duplicate or bogus: never a resend */
	x->acked = (uint32_t)n;
	x->retries = 0;
	x->proven = true;
	/* the rest of the window was lost or is late: go on from here */
	if (x->acked < x->sent)
		x->sent = x->acked;
	x->deadline = now;
	if (x->acked == x->last)
		x->done = true;
}

bool bb_tftp_timeout(struct bb_tftp_xfer *x, uint64_t now)
{
	if (x->done || now < x->deadline)
		return true;
	if (++x->retries >
	    (x->proven ? BB_TFTP_RETRIES : BB_TFTP_RETRIES_UNPROVEN))
		return false;
	if (x->oack)
		x->oack_out = false; /* the OACK again */
	else
		x->sent = x->acked; /* the unacknowledged window again */
	x->deadline = now;
	return true;
}

uint64_t bb_tftp_acked_bytes(const struct bb_tftp_xfer *x)
{
	uint64_t b = (uint64_t)x->acked * x->blksize;

	return x->oack ? 0 : b < x->size ? b : x->size;
}

int bb_tftp_build_oack(const struct bb_tftp_xfer *x,
		       const struct bb_tftp_rrq *r, uint8_t *buf, size_t cap)
{
	struct bb_wr w = bb_wr_init(buf, cap);
	char v[24];

	bb_wr_u16be(&w, BB_TFTP_OACK);
	if (r->has_blksize) {
		snprintf(v, sizeof(v), "%u", x->blksize);
		bb_wr_bytes(&w, "blksize", 8);
		bb_wr_bytes(&w, v, strlen(v) + 1);
	}
	if (r->has_tsize) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)x->size);
		bb_wr_bytes(&w, "tsize", 6);
		bb_wr_bytes(&w, v, strlen(v) + 1);
	}
	if (r->has_timeout) {
		snprintf(v, sizeof(v), "%u", r->timeout);
		bb_wr_bytes(&w, "timeout", 8);
		bb_wr_bytes(&w, v, strlen(v) + 1);
	}
	if (r->has_window) {
		snprintf(v, sizeof(v), "%u", x->windowsize);
		bb_wr_bytes(&w, "windowsize", 11);
		bb_wr_bytes(&w, v, strlen(v) + 1);
	}
	return bb_wr_result(&w);
}

int bb_tftp_build_error(uint16_t code, const char *msg, uint8_t *buf,
			size_t cap)
{
	struct bb_wr w = bb_wr_init(buf, cap);

	bb_wr_u16be(&w, BB_TFTP_ERROR);
	bb_wr_u16be(&w, code);
	bb_wr_bytes(&w, msg, strlen(msg) + 1);
	return bb_wr_result(&w);
}

void bb_tftp_data_header(uint32_t n, uint8_t hdr[4])
{
	hdr[0] = 0;
	hdr[1] = BB_TFTP_DATA;
	hdr[2] = (uint8_t)(n >> 8);
	hdr[3] = (uint8_t)n;
}

void bb_tftp_block_range(const struct bb_tftp_xfer *x, uint32_t n,
			 uint64_t *off, size_t *len)
{
	uint64_t o = (uint64_t)(n - 1) * x->blksize;

	*off = o;
	*len = o >= x->size		  ? 0
	       : x->size - o < x->blksize ? (size_t)(x->size - o)
					  : x->blksize;
}
