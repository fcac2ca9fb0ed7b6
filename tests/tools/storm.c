/* storm: a rack powering on at once. N simulated machines, all starting
 * within a window, each do what a netbooting node does: DHCP (DISCOVER,
 * OFFER, REQUEST, ACK, through a relay address so one namespace can speak
 * for many MACs), then over one keep-alive HTTP connection GET /boot.ipxe,
 * GET /ipxe?mac=..., the kernel and the initrd. Bounded: every client has
 * four DHCP tries and the whole run a deadline. Prints one line of
 * key=value figures for the benchmark script. dhcp_net is the part of the
 * DHCP time from each request's send to its reply's arrival in this
 * tool's socket (the kernel's stamp): the rest is this one thread's
 * own wait to read it (it looks every FAST_EVERY_MS between downloads).
 *   storm -s SERVER -g GIADDR -n N [-w WINDOW_MS] [-p PORT] [-k PATH]
 *         [-i PATH] [-t SECS] [-m MACBYTE] [-o FILE] [-r KIB]
 * -o writes each machine's start, DHCP, script and done times (ms). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum phase { P_WAIT, P_DHCP, P_HTTP, P_DONE, P_FAIL };

struct client {
	enum phase phase;
	uint8_t mac[6];
	uint32_t xid;
	double start, sent, dhcp_ms, net_ms, offer_net;
	int tries;
	uint8_t state; /* 1 discovering, 3 requesting */
	uint32_t yiaddr, sid;
	int fd;
	int req;	 /* index into the request list */
	double req_sent; /* of the current request */
	char head[4096];
	size_t hlen;
	long long left; /* body bytes still to read; -1: in the head */
	double script_ms[2];
	double done_ms; /* since the storm began */
};

static struct {
	uint32_t server, giaddr;
	int n, window_ms, port, secs;
	const char *kernel, *initrd;
	const char *out; /* -o: one line per machine, for a closer look */
	int rcvbuf;	 /* -r KiB: a firmware's small window, not Linux's */
	uint8_t macbyte;
} opt = {.n = 100,
	 .window_ms = 1000,
	 .port = 8080,
	 .secs = 120,
	 .kernel = "/assets/kernel",
	 .initrd = "/assets/initrd",
	 .macbyte = 0x0a};

static struct client *cl;
/* ep_fast: the relay socket and connections still on their scripts, read
 * ahead of (and between) the downloads in ep, so that the latencies are
 * the server's and not this one thread's time spent reading bodies */
static int udp, ep, ep_fast;
static char fast_mark; /* ep_fast's entry in ep */
#define FAST_EVERY_MS 0.25
static long long bytes;
static double t_begin;
static char scratch[1 << 18];

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static size_t put_opt(uint8_t *p, uint8_t code, const void *v, uint8_t len)
{
	p[0] = code;
	p[1] = len;
	memcpy(p + 2, v, len);
	return (size_t)len + 2;
}

static void dhcp_send(struct client *c, uint8_t type)
{
	uint8_t b[548] = {0};
	size_t o = 240;
	uint32_t v;
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_port = htons(67),
				 .sin_addr.s_addr = htonl(opt.server)};
	static const uint8_t prl[] = {1, 3, 6, 12, 15, 66, 67};

	b[0] = 1;
	b[1] = 1;
	b[2] = 6;
	b[3] = 1; /* one relay hop */
	v = htonl(c->xid);
	memcpy(b + 4, &v, 4);
	v = htonl(opt.giaddr);
	memcpy(b + 24, &v, 4);
	memcpy(b + 28, c->mac, 6);
	b[236] = 0x63;
	b[237] = 0x82;
	b[238] = 0x53;
	b[239] = 0x63;
	o += put_opt(b + o, 53, &type, 1);
	o += put_opt(b + o, 55, prl, sizeof(prl));
	o += put_opt(b + o, 77, "iPXE", 4);
	if (type == 3) {
		v = htonl(c->yiaddr);
		o += put_opt(b + o, 50, &v, 4);
		v = htonl(c->sid);
		o += put_opt(b + o, 54, &v, 4);
	}
	b[o++] = 255;
	c->state = type;
	c->sent = now_ms();
	sendto(udp, b, o < 300 ? 300 : o, 0, (struct sockaddr *)&to,
	       sizeof(to));
}

static const uint8_t *find_opt(const uint8_t *p, size_t len, uint8_t code,
			       uint8_t *olen)
{
	size_t i = 240;

	while (i + 1 < len && p[i] != 255) {
		if (p[i] == 0) {
			i++;
			continue;
		}
		if (i + 2 + p[i + 1] > len)
			return NULL;
		if (p[i] == code) {
			*olen = p[i + 1];
			return p + i + 2;
		}
		i += 2 + (size_t)p[i + 1];
	}
	return NULL;
}

