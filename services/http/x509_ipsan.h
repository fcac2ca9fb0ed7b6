/* mbedTLS 2.28 neither lists iPAddress subjectAltNames nor matches an IP
 * host against them, so an https://<IPv4>/ endpoint (the PKI at
 * 192.168.2.4:8000, a test factory on 127.0.0.1) could never verify. These
 * read the SAN extension from the certificate's DER and take part in
 * verification: an IP host is accepted only when a SAN equals it. Both
 * boards' TLS clients use it (the lwIP board has no resolver: its hosts
 * are IP literals). */
#ifndef BB_X509_IPSAN_H
#define BB_X509_IPSAN_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

/* IPv4 SANs of crt (host byte order) into ips[0..cap); returns how many
 * there are (possibly more than cap), or -1 on malformed DER. */
int bb_x509_ip_sans(const mbedtls_x509_crt *crt, uint32_t *ips, size_t cap);

/* The extnValue of crt's subjectAltName extension (a GeneralNames DER,
 * pointing into crt): 1 found, 0 no such extension, -1 malformed. */
int bb_x509_san_ext(const mbedtls_x509_crt *crt, unsigned char **der,
		    size_t *der_len);

struct bb_tls_host {
	char name[254];
	int is_ip;
	uint32_t ip;
};

/* Fills h from a host string, sets ssl's expected name (and SNI) and, for an
 * IP, a verify hook on conf that clears the name mismatch only when an IP SAN
 * matches. h must outlive the handshake. 0 or -1. */
int bb_tls_set_host(mbedtls_ssl_config *conf, mbedtls_ssl_context *ssl,
		    struct bb_tls_host *h, const char *host);

#endif
