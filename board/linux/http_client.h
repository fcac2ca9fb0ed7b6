/* A small blocking HTTP(S) client for the command line (the cfssl client,
 * inventory imports): one request, one reply, Connection: close. Every connect,
 * read and write is bounded by a timeout; https verifies the server against the
 * given CA bundle only (never the system store: a PKI is trusted through its
 * own bundle), IP hosts through their IP SANs. Not for the event loop: bb_fetch
 * is the non-blocking one. */
#ifndef BB_LINUX_HTTP_CLIENT_H
#define BB_LINUX_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct bb_http_req {
	const char *url;	  /* http:// or https:// */
	const char *ca_bundle;	  /* PEM file; required for https */
	const char *method;	  /* NULL: POST (HEAD when head is set) */
	const char *headers;	  /* extra header lines, each ending in \r\n */
	const char *extra_bundle; /* trusted too (PEM); NULL: none */
	const char *body;
	size_t len;
	uint32_t timeout_ms; /* per connect / read / write; 0: 10 s */
	size_t max_reply;    /* body cap; 0: 1 MiB */
	bool head;	     /* HEAD instead of POST (no body either way) */
};

struct bb_http_resp {
	int status;
	struct bb_buf body; /* the caller frees it */
	bool has_length;    /* Content-Length (for HEAD: of the resource) */
	uint64_t length;
};

/* 0 when a whole HTTP reply arrived (whatever its status). Otherwise a
 * negative BB_E* and one line in msg: BB_EINVAL (URL, bundle), BB_EIO
 * (connection refused, reset), BB_ETIMEDOUT, BB_ECRYPTO (the server's
 * certificate is not trusted), BB_EMALFORMED (not HTTP, truncated),
 * BB_ETOOBIG. */
/* (also HEAD, with r->head) */
int bb_http_post(const struct bb_http_req *r, struct bb_http_resp *out,
		 char *msg, size_t cap);
/* The same exchange; r->method names the method (a GET sends no body). */
#define bb_http_request bb_http_post

#endif
