/* The services' start, stop and SIGHUP, in one order for every board. A
 * reload reads the file again and checks it whole before any service sees
 * it, then puts it in force once each service has taken it or kept the
 * old. */
#include <stdio.h>
#include <stdlib.h>

#include "common/err.h"
#include "firmware/serve/log.h"
#include "firmware/serve/serve.h"
#include "firmware/serve/serve_cache.h"
#include "firmware/serve/serve_handoff.h"

int bb_serve_load(const char *prog, const char *path, struct bb_config **cfg)
{
	if (bb_log_setup(getenv("BOOTBOX_LOG"))) {
		fprintf(stderr,
			"%s serve: BOOTBOX_LOG='%s': expected error, warn, "
			"info or debug\n",
			prog, getenv("BOOTBOX_LOG"));
		return 2;
	}
	if (bb_config_load(path, stderr, cfg)) {
		bb_err("%s: not starting: the configuration has errors", path);
		return 1;
	}
	return 0;
}

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

int bb_serve_start_all(struct bb_serve *s)
{
	int rc;

	if ((rc = bb_serve_boot_start(s)))
		return rc;
	if ((rc = bb_serve_cache_start(s)))
		return rc;
	/* before DHCP: a stand-down in force must hold from the first packet */
	if ((rc = bb_serve_handoff_start(s)))
		return rc;
	if ((rc = bb_serve_http_start(s)))
		return rc;
	if ((rc = bb_serve_tftp_start(s)))
		return rc;
	if ((rc = bb_serve_dhcp_start(s)))
		return rc;
	if ((rc = bb_serve_cert_start(s)))
		return rc;
	return bb_serve_inventory_start(s);
}

void bb_serve_stop_all(struct bb_serve *s)
{
	bb_serve_inventory_stop(s);
	bb_serve_cert_stop(s);
	bb_serve_handoff_stop(s);
	bb_serve_cache_stop(s);
	bb_serve_dhcp_stop(s);
	bb_serve_tftp_stop(s);
	bb_serve_http_stop(s);
	bb_serve_boot_stop(s);
}

void bb_serve_reload_apply(struct bb_serve *s, struct bb_config *next)
{
	/* every service either takes the new config or keeps the old */
	int rc = bb_serve_boot_reload(s, next);

	if (!rc)
		rc = bb_serve_handoff_reload(s, next);
	if (!rc)
		rc = bb_serve_cache_reload(s, next);
	if (!rc)
		rc = bb_serve_http_reload(s, next);
	if (!rc)
		rc = bb_serve_tftp_reload(s, next);
	if (!rc)
		rc = bb_serve_dhcp_reload(s, next);
	if (!rc)
		rc = bb_serve_cert_reload(s, next);
	if (!rc)
		rc = bb_serve_inventory_reload(s, next);
	bb_serve_reload_end(s, next, rc);
	bb_serve_cache_reloaded(s);
	bb_info("reloaded");
}
