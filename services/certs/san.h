/* subjectAltName as X.509 carries it: a DER GeneralNames sequence of
 * dNSName [2] and iPAddress [7] entries (RFC 5280 4.2.1.6). The CSR side
 * builds it from pki.hosts (mbedTLS 2.28 has no SAN writer); the checking
 * side reads it back from an issued certificate to make sure the PKI
 * signed the names we asked for and no others. I/O-free. */
#ifndef BB_CERTS_SAN_H
#define BB_CERTS_SAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BB_SAN_MAX     32
#define BB_SAN_DNS_MAX 253

struct bb_san {
	bool is_ip;
	uint32_t ip; /* host byte order */
	char dns[BB_SAN_DNS_MAX + 1];
};

struct bb_san_list {
	size_t n;
	size_t other; /* entries of other kinds seen by bb_san_parse */
	struct bb_san e[BB_SAN_MAX];
};

/* Classifies each host as an IPv4 address or a DNS name (letters, digits,
 * '-', '.', a leading "*." wildcard). 0, BB_EINVAL (a bad name: *bad is its
 * index) or BB_ETOOBIG (more than BB_SAN_MAX). */
int bb_san_from_hosts(const char *const *hosts, size_t n,
		      struct bb_san_list *out, size_t *bad);

/* The GeneralNames DER of l into buf[0..cap). Bytes written or BB_ENOSPC. */
long bb_san_der(const struct bb_san_list *l, uint8_t *buf, size_t cap);

/* Reads a GeneralNames DER (the extnValue of the SAN extension). Names of
 * other kinds are counted in ->other. 0, BB_EMALFORMED or BB_ETOOBIG. */
int bb_san_parse(const uint8_t *der, size_t len, struct bb_san_list *out);

/* Same set of names (DNS compared case-insensitively, order ignored,
 * nothing of another kind). */
bool bb_san_equal(const struct bb_san_list *a, const struct bb_san_list *b);

#endif
