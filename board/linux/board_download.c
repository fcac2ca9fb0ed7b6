/* board.h's download on the Linux board: board/linux/fetch (threads for
 * the name and for the second half of a large TLS body) on the board's
 * loop. Only the types are translated here (and no board message is
 * set: fetch.c reports through done). */
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/linux/fetch.h"
#include "board/linux/loop.h"

struct bb_board_download {
	struct bb_fetch *f;
	struct bb_board_download_cb cb;
};

static void on_progress(void *arg, uint64_t have, uint64_t total)
{
	struct bb_board_download *d = arg;

	if (d->cb.progress)
		d->cb.progress(d->cb.arg, have, total);
}

static void on_done(void *arg, const struct bb_fetch_result *r)
{
	struct bb_board_download *d = arg;
	struct bb_board_download_cb cb = d->cb;
	struct bb_board_download_result out = {0};

	out.err = r->err;
	memcpy(out.msg, r->msg, sizeof(out.msg));
	out.status = r->status;
	out.length = r->length;
	memcpy(out.sha256, r->sha256, sizeof(out.sha256));
	out.resumable = r->resumable;
	free(d);
	cb.done(cb.arg, &out);
}

struct bb_board_download *
bb_board_download_start(const struct bb_board_download_opts *o,
			const struct bb_board_download_cb *cb)
{
	struct bb_board_download *d = calloc(1, sizeof(*d));
	struct bb_fetch_opts fo = {0};
	struct bb_fetch_cb fcb = {on_progress, on_done, d};

	if (!d)
		return NULL;
	d->cb = *cb;
	fo.url = o->url;
	fo.ca_bundle = o->ca_bundle;
	fo.system_ca = o->system_ca;
	fo.proxy = o->proxy;
	fo.read_timeout_ms = o->read_timeout_ms;
	fo.fd = o->fd;
	fo.offset = o->offset;
	fo.max_bytes = o->max_bytes;
	d->f = bb_fetch_start(bb_loop_board(), &fo, &fcb);
	if (!d->f) {
		free(d);
		return NULL;
	}
	return d;
}

void bb_board_download_cancel(struct bb_board_download *d)
{
	if (!d)
		return;
	bb_fetch_cancel(d->f);
	free(d);
}
