/* The lwIP board's HTTP connections (board/lwip/serve_http.c) on a fake
 * board.h: the input is a script of stream events — bytes arriving in
 * chunks of any size, the send buffer taking any amount, the peer
 * closing, the timeout sweep, more connections (past max_connections:
 * 503) — against the firmware's real routes. Checks that no event order reads
 * or writes out of bounds or loses track of a connection. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "board/lwip/serve_http.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NSTREAMS 4

struct bb_stream {
	bool open;
	const struct bb_stream_ops *ops;
	void *arg;
	uint8_t pending[4096];
	size_t npending;
};
struct bb_board_timer {
	bb_board_timer_fn fn;
	void *arg;
	bool armed;
};
struct bb_listener {
	bb_accept_fn fn;
	void *arg;
};
struct bb_root {
	int unused;
};
struct bb_file {
	uint64_t size;
};

static struct bb_stream fs[NSTREAMS];
static struct bb_listener fl;
static struct bb_board_timer ft[2]; /* the sweep, the 503 kick */
static size_t nft;
static struct bb_root froot;
static struct bb_file ffile;
static size_t budget; /* what the fake send buffer takes next */
static uint64_t file_size;

const char *bb_board_errmsg(void)
{
	return "fake";
}
int bb_board_fail(int rc, const char *fmt, ...)
{
	(void)fmt;
	return rc;
}
struct bb_board_timer *bb_board_timer_new(bb_board_timer_fn fn, void *arg)
{
	struct bb_board_timer *t = &ft[nft++ % 2];

	t->fn = fn;
	t->arg = arg;
	return t;
}
void bb_board_timer_arm(struct bb_board_timer *t, uint64_t ms)
{
	(void)ms;
	t->armed = true;
}
void bb_board_timer_free(struct bb_board_timer *t)
{
	t->armed = false;
}
void bb_board_timer_cancel(struct bb_board_timer *t)
{
	t->armed = false;
}
struct bb_listener *bb_tcp_listen(uint32_t addr, uint16_t port, bb_accept_fn fn,
				  void *arg)
{
	(void)addr;
	(void)port;
	fl.fn = fn;
	fl.arg = arg;
	return &fl;
}
void bb_tcp_unlisten(struct bb_listener *l)
{
	(void)l;
}
static size_t take(size_t len)
{
	size_t n = len < budget ? len : budget;

	budget -= n;
	return n;
}
size_t bb_stream_write(struct bb_stream *s, const void *p, size_t len)
{
	volatile uint8_t sink = 0;
	size_t n = take(len), i;

	for (i = 0; i < n; i++) /* the bytes must be readable */
		sink ^= ((const uint8_t *)p)[i];
	(void)sink;
	return s->open ? n : 0;
}
size_t bb_stream_send_file(struct bb_stream *s, struct bb_file *f, uint64_t off,
			   size_t len)
{
	if (off + len > f->size)
		__builtin_trap(); /* past the end of the file */
	return s->open ? take(len) : 0;
}
static void deliver(struct bb_stream *s)
{
	while (s->open && s->npending) {
		size_t n = s->ops->data(s->arg, s, s->pending, s->npending);

		if (!s->open || !n)
			return;
		memmove(s->pending, s->pending + n, s->npending - n);
		s->npending -= n;
	}
}
void bb_stream_resume(struct bb_stream *s)
{
	(void)s; /* offered again at the next event, as lwIP's board does */
}
void bb_stream_shutdown(struct bb_stream *s)
{
	(void)s; /* reading goes on */
}
void bb_stream_close(struct bb_stream *s)
{
	s->open = false;
}
void bb_stream_abort(struct bb_stream *s)
{
	s->open = false;
}
/* UDP is not this target's: the metrics page links the TFTP service */
struct bb_udp *bb_udp_open(uint32_t addr, uint16_t port,
			   const struct bb_udp_peer *peer, bb_udp_recv_fn fn,
			   void *arg)
{
	(void)addr, (void)port, (void)peer, (void)fn, (void)arg;
	return NULL;
}
int bb_udp_open_if(const char *ifname, uint16_t port, bb_udp_recv_fn fn,
		   void (*batch_end)(void *arg, struct bb_udp *u), void *arg,
		   struct bb_udp **out)
{
	(void)ifname, (void)port, (void)fn, (void)batch_end, (void)arg,
	    (void)out;
	return BB_EIO;
}
void bb_udp_flush(struct bb_udp *u)
{
	(void)u;
}
void bb_udp_close(struct bb_udp *u)
{
	(void)u;
}
/* nor the lease journal: the metrics page links the DHCP service */
int bb_jr_open(const char *path,
	       size_t (*replay)(void *arg, const uint8_t *p, size_t len),
	       void *arg, struct bb_jr **out)
{
	(void)path, (void)replay, (void)arg, (void)out;
	return BB_EIO;
}
void bb_jr_append(struct bb_jr *j, const void *rec, size_t len)
{
	(void)j, (void)rec, (void)len;
}
int bb_jr_commit(struct bb_jr *j, void (*done)(void *arg, int rc), void *arg)
{
	(void)j, (void)done, (void)arg;
	return BB_EIO;
}
bool bb_jr_busy(const struct bb_jr *j)
{
	(void)j;
	return false;
}
int bb_jr_rewrite(struct bb_jr *j, const void *data, size_t len)
{
	(void)j, (void)data, (void)len;
	return BB_EIO;
}
uint64_t bb_jr_size(const struct bb_jr *j)
{
	(void)j;
	return 0;
}
void bb_jr_close(struct bb_jr *j)
{
	(void)j;
}
size_t bb_udp_max_payload(const struct bb_udp *u)
{
	(void)u;
	return 0;
}
int bb_udp_send(struct bb_udp *u, enum bb_udp_how how,
		const struct bb_udp_peer *to, const uint8_t hw[6],
		const void *pkt, size_t len)
{
	(void)u, (void)how, (void)to, (void)hw, (void)pkt, (void)len;
	return BB_EIO;
}
uint32_t bb_udp_local(const struct bb_udp *u)
{
	(void)u;
	return 0;
}
int bb_udp_send_tftp_data(struct bb_udp *u, struct bb_file *f, uint32_t first,
			  uint32_t count, uint32_t seg, uint64_t off,
			  uint64_t len)
{
	(void)u, (void)f, (void)first, (void)count, (void)seg, (void)off,
	    (void)len;
	return BB_EIO;
}
void bb_board_caps(struct bb_board_caps *c)
{
	memset(c, 0, sizeof(*c));
}
struct bb_root *bb_root_open(const char *dir)
{
	(void)dir;
	return &froot;
}
void bb_root_close(struct bb_root *r)
{
	(void)r;
}
int bb_file_open(struct bb_root *r, const char *name, struct bb_file **f)
{
	(void)r;
	(void)name;
	if (!file_size)
		return BB_ENOENT;
	ffile.size = file_size;
	*f = &ffile;
	return 0;
}
uint64_t bb_file_size(const struct bb_file *f)
{
	return f->size;
}
int64_t bb_file_mtime(const struct bb_file *f)
{
	(void)f;
	return 1700000000;
}
long bb_file_pread(struct bb_file *f, void *buf, size_t len, uint64_t off)
{
	(void)f;
	(void)off;
	memset(buf, 0, len);
	return (long)len;
}
void bb_file_close(struct bb_file *f)
{
	(void)f;
}

