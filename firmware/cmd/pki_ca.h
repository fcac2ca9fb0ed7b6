/* The two-level CA of `bootbox pki init`, in memory: a self-signed root and
 * an intermediate it signs, from the parsed cfssl CSR templates. The
 * caller writes the PEMs out. */
#ifndef BB_PKI_CA_H
#define BB_PKI_CA_H

#include <time.h>

#include "certs/csr_template.h"
#include "common/buf.h"

struct bb_pki_ca_set {
	struct bb_buf root_crt, root_key, int_crt, int_key;
};

/* Defaults when a template gives no ca.expiry: 10 years for the root,
 * 8 (70080h, the ring0 intermediate profile) for the intermediate; the
 * intermediate's path length is 1 unless its template says otherwise.
 * 0 or a negative BB_E* with one line in msg. Free with
 * bb_pki_ca_set_free (keys are wiped). */
int bb_pki_make_cas(const struct bb_csr_tmpl *root,
		    const struct bb_csr_tmpl *inter, time_t now,
		    struct bb_pki_ca_set *out, char *msg, size_t cap);
void bb_pki_ca_set_free(struct bb_pki_ca_set *s);

#endif
