/* The HTTP routing table of the appliance: the matchbox-compatible boot
 * routes, /assets/, the JSON API, /metrics and the status page. The HTTP
 * service calls this for every request. */
#ifndef BB_ROUTES_H
#define BB_ROUTES_H

#include "http/http_handler.h"

struct bb_serve;

/* ctx is the struct bb_serve *. */
/* A new configuration: the roots the routes keep open, and their
 * decisions on links, are taken again from the new paths. */
void bb_routes_reload(void);

void bb_routes_handle(void *ctx, const struct bb_http_request *req,
		      struct bb_http_response *resp);

#endif
