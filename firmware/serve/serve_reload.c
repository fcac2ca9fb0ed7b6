/* SIGHUP on any board: the file read again and checked whole before any
 * service sees it, then put in force once each service has taken it or
 * kept the old. */
#include <stdio.h>

#include "common/err.h"
#include "firmware/serve/log.h"
#include "firmware/serve/serve.h"

struct bb_config *bb_serve_reload_begin(struct bb_serve *s)
{
	struct bb_config *next = NULL;

	bb_info("SIGHUP: reloading %s", s->cfg->path);
	if (bb_config_load(s->cfg->path, stderr, &next)) {
		bb_err("reload refused: the configuration has errors; still "
		       "serving the previous one");
		return NULL;
	}
	return next;
}

void bb_serve_reload_end(struct bb_serve *s, struct bb_config *next, int rc)
{
	if (rc)
		bb_err("reload failed (%s); services that had not switched "
		       "keep the previous configuration",
		       bb_strerror(rc));
	bb_config_free(s->cfg);
	s->cfg = next;
}
