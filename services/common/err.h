/* One error space for every engine: 0 is success, a negative BB_E* is failure.
 * errno, lwIP err_t, mbedTLS and libyaml codes are mapped to these only in
 * board/ and firmware/. */
#ifndef BB_ERR_H
#define BB_ERR_H

enum bb_err {
	BB_OK = 0,
	BB_EMALFORMED = -1, /* input violates the protocol or format */
	BB_EPARTIAL = -2,   /* input is a valid prefix: need more bytes */
	BB_ENOSPC = -3,	    /* output buffer or table is full */
	BB_ENOMEM = -4,	    /* allocation failed */
	BB_ETIMEDOUT = -5,
	BB_EIO = -6,
	BB_ENOENT = -7, /* no such file, lease, machine, route */
	BB_EEXIST = -8,
	BB_EINVAL = -9,	  /* a caller or a config value out of range */
	BB_EACCES = -10,  /* refused by policy */
	BB_ETOOBIG = -11, /* input exceeds a hard cap */
	BB_EUNSUPP = -12, /* valid but not implemented or not allowed */
	BB_EAGAIN = -13,  /* retry later */
	BB_ECRYPTO = -14, /* a signature, digest or certificate check failed */
};

/* Never NULL; unknown codes map to "unknown error". */
const char *bb_strerror(int err);

#endif
