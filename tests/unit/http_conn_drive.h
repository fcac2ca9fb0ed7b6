/* Drives a bb_http_conn the way a board does, with bytes from memory and a
 * clock the caller moves: shared by the unit test and the fuzz target. The
 * "handler" answers every request with 200 and a body that names the
 * target and the body's length and checksum, so a caller can check that
 * each request arrived intact and in order. */
#ifndef BB_TESTS_HTTP_CONN_DRIVE_H
#define BB_TESTS_HTTP_CONN_DRIVE_H

#include <stdio.h>
#include <string.h>

#include "http/http_conn.h"

struct drive {
	struct bb_http_conn c;
	struct bb_http_conn_cfg cfg;
	uint64_t now;
	unsigned answered, errors, last_error;
	size_t last_body;
	uint32_t last_sum;
	char last_target[64];
	/* what the "transport" took: the responses, concatenated */
	char wire[4096];
	size_t wire_len, wire_total;
	/* the size of each write the transport accepts (0: all) */
	size_t (*write_size)(void *arg, size_t want);
	void *arg;
};

static inline void drive_init(struct drive *d, uint64_t max_body,
			      uint32_t header_ms, uint32_t idle_ms)
{
	memset(d, 0, sizeof(*d));
	d->cfg.max_body = max_body;
	d->cfg.header_ms = header_ms;
	d->cfg.idle_ms = idle_ms;
	d->cfg.drain_ms = 1000;
	strcpy(d->cfg.date, "Tue, 01 Dec 2026 00:00:00 GMT");
	bb_http_conn_init(&d->c, &d->cfg, d->now);
}

static inline void drive_answer(struct drive *d)
{
	struct bb_http_head h;
	const uint8_t *body;
	size_t blen, i, tl;
	uint32_t sum = 0;
	char msg[160];
	int n;

	bb_http_conn_request(&d->c, &h, &body, &blen);
	for (i = 0; i < blen; i++)
		sum = sum * 31 + body[i];
	tl = h.target_len < sizeof(d->last_target) - 1
		 ? h.target_len
		 : sizeof(d->last_target) - 1;
	memcpy(d->last_target, h.target, tl);
	d->last_target[tl] = 0;
	d->last_body = blen;
	d->last_sum = sum;
	n = snprintf(msg, sizeof(msg), "%s %zu %u\n", d->last_target, blen,
		     (unsigned)sum);
	bb_http_conn_status(&d->c, 200, "text/plain", (uint64_t)n, NULL);
	if (h.method != BB_HTTP_HEAD)
		bb_buf_append(&d->c.out, msg, (size_t)n);
	/* every other answer also carries a file range */
	if (d->answered % 2)
		bb_http_conn_file(&d->c, 7, 3);
	d->answered++;
	bb_http_conn_answered(&d->c, d->now);
}

/* Sends everything that can be sent; bounded by the output's size. */
static inline void drive_send(struct drive *d)
{
	const char *p;
	size_t len, k;
	uint64_t off, left;
	bool more;

	while ((len = bb_http_conn_out(&d->c, &p, &more))) {
		k = d->write_size ? d->write_size(d->arg, len) : len;
		if (!k || k > len)
			k = len;
		if (d->wire_len + k <= sizeof(d->wire)) {
			memcpy(d->wire + d->wire_len, p, k);
			d->wire_len += k;
		}
		d->wire_total += k;
		bb_http_conn_sent(&d->c, k, d->now);
	}
	while ((left = bb_http_conn_file_left(&d->c, &off))) {
		k = d->write_size ? d->write_size(d->arg, (size_t)left) : left;
		if (!k || k > left)
			k = (size_t)left;
		d->wire_total += k;
		bb_http_conn_file_sent(&d->c, k, d->now);
	}
}

/* Answers and sends until the engine wants bytes, time or is closed. */
static inline void drive_run(struct drive *d)
{
	int i;

	for (i = 0; i < 100000; i++) {
		if (d->c.error) {
			d->errors++;
			d->last_error = (unsigned)d->c.error;
			d->c.error = 0;
		}
		if (d->c.st == BB_HC_READY)
			drive_answer(d);
		else if (d->c.st == BB_HC_SEND &&
			 (bb_http_conn_out(&d->c, &(const char *){0},
					   &(bool){0}) ||
			  bb_http_conn_file_left(&d->c, &(uint64_t){0})))
			drive_send(d);
		else if (bb_http_conn_want_shut(&d->c))
			d->c.shut = true;
		else
			return;
	}
}

/* Feeds len bytes in reads of at most chunk bytes (0: as many as fit). */
static inline void drive_feed(struct drive *d, const char *data, size_t len,
			      size_t chunk)
{
	while (len) {
		size_t room, k;
		char *p = bb_http_conn_rspace(&d->c, &room);

		if (!p) {
			drive_run(d);
			if (!bb_http_conn_rspace(&d->c, &room))
				return; /* it wants no more: closed or full */
			continue;
		}
		k = len < room ? len : room;
		if (chunk && k > chunk)
			k = chunk;
		memcpy(p, data, k);
		bb_http_conn_received(&d->c, k, d->now);
		data += k;
		len -= k;
		drive_run(d);
	}
}

#endif
