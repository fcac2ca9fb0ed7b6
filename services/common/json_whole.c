#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/json_whole.h"

cJSON *bb_json_whole(const char *buf, size_t len, size_t max, int *rc,
		     const char **why)
{
	const char *end = NULL;
	cJSON *root;
	char *copy;

	*rc = BB_EMALFORMED;
	if (len > max) {
		*rc = BB_ETOOBIG;
		*why = "reply too large";
		return NULL;
	}
	if (len && memchr(buf, 0, len)) {
		*why = "NUL byte in the reply";
		return NULL;
	}
	if (!(copy = malloc(len + 1))) {
		*rc = BB_ENOMEM;
		*why = "out of memory";
		return NULL;
	}
	if (len)
		memcpy(copy, buf, len);
	copy[len] = 0;
	root = cJSON_ParseWithOpts(copy, &end, 1);
	free(copy);
	if (!root)
		*why = "not JSON (truncated, garbage or nested too deep)";
	else
		*rc = 0;
	return root;
}
