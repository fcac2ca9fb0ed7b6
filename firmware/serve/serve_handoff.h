/* The hand-off service: the engine of services/handoff on the event loop,
 * its probes against the management node, its actions, its state file. */
#ifndef BB_SERVE_HANDOFF_H
#define BB_SERVE_HANDOFF_H

#include <stdint.h>

#include "board/board.h"
#include "firmware/config/config.h"
#include "handoff/handoff.h"

struct bb_serve;
struct bb_boot_machine;
struct bb_buf;

struct bb_serve_handoff {
	struct bb_serve *s;
	struct bb_handoff h;
	struct bb_board_timer *timer;
	struct bb_board_probe *run;
	size_t run_probe;
	uint32_t target; /* the management node's address last probed */
	char path[512];	 /* <state_dir>/handoff.state */
	char saved[256]; /* what the file holds */
};

int bb_serve_handoff_start(struct bb_serve *s);
int bb_serve_handoff_reload(struct bb_serve *s, const struct bb_config *next);
void bb_serve_handoff_stop(struct bb_serve *s);

/* Is m the management node? */
bool bb_serve_handoff_is_management(const struct bb_serve *s,
				    const struct bb_boot_machine *m);
/* bootbox machines reinstall NAME: the machine installs again; for the
 * management node the hand-off starts over (stand-down lifted). */
void bb_serve_handoff_reinstall(struct bb_serve *s, struct bb_boot_machine *m);

/* handoff_actions.c: runs the actions in mask; returns the ones done. */
unsigned bb_handoff_run_actions(struct bb_serve_handoff *hs, unsigned mask);
/* The export documents (JSON and Hardware YAML) of what bootbox knows. */
int bb_handoff_export_build(struct bb_serve *s, struct bb_buf *json,
			    struct bb_buf *yaml);
/* The management node's address: its reservation, else the lease DHCP
 * bound to its MAC; 0 when none is known (never where it asked from). */
uint32_t bb_handoff_management_ip(struct bb_serve *s);

#endif
