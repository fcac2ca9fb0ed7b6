/* The read-only JSON API beside api.c: leases and pool use per subnet, the
 * artifact cache, the certificate, recent events, /healthz, and the extra
 * fields of a machine (one lifecycle, profile, Talos version, age). The
 * status page (status_page.c) renders the same documents. */
#ifndef BB_API_STATUS_H
#define BB_API_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http_handler.h"

struct bb_serve;
struct bb_boot_machine;
struct cJSON;

/* GET routes of this file; false when path is not one of them. */
bool bb_api_status_route(struct bb_serve *s, const struct bb_http_request *req,
			 struct bb_http_response *resp);

/* The documents, each a new cJSON the caller deletes. */
struct cJSON *bb_api_leases_json(struct bb_serve *s);
struct cJSON *bb_api_cache_json(struct bb_serve *s);
struct cJSON *bb_api_certs_json(struct bb_serve *s);
struct cJSON *bb_api_events_json(void);
/* api.c: one machine's object, as in /api/v1/machines. */
struct cJSON *bb_api_machine_json(struct bb_serve *s,
				  const struct bb_boot_machine *m);

/* Adds lifecycle, profile, talos_version and age to a machine's object. */
void bb_api_machine_extra(struct bb_serve *s, const struct bb_boot_machine *m,
			  struct cJSON *j);
/* The one lifecycle a machine shows: "unseen" before it asked for
 * anything, else its hand-off phase (discovered .. handed-off). */
const char *bb_api_lifecycle(struct bb_serve *s,
			     const struct bb_boot_machine *m);

/* Pool use of subnet i of the config: addresses in its pools, and leases
 * (bound or declined, not expired) among them. */
void bb_api_pool_use(struct bb_serve *s, size_t i, uint64_t *size,
		     uint64_t *used);

#endif
