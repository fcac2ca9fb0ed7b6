/* The API's token: <state_dir>/api.token (0600, 64 hex digits), created by
 * the first `serve`. A state-changing call carries it as
 * "Authorization: Bearer <token>" (the CLI reads it from the state dir), or
 * comes from the machine it is about, at that machine's own address. */
#ifndef BB_API_TOKEN_H
#define BB_API_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http_handler.h"

#define BB_API_TOKEN_LEN 64

/* Reads the token into out (BB_API_TOKEN_LEN + 1 bytes); with create, makes
 * a new one when there is none. 0, BB_ENOENT (none and !create), BB_EACCES
 * (unreadable), BB_EMALFORMED or BB_EIO. */
int bb_api_token_load(const char *state_dir, bool create, char *out);

/* serve: the token requests are checked against ("" until set). */
void bb_api_token_set(const char *token);
/* Does req carry the token? */
bool bb_api_token_ok(const struct bb_http_request *req);

/* A state-changing call refused: 403 with why, counted for /metrics. */
void bb_api_refuse(struct bb_http_response *resp, const char *why);
uint64_t bb_api_refused_total(void);

#endif
