/* The boot service (a matchbox stand-in), I/O-free: profiles and groups
 * (from the config and from matchbox JSON given as bytes), the machine
 * inventory, matchbox's group selection, the iPXE scripts, and each
 * machine's boot state. The caller (firmware/serve/routes.c) maps HTTP requests
 * to these calls and confines file paths. */
#ifndef BB_BOOT_H
#define BB_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define BB_BOOT_MAX_KV 24

struct bb_boot_kv {
	char key[32];
	char val[128];
};

struct bb_boot_params {
	struct bb_boot_kv kv[BB_BOOT_MAX_KV];
	size_t n;
};

enum bb_boot_state {
	BB_BOOT_UNKNOWN = 0,
	BB_BOOT_SEEN,	 /* asked for something */
	BB_BOOT_BOOTING, /* its iPXE script was served */
	BB_BOOT_KERNEL,	 /* its kernel was fetched */
	BB_BOOT_INITRD,	 /* all its initrds were fetched */
	BB_BOOT_BOOTED,	 /* the booted system called back */
};

const char *bb_boot_state_name(enum bb_boot_state s);

struct bb_boot_profile {
	char *id, *name, *kernel, *generic_id;
	char **initrd;
	size_t ninitrd;
	char **args;
	size_t nargs;
	bool talos; /* a Talos profile without its own kernel/initrd/args */
};

struct bb_boot_group {
	char *id, *name, *profile;
	struct bb_boot_params selector;
	struct bb_boot_params metadata;
};

struct bb_boot_machine {
	char name[64];
	uint8_t mac[6];
	uint32_t ip;	/* reservation, 0: none */
	bool inventory; /* from machines:, else a stranger that asked */
	struct bb_boot_params labels; /* name, role, arch, metadata */
	enum bb_boot_state state;
	int64_t last_seen;
	uint32_t last_ip;	/* where its requests came from */
	char group[64];		/* the group last selected */
	bool local_boot;	/* hand-off: boot the disk, not the installer */
	char talos_version[41]; /* the Talos version its last script named */
};

struct bb_boot {
	struct bb_boot_profile *profiles;
	size_t nprofiles;
	struct bb_boot_group *groups;
	size_t ngroups;
	struct bb_boot_machine *machines;
	size_t nmachines, capmachines;
	uint64_t requests[8]; /* per route, for /metrics */
	size_t nstrangers;    /* machines not from the inventory */
	/* boot_index.c */
	uint32_t *by_mac;
	size_t by_mac_cap;
	uint32_t *by_pair, *pair_key; /* pair_key[i]: group i's bucket */
	size_t by_pair_cap;
};

void bb_boot_init(struct bb_boot *b);
void bb_boot_free(struct bb_boot *b);

/* Adders copy everything. 0 or BB_ENOMEM / BB_EEXIST (duplicate id). */
int bb_boot_add_profile(struct bb_boot *b, const struct bb_boot_profile *p);
int bb_boot_add_group(struct bb_boot *b, const struct bb_boot_group *g);
int bb_boot_add_machine(struct bb_boot *b, const char *name,
			const uint8_t mac[6], uint32_t ip,
			const struct bb_boot_params *labels);

/* matchbox JSON (a file of profiles/ or groups/) from bytes; on error a
 * one-line reason in err. */
int bb_boot_load_profile_json(struct bb_boot *b, const char *buf, size_t len,
			      char *err, size_t errcap);
int bb_boot_load_group_json(struct bb_boot *b, const char *buf, size_t len,
			    char *err, size_t errcap);

/* "a=1&b=x%20y" into params (decoded; mac normalised to aa:bb:...). */
void bb_boot_parse_query(const char *q, size_t len, struct bb_boot_params *p);
const char *bb_boot_param(const struct bb_boot_params *p, const char *key);
void bb_boot_param_set(struct bb_boot_params *p, const char *key,
		       const char *val);

/* The inventory machine with this MAC, or NULL. */
struct bb_boot_machine *bb_boot_machine_by_mac(struct bb_boot *b,
					       const uint8_t mac[6]);
struct bb_boot_machine *bb_boot_machine_by_name(struct bb_boot *b,
						const char *name);
/* A machine record for mac, created as a stranger when unknown. */
struct bb_boot_machine *bb_boot_machine_get(struct bb_boot *b,
					    const uint8_t mac[6]);

/* matchbox's selection: every selector pair equals a parameter; the most
 * pairs win; ties go to the lowest "k=v,k=v" string, then the lowest id. */
const struct bb_boot_group *bb_boot_select(const struct bb_boot *b,
					   const struct bb_boot_params *p);
const struct bb_boot_profile *bb_boot_profile(const struct bb_boot *b,
					      const char *id);

/* Scripts. */
void bb_boot_render_chain(struct bb_buf *out);
void bb_boot_render_ipxe(const struct bb_boot_profile *p, struct bb_buf *out);
/* The kernel/initrd/boot script for explicit parts (render_ipxe's body). */
void bb_boot_render_kernel(const char *kernel, char *const *initrd,
			   size_t ninitrd, const char *const *args,
			   size_t nargs, struct bb_buf *out);

/* A Talos boot: the kernel line is the factory's cmdline (cmdline-metal-
 * <arch>, untrusted bytes: split on white space, tokens with other than
 * printable ASCII or with '$' dropped), then the profile's args, then the
 * ones Talos requires (talos.platform=metal, slab_nomerge, pti=on) when
 * no token sets them; every token once. kernel/initrd override the
 * profile's (a pinned version, a talos: true profile). */
struct bb_boot_talos {
	const char *kernel;
	char *const *initrd;
	size_t ninitrd;
	const char *cmdline;
	size_t cmdline_len;
};
void bb_boot_render_talos(const struct bb_boot_profile *p,
			  const struct bb_boot_talos *t, struct bb_buf *out);
void bb_boot_render_retry(const struct bb_boot_params *p, struct bb_buf *out);
void bb_boot_render_local(struct bb_buf *out);
/* A boot file cannot be had now (not cached, upstream down): say why on
 * the node's console and try again later. */
void bb_boot_render_unavailable(const char *why, struct bb_buf *out);
void bb_boot_render_metadata(const struct bb_boot_group *g,
			     const struct bb_boot_params *p,
			     struct bb_buf *out);

/* A machine moves forward through the states, never back (except by
 * bb_boot_reset). Returns true when it moved. */
bool bb_boot_advance(struct bb_boot_machine *m, enum bb_boot_state s,
		     int64_t now);
/* An operator's reinstall: back to unknown, local boot off. */
void bb_boot_reset(struct bb_boot_machine *m, int64_t now);

/* States across restarts: one text line per machine with a state. encode
 * appends to out (0 or BB_ENOMEM); decode applies every line that parses
 * (strangers are created) and returns how many did not. */
int bb_boot_state_encode(const struct bb_boot *b, struct bb_buf *out);
long bb_boot_state_decode(struct bb_boot *b, const char *buf, size_t len);

/* Can a machine name stand for itself everywhere (inventory record, file
 * names, DHCP host name)? 1..63 letters, digits, '-', '_' and '.', not
 * starting with '.' or '-'. */
bool bb_boot_name_ok(const char *name);

#endif
