/* board.h's hand-off probe on the lwIP board: an outbound connection
 * (tcp_dial.c) carrying services/handoff/probe_reply's exchange, which
 * decides (tcp: up once connected; http(s): the GET and its answer) and
 * holds the one deadline. https: runs services/http's client TLS session
 * on the connection: verified against ca_file when given (SNI then the
 * given name), liveness only without, as on the Linux board. */
#include <stdio.h>
#include <stdlib.h>

#include "handoff/handoff.h"
#include "handoff/probe_reply.h"

#include "board/lwip/board_lwip.h"
#include "board/lwip/fm_conn.h"
#include "board/lwip/tcp_dial.h"
#include "common/err.h"

struct bb_board_probe {
	struct bb_lwip_dial *c;
	struct bb_board_timer *t;
	bb_board_probe_fn fn;
	void *arg;
	struct bb_probe_reply r;
	bool tls_on, has_ca;
	struct bb_tls_session tls;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	char sni[254]; /* "": none */
};
#define probe bb_board_probe

static void forget(struct probe *p)
{
	bb_lwip_dial_close(p->c);
	if (p->tls_on) {
		bb_tls_session_free(&p->tls);
		mbedtls_ssl_config_free(&p->conf);
	}
	mbedtls_x509_crt_free(&p->ca);
	bb_board_timer_free(p->t);
	free(p);
}

static void end(struct probe *p, bool ok, const char *why)
{
	bb_board_probe_fn fn = p->fn;
	void *arg = p->arg;

	forget(p); /* why is a static string: fn may start the next */
	fn(arg, ok, why);
}

static uint64_t now(void)
{
	return bb_board_now_ms();
}

static bool dead(const struct probe *p)
{
	return bb_lwip_dial_state(p->c) == BB_DIAL_FAILED;
}

/* 0: go on; 1: wait for an event. */
static int handshake(struct probe *p)
{
	enum bb_tls_state st;
	bool got;

	if (!p->tls_on) {
		if (bb_lwip_tls_client(&p->conf, &p->tls,
				       p->has_ca ? &p->ca : NULL) ||
		    (p->tls_on = true, p->sni[0] && mbedtls_ssl_set_hostname(
							&p->tls.ssl, p->sni))) {
			end(p, false, "TLS set-up failed");
			return -1;
		}
	}
	bb_lwip_tls_pump(p->c, &p->tls);
	st = bb_tls_session_step(&p->tls, now());
	got = bb_lwip_tls_pump(p->c, &p->tls);
	if (st == BB_TLS_OPEN) {
		bb_probe_reply_handshaken(&p->r);
		return 0;
	}
	if (st == BB_TLS_HANDSHAKE)
		return got ? 0 : 1;
	end(p, false,
	    p->tls.tls_err == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED
		? "TLS handshake failed: certificate not trusted"
		: "TLS handshake failed");
	return -1;
}

static int send_req(struct probe *p)
{
	const uint8_t *b;
	size_t n = bb_probe_reply_out(&p->r, &b), k;
	long w;

	if (p->tls_on) {
		k = bb_tls_session_writable(&p->tls);
		w = k ? bb_tls_session_write(&p->tls, b, n < k ? n : k, now())
		      : 0;
		bb_lwip_tls_pump(p->c, &p->tls);
		k = w > 0 ? (size_t)w : 0;
	} else {
		k = bb_lwip_dial_write(p->c, b, n);
	}
	if (!k) {
		if (!dead(p) && (!p->tls_on || p->tls.state == BB_TLS_OPEN))
			return 1;
		bb_probe_reply_eof(&p->r); /* cut before the answer */
		return 0;
	}
	bb_probe_reply_sent(&p->r, k);
	return 0;
}

