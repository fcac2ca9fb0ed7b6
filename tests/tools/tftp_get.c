/* A small TFTP read client for the benchmarks (RFC 1350), asking for
 * blksize (RFC 2348), tsize (RFC 2349) and windowsize (RFC 7440):
 *   tftp_get [-b BLKSIZE] [-w WINDOW] [-o FILE] [-T SECS] [-r MS]
 *            [-v] HOST PORT NAME
 * Writes the file to FILE (default /dev/null) and prints
 * "<bytes> <seconds> <blksize> <window>". A server that ignores the options
 * gets plain 512-byte lock-step. Bounded: -T total seconds (default 60),
 * -r ms before an ACK is sent again (default 500), 6 tries in a row.
 * -v: the gaps and timeouts seen, on stderr.
 * Exit 0 on success, 1 on failure, 2 on usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { RRQ = 1, DATA = 3, ACK = 4, ERR = 5, OACK = 6 };
#define MAXPKT (65464 + 4)
#define TRIES  6

struct client {
	int sock, out;
	struct sockaddr_in srv;
	bool connected;
	uint32_t blksize, window;
	uint64_t tsize;
	bool have_tsize;
	uint32_t got; /* blocks received in order (32-bit, wraps on wire) */
	uint64_t bytes;
	uint8_t pkt[MAXPKT];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int put_str(uint8_t *b, size_t cap, size_t off, const char *s)
{
	size_t n = strlen(s) + 1;

	if (off + n > cap)
		return -1;
	memcpy(b + off, s, n);
	return (int)(off + n);
}

static int build_rrq(uint8_t *b, size_t cap, const char *name, uint32_t blksize,
		     uint32_t window)
{
	char v[16];
	int o = 2;

	b[0] = 0;
	b[1] = RRQ;
	o = put_str(b, cap, (size_t)o, name);
	if (o > 0)
		o = put_str(b, cap, (size_t)o, "octet");
	if (o > 0 && blksize != 512) {
		snprintf(v, sizeof(v), "%u", blksize);
		o = put_str(b, cap, (size_t)o, "blksize");
		if (o > 0)
			o = put_str(b, cap, (size_t)o, v);
	}
	if (o > 0)
		o = put_str(b, cap, (size_t)o, "tsize");
	if (o > 0)
		o = put_str(b, cap, (size_t)o, "0");
	if (o > 0 && window > 1) {
		snprintf(v, sizeof(v), "%u", window);
		o = put_str(b, cap, (size_t)o, "windowsize");
		if (o > 0)
			o = put_str(b, cap, (size_t)o, v);
	}
	return o;
}

static int send_ack(struct client *c, uint32_t block)
{
	uint8_t a[4] = {0, ACK, (uint8_t)(block >> 8), (uint8_t)block};

	return send(c->sock, a, sizeof(a), 0) == sizeof(a) ? 0 : -1;
}

