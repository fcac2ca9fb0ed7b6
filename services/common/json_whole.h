/* A reply that must be exactly one JSON document: at most max bytes, no
 * NUL (cJSON would stop there and hide what follows), nothing after the
 * value but white space, no \u0000 escape (cJSON would end the string
 * there). Nesting deeper than cJSON's limit (1000) fails
 * the parse. */
#ifndef BB_JSON_WHOLE_H
#define BB_JSON_WHOLE_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* The document (cJSON_Delete it), or NULL with *rc (BB_ETOOBIG,
 * BB_EMALFORMED, BB_ENOMEM) and *why (static text). */
cJSON *bb_json_whole(const char *buf, size_t len, size_t max, int *rc,
		     const char **why);

#endif
