#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ssl.h>

#include "board/linux/accept_guard.h"
#include "board/linux/tls_cred.h"
#include "board/linux/tls_listener.h"
#include "common/err.h"
#include "http/tls_session.h"

#define RELAY_BUF 16384

/* The TLS itself is services/http/tls_session.c; this moves bytes between
 * the socket, that engine and the socketpair to the HTTP server. */
struct tconn {
	struct bb_tls_listener *l;
	struct tconn *prev, *next;
	struct bb_tls_cred *cred; /* the pair this connection started with */
	int fd;			  /* the TLS side */
	int pfd;		  /* our end of the pair, -1 before handshake */
	bool plain_eof;
	uint32_t ip;
	uint16_t port;
	struct bb_timer timer;
	/* plaintext on its way to the pair */
	uint8_t t2p[RELAY_BUF];
	size_t t2p_len, t2p_off;
	struct bb_tls_session tls;
};

struct bb_tls_listener {
	struct bb_loop *loop;
	struct bb_tls_listener_opts o;
	char *cert_path, *key_path;
	int lfd;
	struct bb_accept_guard guard; /* EMFILE: accept-and-close, back off */
	struct bb_tls_cred *cur;      /* NULL until a usable pair exists */
	struct tconn *conns;
	uint32_t open;
	struct bb_timer check;
	int last_err; /* not to repeat the same complaint every poll */
};

__attribute__((format(printf, 3, 4))) static void
say(struct bb_tls_listener *l, int is_error, const char *fmt, ...)
{
	char line[600];
	va_list ap;

	if (!l->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	l->o.log(l->o.ctx, is_error, line);
}

static void conn_close(struct tconn *c)
{
	struct bb_tls_listener *l = c->l;

	bb_timer_cancel(l->loop, &c->timer);
	bb_loop_del_fd(l->loop, c->fd);
	close(c->fd);
	if (c->pfd >= 0) {
		bb_loop_del_fd(l->loop, c->pfd);
		close(c->pfd);
	}
	bb_tls_session_free(&c->tls);
	bb_tls_cred_put(c->cred);
	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	l->open--;
	free(c);
}

static void on_io(struct bb_loop *loop, int fd, uint32_t ev, void *arg);

/* The handshake is done: the decrypted stream goes to the HTTP server. */
static int open_pair(struct tconn *c)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv))
		return -1;
	if (bb_loop_add_fd(c->l->loop, sv[0], BB_EV_READ, on_io, c)) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	c->pfd = sv[0];
	/* refused (connection limit) it still answers 503 through the pair */
	bb_http_server_adopt(c->l->o.http, sv[1], c->ip, c->port);
	return 0;
}