/* The OACK's options: only those we asked for, within what we asked. */
static int parse_oack(struct client *c, size_t len, uint32_t want_blk,
		      uint32_t want_win)
{
	size_t i = 2;

	c->blksize = 512;
	c->window = 1;
	while (i < len) {
		const char *k = (const char *)c->pkt + i, *v;
		size_t kl = strnlen(k, len - i), vl;
		unsigned long long x;
		char *end;

		if (i + kl >= len)
			return -1;
		i += kl + 1;
		v = (const char *)c->pkt + i;
		vl = strnlen(v, len - i);
		if (i + vl >= len)
			return -1;
		i += vl + 1;
		errno = 0;
		x = strtoull(v, &end, 10);
		if (errno || end == v || *end)
			return -1;
		if (!strcasecmp(k, "blksize")) {
			if (x < 8 || x > want_blk)
				return -1;
			c->blksize = (uint32_t)x;
		} else if (!strcasecmp(k, "windowsize")) {
			if (x < 1 || x > want_win)
				return -1;
			c->window = (uint32_t)x;
		} else if (!strcasecmp(k, "tsize")) {
			c->tsize = x;
			c->have_tsize = true;
		}
	}
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: tftp_get [-b BLKSIZE] [-w WINDOW] [-o FILE] "
			"[-T SECS] [-r MS] [-v] HOST PORT NAME\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct client c;
	const char *outfile = "/dev/null";
	uint32_t want_blk = 512, want_win = 1;
	double total = 60, t0, deadline;
	int retry_ms = 500, opt, rlen, tries = 0;
	bool started = false, final = false;
	uint32_t in_window = 0, nak_for = UINT32_MAX, naks = 0, resends = 0;
	bool verbose = false;
	uint8_t rrq[600];

	while ((opt = getopt(argc, argv, "b:w:o:T:r:v")) != -1) {
		switch (opt) {
		case 'b': want_blk = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'w': want_win = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'o': outfile = optarg; break;
		case 'T': total = strtod(optarg, NULL); break;
		case 'r': retry_ms = atoi(optarg); break;
		case 'v': verbose = true; break;
		default: usage();
		}
	}
	if (argc - optind != 3 || want_blk < 8 || want_blk > 65464 ||
	    want_win < 1 || want_win > 64 || total <= 0 || retry_ms <= 0)
		usage();
	c.srv.sin_family = AF_INET;
	c.srv.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &c.srv.sin_addr) != 1)
		usage();
	rlen =
	    build_rrq(rrq, sizeof(rrq), argv[optind + 2], want_blk, want_win);
	if (rlen < 0)
		usage();
	c.out = open(outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	c.sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (c.out < 0 || c.sock < 0) {
		perror("tftp_get");
		return 1;
	}
	opt = 4 << 20;
	setsockopt(c.sock, SOL_SOCKET, SO_RCVBUF, &opt, sizeof(opt));
	c.blksize = 512;
	c.window = 1;
	t0 = now_s();
	deadline = t0 + total;
	if (sendto(c.sock, rrq, (size_t)rlen, 0, (struct sockaddr *)&c.srv,
		   sizeof(c.srv)) != rlen) {
		perror("tftp_get: send");
		return 1;
	}
	while (!final) {
		struct pollfd p = {.fd = c.sock, .events = POLLIN};
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		double left = deadline - now_s();
		ssize_t n;
		uint16_t op, blk;

		if (left <= 0) {
			fprintf(stderr, "tftp_get: total timeout (%.0f s)\n",
				total);
			return 1;
		}
		if (poll(&p, 1,
			 left * 1000 < retry_ms ? (int)(left * 1000) + 1
						: retry_ms) == 0) {
			/* nothing: say again where we are */
			if (++tries >= TRIES) {
				fprintf(stderr, "tftp_get: no answer\n");
				return 1;
			}
			if (!started)
				sendto(c.sock, rrq, (size_t)rlen, 0,
				       (struct sockaddr *)&c.srv,
				       sizeof(c.srv));
			else
				send_ack(&c, c.got);
			in_window = 0;
			resends++;
			continue;
		}
		n = recvfrom(c.sock, c.pkt, sizeof(c.pkt), 0,
			     (struct sockaddr *)&from, &fl);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 4) {
			if (n < 0)
				perror("tftp_get: recv");
			continue;
		}
		if (!c.connected) {
			if (from.sin_addr.s_addr != c.srv.sin_addr.s_addr)
				continue;
			/* the server's transfer ID: talk only to it now */
			c.srv = from;
			if (connect(c.sock, (struct sockaddr *)&from,
				    sizeof(from))) {
				perror("tftp_get: connect");
				return 1;
			}
			c.connected = true;
		} else if (from.sin_port != c.srv.sin_port) {
			continue;
		}
		op = (uint16_t)(c.pkt[0] << 8 | c.pkt[1]);
		blk = (uint16_t)(c.pkt[2] << 8 | c.pkt[3]);
		if (op == ERR) {
			fprintf(stderr, "tftp_get: error %u: %.*s\n", blk,
				(int)(n - 4), (const char *)c.pkt + 4);
			return 1;
		}
		if (op == OACK && !started) {
			if (parse_oack(&c, (size_t)n, want_blk, want_win)) {
				fprintf(stderr, "tftp_get: bad OACK\n");
				return 1;
			}
			started = true;
			tries = 0;
			send_ack(&c, 0);
			continue;
		}
		if (op != DATA)
			continue;
		started = true; /* no OACK: the server took no options */
		if (blk != (uint16_t)(c.got + 1)) {
			/* a gap: ACK the last in-order block once, and the
			 * server goes on from there (RFC 7440 section 4) */
			if (blk != (uint16_t)c.got && nak_for != c.got) {
				send_ack(&c, c.got);
				nak_for = c.got;
				in_window = 0;
				naks++;
			} else if (blk == (uint16_t)c.got && c.window == 1) {
				send_ack(&c, c.got); /* our ACK was lost */
			}
			continue;
		}
		if ((size_t)n - 4 > c.blksize) {
			fprintf(stderr, "tftp_get: block too large\n");
			return 1;
		}
		if (write_all(c.out, c.pkt + 4, (size_t)n - 4)) {
			perror("tftp_get: write");
			return 1;
		}
		c.got++;
		c.bytes += (uint64_t)n - 4;
		tries = 0;
		nak_for = UINT32_MAX;
		final = (size_t)n - 4 < c.blksize;
		if (++in_window >= c.window || final) {
			send_ack(&c, c.got);
			in_window = 0;
		}
	}
	t0 = now_s() - t0;
	if (close(c.out)) {
		perror("tftp_get: close");
		return 1;
	}
	if (c.have_tsize && c.tsize && c.tsize != c.bytes) {
		fprintf(stderr, "tftp_get: got %llu bytes, tsize said %llu\n",
			(unsigned long long)c.bytes,
			(unsigned long long)c.tsize);
		return 1;
	}
	if (verbose)
		fprintf(stderr, "tftp_get: %u gaps, %u timeouts\n", naks,
			resends);
	printf("%llu %.6f %u %u\n", (unsigned long long)c.bytes, t0, c.blksize,
	       c.window);
	return 0;
}
