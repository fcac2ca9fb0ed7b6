/* See fm_conn.h. The machine decides every step; this file moves bytes
 * between it, the TLS session and the connection, and arms the machine's
 * deadline. TLS draws from one CTR-DRBG seeded by board.h's random
 * source (getrandom in this build, a hardware RNG on a real board). */
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/error.h>

#include "board/lwip/board_lwip.h"
#include "board/lwip/fm_conn.h"
#include "board/lwip/tcp_dial.h"
#include "common/err.h"
#include "common/parse.h"

/* the session's own deadlines stay out of the way: the machine's rule */
#define TLS_LONG_MS (24u * 3600 * 1000)

static void tls_end(struct bb_lwip_fm *d)
{
	if (d->tls_on) {
		bb_tls_session_free(&d->tls);
		mbedtls_ssl_config_free(&d->conf);
		d->tls_on = false;
	}
}

void bb_lwip_fm_conn_end(struct bb_lwip_fm *d)
{
	tls_end(d);
	bb_lwip_dial_close(d->conn);
	d->conn = NULL;
}

static int board_entropy(void *ctx, unsigned char *p, size_t len)
{
	(void)ctx;
	return bb_board_random(p, len)
		   ? MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED
		   : 0;
}

/* NULL when the random source failed (then every TLS set-up fails). */
static mbedtls_ctr_drbg_context *rng(void)
{
	static mbedtls_ctr_drbg_context drbg;
	static int ready; /* 0 not yet, 1 seeded, -1 failed */

	if (!ready) {
		mbedtls_ctr_drbg_init(&drbg);
		ready =
		    mbedtls_ctr_drbg_seed(&drbg, board_entropy, NULL,
					  (const unsigned char *)"bb-lwip", 7)
			? -1
			: 1;
	}
	return ready > 0 ? &drbg : NULL;
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
static void tls_failed(struct bb_lwip_fm *d)
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

int bb_lwip_tls_client(mbedtls_ssl_config *conf, struct bb_tls_session *t,
		       mbedtls_x509_crt *ca)
{
	mbedtls_ctr_drbg_context *r = rng();

	mbedtls_ssl_config_init(conf);
	if (!r || mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_CLIENT,
					      MBEDTLS_SSL_TRANSPORT_STREAM,
					      MBEDTLS_SSL_PRESET_DEFAULT)) {
		mbedtls_ssl_config_free(conf);
		return -1;
	}
	mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, r);
	if (ca) {
		mbedtls_ssl_conf_ca_chain(conf, ca, NULL);
		mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	} else {
		mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);
	}
	if (bb_tls_session_init(t, conf, now(), TLS_LONG_MS, TLS_LONG_MS)) {
		mbedtls_ssl_config_free(conf);
		return -1;
	}
	return 0;
}

static int tls_start(struct bb_lwip_fm *d)
{
	if (bb_lwip_tls_client(&d->conf, &d->tls, &d->ca))
		return -1;
	d->tls_on = true;
	return bb_tls_set_host(&d->conf, &d->tls.ssl, &d->host, d->m.url.host);
}

/* Reset or failed: nothing more will arrive or leave. */
static bool dead(const struct bb_lwip_fm *d)
{
	return bb_lwip_dial_state(d->conn) == BB_DIAL_FAILED;
}

bool bb_lwip_tls_pump(struct bb_lwip_dial *c, struct bb_tls_session *t)
{
	const uint8_t *p;
	uint8_t *in;
	size_t n, room;
	bool got = false;

	while ((n = bb_tls_session_out(t, &p))) {
		size_t k = bb_lwip_dial_write(c, p, n);

		if (!k)
			break;
		bb_tls_session_out_done(t, k, now());
	}
	while ((room = bb_tls_session_in_room(t, &in))) {
		n = bb_lwip_dial_read(c, in, room);
		if (!n)
			break;
		bb_tls_session_in_done(t, n, now());
		got = true;
	}
	if ((bb_lwip_dial_eof(c) || bb_lwip_dial_state(c) == BB_DIAL_FAILED) &&
	    !t->net_eof) {
		bb_tls_session_net_eof(t);
		got = true;
	}
	return got;
}

static bool tls_pump(struct bb_lwip_fm *d)
{
	return bb_lwip_tls_pump(d->conn, &d->tls);
}

static void drive(void *arg);

static void cut(struct bb_lwip_fm *d)
{
	bb_fetchm_fail(&d->m, BB_EIO, bb_fetchm_in_body(&d->m),
		       "%s: connection reset", d->m.url.host);
}

static void dial(struct bb_lwip_fm *d)
{
	const struct bb_url *peer = bb_fetchm_peer(&d->m);
	uint32_t ip;

	bb_lwip_fm_conn_end(d);
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
static int handshake(struct bb_lwip_fm *d)
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
		d->suite = mbedtls_ssl_get_ciphersuite(&d->tls.ssl);
		bb_fetchm_tls_up(&d->m, now());
		return 0;
	}
	if (st == BB_TLS_HANDSHAKE)
		return got ? 0 : 1;
	tls_failed(d);
	return 0;
}

static int do_send(struct bb_lwip_fm *d)
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

static int do_read(struct bb_lwip_fm *d)
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

/* Does what the machine asks until it waits for an event, then arms its
 * deadline; or ends the download (d is gone). */
static void drive(void *arg)
{
	struct bb_lwip_fm *d = arg;
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
		case BB_FM_HEAD: d->ops->head(d->arg); break;
		case BB_FM_BODY: d->ops->body(d->arg); break;
		case BB_FM_ADOPT: bb_fetchm_adopted(&d->m, false); break;
		case BB_FM_DONE:
		case BB_FM_FAIL: d->ops->end(d->arg); return;
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
	struct bb_lwip_fm *d = arg;

	bb_fetchm_tick(&d->m, now());
	drive(d);
}

int bb_lwip_fm_init(struct bb_lwip_fm *c, const struct bb_lwip_fm_ops *ops,
		    void *arg)
{
	mbedtls_x509_crt_init(&c->ca);
	c->ops = ops;
	c->arg = arg;
	c->timer = bb_board_timer_new(on_timer, c);
	c->kick = bb_board_timer_new(drive, c);
	if (!c->timer || !c->kick)
		return bb_board_fail(BB_ENOMEM, "out of memory for a request");
	return 0;
}

void bb_lwip_fm_go(struct bb_lwip_fm *c)
{
	bb_board_timer_arm(c->kick, 0);
}

void bb_lwip_fm_free(struct bb_lwip_fm *c)
{
	bb_lwip_fm_conn_end(c);
	bb_board_timer_free(c->timer);
	bb_board_timer_free(c->kick);
	c->timer = c->kick = NULL;
	mbedtls_x509_crt_free(&c->ca);
}

const char *bb_lwip_fm_cipher(const struct bb_lwip_fm *c)
{
	return c->suite ? c->suite : "";
}
