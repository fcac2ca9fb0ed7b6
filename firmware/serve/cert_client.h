/* The appliance's own certificate from a cfssl-compatible PKI (multirootca
 * or `cfssl serve`), shared by `bootbox cert` and the renewal in `bootbox
 * serve`: a fresh ECDSA P-256 key and CSR for pki.cn / pki.hosts /
 * pki.names, authsign (HMAC with the auth key) or sign, the signer from
 * info, every check of cert_check.h, and only then
 * <state_dir>/certs/bootbox.key (0600), bootbox.crt (the leaf) and
 * chain.pem (leaf + intermediate, what a TLS server sends), each replaced
 * atomically. */
#ifndef BB_CERT_CLIENT_H
#define BB_CERT_CLIENT_H

#include <limits.h>
#include <time.h>

#include "firmware/config/config.h"

struct bb_cert_paths {
	char dir[PATH_MAX];
	char key[PATH_MAX + 16], crt[PATH_MAX + 16], chain[PATH_MAX + 16];
};

void bb_cert_paths(const struct bb_config *cfg, struct bb_cert_paths *p);

/* done(arg, 0, a one-line summary) or (arg, a negative BB_E*, the reason;
 * nothing written then), once, on the loop. */
typedef void (*bb_cert_done_fn)(void *arg, int rc, const char *msg);
struct bb_cert_job;
/* Makes the key and CSR now, then asks the PKI through the board's
 * outbound requests (the loop never waits on it). Warnings (plain http,
 * no signer from info) go to warn when it is not NULL. 0 and *out, or a
 * negative BB_E* and the reason in msg (done is then not called). cfg is
 * read during the call only. */
int bb_cert_obtain_start(const struct bb_config *cfg,
			 void (*warn)(const char *line), bb_cert_done_fn done,
			 void *arg, struct bb_cert_job **out, char *msg,
			 size_t cap);
/* Stops a renewal; done is not called. */
void bb_cert_obtain_cancel(struct bb_cert_job *j);

/* When the certificate on disk should be renewed: two thirds into its
 * lifetime. BB_ENOENT when there is none (due now). */
int bb_cert_due(const struct bb_config *cfg, time_t *due, time_t *not_after);

#endif
