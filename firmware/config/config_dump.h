/* `bootbox check --dump`: the configuration in force, defaults filled in,
 * as YAML that `bootbox check` accepts again. */
#ifndef BB_CONFIG_DUMP_H
#define BB_CONFIG_DUMP_H

#include <stdio.h>

#include "firmware/config/config.h"

void bb_config_dump(const struct bb_config *cfg, FILE *f);

/* s as a YAML double-quoted scalar (NULL: ""). */
void bb_yaml_quote(FILE *out, const char *s);

#endif
