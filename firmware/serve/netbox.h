/* NetBox's REST API -> machines: YAML, for `bootbox import netbox` and for
 * serve's inventory.netbox refresh. */
#ifndef BB_NETBOX_H
#define BB_NETBOX_H

#include <stdio.h>

struct bb_netbox_query {
	const char *endpoint;  /* https://netbox.lan */
	const char *token;     /* API token */
	const char *site;      /* slug; NULL: any */
	const char *role;      /* slug; NULL: any */
	const char *ca_bundle; /* for https */
};

/* 0, or 1 after printing why on err. */
int bb_import_netbox(const struct bb_netbox_query *q, FILE *out, FILE *err);

#endif