static bool again(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* Each mover: 1 progress, 0 none, -1 the connection is over. */
static int net_read(struct tconn *c, uint64_t now)
{
	uint8_t *p;
	size_t room = bb_tls_session_in_room(&c->tls, &p);
	ssize_t n;

	if (!room)
		return 0;
	n = recv(c->fd, p, room, 0);
	if (n > 0) {
		bb_tls_session_in_done(&c->tls, (size_t)n, now);
		return 1;
	}
	if (n < 0 && again())
		return 0;
	bb_tls_session_net_eof(&c->tls);
	return 1;
}

static int net_write(struct tconn *c, uint64_t now)
{
	const uint8_t *p;
	size_t len = bb_tls_session_out(&c->tls, &p);
	ssize_t n;

	if (!len)
		return 0;
	n = send(c->fd, p, len, MSG_NOSIGNAL);
	if (n < 0 && again())
		return 0;
	if (n <= 0)
		return -1;
	bb_tls_session_out_done(&c->tls, (size_t)n, now);
	return 1;
}

static int tls_to_plain(struct tconn *c, uint64_t now)
{
	int progress = 0;
	long rc;
	ssize_t n;

	/* after the HTTP side closed, only our records still go out */
	if (c->pfd < 0 || c->plain_eof)
		return 0;
	if (c->t2p_off == c->t2p_len) {
		c->t2p_off = c->t2p_len = 0;
		rc = bb_tls_session_read(&c->tls, c->t2p, sizeof(c->t2p), now);
		if (rc == BB_EAGAIN)
			return 0;
		if (rc <= 0)
			return -1; /* close_notify, EOF or an error */
		c->t2p_len = (size_t)rc;
		progress = 1;
	}
	n = send(c->pfd, c->t2p + c->t2p_off, c->t2p_len - c->t2p_off,
		 MSG_NOSIGNAL);
	if (n < 0 && again())
		return progress;
	if (n <= 0)
		return -1;
	c->t2p_off += (size_t)n;
	return 1;
}

static int plain_to_tls(struct tconn *c, uint64_t now)
{
	uint8_t buf[RELAY_BUF];
	size_t room = bb_tls_session_writable(&c->tls);
	ssize_t n;

	if (c->pfd < 0 || c->plain_eof || !room)
		return 0;
	n = recv(c->pfd, buf, room < sizeof(buf) ? room : sizeof(buf), 0);
	if (n < 0 && again())
		return 0;
	if (n <= 0) {
		c->plain_eof = true; /* the HTTP side is done */
		bb_tls_session_shutdown(&c->tls, now);
		return 1;
	}
	/* it takes all of them: no more than writable() */
	return bb_tls_session_write(&c->tls, buf, (size_t)n, now) < 0 ? -1 : 1;
}

static void set_interest(struct tconn *c, uint64_t now, bool more)
{
	struct bb_tls_listener *l = c->l;
	const uint8_t *p;
	uint8_t *q;

	bb_loop_mod_fd(l->loop, c->fd,
		       (bb_tls_session_in_room(&c->tls, &q) ? BB_EV_READ : 0) |
			   (bb_tls_session_out(&c->tls, &p) ? BB_EV_WRITE : 0));
	if (c->pfd >= 0)
		bb_loop_mod_fd(
		    l->loop, c->pfd,
		    (!c->plain_eof && bb_tls_session_writable(&c->tls)
			 ? BB_EV_READ
			 : 0) |
			(c->t2p_off < c->t2p_len ? BB_EV_WRITE : 0));
	/* more: a turn ended with work left that no fd will announce */
	bb_timer_arm(l->loop, &c->timer,
		     more			? 0
		     : c->tls.deadline_ms > now ? c->tls.deadline_ms - now
						: 0);
}

/* Bounded, so one fast connection cannot hold the loop. */
#define PUMP_TURNS 16

static void pump(struct tconn *c)
{
	uint64_t now = bb_loop_now_ms(c->l->loop);
	int a = 0, b = 0, r, w, turns = 0;

	do {
		r = net_read(c, now);
		bb_tls_session_step(&c->tls, now);
		if (c->tls.state == BB_TLS_OPEN && c->pfd < 0 && open_pair(c))
			goto out_close;
		a = tls_to_plain(c, now);
		b = a < 0 ? -1 : plain_to_tls(c, now);
		w = net_write(c, now);
		if (w < 0)
			goto out_close;
	} while ((r > 0 || a > 0 || b > 0 || w > 0) && ++turns < PUMP_TURNS);
	if (a < 0 || b < 0 || bb_tls_session_over(&c->tls)) {
		net_write(c, now); /* an alert, if any, gets one try */
		goto out_close;
	}
	/* our close_notify is out: half-close and read until the peer
	 * closes, so what it still sends does not reset our last records */
	if (bb_tls_session_want_shut(&c->tls, now))
		shutdown(c->fd, SHUT_WR);
	set_interest(c, now,
		     turns == PUMP_TURNS && bb_tls_session_pending(&c->tls));
	return;
out_close:
	conn_close(c);
}

static void on_io(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	(void)loop;
	(void)fd;
	(void)ev;
	pump(arg);
}

/* The session's deadline (handshake, then idle), or a turn left over. */
static void on_timeout(struct bb_loop *loop, void *arg)
{
	struct tconn *c = arg;

	bb_tls_session_tick(&c->tls, bb_loop_now_ms(loop));
	pump(c);
}

static void adopt(struct bb_tls_listener *l, int fd, struct sockaddr_in *sa)
{
	struct tconn *c;

	if (!l->cur || l->open >= l->o.max_conns ||
	    !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	c->l = l;
	c->fd = fd;
	c->pfd = -1;
	c->ip = ntohl(sa->sin_addr.s_addr);
	c->port = ntohs(sa->sin_port);
	bb_timer_init(&c->timer, on_timeout, c);
	if (bb_tls_session_init(&c->tls, &l->cur->conf, bb_loop_now_ms(l->loop),
				l->o.handshake_timeout_ms,
				l->o.idle_timeout_ms)) {
		close(fd);
		free(c);
		return;
	}
	if (bb_loop_add_fd(l->loop, fd, BB_EV_READ, on_io, c)) {
		bb_tls_session_free(&c->tls);
		close(fd);
		free(c);
		return;
	}
	c->cred = l->cur;
	l->cur->refs++;
	c->next = l->conns;
	if (c->next)
		c->next->prev = c;
	l->conns = c;
	l->open++;
	bb_timer_arm(l->loop, &c->timer, l->o.handshake_timeout_ms);
}

static void on_accept(struct bb_loop *loop, int lfd, uint32_t ev, void *arg)
{
	struct bb_tls_listener *l = arg;
	int i;

	(void)loop;
	(void)ev;
	(void)lfd;
	for (i = 0; i < 64; i++) {
		struct sockaddr_in sa;
		int fd = bb_accept_guard_accept(&l->guard, &sa);

		if (fd < 0)
			return;
		adopt(l, fd, &sa);
	}
}

int bb_tls_listener_refresh(struct bb_tls_listener *l)
{
	struct bb_tls_cred *next;
	char msg[400], serial[80];

	if (!bb_tls_cred_changed(l->cur, l->cert_path, l->key_path))
		return 0;
	next = bb_tls_cred_load(l->cert_path, l->key_path, msg, sizeof(msg));
	if (!next) {
		/* once per distinct problem; renewal writes the key first, so
		 * a mismatch for one poll is normal */
		if (l->last_err++ == 1)
			say(l, 1, "https: keeping the current certificate: %s",
			    msg);
		return BB_ECRYPTO;
	}
	l->last_err = 0;
	bb_tls_cred_put(l->cur);
	l->cur = next;
	mbedtls_x509_serial_gets(serial, sizeof(serial), &next->chain.serial);
	say(l, 0, "https: serving certificate serial %s to new connections",
	    serial);
	return 1;
}

static void on_check(struct bb_loop *loop, void *arg)
{
	struct bb_tls_listener *l = arg;

	bb_tls_listener_refresh(l);
	bb_timer_arm(loop, &l->check, l->o.check_ms);
}

static int listen_on(struct bb_tls_listener *l)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1;

	l->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(l->o.addr);
	sa.sin_port = htons(l->o.port);
	if (l->lfd < 0 ||
	    setsockopt(l->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(l->lfd, 1024) ||
	    bb_loop_add_fd(l->loop, l->lfd, BB_EV_READ, on_accept, l))
		return -1;
	bb_accept_guard_init(&l->guard, l->loop, l->lfd);
	return 0;
}

struct bb_tls_listener *
bb_tls_listener_start(struct bb_loop *loop,
		      const struct bb_tls_listener_opts *o)
{
	struct bb_tls_listener *l = calloc(1, sizeof(*l));
	int e;

	if (!l)
		return NULL;
	l->loop = loop;
	l->o = *o;
	l->lfd = -1;
	l->o.max_conns = o->max_conns ? o->max_conns : 1024;
	l->o.handshake_timeout_ms =
	    o->handshake_timeout_ms ? o->handshake_timeout_ms : 10000;
	l->o.idle_timeout_ms = o->idle_timeout_ms ? o->idle_timeout_ms : 120000;
	l->o.check_ms = o->check_ms ? o->check_ms : 5000;
	l->cert_path = strdup(o->cert_path);
	l->key_path = strdup(o->key_path);
	bb_timer_init(&l->check, on_check, l);
	if (!l->cert_path || !l->key_path || listen_on(l)) {
		e = errno;
		if (l->lfd >= 0)
			close(l->lfd);
		free(l->cert_path);
		free(l->key_path);
		free(l);
		errno = e;
		return NULL;
	}
	l->last_err = 1; /* the first problem is worth a line */
	if (bb_tls_listener_refresh(l) < 0 || !l->cur)
		say(l, 0,
		    "https: no usable certificate yet (%s); waiting for "
		    "one",
		    l->cert_path);
	bb_timer_arm(loop, &l->check, l->o.check_ms);
	return l;
}

void bb_tls_listener_stop(struct bb_tls_listener *l)
{
	if (!l)
		return;
	bb_timer_cancel(l->loop, &l->check);
	bb_accept_guard_free(&l->guard);
	bb_loop_del_fd(l->loop, l->lfd);
	close(l->lfd);
	while (l->conns)
		conn_close(l->conns);
	bb_tls_cred_put(l->cur);
	free(l->cert_path);
	free(l->key_path);
	free(l);
}
