/* The JSON API (/api/v1/...), /metrics (Prometheus text) and the status
 * page at /. */
#ifndef BB_API_H
#define BB_API_H

#include <stdint.h>

#include "http/http_handler.h"

struct bb_serve;
struct bb_boot_machine;

void bb_api_handle(struct bb_serve *s, const struct bb_http_request *req,
		   struct bb_http_response *resp);

/* From routes.c: the machine behind a client address, or NULL. */
struct bb_boot_machine *bb_routes_machine_by_ip(struct bb_serve *s,
						uint32_t ip);

#endif
