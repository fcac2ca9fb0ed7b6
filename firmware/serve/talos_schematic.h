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

/* Sets cfg->talos.schematic from the record. 0 (also when there is no
 * customization) or BB_ENOENT (not recorded yet: ask the factory), with
 * one line in msg. */
int bb_talos_schematic_known(struct bb_config *cfg, char *msg, size_t cap);
int bb_talos_schematic_set(struct bb_config *cfg, const char *id);

/* Asks the factory through the board's outbound requests and records the
 * answer; fn(arg, 0, id, "") or (arg, BB_E*, NULL, why) once, later on the
 * loop. 0, or a negative BB_E* with msg (fn is then not called). cfg is
 * read during the call only. */
typedef void (*bb_schematic_fn)(void *arg, int rc, const char *id,
				const char *msg);
struct bb_schematic_ask;
int bb_talos_schematic_ask(const struct bb_config *cfg, bb_schematic_fn fn,
			   void *arg, struct bb_schematic_ask **out, char *msg,
			   size_t cap);
/* fn is not called after this. */
void bb_talos_schematic_cancel(struct bb_schematic_ask *a);

#endif
