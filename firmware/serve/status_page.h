/* The status page at /: one self-contained HTML document (no external
 * scripts, styles or fonts: the boot network has no internet), served as
 * UTF-8. The tables are rendered on the server, so it reads without
 * JavaScript; a small inline script refreshes them from the JSON API. */
#ifndef BB_STATUS_PAGE_H
#define BB_STATUS_PAGE_H

#include "http/http_handler.h"

struct bb_serve;

void bb_status_page(struct bb_serve *s, struct bb_http_response *resp);

#endif
