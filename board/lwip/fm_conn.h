/* One services/cache/fetch_machine driven over an outbound lwIP
 * connection (tcp_dial.c), TLS by services/http's sans-IO session in the
 * client role: shared by the artifact download (download.c, body into a
 * file) and the general request (board_fetch.c, body into memory). The
 * owner handles what is its own through ops: the head (it must answer
 * bb_fetchm_body_start), body bytes (bb_fetchm_taken), and the end. No
 * resolver on this board: a host must be an IPv4 literal; an https one is
 * verified against the certificate's IP subjectAltNames (http/x509_ipsan)
 * and trusted through the CAs the owner loads into ca. */
#ifndef BB_LWIP_FM_CONN_H
#define BB_LWIP_FM_CONN_H

#include <stdbool.h>

#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "cache/fetch_machine.h"
#include "http/tls_session.h"
#include "http/x509_ipsan.h"

struct bb_lwip_fm_ops {
	void (*head)(void *arg);
	void (*body)(void *arg);
	/* done or failed (bb_fetchm_act says which): the owner may free */
	void (*end)(void *arg);
};

struct bb_lwip_fm {
	struct bb_fetchm m; /* the owner initialises it */
	mbedtls_x509_crt ca;
	const struct bb_lwip_fm_ops *ops;
	void *arg;
	struct bb_lwip_dial *conn;
	struct bb_board_timer *timer; /* the machine's deadline */
	struct bb_board_timer *kick;  /* the first drive, after start */
	bool tls_on;
	struct bb_tls_session tls;
	mbedtls_ssl_config conf;
	struct bb_tls_host host;
	const char *suite; /* mbedTLS's static name, once up */
};

struct bb_lwip_dial;

/* A client TLS configuration (the board's DRBG; ca: verified against it,
 * NULL: not verified) and a session on it with no deadlines of its own
 * (the caller's rule). 0, or -1 with nothing left to free. */
int bb_lwip_tls_client(mbedtls_ssl_config *conf, struct bb_tls_session *t,
		       mbedtls_x509_crt *ca);
/* Moves bytes between c and t both ways; true when t got input (bytes
 * or the end), which it must be stepped on again: no other event would
 * come for bytes already here. */
bool bb_lwip_tls_pump(struct bb_lwip_dial *c, struct bb_tls_session *t);

/* 0 or BB_ENOMEM (the board's message); ca is initialised either way. */
int bb_lwip_fm_init(struct bb_lwip_fm *c, const struct bb_lwip_fm_ops *ops,
		    void *arg);
/* The first drive comes from the loop, never from inside the caller. */
void bb_lwip_fm_go(struct bb_lwip_fm *c);
/* Drops the connection (before a file is synced, say). */
void bb_lwip_fm_conn_end(struct bb_lwip_fm *c);
/* Everything but c itself; no callback after. */
void bb_lwip_fm_free(struct bb_lwip_fm *c);
/* The last TLS session's suite, "" for plain HTTP. */
const char *bb_lwip_fm_cipher(const struct bb_lwip_fm *c);

#endif
