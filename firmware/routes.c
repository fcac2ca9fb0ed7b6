/* Placeholder until the boot service lands: static files under
 * boot.assets_dir at /assets/, 404 elsewhere. */
#include <stdio.h>
#include <string.h>

#include "firmware/routes.h"
#include "firmware/serve.h"

void bb_routes_handle(void *ctx, const struct bb_http_request *req,
		      struct bb_http_response *resp)
{
	struct bb_serve *s = ctx;
	const char *dir = s->cfg->boot.assets_dir;

	if (dir && !strncmp(req->path, "/assets/", 8)) {
		snprintf(resp->file, sizeof(resp->file), "%s/%s", dir,
			 req->path + 8);
		resp->status = 200;
		return;
	}
	resp->status = 404;
	bb_buf_puts(&resp->body, "not found\n");
}