static void http_next(struct client *c);

static void fail(struct client *c)
{
	if (c->fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		epoll_ctl(ep_fast, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	c->phase = P_FAIL;
}

static void http_start(struct client *c)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)opt.port),
				 .sin_addr.s_addr = htonl(opt.server)};
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT};
	int one = 1;

	c->phase = P_HTTP;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		c->phase = P_FAIL;
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (opt.rcvbuf)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &opt.rcvbuf,
			   sizeof(opt.rcvbuf));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    errno != EINPROGRESS) {
		fail(c);
		return;
	}
	ev.data.ptr = c;
	epoll_ctl(ep_fast, EPOLL_CTL_ADD, c->fd, &ev);
	c->req = -1;
	c->left = 0;
}

/* The reply's arrival (SO_TIMESTAMPNS, CLOCK_REALTIME) on now_ms's clock;
 * now when the kernel gave no stamp. */
static double arrival_ms(struct msghdr *m)
{
	struct cmsghdr *cm;
	struct timespec real;
	double now = now_ms();

	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SO_TIMESTAMPNS) {
			struct timespec t;
			double age;

			memcpy(&t, CMSG_DATA(cm), sizeof(t));
			clock_gettime(CLOCK_REALTIME, &real);
			age = (real.tv_sec - t.tv_sec) * 1e3 +
			      (real.tv_nsec - t.tv_nsec) / 1e6;
			return age > 0 ? now - age : now;
		}
	return now;
}

static ssize_t dhcp_recv(uint8_t *b, size_t cap, double *at)
{
	char cbuf[CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov = {b, cap};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf)};
	ssize_t n = recvmsg(udp, &m, MSG_DONTWAIT);

	if (n >= 0)
		*at = arrival_ms(&m);
	return n;
}

static void dhcp_input(void)
{
	uint8_t b[1500];
	ssize_t n;
	int k;

	for (k = 0; k < 256; k++) {
		uint32_t xid, v;
		const uint8_t *o;
		uint8_t olen;
		struct client *c;
		double at = 0;

		n = dhcp_recv(b, sizeof(b), &at);
		if (n < 240)
			return;
		memcpy(&xid, b + 4, 4);
		xid = ntohl(xid);
		if ((xid & 0xffff) >= (uint32_t)opt.n)
			continue;
		c = &cl[xid & 0xffff];
		if (c->phase != P_DHCP || c->xid != xid ||
		    memcmp(b + 28, c->mac, 6))
			continue;
		o = find_opt(b, (size_t)n, 53, &olen);
		if (!o || olen != 1)
			continue;
		if (o[0] == 2 && c->state == 1) {
			memcpy(&v, b + 16, 4);
			c->yiaddr = ntohl(v);
			o = find_opt(b, (size_t)n, 54, &olen);
			if (!o || olen != 4)
				continue;
			memcpy(&v, o, 4);
			c->sid = ntohl(v);
			c->tries = 0;
			c->offer_net = at - c->sent;
			dhcp_send(c, 3);
		} else if (o[0] == 5 && c->state == 3) {
			c->dhcp_ms = now_ms() - c->start;
			c->net_ms = c->offer_net + (at - c->sent);
			http_start(c);
		} else if (o[0] == 6) {
			fail(c);
		}
	}
}

static const char *req_path(const struct client *c, int i, char *buf,
			    size_t cap)
{
	switch (i) {
	case 0: return "/boot.ipxe";
	case 1:
		snprintf(buf, cap, "/ipxe?mac=%02x:%02x:%02x:%02x:%02x:%02x",
			 c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4],
			 c->mac[5]);
		return buf;
	case 2: return opt.kernel;
	case 3: return opt.initrd;
	}
	return NULL;
}

static void http_next(struct client *c)
{
	char path[128], req[512];
	const char *p;
	int len;

	if (c->req >= 0 && c->req < 2)
		c->script_ms[c->req] = now_ms() - c->req_sent;
	c->req++;
	if (c->req == 2) { /* the scripts are in: the downloads' set */
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};

		epoll_ctl(ep_fast, EPOLL_CTL_DEL, c->fd, NULL);
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	}
	p = req_path(c, c->req, path, sizeof(path));
	if (!p) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
		c->phase = P_DONE;
		c->done_ms = now_ms() - t_begin;
		return;
	}
	len = snprintf(
	    req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: boot\r\nUser-Agent: iPXE/1.21\r\n\r\n",
	    p);
	c->req_sent = now_ms();
	if (send(c->fd, req, (size_t)len, MSG_NOSIGNAL) != len) {
		fail(c);
		return;
	}
	c->hlen = 0;
	c->left = -1;
}

