/* placeholder, replaced below */
#include "board/lwip/serve_lwip.h"
int bb_lwip_http_start(struct bb_serve *s) { (void)s; return 0; }
void bb_lwip_http_stop(struct bb_serve *s) { (void)s; }
