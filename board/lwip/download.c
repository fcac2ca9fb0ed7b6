/* board.h's download on the lwIP board: services/cache/fetch_machine
 * (requests, redirects, resume, proxy CONNECT, framing, deadlines) over an
 * outbound lwIP connection (tcp_dial.c), with TLS by services/http's
 * sans-IO session in the client role. One connection per download (no
 * second part: one core, and the board's window is small), the body
 * written at its offsets with pwrite and hashed as it lands. No resolver
 * on this board: a host must be an IPv4 literal; an https one is verified
 * against the certificate's IP subjectAltNames (http/x509_ipsan). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "board/lwip/board_lwip.h"
#include "board/lwip/tcp_dial.h"
#include "cache/fetch_machine.h"
#include "common/err.h"
#include "common/parse.h"
#include "http/tls_session.h"
#include "http/x509_ipsan.h"

/* the session's own deadlines stay out of the way: the machine's rule */
#define TLS_LONG_MS (24u * 3600 * 1000)

struct bb_board_download {
	struct bb_board_download_opts o;
	struct bb_board_download_cb cb;
	struct bb_board_download_result res;
	struct bb_fetchm m;
	struct bb_lwip_dial *conn;
	struct bb_board_timer *timer; /* the machine's deadline */
	struct bb_board_timer *kick;  /* the first drive, after start */
	bool tls_on;
	struct bb_tls_session tls;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	struct bb_tls_host host;
	mbedtls_sha256_context sha;
};

static mbedtls_ctr_drbg_context *rng(void)
{
	static mbedtls_entropy_context entropy;
	static mbedtls_ctr_drbg_context drbg;
	static int state; /* 0 unseeded, 1 ready, -1 failed */
	static const unsigned char pers[] = "bootbox-lwip";

	if (state == 0) {
		mbedtls_entropy_init(&entropy);
		mbedtls_ctr_drbg_init(&drbg);
		state = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func,
					      &entropy, pers, sizeof(pers) - 1)
			    ? -1
			    : 1;
	}
	return state == 1 ? &drbg : NULL;
}

static void tls_end(struct bb_board_download *d)
{
	if (d->tls_on) {
		bb_tls_session_free(&d->tls);
		mbedtls_ssl_config_free(&d->conf);
		d->tls_on = false;
	}
}

static void conn_end(struct bb_board_download *d)
{
	tls_end(d);
	bb_lwip_dial_close(d->conn);
	d->conn = NULL;
}

static void dl_free(struct bb_board_download *d)
{
	conn_end(d);
	bb_board_timer_free(d->timer);
	bb_board_timer_free(d->kick);
	mbedtls_x509_crt_free(&d->ca);
	mbedtls_sha256_free(&d->sha);
	free(d);
}

static void finish(struct bb_board_download *d)
{
	struct bb_board_download_cb cb = d->cb;

	d->res.status = d->m.status;
	d->res.length = d->m.have; /* written as framed: the file holds it */
	if (!d->res.err) {
		mbedtls_sha256_finish_ret(&d->sha, d->res.sha256);
		snprintf(d->res.msg, sizeof(d->res.msg),
			 "%llu bytes from %.150s over lwIP%s%.64s",
			 (unsigned long long)d->m.have, d->m.url.host,
			 d->tls_on ? ", " : "",
			 d->tls_on ? mbedtls_ssl_get_ciphersuite(&d->tls.ssl)
				   : "");
	} else {
		d->res.resumable = d->m.resumable;
		snprintf(d->res.msg, sizeof(d->res.msg), "%s", d->m.msg);
	}
	cb.done(cb.arg, &d->res);
	dl_free(d);
}

static uint64_t now(void)
{
	return bb_board_now_ms();
}

/* mbedTLS's verify info is a line per problem: one line, "; " between. */
static void join_lines(char *s, size_t cap)
{
	size_t n = strlen(s);
	char *nl;

	while (n && s[n - 1] == '\n')
		s[--n] = 0;
	while ((nl = strchr(s, '\n'))) {
		if (n + 2 > cap) { /* no room for the longer line: cut */
			*nl = 0;
			break;
		}
		memmove(nl + 2, nl + 1, strlen(nl + 1) + 1);
		nl[0] = ';';
		nl[1] = ' ';
		n++;
	}
}

