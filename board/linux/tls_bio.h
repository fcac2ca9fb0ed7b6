/* mbedTLS reads a record as two exact reads (its header, then its body):
 * two syscalls per 16 KiB. This read side takes what the socket has, up to
 * 64 KiB, and hands it out from memory, so a bulk download costs one recv
 * per few records. Sends go straight to the socket. */
#ifndef BB_LINUX_TLS_BIO_H
#define BB_LINUX_TLS_BIO_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

struct bb_tls_bio {
	mbedtls_net_context *net;
	size_t off, len;
	uint8_t buf[65536];
};

/* Sets ssl's I/O over net through b (b must outlive ssl's use). */
void bb_tls_bio_set(mbedtls_ssl_context *ssl, struct bb_tls_bio *b,
		    mbedtls_net_context *net);
/* Bytes read from the socket that mbedTLS has not taken yet: the socket
 * no longer shows them to epoll. */
size_t bb_tls_bio_pending(const struct bb_tls_bio *b);

#endif