static struct bb_serve srv;

static void setup(void)
{
	static const char yaml[] =
	    "appliance: {name: f, address: 192.168.2.2, state_dir: "
	    "/nonexistent/bootbox-fuzz}\n"
	    "http: {listen: 192.168.2.2:8080, max_connections: 3}\n"
	    "boot:\n  assets_dir: /nonexistent/bootbox-fuzz/assets\n"
	    "  profiles:\n    - id: p\n      kernel: /assets/k\n"
	    "  groups:\n    - id: all\n      profile: p\n";
	FILE *devnull = fopen("/dev/null", "w");

	bb_log_verbosity = BB_LOG_ERR;
	if (bb_config_parse("fuzz.yaml", yaml, sizeof(yaml) - 1, devnull,
			    &srv.cfg))
		__builtin_trap();
	fclose(devnull);
	srv.loop = bb_loop_new();
	bb_serve_boot_start(&srv);
}

static void accept_one(void)
{
	struct bb_udp_peer from = {0xc0a80264, 40000};
	size_t i;

	for (i = 0; i < NSTREAMS; i++) {
		struct bb_stream *s = &fs[i];

		if (s->open)
			continue;
		memset(s, 0, sizeof(*s));
		s->open = true;
		s->arg = fl.fn(fl.arg, s, &from, &s->ops);
		if (!s->arg)
			s->open = false;
		return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 0, k;

	if (!srv.cfg)
		setup();
	if (size < 2)
		return 0;
	file_size = (uint64_t)data[0] * 977;
	budget = (size_t)data[1] * 64;
	i = 2;
	memset(fs, 0, sizeof(fs));
	if (bb_lwip_http_start(&srv))
		return 0;
	accept_one();
	while (i + 1 < size) {
		uint8_t op = data[i], arg = data[i + 1];
		struct bb_stream *s = &fs[op >> 6];

		i += 2;
		switch (op & 7) {
		case 0: /* bytes arrive */
		case 1:
			k = arg < size - i ? arg : size - i;
			if (s->open && k <= sizeof(s->pending) - s->npending) {
				memcpy(s->pending + s->npending, data + i, k);
				s->npending += k;
			}
			i += k;
			if (s->open)
				deliver(s);
			break;
		case 2: /* the send buffer drains */
			budget += (size_t)arg * 97;
			if (s->open && s->ops->writable)
				s->ops->writable(s->arg, s);
			if (s->open)
				deliver(s);
			break;
		case 3: /* the peer closes */
			if (s->open)
				s->ops->data(s->arg, s, NULL, 0);
			break;
		case 4: /* a second of the sweep */
			for (k = 0; k <= (size_t)(arg & 15); k++)
				if (ft[0].fn)
					ft[0].fn(ft[0].arg);
			if (ft[1].fn)
				ft[1].fn(ft[1].arg);
			break;
		case 5: /* the board resets it */
			if (s->open) {
				s->open = false;
				s->ops->closed(s->arg, s);
			}
			break;
		default: accept_one(); break;
		}
	}
	bb_lwip_http_stop(&srv);
	return 0;
}
