/* The HTTP service both boards run (firmware/serve/serve_http.c) whole, on
 * a fake board.h with a fake clock: the input is a script of stream events
 * — bytes arriving in chunks of any size, the send buffer taking any
 * amount, the peer closing, time passing (the connections' timers), the
 * board resetting a stream, more connections (past max_connections: 503)
 * — against the firmware's real routes. One stream may be HTTPS instead:
 * a real mbedTLS client (pre-shared key, so a handshake costs no public-key
 * operation) whose plaintext is the input's bytes and whose records the
 * fake stream carries both ways. Checks that no event order reads or
 * writes out of bounds or loses track of a connection. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <unistd.h>

#include "board/linux/loop.h"
#include "firmware/serve/serve_http.c"
#include "tests/unit/tls_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NSTREAMS 4

struct bb_stream {
	bool open;
	const struct bb_stream_ops *ops;
	void *arg;
	uint8_t pending[4096];
	size_t npending;
	bool tls; /* fs[TLS_SLOT] accepted on the HTTPS listener */
};
struct bb_board_timer {
	bb_board_timer_fn fn;
	void *arg;
	bool used, armed;
	uint64_t when;
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
static struct bb_listener fl, fls; /* HTTP, HTTPS */
#define TLS_SLOT (NSTREAMS - 1)
/* the HTTPS stream's client: its records to the server are that stream's
 * pending bytes; what the server writes on it lands in s2c */
static mbedtls_ssl_context cli;
static bool cli_up;
static uint8_t s2c[1 << 16];
static size_t s2c_off, s2c_len;
#define NTIMERS 32
static struct bb_board_timer ft[NTIMERS];
static uint64_t now_ms = 1000;
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
uint64_t bb_board_now_ms(void)
{
	return now_ms;
}
int64_t bb_board_wall_now(void)
{
	return 1700000000 + (int64_t)(now_ms / 1000);
}
struct bb_board_timer *bb_board_timer_new(bb_board_timer_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < NTIMERS; i++)
		if (!ft[i].used) {
			ft[i] =
			    (struct bb_board_timer){fn, arg, true, false, 0};
			return &ft[i];
		}
	return NULL; /* the service copes with no timer */
}
void bb_board_timer_arm(struct bb_board_timer *t, uint64_t ms)
{
	t->armed = true;
	t->when = now_ms + ms;
}
void bb_board_timer_cancel(struct bb_board_timer *t)
{
	if (t)
		t->armed = false;
}
void bb_board_timer_free(struct bb_board_timer *t)
{
	if (t)
		t->used = t->armed = false;
}
/* Due timers fire once each, as a board's loop runs them. */
static void run_timers(void)
{
	size_t i, fired = 0;

	for (i = 0; i < NTIMERS && fired < 1000; i++)
		if (ft[i].used && ft[i].armed && ft[i].when <= now_ms) {
			ft[i].armed = false;
			fired++;
			ft[i].fn(ft[i].arg);
			i = (size_t)-1; /* a callback may arm any of them */
		}
}
struct bb_listener *bb_tcp_listen(uint32_t addr, uint16_t port, bb_accept_fn fn,
				  void *arg)
{
	struct bb_listener *l = port == 8443 ? &fls : &fl;

	(void)addr;
	l->fn = fn;
	l->arg = arg;
	return l;
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
	if (!s->open)
		return 0;
	if (s->tls) { /* the client reads these records */
		if (s2c_off == s2c_len)
			s2c_off = s2c_len = 0;
		n = n < sizeof(s2c) - s2c_len ? n : sizeof(s2c) - s2c_len;
		memcpy(s2c + s2c_len, p, n);
		s2c_len += n;
	}
	return n;
}
size_t bb_stream_write_more(struct bb_stream *s, const void *p, size_t len)
{
	return bb_stream_write(s, p, len);
}
void bb_stream_caps(struct bb_stream_caps *c)
{
	c->streams = NSTREAMS;
	c->tls = 0;
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
void bb_udp_close(struct bb_udp *u)
{
	(void)u;
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
/* the Linux growing file's (linked here): the fake serves zeros */
int bb_file_adopt(int fd, uint64_t size, struct bb_file **f)
{
	close(fd);
	ffile.size = size;
	*f = &ffile;
	return 0;
}
/* the routes' files and the cache's: the same fake file of zeros */
int bb_file_open_confined(const char *root, const char *rel, struct bb_file **f,
			  uint64_t *mtime_ns)
{
	(void)root;
	*mtime_ns = 1700000000ull * 1000000000ull;
	return bb_file_open(NULL, rel, f);
}
void bb_file_confined_flush(void)
{
}
int bb_file_open_path(const char *path, struct bb_file **f, uint64_t *mtime_ns)
{
	return bb_file_open_confined(NULL, path, f, mtime_ns);
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

/* The certificate "files": the fixture's server configuration, which
 * also takes the client's pre-shared key. */
struct bb_tls_cred {
	int refs;
};
static struct bb_tls_cred fcred;
static const mbedtls_ssl_config *cli_conf;

struct bb_tls_cred *bb_tls_cred_load(const char *cert_path,
				     const char *key_path, char *msg,
				     size_t cap)
{
	(void)cert_path, (void)key_path, (void)msg, (void)cap;
	fcred.refs++;
	return &fcred;
}
struct bb_tls_cred *bb_tls_cred_get(struct bb_tls_cred *c)
{
	c->refs++;
	return c;
}
void bb_tls_cred_put(struct bb_tls_cred *c)
{
	if (c && --c->refs < 0)
		__builtin_trap(); /* put more often than got */
}
int bb_tls_cred_changed(const struct bb_tls_cred *c, const char *cert_path,
			const char *key_path)
{
	(void)cert_path, (void)key_path;
	return !c;
}
const struct mbedtls_ssl_config *bb_tls_cred_conf(const struct bb_tls_cred *c)
{
	(void)c;
	return &bb_tls_fixture(0)->server;
}
void bb_tls_cred_serial(const struct bb_tls_cred *c, char *buf, size_t cap)
{
	(void)c;
	snprintf(buf, cap, "01");
}

static int cli_send(void *ctx, const unsigned char *p, size_t n)
{
	struct bb_stream *s = &fs[TLS_SLOT];

	(void)ctx;
	n = n < sizeof(s->pending) - s->npending
		? n
		: sizeof(s->pending) - s->npending;
	if (!n)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	memcpy(s->pending + s->npending, p, n);
	s->npending += n;
	return (int)n;
}
static int cli_recv(void *ctx, unsigned char *p, size_t n)
{
	(void)ctx;
	if (s2c_off == s2c_len)
		return MBEDTLS_ERR_SSL_WANT_READ;
	n = n < s2c_len - s2c_off ? n : s2c_len - s2c_off;
	memcpy(p, s2c + s2c_off, n);
	s2c_off += n;
	return (int)n;
}

/* The client's turn: its handshake, and reading (and dropping) answers. */
static void cli_pump(void)
{
	unsigned char buf[4096];
	int i;

	if (!cli_up)
		return;
	for (i = 0; i < 8; i++)
		if (mbedtls_ssl_read(&cli, buf, sizeof(buf)) <= 0)
			break;
}

static void cli_write(const uint8_t *p, size_t n)
{
	if (cli_up && n)
		mbedtls_ssl_write(&cli, p, n); /* WANT_*: the bytes are lost */
}

static void cli_end(void)
{
	if (cli_up)
		mbedtls_ssl_free(&cli);
	cli_up = false;
	s2c_off = s2c_len = 0;
}

static struct bb_serve srv;

static void setup(void)
{
	static const char yaml[] =
	    "appliance: {name: f, address: 192.168.2.2, state_dir: "
	    "/nonexistent/bootbox-fuzz}\n"
	    "pki: {endpoint: \"http://127.0.0.1:1\", cn: f.test}\n"
	    "http: {listen: 192.168.2.2:8080, tls_listen: 192.168.2.2:8443, "
	    "max_connections: 3}\n"
	    "boot:\n  assets_dir: /nonexistent/bootbox-fuzz/assets\n"
	    "  profiles:\n    - id: p\n      kernel: /assets/k\n"
	    "  groups:\n    - id: all\n      profile: p\n";
	FILE *devnull = fopen("/dev/null", "w");

	bb_log_verbosity = getenv("FUZZ_LOG") ? BB_LOG_INFO : BB_LOG_ERR;
	if (bb_config_parse("fuzz.yaml", yaml, sizeof(yaml) - 1, devnull,
			    &srv.cfg))
		__builtin_trap();
	fclose(devnull);
	(void)bb_loop_new(); /* the board loop, for what the fake leaves to
				Linux */
	bb_serve_boot_start(&srv);
	if (!bb_tls_fixture(0) ||
	    !(cli_conf = bb_tls_fixture_psk_client(bb_tls_fixture(0))))
		__builtin_trap();
}

/* An HTTPS connection in TLS_SLOT, with a fresh client. */
static void accept_tls(void)
{
	struct bb_udp_peer from = {.ip = 0xc0a80265, .port = 40001};
	struct bb_stream *s = &fs[TLS_SLOT];

	if (s->open || !fls.fn)
		return;
	cli_end();
	mbedtls_ssl_init(&cli);
	if (mbedtls_ssl_setup(&cli, cli_conf))
		return;
	mbedtls_ssl_set_bio(&cli, NULL, cli_send, cli_recv, NULL);
	cli_up = true;
	memset(s, 0, sizeof(*s));
	s->open = true;
	s->tls = true;
	s->arg = fls.fn(fls.arg, s, &from, &s->ops);
	if (!s->arg)
		s->open = false;
	mbedtls_ssl_handshake(&cli); /* the ClientHello */
	deliver(s);
}

static void accept_one(void)
{
	struct bb_udp_peer from = {.ip = 0xc0a80264, .port = 40000};
	size_t i;

	for (i = 0; i < NSTREAMS; i++) {
		struct bb_stream *s = &fs[i];

		if (s->open || i == TLS_SLOT)
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
	bb_tls_fixture(1); /* one input, one sequence of randoms */
	file_size = (uint64_t)data[0] * 977;
	budget = (size_t)data[1] * 64;
	i = 2;
	memset(fs, 0, sizeof(fs));
	if (bb_serve_http_start(&srv))
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
			if (s->open && s->tls) { /* as the client's plaintext */
				mbedtls_ssl_handshake(&cli);
				cli_write(data + i, k);
			} else if (s->open &&
				   k <= sizeof(s->pending) - s->npending) {
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
		case 4: /* time passes: up to 25.5 s, by 100 ms */
			now_ms += (uint64_t)arg * 100;
			run_timers();
			break;
		case 5: /* the board resets it */
			if (s->open) {
				s->open = false;
				s->ops->closed(s->arg, s);
			}
			break;
		case 6:
			accept_one();
			run_timers(); /* the 503 of a refused one */
			break;
		default: accept_tls(); break;
		}
		if (fs[TLS_SLOT].open && fs[TLS_SLOT].tls) {
			cli_pump();
			deliver(&fs[TLS_SLOT]);
		}
	}
	bb_serve_http_stop(&srv);
	cli_end();
	if (fcred.refs)
		__builtin_trap(); /* a session kept its credential */
	return 0;
}
