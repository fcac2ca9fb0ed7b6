/* The running appliance: one event loop, the config in force and one
 * service object per section. Each service has start / reload / stop; reload
 * gets the new config (already validated) and must either take it whole or
 * fail and keep the old one. */
#ifndef BB_SERVE_H
#define BB_SERVE_H

#include "boot/boot.h"
#include "firmware/config/config.h"
#include "handoff/handoff.h"

struct bb_serve_dhcp;
struct bb_serve_tftp;
struct bb_serve_http;
struct bb_serve_cert;
struct bb_boot;
struct bb_dhcp_server;
struct bb_dhcp_stats;
struct bb_dhcp_lease;
struct bb_serve_handoff;
struct bb_serve_cache;

/* Who hears of a machine's state moving (the hand-off registers when it
 * runs), so that boot need not know who listens: moved after each move;
 * phase, when it knows better than the boot state (the management node's
 * own lifecycle), sets *out and returns true. */
struct bb_serve_boot_hooks {
	void (*moved)(void *arg, struct bb_boot_machine *m);
	bool (*phase)(void *arg, const struct bb_boot_machine *m,
		      enum bb_phase *out);
	void *arg;
};

struct bb_serve {
	struct bb_config *cfg;
	struct bb_serve_dhcp *dhcp;
	struct bb_serve_tftp *tftp;
	struct bb_serve_http *http;
	struct bb_serve_cert *cert; /* renewal of our certificate (pki:) */
	struct bb_boot *boot;	    /* the boot service (matchbox stand-in) */
	struct bb_serve_handoff *handoff;
	struct bb_serve_cache *cache;	      /* the Talos artifact cache */
	struct bb_serve_inventory *inventory; /* inventory.netbox refresher */
	struct bb_serve_boot_hooks boot_hooks;
	bool dhcp_standdown; /* the hand-off's stand-down is in force */
	bool states_dirty;   /* machine states to write at idle */
	struct bb_board_timer *states_timer; /* the deferred write of a burst */
	bool states_timer_armed;
	bool states_writing;	  /* a write in flight (bb_write_file_bg) */
	uint64_t states_saved_ms; /* the last write, board time */
	int64_t started;	  /* wall clock */
};

/* Start-up on either board: the log level from BOOTBOX_LOG, then the
 * file loaded and checked. 0, or the exit status (2: bad BOOTBOX_LOG, 1:
 * the file has errors, already said). prog names the binary in messages. */
int bb_serve_load(const char *prog, const char *path, struct bb_config **cfg);

/* Every service, in the order both boards use: start_all returns the
 * first failure (the caller then stops all), stop_all is safe after any. */
int bb_serve_start_all(struct bb_serve *s);
void bb_serve_stop_all(struct bb_serve *s);

/* SIGHUP: begin loads and checks the file again (NULL, after saying why,
 * when it has errors); apply hands it to each service's reload and puts it
 * in force (end, which apply calls, frees the old one). */
struct bb_config *bb_serve_reload_begin(struct bb_serve *s);
void bb_serve_reload_apply(struct bb_serve *s, struct bb_config *next);
void bb_serve_reload_end(struct bb_serve *s, struct bb_config *next, int rc);

/* Each returns 0 or a negative BB_E* after logging why. A service whose
 * section is absent does nothing and returns 0. */
int bb_serve_dhcp_start(struct bb_serve *s);
int bb_serve_dhcp_reload(struct bb_serve *s, const struct bb_config *next);
void bb_serve_dhcp_stop(struct bb_serve *s);
/* The engine's state, read under its lock from the main loop (the
 * service runs in a lane); each returns false / 0 / nothing when DHCP is
 * off. stats and lease copy out; foreach holds the lock through fn, which
 * must be quick and call nothing here; leases copies every live lease
 * into *out (malloc'd, the caller frees), 0 or BB_ENOMEM. */
bool bb_serve_dhcp_stats(struct bb_serve *s, struct bb_dhcp_stats *out);
bool bb_serve_dhcp_lease(struct bb_serve *s, uint32_t ip,
			 struct bb_dhcp_lease *out);
int bb_serve_dhcp_foreach(struct bb_serve *s, int64_t now,
			  int (*fn)(const struct bb_dhcp_lease *, void *),
			  void *arg);
int bb_serve_dhcp_leases(struct bb_serve *s, int64_t now,
			 struct bb_dhcp_lease **out, size_t *n);
/* The hand-off's stand-down on or off (engine reconfigured, leases kept). */
int bb_serve_dhcp_standdown(struct bb_serve *s, bool on);

int bb_serve_tftp_start(struct bb_serve *s);
int bb_serve_tftp_reload(struct bb_serve *s, const struct bb_config *next);
void bb_serve_tftp_stop(struct bb_serve *s);

int bb_serve_http_start(struct bb_serve *s);
int bb_serve_http_reload(struct bb_serve *s, const struct bb_config *next);
void bb_serve_http_stop(struct bb_serve *s);

/* Certificate renewal: a child `bootbox cert renew` when due, with
 * backoff while the PKI is unreachable. */
/* inventory.netbox: a timer refreshing the NetBox copy, reloading when
 * it changed (serve_inventory.c). */
int bb_serve_inventory_start(struct bb_serve *s);
int bb_serve_inventory_reload(struct bb_serve *s, const struct bb_config *next);
void bb_serve_inventory_stop(struct bb_serve *s);

int bb_serve_cert_start(struct bb_serve *s);
int bb_serve_cert_reload(struct bb_serve *s, const struct bb_config *next);
void bb_serve_cert_stop(struct bb_serve *s);

/* The boot service (profiles, groups, matchbox dir, machine states). */
int bb_serve_boot_start(struct bb_serve *s);
int bb_serve_boot_reload(struct bb_serve *s, const struct bb_config *next);
void bb_serve_boot_stop(struct bb_serve *s);
/* A machine's state moved forward: tells the hand-off, saves at idle.
 * Returns true when it moved. */
bool bb_serve_boot_advance(struct bb_serve *s, struct bb_boot_machine *m,
			   enum bb_boot_state st);
/* Some machine record changed (local boot, reinstall): save at idle. */
void bb_serve_boot_changed(struct bb_serve *s);
/* The lifecycle phase to show for m (status page, API, events). */
enum bb_phase bb_serve_phase(const struct bb_serve *s,
			     const struct bb_boot_machine *m);

#endif
