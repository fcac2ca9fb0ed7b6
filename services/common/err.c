#include "err.h"

const char *bb_strerror(int err)
{
	switch (err) {
	case BB_OK: return "success";
	case BB_EMALFORMED: return "malformed input";
	case BB_EPARTIAL: return "incomplete input";
	case BB_ENOSPC: return "no space left";
	case BB_ENOMEM: return "out of memory";
	case BB_ETIMEDOUT: return "timed out";
	case BB_EIO: return "I/O error";
	case BB_ENOENT: return "not found";
	case BB_EEXIST: return "already exists";
	case BB_EINVAL: return "invalid argument";
	case BB_EACCES: return "access denied";
	case BB_ETOOBIG: return "too large";
	case BB_EUNSUPP: return "not supported";
	case BB_EAGAIN: return "try again";
	case BB_ECRYPTO: return "verification failed";
	}
	return "unknown error";
}
