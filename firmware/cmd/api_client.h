/* A small blocking HTTP/1.0 GET or POST to the local appliance's API, for the
 * CLI (bootbox machines, status): connect to the configured listen port on
 * loopback (or the configured address), 2 s timeouts. */
#ifndef BB_API_CLIENT_H
#define BB_API_CLIENT_H

#include "common/buf.h"
#include "firmware/config/config.h"

/* 0 and the body in out when the appliance answered 200; BB_EIO when
 * nothing answered; BB_EACCES (and why, on stderr) when another appliance
 * than cfg's appliance.name answered or a POST cannot read the token;
 * BB_EMALFORMED for anything else. Every call sends the token from
 * <state_dir>/api.token when it can read it. */
int bb_api_get(const struct bb_config *cfg, const char *path,
	       struct bb_buf *out);
/* The same with an empty POST (operator actions). */
int bb_api_post(const struct bb_config *cfg, const char *path,
		struct bb_buf *out);

#endif
