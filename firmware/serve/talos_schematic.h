/* talos.customization -> a schematic id. The id is asked of the factory
 * once (POST <factory>/schematics) and recorded in
 * <state_dir>/cache/schematics/<sha256 of the canonical body>, so that the
 * appliance boots nodes offline afterwards and a changed customization gets
 * a new id. */
#ifndef BB_TALOS_SCHEMATIC_H
#define BB_TALOS_SCHEMATIC_H

#include <stdbool.h>
#include <stddef.h>

#include "firmware/config/config.h"

/* Sets cfg->talos.schematic from the record, or (online) from the factory,
 * recording it. 0 (also when there is no customization), BB_ENOENT (not
 * recorded and offline), or a negative BB_E* with one line in msg. */
int bb_talos_schematic(struct bb_config *cfg, bool online, char *msg,
		       size_t cap);

#endif