/* Reads what arrived: the head (status, Content-Length), then the body. */
static void http_input(struct client *c, uint32_t events)
{
	ssize_t n;
	int k;

	if (c->req < 0) { /* connected (or not) */
		int err = 0;
		socklen_t l = sizeof(err);
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err || (events & (EPOLLERR | EPOLLHUP))) {
			fail(c);
			return;
		}
		epoll_ctl(ep_fast, EPOLL_CTL_MOD, c->fd, &ev);
		http_next(c);
		return;
	}
	/* 1 MiB per wakeup (level-triggered: the rest comes next time) */
	for (k = 0; k < 4 && c->phase == P_HTTP; k++) {
		if (c->left < 0) {
			char *end, *cl_h;

			n = recv(c->fd, c->head + c->hlen,
				 sizeof(c->head) - 1 - c->hlen, 0);
			if (n <= 0) {
				if (n < 0 && errno == EAGAIN)
					return;
				fail(c);
				return;
			}
			c->hlen += (size_t)n;
			c->head[c->hlen] = 0;
			end = strstr(c->head, "\r\n\r\n");
			if (!end) {
				if (c->hlen == sizeof(c->head) - 1)
					fail(c);
				continue;
			}
			if (strncmp(c->head + 9, "200", 3) ||
			    !(cl_h =
				  strcasestr(c->head, "\r\nContent-Length:"))) {
				fail(c);
				return;
			}
			c->left = atoll(cl_h + 17);
			n = (ssize_t)(c->hlen - (size_t)(end + 4 - c->head));
			bytes += n;
			c->left -= n;
		} else {
			size_t want = c->left < (long long)sizeof(scratch)
					  ? (size_t)c->left
					  : sizeof(scratch);

			if (!want)
				want = 1;
			n = recv(c->fd, scratch, want, 0);
			if (n <= 0) {
				if (n < 0 && errno == EAGAIN)
					return;
				fail(c);
				return;
			}
			bytes += n;
			c->left -= n;
		}
		if (c->left == 0)
			http_next(c);
		else if (c->left < 0 && c->left != -1) {
			fail(c);
			return;
		}
	}
}

/* Machines whose start time has come send their DISCOVER; DHCP that got
 * no answer for a second tries again. Returns how many are still going. */
static int start_due(void)
{
	double t = now_ms();
	int i, live = 0;

	for (i = 0; i < opt.n; i++) {
		struct client *k = &cl[i];

		if (k->phase == P_WAIT && t >= k->start) {
			k->phase = P_DHCP;
			k->start = t;
			dhcp_send(k, 1);
		} else if (k->phase == P_DHCP && t - k->sent > 1000) {
			if (++k->tries >= 4)
				k->phase = P_FAIL;
			else
				dhcp_send(k, k->state);
		}
		live += k->phase < P_DONE;
	}
	return live;
}

/* Starts, DHCP and scripts: between downloads too, so that a long read of
 * bodies neither delays a machine's start nor its replies. */
