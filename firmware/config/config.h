/* The parsed configuration file: the users' contract of DESIGN.md. Plain data,
 * every string and array lives in the config's own arena and dies with
 * bb_config_free(). IPv4 addresses are host byte order. An absent section
 * leaves its .enabled false. Engines never see this struct: firmware copies
 * what each engine needs into that engine's own config (layering). */
#ifndef BB_CONFIG_H
#define BB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dhcp/dhcp_server.h"

#define BB_CFG_MAX_SERVERS 8

struct bb_cfg_pos {
	int line, col; /* 1-based, of the key or item in the YAML file */
};

struct bb_kv {
	char *key;
	char *val;
};

struct bb_cfg_appliance {
	char *name;
	char *interface;
	uint32_t address;
	char *state_dir; /* default /var/lib/bootbox */
	char *user;	 /* serve drops root for it; NULL: "bootbox" */
};

struct bb_cfg_pool {
	uint32_t lo, hi;
	struct bb_cfg_pos pos;
};

struct bb_cfg_subnet {
	uint32_t net;
	uint8_t prefix;
	struct bb_cfg_pool *pools;
	size_t npools;
	uint32_t router; /* 0: none */
	uint32_t dns[BB_CFG_MAX_SERVERS];
	size_t ndns;
	uint32_t ntp[BB_CFG_MAX_SERVERS];
	size_t nntp;
	char *domain;			/* NULL: none */
	uint32_t lease_time;		/* 0: dhcp.lease_time */
	struct bb_dhcp_option *options; /* dhcp.subnets[].options */
	size_t noptions;
	struct bb_cfg_pos pos;
};

struct bb_cfg_dhcp {
	bool enabled;
	uint32_t lease_time; /* seconds, default 3600 */
	bool known_only;
	struct bb_cfg_subnet *subnets;
	size_t nsubnets;
	/* boot file names offered over TFTP (defaults from Debian's ipxe) */
	char *bios_file;  /* undionly.kpxe */
	char *efi64_file; /* ipxe.efi */
	char *arm64_file; /* ipxe-arm64.efi (Debian 13's, see ipxe_extra.h) */
	uint32_t decline_time; /* quarantine after DECLINE, default 86400 */
	bool match_client_id;  /* option 61 is the pool client's identity */
	uint32_t rate_limit;   /* DISCOVER+DECLINE per chaddr per second */
};

struct bb_cfg_tftp {
	bool enabled;
	char *root;		    /* default /usr/lib/ipxe */
	uint16_t port;		    /* default 69 */
	bool listen_set;	    /* listen: addr:port given */
	uint32_t listen_addr;	    /* default appliance.address */
	uint32_t max_per_client;    /* transfers at once per address, 8 */
	uint32_t max_transfer_time; /* seconds, default 600 */
};

struct bb_cfg_http {
	bool enabled;
	uint32_t listen_addr; /* default 0.0.0.0 */
	uint16_t listen_port; /* default 8080 */
	bool tls_enabled;
	uint32_t tls_addr;
	uint16_t tls_port;
	uint32_t max_connections; /* default 1024 */
	uint32_t idle_timeout;	  /* seconds, default 60 */
	uint32_t header_timeout;  /* seconds, default 10 */
};

struct bb_cfg_profile {
	char *id;
	char *name;
	char *kernel;
	char **initrd;
	size_t ninitrd;
	char **args;
	size_t nargs;
	bool talos; /* the Talos kernel line: factory cmdline + required args */
	struct bb_cfg_pos pos;
};

struct bb_cfg_group {
	char *id;
	char *name;
	char *profile;
	struct bb_kv *selector;
	size_t nselector;
	struct bb_kv *metadata;
	size_t nmetadata;
	char *
	    talos_version; /* a pin for the group's Talos profile; NULL: none */
	struct bb_cfg_pos pos;
};

struct bb_cfg_boot {
	bool enabled;
	char *matchbox_dir; /* NULL: none */
	char *assets_dir;   /* default <state_dir>/assets */
	struct bb_cfg_profile *profiles;
	size_t nprofiles;
	struct bb_cfg_group *groups;
	size_t ngroups;
};

