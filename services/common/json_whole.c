#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/json_whole.h"

/* cJSON turns \u0000 into a NUL that ends the string early: "a\u0000b"
 * would read as "a". Escapes come in pairs, so "\\u0000" is no NUL. */
static bool nul_escape(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && len - i >= 6 &&
		    !memcmp(s + i + 2, "0000", 4))
			return true;
		i++;
	}
	return false;
}

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
	if (nul_escape(buf, len)) {
		*why = "a \\u0000 in a string (it would cut the string short)";
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
