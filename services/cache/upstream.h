/* Parsers for talking to an upstream HTTP(S) server (the Image Factory, a
 * proxy): URLs, the head of a response, and chunked bodies. All bounded,
 * all I/O-free. */
#ifndef BB_UPSTREAM_H
#define BB_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BB_URL_HOST_MAX 253
#define BB_URL_PATH_MAX 2048

struct bb_url {
	bool tls;
	char host[BB_URL_HOST_MAX + 1];
	uint16_t port;
	char path[BB_URL_PATH_MAX + 1]; /* with query, starts with '/' */
};

/* "https://host[:port][/path]" or "http://…"; IPv6 literals are refused.
 * 0 or BB_EMALFORMED. */
int bb_url_parse(const char *s, size_t len, struct bb_url *out);

/* Resolves a redirect target against the URL it came from: absolute URLs
 * as they are, "/path" on the same origin. */
int bb_url_resolve(const struct bb_url *base, const char *loc, size_t len,
		   struct bb_url *out);

struct bb_upstream_reply {
	int status;
	bool has_length;
	uint64_t content_length;
	bool has_range; /* Content-Range: bytes a-b/total */
	uint64_t range_start, range_end, range_total;
	bool chunked;
	bool close; /* Connection: close */
	char location[BB_URL_PATH_MAX + 1];
};

/* Parses a response head. Returns the bytes it used (> 0), BB_EPARTIAL when
 * the head is not complete, BB_EMALFORMED (bad syntax, conflicting lengths,
 * a head over 16 KiB, non-identity encodings other than chunked). */
long bb_upstream_reply_parse(const char *buf, size_t len,
			     struct bb_upstream_reply *out);

/* Chunked transfer decoding, fed arbitrary slices. */
struct bb_chunked {
	int state;
	uint64_t left;	 /* bytes left in the current chunk */
	unsigned digits; /* of the size line */
	bool done;
};

/* Consumes in[0..len), copies payload bytes in place to the start of in
 * (payload is never longer than its encoding) and stores their count in
 * *out_len. Returns 0 (done becomes true at the last chunk) or
 * BB_EMALFORMED. */
int bb_chunked_decode(struct bb_chunked *c, uint8_t *in, size_t len,
		      size_t *out_len);

#endif