struct bb_cfg_machine {
	char *name; /* also its hostname (option 12) */
	uint8_t mac[6];
	uint32_t ip;   /* 0: no reservation */
	char *profile; /* NULL: none */
	char *role;
	char *arch;		/* amd64 | arm64, default amd64 */
	char *domain;		/* NULL: the subnet's */
	struct bb_kv *metadata; /* labels selectors may match */
	size_t nmetadata;
	struct bb_dhcp_option *options; /* machines[].options */
	size_t noptions;
	char *talos_version; /* a pin over its group's and talos.version */
	struct bb_cfg_pos pos;
};

struct bb_cfg_talos {
	bool enabled;
	char *factory;
	char *schematic;     /* given, or the id recorded for customization */
	char *customization; /* canonical JSON of talos.customization; NULL */
	char *version;
	char **arches;
	size_t narches;
	bool prefetch;
	char *ca_bundle;
	uint64_t max_bytes; /* talos.max_size; 0: no limit */
	char *proxy;	    /* "http://host:port" for CONNECT; NULL: direct */
};

struct bb_cfg_pki {
	bool enabled;
	char *endpoint;
	char *auth_key_file;
	char *ca_bundle;
	char *label;
	char *profile;
	char *cn;
	char **hosts;
	size_t nhosts;
	struct bb_kv *names; /* subject attributes: C, ST, L, O, OU */
	size_t nnames;
	uint32_t timeout; /* seconds per connect/read, default 10 */
	uint32_t retry;	  /* serve: first retry after a failure, default 60 */
};

struct bb_cfg_handoff {
	bool enabled;
	char *management; /* a machines[].name */
	char **probes;
	size_t nprobes;
	char **actions;
	size_t nactions;
	uint32_t interval; /* seconds between probe rounds, default 10 */
	uint32_t timeout;  /* seconds per probe, default 5 */
	uint32_t confirm;  /* passing rounds before "up", default 2 */
	char *ca_bundle;   /* to verify the Kubernetes API; NULL: none */
	char *standdown;   /* "renewals" (default) or "stop" */
	char **scopes;	   /* CIDRs handed over; none: every subnet */
	size_t nscopes;
	char *export_dir; /* default <state_dir>/export */
	char *export_url; /* POST the JSON there; NULL: none */
	char *hook;	  /* a command run after hand-off; NULL: none */
	char *ns;	  /* handoff.namespace for Hardware, tink-system */
};

struct bb_arena;

/* inventory: machines from an external source, refreshed by serve into
 * <state_dir>/inventory/netbox.yaml and merged after machines: (whose
 * entries win on a clash). */
struct bb_cfg_inventory {
	bool enabled;
	char *endpoint, *token_file, *site, *role, *ca_bundle;
	uint32_t interval; /* seconds, default 10 min */
	const char *file;  /* the last good copy */
};

struct bb_config {
	char *path;
	struct bb_cfg_appliance appliance;
	struct bb_cfg_dhcp dhcp;
	struct bb_cfg_tftp tftp;
	struct bb_cfg_http http;
	struct bb_cfg_boot boot;
	struct bb_cfg_machine *machines;
	size_t nmachines;
	struct bb_cfg_talos talos;
	struct bb_cfg_pki pki;
	struct bb_cfg_handoff handoff;
	struct bb_cfg_inventory inventory;
	struct bb_arena *arena;
};

/* Parses and validates path. On any problem, writes one line per error to
 * errs as "file:line:col: key.path: message" and returns a negative BB_E*
 * with *out NULL; otherwise 0 and a config to free with bb_config_free(). */
int bb_config_load(const char *path, FILE *errs, struct bb_config **out);
/* The same with another inventory file merged in: serve checks a new
 * NetBox copy this way before it replaces the last good one. */
int bb_config_load_inventory(const char *path, const char *inventory,
			     FILE *errs, struct bb_config **out);
/* The same from bytes in memory; name is used in messages. */
int bb_config_parse(const char *name, const char *buf, size_t len, FILE *errs,
		    struct bb_config **out);
void bb_config_free(struct bb_config *cfg);

/* Lookups used by several commands. NULL when absent. */
const struct bb_cfg_machine *bb_config_machine(const struct bb_config *cfg,
					       const char *name);

#endif
