#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "certs/cfssl_reply.h"
#include "common/err.h"

#define PEM_CERT "-----BEGIN CERTIFICATE-----"

static bool is_int(const cJSON *v)
{
	return cJSON_IsNumber(v) && v->valuedouble > -1e15 &&
	       v->valuedouble < 1e15 &&
	       (double)(long long)v->valuedouble == v->valuedouble;
}

/* [{code, message}, ...]: cfssl's ResponseMessage list. */
static int msg_list(const cJSON *a, const char **why)
{
	const cJSON *e;

	if (!cJSON_IsArray(a)) {
		*why = "errors/messages is not a list";
		return BB_EMALFORMED;
	}
	cJSON_ArrayForEach(e, a)
	{
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");

		if (!cJSON_IsObject(e) || !is_int(c) || !cJSON_IsString(m)) {
			*why = "an error or message lacks an integer code "
			       "or a string message";
			return BB_EMALFORMED;
		}
	}
	return 0;
}

static int take_failure(const cJSON *errors, struct bb_cfssl_reply *out,
			const char **why)
{
	const cJSON *first = cJSON_GetArrayItem(errors, 0);

	if (!first) {
		*why = "failure without an error";
		return BB_EMALFORMED;
	}
	out->code =
	    (long)cJSON_GetObjectItemCaseSensitive(first, "code")->valuedouble;
	strncpy(out->message,
		cJSON_GetObjectItemCaseSensitive(first, "message")->valuestring,
		sizeof(out->message) - 1);
	return 0;
}

static int take_success(const cJSON *result, const cJSON *errors,
			struct bb_cfssl_reply *out, const char **why)
{
	const cJSON *c =
	    cJSON_GetObjectItemCaseSensitive(result, "certificate");
	size_t n;

	if (cJSON_GetArraySize(errors) != 0) {
		*why = "success with errors";
		return BB_EMALFORMED;
	}
	if (!cJSON_IsObject(result) || !cJSON_IsString(c)) {
		*why = "success without result.certificate";
		return BB_EMALFORMED;
	}
	n = strlen(c->valuestring);
	if (n > BB_CFSSL_CERT_MAX) {
		*why = "certificate too large";
		return BB_ETOOBIG;
	}
	if (strncmp(c->valuestring, PEM_CERT, strlen(PEM_CERT))) {
		*why = "result.certificate is not a PEM certificate";
		return BB_EMALFORMED;
	}
	out->certificate = malloc(n + 1);
	if (!out->certificate)
		return BB_ENOMEM;
	memcpy(out->certificate, c->valuestring, n + 1);
	return 0;
}

/* A member named twice would let two readers of the same reply disagree
 * (cJSON takes the first); the envelope has four members, so a handful is
 * plenty and keeps the check cheap. */
static bool dup_or_crowded(const cJSON *root)
{
	const cJSON *a, *b;
	int n = 0;

	cJSON_ArrayForEach(a, root)
	{
		if (++n > 16)
			return true;
		for (b = a->next; b; b = b->next)
			if (!strcmp(a->string, b->string))
				return true;
	}
	return false;
}

static int decode(const cJSON *root, struct bb_cfssl_reply *out,
		  const char **why)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "success");
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(root, "result");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "errors");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "messages");
	int rc;

	if (!cJSON_IsObject(root)) {
		*why = "not a JSON object";
		return BB_EMALFORMED;
	}
	if (dup_or_crowded(root)) {
		*why = "duplicate or unexpected members";
		return BB_EMALFORMED;
	}
	if (!cJSON_IsBool(s) || !r || !e || !m) {
		*why = "success, result, errors or messages missing";
		return BB_EMALFORMED;
	}
	if ((rc = msg_list(e, why)) || (rc = msg_list(m, why)))
		return rc;
	out->nerrors = (size_t)cJSON_GetArraySize(e);
	out->success = cJSON_IsTrue(s);
	return out->success ? take_success(r, e, out, why)
			    : take_failure(e, out, why);
}

int bb_cfssl_reply_parse(const char *buf, size_t len,
			 struct bb_cfssl_reply *out, const char **why)
{
	const char *end = NULL;
	cJSON *root;
	char *copy;
	int rc;

	memset(out, 0, sizeof(*out));
	*why = "";
	if (len > BB_CFSSL_REPLY_MAX) {
		*why = "reply too large";
		return BB_ETOOBIG;
	}
	/* a NUL inside would end cJSON's view early and hide trailing bytes */
	if (memchr(buf, 0, len)) {
		*why = "NUL byte in reply";
		return BB_EMALFORMED;
	}
	copy = malloc(len + 1);
	if (!copy)
		return BB_ENOMEM;
	memcpy(copy, buf, len);
	copy[len] = 0;
	root = cJSON_ParseWithOpts(copy, &end, 1);
	if (!root) {
		free(copy);
		*why = "not valid JSON (truncated or garbage)";
		return BB_EMALFORMED;
	}
	rc = decode(root, out, why);
	cJSON_Delete(root);
	free(copy);
	if (rc)
		bb_cfssl_reply_free(out);
	return rc;
}

void bb_cfssl_reply_free(struct bb_cfssl_reply *r)
{
	free(r->certificate);
	r->certificate = NULL;
}
