/* The JSON API (/api/v1/...), /metrics (Prometheus text) and the status
 * page at /. */
#ifndef BB_API_H
#define BB_API_H

#include <stddef.h>
#include <stdint.h>

#include "http/http_handler.h"

struct bb_serve;
struct bb_boot_machine;

void bb_api_handle(struct bb_serve *s, const struct bb_http_request *req,
		   struct bb_http_response *resp);

/* api_handoff.c: the hand-off's state ({"enabled":false} when off), and
 * the POST routes (operator actions, with the API token only). */
struct cJSON;
struct cJSON *bb_api_handoff_json(struct bb_serve *s);
void bb_api_handle_post(struct bb_serve *s, const struct bb_http_request *req,
			struct bb_http_response *resp);
void bb_api_send_json(struct bb_http_response *resp, int status,
		      struct cJSON *j);

/* From routes.c: the machine behind a client address, or NULL. */
struct bb_boot_machine *bb_routes_machine_by_ip(struct bb_serve *s,
						uint32_t ip);

/* routes.c: "mac=.. ip=.. machine=.." of m for log lines. */
const char *bb_routes_kv(const struct bb_boot_machine *m, char *buf,
			 size_t cap);

#endif
