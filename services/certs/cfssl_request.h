/* What bootbox sends to a cfssl API (multirootca, `cfssl serve`):
 *   sign request R = {"certificate_request":PEM,"hosts":[...],
 *                     "profile":P,"label":L}
 *   authsign body  = {"token":b64(HMAC-SHA256(key, R)),"request":b64(R),
 *                     "timestamp":T}
 *   info body      = {"label":L,"profile":P}
 * The HMAC itself is computed by the caller (crypto lives with mbedTLS in
 * board/); everything here is text. Base64 is standard with padding, which
 * is what Go's []byte JSON fields take. I/O-free. */
#ifndef BB_CERTS_CFSSL_REQUEST_H
#define BB_CERTS_CFSSL_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct bb_cfssl_sign {
	const char *csr_pem;
	const char *const *hosts;
	size_t nhosts;
	const char *profile; /* NULL: omitted (server default) */
	const char *label;   /* NULL: omitted (multirootca's -l) */
};

/* Appends R to out. 0 or BB_ENOMEM. */
int bb_cfssl_sign_request(const struct bb_cfssl_sign *s, struct bb_buf *out);

/* Appends the authsign body for request bytes R and its 32-byte MAC. */
int bb_cfssl_authsign_body(const uint8_t *req, size_t len,
			   const uint8_t mac[32], int64_t timestamp,
			   struct bb_buf *out);

int bb_cfssl_info_request(const char *label, const char *profile,
			  struct bb_buf *out);

/* Standard base64 with padding, appended to out. */
void bb_base64_append(struct bb_buf *out, const uint8_t *p, size_t len);

/* An auth key file's text: hex digits (either case), surrounding white
 * space ignored (the first ring0 version wrote a trailing newline). 16 to
 * 64 bytes of key. 0, BB_EMALFORMED or BB_EINVAL (wrong size). */
int bb_cfssl_auth_key(const char *text, size_t len, uint8_t *key, size_t cap,
		      size_t *key_len);

#endif
