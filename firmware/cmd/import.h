/* bootbox import: configuration and state from the tools bootbox replaces.
 * Each importer writes YAML (or journal records) and reports on err what it
 * could not carry over, one line each, so the operator sees what to redo by
 * hand. Each returns 0, or 1 after printing why on err. */
#ifndef BB_IMPORT_H
#define BB_IMPORT_H

#include <stdio.h>

#include "common/buf.h"

/* kea-dhcp4.conf (JSON with kea's comments) -> dhcp: + machines:. */
int bb_import_kea(const char *path, FILE *out, FILE *err);

/* kea's memfile lease CSV -> records for the lease journal in out (the
 * caller appends them). *count: leases taken. */
int bb_import_kea_leases(const char *path, long long now, struct bb_buf *out,
			 int *count, FILE *err);

#include "firmware/serve/netbox.h"

#endif
