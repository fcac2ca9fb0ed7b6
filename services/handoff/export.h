/* What bootbox knows, for the management cluster to import: one JSON
 * document (machines with their leases) and Tinkerbell Hardware manifests
 * (tinkerbell.org/v1alpha1, one YAML document per machine). Pure builders
 * into a struct bb_buf; every string is quoted and escaped, so a machine name
 * cannot break the YAML. */
#ifndef BB_EXPORT_H
#define BB_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct bb_export_machine {
	const char *name;
	uint8_t mac[6];
	uint32_t ip;	  /* 0: none known */
	uint8_t prefix;	  /* of its subnet */
	uint32_t gateway; /* 0: none */
	const uint32_t *dns;
	size_t ndns;
	const char *arch; /* amd64 | arm64 */
	bool uefi;
	bool allow_pxe;	       /* false once installed and handed off */
	const char *phase;     /* lifecycle phase name */
	const char *role;      /* NULL: none */
	bool reserved;	       /* ip is a reservation (else a lease) */
	int64_t lease_expires; /* wall clock; 0: no lease */
	uint32_t lease_time;   /* seconds */
};

/* {"generated":<unix>,"appliance":"...","machines":[...]} */
int bb_export_json(const struct bb_export_machine *m, size_t n,
		   const char *appliance, int64_t now, struct bb_buf *out);

/* "---"-separated Hardware documents in namespace ns. */
int bb_export_hardware(const struct bb_export_machine *m, size_t n,
		       const char *ns, struct bb_buf *out);

/* Tinkerbell's arch name for ours: amd64 -> x86_64, arm64 -> aarch64. */
const char *bb_export_tink_arch(const char *arch);

#endif
