/* The boundary between the HTTP server (engine + board) and what answers
 * requests (the boot service, the JSON API, static assets). A handler sees a
 * parsed, validated request and fills a response: a status with a body built
 * in memory, or a file for the board to serve (the board does Range, ETag,
 * Last-Modified, If-None-Match and sendfile for files). */
#ifndef BB_HTTP_HANDLER_H
#define BB_HTTP_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct bb_growing; /* board/linux/growing.h */

enum bb_http_method {
	BB_HTTP_GET,
	BB_HTTP_HEAD,
	BB_HTTP_POST,
	BB_HTTP_PUT,
	BB_HTTP_DELETE,
	BB_HTTP_OTHER,
};

struct bb_http_header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

struct bb_http_request {
	enum bb_http_method method;
	/* percent-decoded and normalised: starts with '/', no "." or ".."
	 * segments, no "//", no NUL; NUL-terminated */
	const char *path;
	size_t path_len;
	/* raw query string without '?', NUL-terminated ("" when none) */
	const char *query;
	size_t query_len;
	const struct bb_http_header *headers;
	size_t nheaders;
	const uint8_t *body; /* request body (POST/PUT), capped by the server */
	size_t body_len;
	uint32_t client_ip; /* host byte order */
	uint16_t client_port;
};

#define BB_HTTP_PATH_MAX 1024

struct bb_file; /* board/board.h */

struct bb_http_response {
	int status;		  /* 0 means 404 */
	const char *content_type; /* static string; NULL: text/plain */
	struct bb_buf body;	  /* the body when file[0] == 0 */
	/* absolute path of a file to serve instead of body; the handler has
	 * already confined it to its root (no symlink escape checks needed
	 * beyond what the handler did) */
	char file[BB_HTTP_PATH_MAX];
	/* or file already open (fh, confined when it was opened) with its
	 * size and mtime known: the service serves it and closes it,
	 * whatever it answers */
	struct bb_file *fh;
	uint64_t file_size, file_mtime_ns;
	/* or a file still being written (an artifact arriving from upstream),
	 * streamed as it grows; the board takes its own reference */
	struct bb_growing *growing;
	/* extra header lines, each ending in "\r\n" (Location, Allow, ...) */
	char extra_headers[512];
};

/* Called once per request on the event loop; must not block. */
typedef void (*bb_http_handler_fn)(void *ctx, const struct bb_http_request *req,
				   struct bb_http_response *resp);

/* Case-insensitive header lookup; NULL when absent. */
const char *bb_http_header_get(const struct bb_http_request *req,
			       const char *name, size_t *len);

#endif
