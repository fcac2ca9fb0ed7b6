/* The text files `bootbox pki init` leaves for the PKI server:
 * - config.json, the cfssl signing configuration: a default expiry, an
 *   `intermediate` profile (CA, path length 1) and a `host` profile (server
 *   + client auth) bound to auth key "default". multirootca only signs
 *   profiles that have an auth key, so `host` is the signable one.
 * - multiroot-profile.ini, multirootca's -roots file naming one label.
 * I/O-free: paths are given, nothing is written here. */
#ifndef BB_CERTS_CFSSL_CONFIG_H
#define BB_CERTS_CFSSL_CONFIG_H

#include "common/buf.h"

/* auth_key_hex: the 32 hex characters of auth.key. 0, BB_EINVAL (not hex)
 * or BB_ENOMEM. */
int bb_cfssl_config_json(const char *auth_key_hex, struct bb_buf *out);

/* Absolute paths expected (multirootca resolves relative ones against its
 * own working directory). BB_EINVAL for a label or path with characters an
 * ini line cannot hold ([, ], =, newlines). */
int bb_multiroot_ini(const char *label, const char *key_path,
		     const char *cert_path, const char *config_path,
		     struct bb_buf *out);

#endif
