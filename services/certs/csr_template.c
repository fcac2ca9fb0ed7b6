#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "certs/csr_template.h"
#include "common/err.h"
#include "common/parse.h"

const char bb_csr_root_template[] =
    "{\n"
    "  \"CN\": \"Root Certificate Authority\",\n"
    "  \"key\": {\"algo\": \"ecdsa\", \"size\": 256},\n"
    "  \"names\": [{\"C\": \"${PKI_COUNTRY}\", \"ST\": \"${PKI_STATE}\", "
    "\"L\": \"${PKI_LOCATION}\", \"O\": \"${PKI_ORG}\", "
    "\"OU\": \"${PKI_ORG_UNIT}\"}],\n"
    "  \"ca\": {\"expiry\": \"87600h\"}\n"
    "}\n";

const char bb_csr_intermediate_template[] =
    "{\n"
    "  \"CN\": \"Intermediate Certificate Authority\",\n"
    "  \"key\": {\"algo\": \"ecdsa\", \"size\": 256},\n"
    "  \"names\": [{\"C\": \"${PKI_COUNTRY}\", \"ST\": \"${PKI_STATE}\", "
    "\"L\": \"${PKI_LOCATION}\", \"O\": \"${PKI_ORG}\", "
    "\"OU\": \"${PKI_ORG_UNIT}\"}],\n"
    "  \"ca\": {\"expiry\": \"70080h\", \"pathlen\": 1}\n"
    "}\n";

struct ctx {
	bb_csr_var_fn var;
	void *arg;
	char *err;
	size_t errcap;
};

/* Copies s into dst expanding ${NAME}. */
static int expand(struct ctx *c, const char *key, const char *s, char *dst,
		  size_t cap)
{
	size_t o = 0;

	while (*s) {
		const char *close, *v;
		char name[64];
		size_t n;

		if (s[0] != '$' || s[1] != '{') {
			if (o + 1 >= cap)
				goto too_long;
			dst[o++] = *s++;
			continue;
		}
		close = strchr(s, '}');
		n = close ? (size_t)(close - s - 2) : 0;
		if (!close || n == 0 || n >= sizeof(name)) {
			snprintf(c->err, c->errcap, "\"%s\": bad ${...}", key);
			return BB_EMALFORMED;
		}
		memcpy(name, s + 2, n);
		name[n] = 0;
		v = c->var ? c->var(c->arg, name) : NULL;
		if (!v || !*v) {
			snprintf(c->err, c->errcap, "%s is not set (\"%s\")",
				 name, key);
			return BB_ENOENT;
		}
		if (strlen(v) >= cap - o)
			goto too_long;
		memcpy(dst + o, v, strlen(v));
		o += strlen(v);
		s = close + 1;
	}
	dst[o] = 0;
	return 0;
too_long:
	snprintf(c->err, c->errcap, "\"%s\" longer than %d bytes", key,
		 BB_CSR_FIELD_MAX - 1);
	return BB_EMALFORMED;
}

static int str_member(struct ctx *c, const cJSON *o, const char *key, char *dst,
		      size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	dst[0] = 0;
	if (!v)
		return 0;
	if (!cJSON_IsString(v)) {
		snprintf(c->err, c->errcap, "\"%s\" is not a string", key);
		return BB_EMALFORMED;
	}
	return expand(c, key, v->valuestring, dst, cap);
}

static int parse_key(struct ctx *c, const cJSON *k)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(k, "algo");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(k, "size");

	if (!k)
		return 0; /* cfssl's default is ecdsa 256 as well */
	if (!cJSON_IsObject(k) || !cJSON_IsString(a) || !cJSON_IsNumber(s)) {
		snprintf(c->err, c->errcap,
			 "\"key\" needs a string algo and a number size");
		return BB_EMALFORMED;
	}
	if (strcmp(a->valuestring, "ecdsa") || s->valuedouble != 256) {
		snprintf(c->err, c->errcap,
			 "only {\"algo\":\"ecdsa\",\"size\":256} keys");
		return BB_EUNSUPP;
	}
	return 0;
}

static int parse_names(struct ctx *c, const cJSON *a, struct bb_csr_names *n)
{
	const cJSON *o = cJSON_GetArrayItem(a, 0);
	int rc;

	if (!a)
		return 0;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > 1 ||
	    (o && !cJSON_IsObject(o))) {
		snprintf(c->err, c->errcap,
			 "\"names\" must be a list of one object");
		return BB_EMALFORMED;
	}
	if (!o)
		return 0;
	if ((rc = str_member(c, o, "C", n->c, sizeof(n->c))) ||
	    (rc = str_member(c, o, "ST", n->st, sizeof(n->st))) ||
	    (rc = str_member(c, o, "L", n->l, sizeof(n->l))) ||
	    (rc = str_member(c, o, "O", n->o, sizeof(n->o))) ||
	    (rc = str_member(c, o, "OU", n->ou, sizeof(n->ou))))
		return rc;
	return 0;
}

