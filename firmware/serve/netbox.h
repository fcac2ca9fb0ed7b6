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

/* Reads NetBox through the board's outbound requests, one at a time, and
 * writes the machines: YAML to out, notes and errors to err (both kept
 * open until done). done(arg, 0, or 1 after saying why on err) once, on
 * the loop; a request that cannot even start ends it at once, inside
 * this call. 1 (said on err, done not called) for a query it refuses. */
struct bb_netbox_job;
int bb_netbox_start(const struct bb_netbox_query *q, FILE *out, FILE *err,
		    void (*done)(void *arg, int rc), void *arg,
		    struct bb_netbox_job **j);
/* Stops a job; done is not called. */
void bb_netbox_cancel(struct bb_netbox_job *j);

#endif