/* A TLS failure in words: the certificate's problem when it was that. */
static void tls_failed(struct bb_board_download *d)
{
	char e[120], why[256];
	uint32_t flags;

	if (d->tls.tls_err == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED &&
	    (flags = mbedtls_ssl_get_verify_result(&d->tls.ssl)) != 0) {
		mbedtls_x509_crt_verify_info(why, sizeof(why), "", flags);
		join_lines(why, sizeof(why));
		bb_fetchm_fail(&d->m, BB_ECRYPTO, false,
			       "%s: certificate refused: %s", d->m.url.host,
			       why);
		return;
	}
	if (d->tls.tls_err)
		mbedtls_strerror(d->tls.tls_err, e, sizeof(e));
	else
		snprintf(e, sizeof(e), "connection closed");
	bb_fetchm_fail(&d->m, d->tls.err ? d->tls.err : BB_EIO,
		       bb_fetchm_in_body(&d->m), "%s: TLS: %s", d->m.url.host,
		       e);
}

static int tls_start(struct bb_board_download *d)
{
	mbedtls_ctr_drbg_context *r = rng();

	mbedtls_ssl_config_init(&d->conf);
	if (!r || mbedtls_ssl_config_defaults(&d->conf, MBEDTLS_SSL_IS_CLIENT,
					      MBEDTLS_SSL_TRANSPORT_STREAM,
					      MBEDTLS_SSL_PRESET_DEFAULT)) {
		mbedtls_ssl_config_free(&d->conf);
		return -1;
	}
	mbedtls_ssl_conf_rng(&d->conf, mbedtls_ctr_drbg_random, r);
	mbedtls_ssl_conf_ca_chain(&d->conf, &d->ca, NULL);
	mbedtls_ssl_conf_authmode(&d->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	if (bb_tls_session_init(&d->tls, &d->conf, now(), TLS_LONG_MS,
				TLS_LONG_MS)) {
		mbedtls_ssl_config_free(&d->conf);
		return -1;
	}
	d->tls_on = true;
	return bb_tls_set_host(&d->conf, &d->tls.ssl, &d->host, d->m.url.host);
}

/* Reset or failed: nothing more will arrive or leave. */
static bool dead(const struct bb_board_download *d)
{
	return bb_lwip_dial_state(d->conn) == BB_DIAL_FAILED;
}

/* Moves bytes between the connection and the TLS session both ways;
 * true when the session got input (bytes or the end), which it must be
 * stepped on again: no other event would come for bytes already here. */
static bool tls_pump(struct bb_board_download *d)
{
	const uint8_t *p;
	uint8_t *in;
	size_t n, room;
	bool got = false;

	while ((n = bb_tls_session_out(&d->tls, &p))) {
		size_t k = bb_lwip_dial_write(d->conn, p, n);

		if (!k)
			break;
		bb_tls_session_out_done(&d->tls, k, now());
	}
	while ((room = bb_tls_session_in_room(&d->tls, &in))) {
		n = bb_lwip_dial_read(d->conn, in, room);
		if (!n)
			break;
		bb_tls_session_in_done(&d->tls, n, now());
		got = true;
	}
	if ((bb_lwip_dial_eof(d->conn) || dead(d)) && !d->tls.net_eof) {
		bb_tls_session_net_eof(&d->tls);
		got = true;
	}
	return got;
}

static void drive(void *arg);

static void cut(struct bb_board_download *d)
{
	bb_fetchm_fail(&d->m, BB_EIO, bb_fetchm_in_body(&d->m),
		       "%s: connection reset", d->m.url.host);
}

static void dial(struct bb_board_download *d)
{
	const struct bb_url *peer = bb_fetchm_peer(&d->m);
	uint32_t ip;

	conn_end(d);
	if (bb_parse_ipv4(peer->host, strlen(peer->host), &ip)) {
		bb_fetchm_fail(&d->m, BB_ENOENT, false,
			       "%s: no name resolution on the lwIP board (give "
			       "an IPv4 address)",
			       peer->host);
		return;
	}
	bb_fetchm_dialing(&d->m, false, now());
	d->conn = bb_lwip_dial(ip, peer->port, drive, d);
	if (!d->conn)
		bb_fetchm_fail(&d->m, BB_ENOMEM, false, "%s: %s", peer->host,
			       bb_board_errmsg());
}

/* 0: go on; 1: wait for an event. */
static int handshake(struct bb_board_download *d)
{
	enum bb_tls_state st;
	bool got;

	if (!d->tls_on && tls_start(d)) {
		bb_fetchm_fail(&d->m, BB_ECRYPTO, false,
			       "%s: TLS set-up failed", d->m.url.host);
		return 0;
	}
	tls_pump(d);
	st = bb_tls_session_step(&d->tls, now());
	got = tls_pump(d);
	if (st == BB_TLS_OPEN) {
		bb_fetchm_tls_up(&d->m, now());
		return 0;
	}
	if (st == BB_TLS_HANDSHAKE)
		return got ? 0 : 1;
	tls_failed(d);
	return 0;
}

static int do_send(struct bb_board_download *d)
{
	size_t n, k;
	const char *p = bb_fetchm_out(&d->m, &n);
	long w;

	if (!n)
		return 0;
	if (d->tls_on) {
		k = bb_tls_session_writable(&d->tls);
		w = k ? bb_tls_session_write(&d->tls, (const uint8_t *)p,
					     n < k ? n : k, now())
		      : 0;
		tls_pump(d);
		if (w < 0) {
			tls_failed(d);
			return 0;
		}
		k = (size_t)w;
	} else {
		k = bb_lwip_dial_write(d->conn, p, n);
	}
	if (!k && dead(d)) {
		cut(d);
		return 0;
	}
	if (!k)
		return 1;
	bb_fetchm_sent(&d->m, k, now());
	return 0;
}

static int do_read(struct bb_board_download *d)
{
	size_t room, n;
	uint8_t *p = bb_fetchm_rspace(&d->m, &room);
	bool got;
	long r;

	if (!d->tls_on) {
		n = bb_lwip_dial_read(d->conn, p, room);
		if (n || bb_lwip_dial_eof(d->conn)) {
			bb_fetchm_received(&d->m, n, now());
			return 0;
		}
		if (!dead(d))
			return 1;
		cut(d);
		return 0;
	}
	tls_pump(d);
	bb_tls_session_step(&d->tls, now());
	r = bb_tls_session_read(&d->tls, p, room, now());
	got = tls_pump(d);
	if (r == BB_EAGAIN)
		return got ? 0 : 1;
	if (r < 0) {
		tls_failed(d);
		return 0;
	}
	bb_fetchm_received(&d->m, (size_t)r, now());
	return 0;
}

static void body_setup(struct bb_board_download *d)
{
	if (d->m.restart) {
		d->m.restart = false;
		mbedtls_sha256_free(&d->sha);
		mbedtls_sha256_init(&d->sha);
		mbedtls_sha256_starts_ret(&d->sha, 0);
		if (ftruncate(d->o.fd, 0)) {
			bb_fetchm_fail(&d->m, BB_EIO, false,
				       "cannot truncate the file: %s",
				       strerror(errno));
			return;
		}
	}
	bb_fetchm_body_start(&d->m, false);
}

static void take_body(struct bb_board_download *d)
{
	uint64_t off;
	size_t n;
	const uint8_t *p = bb_fetchm_body(&d->m, &n, &off);
	ssize_t w = n ? pwrite(d->o.fd, p, n, (off_t)off) : 0;

	if (w != (ssize_t)n) {
		bb_fetchm_fail(&d->m, BB_EIO, false,
			       "cannot write the file: %s",
			       w < 0 ? strerror(errno) : "short write");
		return;
	}
	mbedtls_sha256_update_ret(&d->sha, p, n);
	bb_fetchm_taken(&d->m, n);
	if (d->cb.progress)
		d->cb.progress(d->cb.arg, off + n, d->m.total);
}

static void succeed(struct bb_board_download *d)
{
	conn_end(d);
	if (fdatasync(d->o.fd)) {
		bb_fetchm_fail(&d->m, BB_EIO, false, "cannot sync the file: %s",
			       strerror(errno));
		d->res.err = d->m.err;
	}
	finish(d);
}

/* Does what the machine asks until it waits for an event, then arms its
 * deadline; or ends the download (d is gone). */
static void drive(void *arg)
{
	struct bb_board_download *d = arg;
	enum bb_dial_state cs;
	int wait = 0, i;

	for (i = 0; !wait && i < 100000; i++) {
		if (d->m.step == BB_FMS_CONNECTING && d->conn &&
		    (cs = bb_lwip_dial_state(d->conn)) != BB_DIAL_CONNECTING) {
			if (cs == BB_DIAL_OPEN)
				bb_fetchm_connected(&d->m, now());
			else
				bb_fetchm_fail(&d->m, BB_EIO, false,
					       "%s: connect refused or "
					       "unreachable",
					       bb_fetchm_peer(&d->m)->host);
		}
		switch (bb_fetchm_act(&d->m)) {
		case BB_FM_CONNECT: dial(d); break;
		case BB_FM_TLS: wait = handshake(d); break;
		case BB_FM_WRITE: wait = do_send(d); break;
		case BB_FM_READ: wait = do_read(d); break;
		case BB_FM_HEAD: body_setup(d); break;
		case BB_FM_BODY: take_body(d); break;
		case BB_FM_ADOPT: bb_fetchm_adopted(&d->m, false); break;
		case BB_FM_DONE: succeed(d); return;
		case BB_FM_FAIL:
			d->res.err = d->m.err ? d->m.err : BB_EIO;
			finish(d);
			return;
		case BB_FM_WAIT: wait = 1; break;
		}
	}
	if (!wait) /* the bound: go on next turn, bytes may be queued */
		bb_board_timer_arm(d->kick, 0);
	if (d->m.deadline)
		bb_board_timer_arm(d->timer, d->m.deadline > now()
						 ? d->m.deadline - now()
						 : 0);
}

static void on_timer(void *arg)
{
	struct bb_board_download *d = arg;

	bb_fetchm_tick(&d->m, now());
	drive(d);
}

static int load_cas(struct bb_board_download *d)
{
	const char *sys = d->o.system_ca ? d->o.system_ca
					 : "/etc/ssl/certs/ca-certificates.crt";
	int rc = -1;

	/* either source may be absent, not both; a bad bundle is an error */
	if (mbedtls_x509_crt_parse_file(&d->ca, sys) >= 0)
		rc = 0;
	if (d->o.ca_bundle) {
		if (mbedtls_x509_crt_parse_file(&d->ca, d->o.ca_bundle) < 0)
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
	mbedtls_x509_crt_init(&d->ca);
	mbedtls_sha256_init(&d->sha);
	mbedtls_sha256_starts_ret(&d->sha, 0);
	mc.read_ms = o->read_timeout_ms;
	mc.max_bytes = o->max_bytes;
	d->timer = bb_board_timer_new(on_timer, d);
	d->kick = bb_board_timer_new(drive, d);
	if (!d->timer || !d->kick) {
		bb_board_fail(BB_ENOMEM, "out of memory for a download");
		goto fail;
	}
	if (bb_fetchm_init(&d->m, &mc, o->url, o->proxy, o->offset, now())) {
		bb_board_fail(BB_EINVAL, "%s", d->m.msg);
		goto fail;
	}
	if ((d->m.url.tls && load_cas(d)) || hash_head(d))
		goto fail;
	/* so that done never comes before the caller has d */
	bb_board_timer_arm(d->kick, 0);
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