static int parse_ca(struct ctx *c, const cJSON *ca, struct bb_csr_tmpl *t)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(ca, "expiry");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ca, "pathlen");

	if (!ca)
		return 0;
	if (!cJSON_IsObject(ca) || (e && !cJSON_IsString(e)) ||
	    (p && !cJSON_IsNumber(p))) {
		snprintf(c->err, c->errcap,
			 "\"ca\" needs a string expiry and a number pathlen");
		return BB_EMALFORMED;
	}
	t->has_ca = true;
	if (e && (bb_parse_duration(e->valuestring, strlen(e->valuestring),
				    &t->expiry) ||
		  t->expiry == 0)) {
		snprintf(c->err, c->errcap, "ca.expiry: expected like 87600h");
		return BB_EMALFORMED;
	}
	if (p) {
		if (p->valuedouble < 0 || p->valuedouble > 8 ||
		    p->valuedouble != (double)(int)p->valuedouble) {
			snprintf(c->err, c->errcap, "ca.pathlen: 0 to 8");
			return BB_EMALFORMED;
		}
		t->pathlen = (int)p->valuedouble;
	}
	return 0;
}

int bb_csr_tmpl_parse(const char *json, size_t len, bb_csr_var_fn var,
		      void *arg, struct bb_csr_tmpl *out, char *err,
		      size_t errcap)
{
	struct ctx c = {var, arg, err, errcap};
	cJSON *root;
	int rc;

	memset(out, 0, sizeof(*out));
	out->pathlen = -1;
	err[0] = 0;
	root = cJSON_ParseWithLength(json, len);
	if (!cJSON_IsObject(root)) {
		snprintf(err, errcap, "not a JSON object");
		cJSON_Delete(root);
		return BB_EMALFORMED;
	}
	if (!(rc = str_member(&c, root, "CN", out->cn, sizeof(out->cn))) &&
	    !(rc = parse_key(&c,
			     cJSON_GetObjectItemCaseSensitive(root, "key"))) &&
	    !(rc = parse_names(&c,
			       cJSON_GetObjectItemCaseSensitive(root, "names"),
			       &out->names)))
		rc = parse_ca(&c, cJSON_GetObjectItemCaseSensitive(root, "ca"),
			      out);
	if (!rc && !out->cn[0]) {
		snprintf(err, errcap, "\"CN\" is required");
		rc = BB_EMALFORMED;
	}
	cJSON_Delete(root);
	return rc;
}

static int put_attr(char *buf, size_t cap, size_t *o, const char *k,
		    const char *v)
{
	size_t i;

	if (!v[0])
		return 0;
	for (i = 0; v[i]; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == '\\' || v[i] == 0x7f)
			return BB_EINVAL;
	/* mbedTLS skips blanks after a separator, so a value cannot start
	 * with one */
	if (v[0] == ' ')
		return BB_EINVAL;
	if (*o && *o + 1 < cap)
		buf[(*o)++] = ',';
	for (; *k && *o + 1 < cap; k++)
		buf[(*o)++] = *k;
	if (*o + 1 < cap)
		buf[(*o)++] = '=';
	for (i = 0; v[i] && *o + 2 < cap; i++) {
		if (v[i] == ',')
			buf[(*o)++] = '\\';
		buf[(*o)++] = v[i];
	}
	if (v[i] || *o + 1 >= cap)
		return BB_ENOSPC;
	buf[*o] = 0;
	return 0;
}

int bb_csr_subject(const char *cn, const struct bb_csr_names *n, char *buf,
		   size_t cap)
{
	size_t o = 0;
	int rc;

	if (cap == 0)
		return BB_ENOSPC;
	buf[0] = 0;
	if ((rc = put_attr(buf, cap, &o, "C", n->c)) ||
	    (rc = put_attr(buf, cap, &o, "ST", n->st)) ||
	    (rc = put_attr(buf, cap, &o, "L", n->l)) ||
	    (rc = put_attr(buf, cap, &o, "O", n->o)) ||
	    (rc = put_attr(buf, cap, &o, "OU", n->ou)) ||
	    (rc = put_attr(buf, cap, &o, "CN", cn)))
		return rc;
	return 0;
}
