/* `bootbox check` beyond the file itself (like `nginx -t`): what the
 * configuration names must exist on this host and be of the right kind
 * (directories, files), the interface must exist (and should carry
 * appliance.address: serve adds it when it does not, so that is a
 * warning), and a matchbox directory must parse, with every group's
 * profile resolved. Errors and warnings are written to errs as
 * "file:line:col: key.path: message" (warnings say "warning:" after the
 * path); positions come from the YAML file, or from the matchbox JSON. */
#ifndef BB_CHECK_HOST_H
#define BB_CHECK_HOST_H

#include <stdio.h>

#include "firmware/config/config.h"

/* Returns the number of errors; *warnings gets the number of warnings. */
int bb_check_host(const struct bb_config *cfg, FILE *errs, int *warnings);

#endif