static void fast(void)
{
	struct epoll_event evs[256];
	int n, i;

	start_due();
	n = epoll_wait(ep_fast, evs, 256, 0);
	for (i = 0; i < n; i++) {
		if (!evs[i].data.ptr)
			dhcp_input();
		else
			http_input(evs[i].data.ptr, evs[i].events);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void pct(const char *name, double *v, int n)
{
	if (!n) {
		printf(" %s_p50_ms=- %s_p99_ms=- %s_max_ms=-", name, name,
		       name);
		return;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf(" %s_p50_ms=%.2f %s_p99_ms=%.2f %s_max_ms=%.2f", name, v[n / 2],
	       name, v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], name,
	       v[n - 1]);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(67)};
	struct rlimit rl;
	double t0, deadline, *dv, *nv, *sv, *fv;
	int i, c, live, nd = 0, ns = 0, nf = 0, ok = 0;

	while ((c = getopt(argc, argv, "s:g:n:w:p:k:i:t:m:o:r:")) != -1) {
		struct in_addr a;

		switch (c) {
		case 's':
		case 'g':
			if (!inet_aton(optarg, &a))
				return 2;
			*(c == 's' ? &opt.server : &opt.giaddr) =
			    ntohl(a.s_addr);
			break;
		case 'n': opt.n = atoi(optarg); break;
		case 'w': opt.window_ms = atoi(optarg); break;
		case 'p': opt.port = atoi(optarg); break;
		case 'k': opt.kernel = optarg; break;
		case 'i': opt.initrd = optarg; break;
		case 't': opt.secs = atoi(optarg); break;
		case 'o': opt.out = optarg; break;
		case 'r': opt.rcvbuf = atoi(optarg) << 10; break;
		case 'm':
			opt.macbyte = (uint8_t)strtol(optarg, NULL, 16);
			break;
		default: return 2;
		}
	}
	if (!opt.server || !opt.giaddr || opt.n < 1 || opt.n > 65535) {
		fprintf(stderr, "usage: storm -s SERVER -g GIADDR -n N [-w MS] "
				"[-p PORT] [-k PATH] [-i PATH] [-t SECS]\n");
		return 2;
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	cl = calloc((size_t)opt.n, sizeof(*cl));
	dv = calloc((size_t)opt.n, sizeof(*dv));
	nv = calloc((size_t)opt.n, sizeof(*nv));
	sv = calloc((size_t)opt.n * 2, sizeof(*sv));
	fv = calloc((size_t)opt.n, sizeof(*fv));
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(opt.giaddr);
	if (!cl || !dv || !nv || !sv || !fv || udp < 0 ||
	    bind(udp, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("storm: relay socket on port 67");
		return 1;
	}
	i = 1 << 22;
	setsockopt(udp, SOL_SOCKET, SO_RCVBUF, &i, sizeof(i));
	i = 1;
	setsockopt(udp, SOL_SOCKET, SO_TIMESTAMPNS, &i, sizeof(i));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ep_fast = epoll_create1(EPOLL_CLOEXEC);
	{
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

		epoll_ctl(ep_fast, EPOLL_CTL_ADD, udp, &ev);
		ev.data.ptr = &fast_mark;
		epoll_ctl(ep, EPOLL_CTL_ADD, ep_fast, &ev);
	}
	srand((unsigned)time(NULL));
	t0 = t_begin = now_ms();
	for (i = 0; i < opt.n; i++) {
		cl[i].mac[0] = 0x02;
		cl[i].mac[1] = opt.macbyte;
		cl[i].mac[2] = (uint8_t)(rand() & 0xff);
		cl[i].mac[3] = 0;
		cl[i].mac[4] = (uint8_t)(i >> 8);
		cl[i].mac[5] = (uint8_t)i;
		cl[i].xid = ((uint32_t)(rand() & 0x7fff) << 16) | (uint32_t)i;
		cl[i].fd = -1;
		cl[i].start = t0 + (double)opt.window_ms * i / opt.n;
	}
	deadline = t0 + opt.secs * 1e3;
	for (;;) {
		struct epoll_event evs[256];
		double t = now_ms();
		int n;

		live = start_due();
		if (!live || t > deadline)
			break;
		n = epoll_wait(ep, evs, 256, 2);
		/* DHCP and scripts first, and again every FAST_EVERY_MS while
		 * reading downloads */
		fast();
		t = now_ms();
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr != &fast_mark)
				http_input(evs[i].data.ptr, evs[i].events);
			if (now_ms() - t >= FAST_EVERY_MS) {
				fast();
				t = now_ms();
			}
		}
	}
	if (opt.out) {
		FILE *f = fopen(opt.out, "w");

		for (i = 0; f && i < opt.n; i++)
			fprintf(f, "%d %.2f %.2f %.2f %.2f %.2f %d\n", i,
				cl[i].start - t0, cl[i].dhcp_ms,
				cl[i].script_ms[0], cl[i].script_ms[1],
				cl[i].done_ms, cl[i].phase == P_DONE);
		if (f)
			fclose(f);
	}
	for (i = 0; i < opt.n; i++) {
		if (cl[i].phase == P_DONE) {
			ok++;
			fv[nf++] = cl[i].done_ms;
			sv[ns++] = cl[i].script_ms[0];
			sv[ns++] = cl[i].script_ms[1];
		}
		if (cl[i].dhcp_ms > 0) {
			nv[nd] = cl[i].net_ms;
			dv[nd++] = cl[i].dhcp_ms;
		}
		if (cl[i].fd >= 0)
			close(cl[i].fd);
	}
	{
		double secs = (now_ms() - t0) / 1e3;

		printf("clients=%d ok=%d failed=%d secs=%.2f bytes=%lld "
		       "MiBps=%.1f",
		       opt.n, ok, opt.n - ok, secs, bytes,
		       bytes / 1048576.0 / secs);
	}
	pct("dhcp", dv, nd);
	pct("dhcp_net", nv, nd);
	pct("script", sv, ns);
	pct("done", fv, nf);
	printf("\n");
	return ok == opt.n ? 0 : 1;
}
