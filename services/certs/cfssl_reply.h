/* The cfssl API envelope, as multirootca and `cfssl serve` answer every
 * request:
 *   {"success":bool,"result":{...}|null,
 *    "errors":[{"code":int,"message":str}],"messages":[{...}]}
 * Decoded strictly, because a PKI reply decides what key material the
 * appliance trusts: one JSON object and nothing after it, every envelope
 * member present with its type, a failure names at least one error, a
 * success carries result.certificate as PEM and no errors. I/O-free. */
#ifndef BB_CERTS_CFSSL_REPLY_H
#define BB_CERTS_CFSSL_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#define BB_CFSSL_REPLY_MAX (1u << 20)
#define BB_CFSSL_CERT_MAX  (64u << 10)

struct bb_cfssl_reply {
	bool success;
	char *certificate; /* success: PEM, NUL-terminated, malloc'd */
	long code;	   /* failure: the first error's code */
	char message[256]; /* failure: its message (may hold any bytes but
			      NUL: sanitise before logging) */
	size_t nerrors;
};

/* Decodes buf[0..len) (no NUL terminator needed). 0 (out filled, free it
 * with bb_cfssl_reply_free), BB_EMALFORMED (*why, a static string, says
 * what is wrong), BB_ETOOBIG or BB_ENOMEM. */
int bb_cfssl_reply_parse(const char *buf, size_t len,
			 struct bb_cfssl_reply *out, const char **why);
void bb_cfssl_reply_free(struct bb_cfssl_reply *r);

#endif