static int read_reply(struct probe *p)
{
	uint8_t buf[256];
	size_t room = bb_probe_reply_room(&p->r), n;
	long r;
	bool got;

	if (room > sizeof(buf))
		room = sizeof(buf);
	if (!p->tls_on) {
		n = bb_lwip_dial_read(p->c, buf, room);
		if (n)
			bb_probe_reply_input(&p->r, buf, n);
		else if (bb_lwip_dial_eof(p->c) || dead(p))
			bb_probe_reply_eof(&p->r);
		else
			return 1;
		return 0;
	}
	bb_lwip_tls_pump(p->c, &p->tls);
	bb_tls_session_step(&p->tls, now());
	r = bb_tls_session_read(&p->tls, buf, room, now());
	got = bb_lwip_tls_pump(p->c, &p->tls);
	if (r > 0)
		bb_probe_reply_input(&p->r, buf, (size_t)r);
	else if (r == BB_EAGAIN)
		return got ? 0 : 1;
	else
		bb_probe_reply_eof(&p->r); /* the end, or a TLS error */
	return 0;
}

/* Runs the exchange as far as the connection allows; ends the probe (p is
 * gone) at the verdict, else arms the deadline. */
static void drive(void *arg)
{
	struct probe *p = arg;
	enum bb_dial_state st;
	int wait = 0, i;

	bb_probe_reply_tick(&p->r, now());
	for (i = 0; !wait && i < 1000 && !bb_probe_reply_done(&p->r); i++) {
		switch (p->r.stage) {
		case BB_PS_CONNECTING:
			st = bb_lwip_dial_state(p->c);
			if (st == BB_DIAL_OPEN)
				bb_probe_reply_connected(&p->r);
			else if (st == BB_DIAL_FAILED) {
				end(p, false,
				    "connection refused or unreachable");
				return;
			} else
				wait = 1;
			break;
		case BB_PS_HANDSHAKE:
			if ((wait = handshake(p)) < 0)
				return;
			break;
		case BB_PS_SENDING: wait = send_req(p); break;
		case BB_PS_READING: wait = read_reply(p); break;
		case BB_PS_DONE: break;
		}
	}
	if (bb_probe_reply_done(&p->r)) {
		end(p, p->r.ok, p->r.ok ? NULL : p->r.why);
		return;
	}
	bb_board_timer_arm(
	    p->t,
	    wait ? (p->r.deadline_ms > now() ? p->r.deadline_ms - now() : 0)
		 : 0);
}

struct bb_board_probe *bb_board_probe_start(uint32_t ip,
					    const struct bb_probe *pr,
					    const struct bb_board_probe_opts *o,
					    bb_board_probe_fn fn, void *arg)
{
	struct probe *p = calloc(1, sizeof(*p));

	if (!p || !(p->t = bb_board_timer_new(drive, p))) {
		free(p);
		bb_board_fail(BB_ENOMEM, "out of memory for a probe");
		return NULL;
	}
	mbedtls_x509_crt_init(&p->ca);
	p->fn = fn;
	p->arg = arg;
	if (o->sni)
		snprintf(p->sni, sizeof(p->sni), "%s", o->sni);
	if (bb_probe_reply_init(&p->r, pr, ip, now(), o->timeout_ms)) {
		bb_board_fail(BB_EINVAL, "probe request too long");
		goto fail;
	}
	if (pr->kind == BB_PROBE_HTTPS && o->ca_file) {
		if (mbedtls_x509_crt_parse_file(&p->ca, o->ca_file) < 0) {
			bb_board_fail(BB_EINVAL, "cannot read CA %.200s",
				      o->ca_file);
			goto fail;
		}
		p->has_ca = true;
	}
	p->c = bb_lwip_dial(ip, pr->port, drive, p);
	if (!p->c)
		goto fail; /* tcp_dial's message stays */
	bb_board_timer_arm(p->t, o->timeout_ms ? o->timeout_ms : 5000);
	return p;
fail:
	forget(p);
	return NULL;
}

void bb_board_probe_cancel(struct bb_board_probe *p)
{
	if (p)
		forget(p);
}
