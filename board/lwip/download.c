/* board.h's download on the lwIP board: services/cache/fetch_machine
 * (requests, redirects, resume, proxy CONNECT, framing, deadlines) over an
 * outbound lwIP connection with TLS (fm_conn.c). One connection per download
 * (no second part: one core, and the board's window is small), the body written
 * at its offsets with pwrite and hashed as it lands. No resolver on this board:
 * a host must be an IPv4 literal; an https one is verified against the
 * certificate's IP subjectAltNames (http/x509_ipsan). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#include "board/lwip/board_lwip.h"
#include "board/lwip/fm_conn.h"
#include "common/err.h"

struct bb_board_download {
	struct bb_board_download_opts o;
	struct bb_board_download_cb cb;
	struct bb_board_download_result res;
	struct bb_lwip_fm c;
	mbedtls_sha256_context sha;
};

static void dl_free(struct bb_board_download *d)
{
	bb_lwip_fm_free(&d->c);
	mbedtls_sha256_free(&d->sha);
	free(d);
}

static void finish(struct bb_board_download *d)
{
	struct bb_board_download_cb cb = d->cb;

	d->res.status = d->c.m.status;
	d->res.length = d->c.m.have; /* written as framed: the file holds it */
	if (!d->res.err) {
		mbedtls_sha256_finish_ret(&d->sha, d->res.sha256);
		snprintf(d->res.msg, sizeof(d->res.msg),
			 "%llu bytes from %.150s over lwIP%s%.64s",
			 (unsigned long long)d->c.m.have, d->c.m.url.host,
			 d->c.suite ? ", " : "", bb_lwip_fm_cipher(&d->c));
	} else {
		d->res.resumable = d->c.m.resumable;
		snprintf(d->res.msg, sizeof(d->res.msg), "%s", d->c.m.msg);
	}
	cb.done(cb.arg, &d->res);
	dl_free(d);
}

static void body_setup(void *arg)
{
	struct bb_board_download *d = arg;

	if (d->c.m.restart) {
		d->c.m.restart = false;
		mbedtls_sha256_free(&d->sha);
		mbedtls_sha256_init(&d->sha);
		mbedtls_sha256_starts_ret(&d->sha, 0);
		if (ftruncate(d->o.fd, 0)) {
			bb_fetchm_fail(&d->c.m, BB_EIO, false,
				       "cannot truncate the file: %s",
				       strerror(errno));
			return;
		}
	}
	bb_fetchm_body_start(&d->c.m, false);
}

static void take_body(void *arg)
{
	struct bb_board_download *d = arg;
	uint64_t off;
	size_t n;
	const uint8_t *p = bb_fetchm_body(&d->c.m, &n, &off);
	ssize_t w = n ? pwrite(d->o.fd, p, n, (off_t)off) : 0;

	if (w != (ssize_t)n) {
		bb_fetchm_fail(&d->c.m, BB_EIO, false,
			       "cannot write the file: %s",
			       w < 0 ? strerror(errno) : "short write");
		return;
	}
	mbedtls_sha256_update_ret(&d->sha, p, n);
	bb_fetchm_taken(&d->c.m, n);
	if (d->cb.progress)
		d->cb.progress(d->cb.arg, off + n, d->c.m.total);
}

static void succeed(struct bb_board_download *d)
{
	bb_lwip_fm_conn_end(&d->c);
	if (fdatasync(d->o.fd)) {
		bb_fetchm_fail(&d->c.m, BB_EIO, false,
			       "cannot sync the file: %s", strerror(errno));
		d->res.err = d->c.m.err;
	}
	finish(d);
}

static void end(void *arg)
{
	struct bb_board_download *d = arg;

	if (bb_fetchm_act(&d->c.m) == BB_FM_DONE) {
		succeed(d);
		return;
	}
	d->res.err = d->c.m.err ? d->c.m.err : BB_EIO;
	finish(d);
}

static const struct bb_lwip_fm_ops ops = {body_setup, take_body, end};

static int load_cas(struct bb_board_download *d)
{
	const char *sys = d->o.system_ca ? d->o.system_ca
					 : "/etc/ssl/certs/ca-certificates.crt";
	int rc = -1;

	/* either source may be absent, not both; a bad bundle is an error */
	if (mbedtls_x509_crt_parse_file(&d->c.ca, sys) >= 0)
		rc = 0;
	if (d->o.ca_bundle) {
		if (mbedtls_x509_crt_parse_file(&d->c.ca, d->o.ca_bundle) < 0)
			return bb_board_fail(BB_EINVAL,
					     "cannot read CA bundle %s",
					     d->o.ca_bundle);
		rc = 0;
	}
	return rc ? bb_board_fail(BB_EINVAL, "no trusted CA: %s unreadable",
				  sys)
		  : 0;
}

/* Resuming: the bytes already in the file are part of the digest. */
static int hash_head(struct bb_board_download *d)
{
	uint8_t buf[16384];
	uint64_t off = 0;

	while (off < d->o.offset) {
		size_t want = d->o.offset - off < sizeof(buf)
				  ? (size_t)(d->o.offset - off)
				  : sizeof(buf);
		ssize_t n = pread(d->o.fd, buf, want, (off_t)off);

		if (n <= 0)
			return bb_board_fail(BB_EIO, "cannot read the file");
		mbedtls_sha256_update_ret(&d->sha, buf, (size_t)n);
		off += (uint64_t)n;
	}
	return 0;
}

struct bb_board_download *
bb_board_download_start(const struct bb_board_download_opts *o,
			const struct bb_board_download_cb *cb)
{
	struct bb_board_download *d = calloc(1, sizeof(*d));
	struct bb_fetchm_cfg mc = {0};

	if (!d) {
		bb_board_fail(BB_ENOMEM, "out of memory for a download");
		return NULL;
	}
	d->o = *o;
	d->cb = *cb;
	mbedtls_sha256_init(&d->sha);
	mbedtls_sha256_starts_ret(&d->sha, 0);
	mc.read_ms = o->read_timeout_ms;
	mc.max_bytes = o->max_bytes;
	if (bb_lwip_fm_init(&d->c, &ops, d))
		goto fail;
	if (bb_fetchm_init(&d->c.m, &mc, o->url, o->proxy, o->offset,
			   bb_board_now_ms())) {
		bb_board_fail(BB_EINVAL, "%s", d->c.m.msg);
		goto fail;
	}
	if ((d->c.m.url.tls && load_cas(d)) || hash_head(d))
		goto fail;
	/* so that done never comes before the caller has d */
	bb_lwip_fm_go(&d->c);
	return d;
fail:
	dl_free(d);
	return NULL;
}

void bb_board_download_cancel(struct bb_board_download *d)
{
	if (d)
		dl_free(d);
}
