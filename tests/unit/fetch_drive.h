/* Drives a bb_fetchm the way board/linux/fetch.c does, against a scripted
 * "network" in memory and a clock the caller moves: shared by the unit
 * test and the fuzz target. Each connection the machine dials gets the
 * next script; a script has phases, and phase k is what the peer sends
 * once the machine has written its k-th message on that connection (the
 * proxy's CONNECT answer, then the origin's reply). Reads are cut to
 * read_size bytes, writes and body takes to write_size / take_size (0:
 * all), so the splits are the caller's. Body bytes land in file[] at the
 * offsets the machine gives; the drive checks they come in order. */
#ifndef BB_TESTS_FETCH_DRIVE_H
#define BB_TESTS_FETCH_DRIVE_H

#include <stdio.h>
#include <string.h>

#include "cache/fetch_machine.h"
#include "common/err.h"

#define FD_CONNS  8
#define FD_PHASES 2
#ifndef FD_FILE
#define FD_FILE 65536
#endif

struct fd_bytes {
	const char *p;
	size_t len;
};

struct fdrive {
	struct bb_fetchm m;
	struct bb_fetchm_cfg cfg;
	uint64_t now;
	struct fd_bytes script[FD_CONNS][FD_PHASES];
	int conns;  /* dialed so far */
	int phase;  /* of the current connection: messages written */
	size_t pos; /* in the current phase */
	bool cut;   /* the current phase ends the stream when read */
	size_t read_size, write_size, take_size;
	bool split_ok, adopt_ok;
	bool hold; /* a used-up phase blocks (fd_run returns) instead of
		      ending the stream */
	char dialed[FD_CONNS][300];
	char sent[FD_CONNS][FD_PHASES][BB_FETCHM_OUT + 1];
	uint8_t file[FD_FILE];
	uint64_t next_off; /* where the next body byte must go */
	int restarts, heads, adopts, bad;
};

static inline void fd_init(struct fdrive *d)
{
	memset(d, 0, sizeof(*d));
	d->cfg.connect_ms = 1000;
	d->cfg.read_ms = 2000;
}

static inline int fd_start(struct fdrive *d, const char *url, const char *proxy,
			   uint64_t offset)
{
	d->next_off = offset;
	return bb_fetchm_init(&d->m, &d->cfg, url, proxy, offset, d->now);
}

static inline void fd_script(struct fdrive *d, int conn, int phase,
			     const char *s)
{
	d->script[conn][phase].p = s;
	d->script[conn][phase].len = strlen(s);
}

static inline size_t fd_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

static inline void fd_write(struct fdrive *d)
{
	size_t n, have;
	const char *p = bb_fetchm_out(&d->m, &n);
	char *dst = d->sent[d->conns - 1][d->phase < FD_PHASES ? d->phase : 0];

	if (d->write_size)
		n = fd_min(n, d->write_size);
	have = strlen(dst);
	if (have + n <= BB_FETCHM_OUT) {
		memcpy(dst + have, p, n);
		dst[have + n] = 0;
	}
	bb_fetchm_sent(&d->m, n, d->now);
	if (bb_fetchm_act(&d->m) != BB_FM_WRITE) {
		d->phase++;
		d->pos = 0;
	}
}

/* One read: what the current phase has left, else the end of stream
 * (or, held, nothing: returns 1). */
static inline int fd_read(struct fdrive *d)
{
	size_t room, n = 0;
	uint8_t *p = bb_fetchm_rspace(&d->m, &room);
	const struct fd_bytes *b = NULL;

	if (d->conns && d->phase >= 1 && d->phase <= FD_PHASES)
		b = &d->script[d->conns - 1][d->phase - 1];
	if (!p || !room) {
		d->bad++; /* the machine asked to read with no room */
		return 1;
	}
	if (b && b->p && d->pos < b->len) {
		n = fd_min(room, b->len - d->pos);
		if (d->read_size)
			n = fd_min(n, d->read_size);
		memcpy(p, b->p + d->pos, n);
		d->pos += n;
	} else if (d->hold) {
		return 1;
	}
	bb_fetchm_received(&d->m, n, d->now);
	return 0;
}

static inline void fd_body(struct fdrive *d)
{
	size_t n;
	uint64_t off;
	const uint8_t *p = bb_fetchm_body(&d->m, &n, &off);

	if (d->take_size)
		n = fd_min(n, d->take_size);
	if (off != d->next_off || p < d->m.in ||
	    p + n > d->m.in + sizeof(d->m.in))
		d->bad++;
	if (off < FD_FILE)
		memcpy(d->file + off, p, (size_t)fd_min(n, FD_FILE - off));
	d->next_off = off + n;
	bb_fetchm_taken(&d->m, n);
}

/* Runs the machine until it is done, failed, waits, or max_steps. */
static inline enum bb_fetchm_act fd_run(struct fdrive *d, int max_steps)
{
	enum bb_fetchm_act a = BB_FM_WAIT;

	while (max_steps-- > 0) {
		switch ((a = bb_fetchm_act(&d->m))) {
		case BB_FM_CONNECT: {
			const struct bb_url *u = bb_fetchm_peer(&d->m);

			if (d->conns == FD_CONNS)
				return a;
			snprintf(d->dialed[d->conns], sizeof(d->dialed[0]),
				 "%s:%u%s", u->host, u->port,
				 u->tls ? " tls" : "");
			d->conns++;
			d->phase = 0;
			d->pos = 0;
			bb_fetchm_dialing(&d->m, false, d->now);
			bb_fetchm_connected(&d->m, d->now);
			break;
		}
		case BB_FM_TLS: bb_fetchm_tls_up(&d->m, d->now); break;
		case BB_FM_WRITE: fd_write(d); break;
		case BB_FM_READ:
			if (fd_read(d))
				return a;
			break;
		case BB_FM_HEAD:
			d->heads++;
			if (d->m.restart) {
				d->restarts++;
				d->m.restart = false;
				d->next_off = 0;
			}
			bb_fetchm_body_start(&d->m, d->split_ok);
			break;
		case BB_FM_BODY: fd_body(d); break;
		case BB_FM_ADOPT:
			d->adopts++;
			bb_fetchm_adopted(&d->m, d->adopt_ok);
			break;
		default: return a;
		}
	}
	return bb_fetchm_act(&d->m);
}

#endif
