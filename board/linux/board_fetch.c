/* board.h's outbound request on Linux: board/linux/http_client.c (a
 * bounded, blocking exchange) on a thread of its own per request, its
 * result handed back to the loop through an eventfd. Requests are rare
 * (a renewal, an export POST), so a thread each is cheap; the loop never
 * waits on a PKI or an importer that is slow or down. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "board/board.h"
#include "board/linux/http_client.h"
#include "board/linux/loop.h"
#include "common/err.h"

struct bb_board_fetch {
	struct bb_board_fetch *next; /* on the done list */
	/* the request, owned copies */
	char *method, *url, *ca_path, *extra_ca, *headers;
	void *body;
	size_t body_len, max_reply;
	uint32_t timeout_ms;
	bb_board_fetch_fn fn;
	void *arg;
	bool cancelled; /* the loop's; read there only */
	/* the thread's result */
	int err, status;
	struct bb_buf reply;
	char msg[256];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct bb_board_fetch *finished;
static int efd = -1;
static struct bb_loop *efd_loop; /* the board loop efd is watched on */

static void destroy(struct bb_board_fetch *f)
{
	free(f->method);
	free(f->url);
	free(f->ca_path);
	free(f->extra_ca);
	free(f->headers);
	free(f->body);
	bb_buf_free(&f->reply);
	free(f);
}

static void on_done(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_board_fetch *f, *next;
	uint64_t n;

	(void)loop;
	(void)ev;
	(void)arg;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&lock);
	f = finished;
	finished = NULL;
	pthread_mutex_unlock(&lock);
	for (; f; f = next) {
		struct bb_board_fetch_result r = {f->err, f->msg, f->status,
						  (const uint8_t *)f->reply.p,
						  f->reply.len};

		next = f->next;
		if (!f->cancelled)
			f->fn(f->arg, &r);
		destroy(f);
	}
}

static void *run(void *arg)
{
	struct bb_board_fetch *f = arg;
	struct bb_http_req r = {0};
	struct bb_http_resp resp = {0};
	uint64_t one = 1;

	r.url = f->url;
	r.ca_bundle = f->ca_path;
	r.extra_bundle = f->extra_ca;
	r.method = f->method;
	r.headers = f->headers;
	r.body = f->body;
	r.len = f->body_len;
	r.timeout_ms = f->timeout_ms;
	r.max_reply = f->max_reply;
	f->err = bb_http_request(&r, &resp, f->msg, sizeof(f->msg));
	f->status = resp.status;
	f->reply = resp.body;
	pthread_mutex_lock(&lock);
	f->next = finished;
	finished = f;
	pthread_mutex_unlock(&lock);
	if (write(efd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow here; nothing else can fail */
	}
	return NULL;
}

static char *dup_or_null(const char *s, bool *fail)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*fail = true;
	return d;
}

int bb_board_fetch_start(const struct bb_board_fetch_req *req,
			 bb_board_fetch_fn fn, void *arg,
			 struct bb_board_fetch **out)
{
	struct bb_board_fetch *f = calloc(1, sizeof(*f));
	bool fail = !f;
	pthread_t t;

	if (out)
		*out = NULL;
	if (efd < 0 && !fail)
		efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	/* a command may run one board loop after another */
	if (efd >= 0 && !fail && efd_loop != bb_loop_board()) {
		efd_loop = bb_loop_board();
		if (bb_loop_add_fd(efd_loop, efd, BB_EV_READ, on_done, NULL))
			efd_loop = NULL;
	}
	if (!fail && (efd < 0 || !efd_loop)) {
		free(f);
		return bb_board_fail(BB_EIO, "cannot watch for replies: %s",
				     strerror(errno));
	}
	if (f) {
		f->method =
		    dup_or_null(req->method ? req->method : "POST", &fail);
		f->url = dup_or_null(req->url, &fail);
		f->ca_path = dup_or_null(req->ca_path, &fail);
		f->extra_ca = dup_or_null(req->extra_ca, &fail);
		f->headers = dup_or_null(req->headers, &fail);
		if (req->body_len && !(f->body = malloc(req->body_len)))
			fail = true;
		else if (req->body_len)
			memcpy(f->body, req->body, req->body_len);
		f->body_len = req->body_len;
		f->timeout_ms = req->timeout_ms;
		f->max_reply = req->max_reply;
		f->fn = fn;
		f->arg = arg;
	}
	if (fail) {
		if (f)
			destroy(f);
		return bb_board_fail(BB_ENOMEM, "out of memory");
	}
	if (pthread_create(&t, NULL, run, f)) {
		destroy(f);
		return bb_board_fail(BB_EIO, "cannot start a thread");
	}
	pthread_detach(t);
	if (out)
		*out = f;
	return 0;
}

void bb_board_fetch_cancel(struct bb_board_fetch *f)
{
	/* the thread ends on its own, bounded by the request's timeouts;
	 * its result is then dropped */
	if (f)
		f->cancelled = true;
}
