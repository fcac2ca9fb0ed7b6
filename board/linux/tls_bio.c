#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "board/linux/tls_bio.h"

static int bio_send(void *ctx, const unsigned char *p, size_t n)
{
	struct bb_tls_bio *b = ctx;

	return mbedtls_net_send(b->net, p, n);
}

static int bio_recv(void *ctx, unsigned char *p, size_t n)
{
	struct bb_tls_bio *b = ctx;
	size_t k;

	if (b->off == b->len) {
		ssize_t r = recv(b->net->fd, b->buf, sizeof(b->buf), 0);

		if (r < 0)
			/* a blocking socket's SO_RCVTIMEO is EAGAIN too: the
			 * caller sees a read that made no progress */
			return errno == EAGAIN || errno == EWOULDBLOCK ||
				       errno == EINTR
				   ? MBEDTLS_ERR_SSL_WANT_READ
				   : MBEDTLS_ERR_NET_RECV_FAILED;
		if (r == 0)
			return 0;
		b->off = 0;
		b->len = (size_t)r;
	}
	k = b->len - b->off < n ? b->len - b->off : n;
	memcpy(p, b->buf + b->off, k);
	b->off += k;
	return (int)k;
}

void bb_tls_bio_set(mbedtls_ssl_context *ssl, struct bb_tls_bio *b,
		    mbedtls_net_context *net)
{
	b->net = net;
	b->off = b->len = 0;
	mbedtls_ssl_set_bio(ssl, b, bio_send, bio_recv, NULL);
}

size_t bb_tls_bio_pending(const struct bb_tls_bio *b)
{
	return b->len - b->off;
}
