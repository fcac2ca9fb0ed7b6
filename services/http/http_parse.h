/* HTTP/1.1 request parsing (RFC 9110/9112), I/O-free and bounded, in the
 * manner of picohttpparser: it returns how many bytes the head took,
 * BB_EPARTIAL when the head is not complete yet, or BB_EMALFORMED with the
 * status to answer (400, 414, 431, 501, 505) and the connection to close.
 * Smuggling defences: conflicting or repeated Content-Length, Content-Length
 * with Transfer-Encoding, bare CR, obs-fold, space before the colon and bad
 * header-name bytes are all 400. */
#ifndef BB_HTTP_PARSE_H
#define BB_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http_handler.h"

#define BB_HTTP_MAX_HEAD    16384 /* request line + headers */
#define BB_HTTP_MAX_LINE    8192  /* request line */
#define BB_HTTP_MAX_HEADERS 48

struct bb_http_head {
	enum bb_http_method method;
	const char *target; /* raw request-target */
	size_t target_len;
	int minor; /* HTTP/1.<minor> */
	struct bb_http_header headers[BB_HTTP_MAX_HEADERS];
	size_t nheaders;
	bool has_length;
	bool has_host;
	uint64_t content_length;
	bool keep_alive; /* after this request */
	int status;	 /* when malformed: what to answer */
};

long bb_http_parse_head(const char *buf, size_t len, struct bb_http_head *h);

/* Percent-decodes and normalises the path part of target into path
 * (NUL-terminated) and points query at what follows '?'. 0, or 400 for
 * NUL/encoded '/' or control bytes, a path climbing above '/', or an
 * absolute-form/asterisk target; 414 when it does not fit. */
int bb_http_normalize(const char *target, size_t len, char *path, size_t cap,
		      const char **query, size_t *qlen);

/* The request a handler sees, from a parsed head: its target normalised
 * into path (cap bytes), the body, the client. 0, or the status
 * bb_http_normalize refused the target with. */
int bb_http_request_from(const struct bb_http_head *h, const uint8_t *body,
			 size_t body_len, uint32_t ip, uint16_t port,
			 char *path, size_t cap, struct bb_http_request *req);

/* "bytes=a-b", "bytes=a-", "bytes=-n" against a representation of size.
 * 1: a satisfiable single range in [*start, *end]; 0: ignore the header
 * (malformed or several ranges: the whole representation is sent);
 * -1: unsatisfiable (416). */
int bb_http_range(const char *v, size_t len, uint64_t size, uint64_t *start,
		  uint64_t *end);

/* Does an If-None-Match value match etag (weak comparison, "*")? */
bool bb_http_etag_match(const char *v, size_t len, const char *etag);

#endif
