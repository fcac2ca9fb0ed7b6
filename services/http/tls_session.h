/* One TLS server session over memory, I/O-free (sans-IO, like picotls):
 * mbedTLS runs through mbedtls_ssl_set_bio on two buffers of this struct,
 * so a board only moves bytes: network bytes in, records out, and
 * plaintext both ways. No fds, no clock of its own: the caller passes the
 * time, and the deadline (absolute for the handshake, so a client dripping
 * bytes cannot keep it open; idle afterwards) is read back to arm a timer.
 * Every buffer is bounded; when one is full the side that fills it is told
 * to wait, never grown.
 *
 * Plaintext handed to bb_tls_session_write is the session's from then on
 * (after WANT_WRITE mbedTLS wants the same bytes again: it keeps a copy
 * when that happens). The struct must stay where it was initialised (the
 * BIO points at it). */
#ifndef BB_TLS_SESSION_H
#define BB_TLS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ssl.h>

/* Room one record takes in the output: content, header, IV, MAC, padding. */
#define BB_TLS_RECORD_ROOM (MBEDTLS_SSL_OUT_CONTENT_LEN + 1024)
/* mbedTLS holds a whole record itself: the input only saves syscalls */
#define BB_TLS_IN_CAP 8192
/* a record, and slack for an alert or a handshake flight's tail */
#define BB_TLS_OUT_CAP (BB_TLS_RECORD_ROOM + 4096)
/* After our close_notify: how long and how much the peer may still send
 * (read and dropped) before the connection is closed under it. */
#define BB_TLS_DRAIN_MS	 2000
#define BB_TLS_DRAIN_MAX (1u << 20)

enum bb_tls_state {
	BB_TLS_HANDSHAKE = 0,
	BB_TLS_OPEN,
	BB_TLS_CLOSING, /* the application is done: close_notify follows */
	BB_TLS_CLOSED,	/* close_notify queued, or the peer ended */
	BB_TLS_FAILED,	/* an error or a deadline: send what is out, close */
};

struct bb_tls_session {
	mbedtls_ssl_context ssl;
	enum bb_tls_state state;
	uint64_t deadline_ms;
	uint32_t idle_ms;
	bool net_eof; /* the peer closed its side of the connection */
	bool ours;    /* CLOSED by our close_notify, not by the peer */
	bool shut;    /* half-closed after it: input is read and dropped */
	size_t drained;
	int err;     /* why FAILED: a BB_E* (BB_ETIMEDOUT, BB_ECRYPTO) */
	int tls_err; /* and mbedTLS's code, 0 when none, for logs */
	size_t in_off, in_len;
	size_t out_off, out_len;
	size_t wlen; /* plaintext waiting in wbuf after WANT_WRITE */
	uint8_t in[BB_TLS_IN_CAP];
	uint8_t out[BB_TLS_OUT_CAP];
	uint8_t wbuf[MBEDTLS_SSL_OUT_CONTENT_LEN];
};

/* conf: a server configuration with its certificate, key and RNG, which
 * must outlive the session. 0, or BB_ENOMEM. The handshake must finish by
 * now_ms + handshake_ms; afterwards idle_ms without progress ends it. */
int bb_tls_session_init(struct bb_tls_session *t,
			const mbedtls_ssl_config *conf, uint64_t now_ms,
			uint32_t handshake_ms, uint32_t idle_ms);
void bb_tls_session_free(struct bb_tls_session *t);

/* Network side. in_room gives where the next received bytes go and how
 * many fit (0: wait until the session has taken some); in_done says how
 * many were put there. net_in does both from a buffer (returns the bytes
 * taken). net_eof: the peer closed. */
size_t bb_tls_session_in_room(struct bb_tls_session *t, uint8_t **p);
void bb_tls_session_in_done(struct bb_tls_session *t, size_t n,
			    uint64_t now_ms);
size_t bb_tls_session_net_in(struct bb_tls_session *t, const uint8_t *b,
			     size_t n, uint64_t now_ms);
void bb_tls_session_net_eof(struct bb_tls_session *t);
/* Records to send: their length (0: none) at *p; out_done: n were sent. */
size_t bb_tls_session_out(const struct bb_tls_session *t, const uint8_t **p);
void bb_tls_session_out_done(struct bb_tls_session *t, size_t n,
			     uint64_t now_ms);

/* Runs what the input allows: the handshake, plaintext held after
 * WANT_WRITE, the close_notify. Returns the state. */
enum bb_tls_state bb_tls_session_step(struct bb_tls_session *t,
				      uint64_t now_ms);

/* Plaintext side, once BB_TLS_OPEN (or CLOSING for read). read: bytes
 * (> 0), BB_EAGAIN for none yet, 0 the peer ended the stream (close_notify
 * or EOF; state CLOSED), BB_ECRYPTO on an error (FAILED). */
long bb_tls_session_read(struct bb_tls_session *t, uint8_t *b, size_t cap,
			 uint64_t now_ms);
/* How many plaintext bytes write would take now (0: wait for the output
 * to drain). */
size_t bb_tls_session_writable(const struct bb_tls_session *t);
/* Takes up to n bytes (at most writable()); returns how many, or
 * BB_ECRYPTO (FAILED), or BB_EINVAL when not OPEN. */
long bb_tls_session_write(struct bb_tls_session *t, const uint8_t *b, size_t n,
			  uint64_t now_ms);
/* The application has no more to send: close_notify after what it gave. */
void bb_tls_session_shutdown(struct bb_tls_session *t, uint64_t now_ms);

/* At or past the deadline, a session that has not failed fails with
 * BB_ETIMEDOUT (a CLOSED one whose records nobody reads, too). */
void bb_tls_session_tick(struct bb_tls_session *t, uint64_t now_ms);

/* No more plaintext either way (CLOSED or FAILED). */
static inline bool bb_tls_session_done(const struct bb_tls_session *t)
{
	return t->state >= BB_TLS_CLOSED;
}

/* True once, when our close_notify and everything before it are out: the
 * board half-closes (shutdown for writing) and keeps reading, so a peer
 * still sending (a body we refused) gets our last records, not a reset.
 * From then on input is dropped, up to BB_TLS_DRAIN_MAX bytes or
 * BB_TLS_DRAIN_MS. */
bool bb_tls_session_want_shut(struct bb_tls_session *t, uint64_t now_ms);

/* Nothing left to send or to wait for: the board closes the connection
 * (after one last try at sending what is out, for a FAILED one). */
bool bb_tls_session_over(const struct bb_tls_session *t);

/* Received bytes or decrypted plaintext the session holds unread: more
 * work without new input. */
bool bb_tls_session_pending(const struct bb_tls_session *t);

#endif
