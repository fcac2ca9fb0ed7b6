/* services/certs: the cfssl envelope decoder (one case per malformed
 * reply), SAN DER build/parse, request building, base64, auth keys, CSR
 * templates and the generated cfssl config. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "certs/cfssl_config.h"
#include "certs/cfssl_reply.h"
#include "certs/cfssl_request.h"
#include "certs/csr_template.h"
#include "certs/san.h"
#include "common/err.h"
#include "test.h"

#define PEM "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"
#define OK_REPLY                                                               \
	"{\"success\":true,\"result\":{\"certificate\":\"" PEM "\"},"          \
	"\"errors\":[],\"messages\":[]}"

/* Decodes s from a guarded copy (any overread faults). */
static int decode(const char *s, struct bb_cfssl_reply *r)
{
	size_t n = strlen(s);
	void *g = bb_test_guard(s, n);
	const char *why;
	int rc = bb_cfssl_reply_parse(g, n, r, &why);

	bb_test_unguard(g, n);
	if (rc)
		CHECK(why && why[0]);
	return rc;
}

static void reply_success(void)
{
	struct bb_cfssl_reply r;

	CHECK_EQ(decode(OK_REPLY, &r), 0);
	CHECK(r.success);
	CHECK(r.certificate && !strncmp(r.certificate, "-----BEGIN", 10));
	CHECK(strchr(r.certificate, '\n'));
	bb_cfssl_reply_free(&r);
	/* white space around is fine */
	CHECK_EQ(decode(" \n" OK_REPLY "\n ", &r), 0);
	bb_cfssl_reply_free(&r);
}

static void reply_failure(void)
{
	struct bb_cfssl_reply r;

	CHECK_EQ(decode("{\"success\":false,\"result\":null,\"errors\":[{"
			"\"code\":1,\"message\":\"invalid token\"}],"
			"\"messages\":[]}",
			&r),
		 0);
	CHECK(!r.success);
	CHECK_EQ(r.code, 1);
	CHECK_STR(r.message, "invalid token");
	CHECK(!r.certificate);
	bb_cfssl_reply_free(&r);
}

static void reply_malformed(void)
{
	static const char *const bad[] = {
	    "",
	    "garbage",
	    "{\"success\":true,\"result\":{\"certificate\":\"-----BEGIN",
	    OK_REPLY "x",
	    OK_REPLY OK_REPLY,
	    "[" OK_REPLY "]",
	    "{\"result\":{\"certificate\":\"" PEM "\"},\"errors\":[],"
	    "\"messages\":[]}",
	    "{\"success\":1,\"result\":{\"certificate\":\"" PEM "\"},"
	    "\"errors\":[],\"messages\":[]}",
	    "{\"success\":true,\"result\":{\"certificate\":\"" PEM "\"},"
	    "\"messages\":[]}",
	    "{\"success\":true,\"result\":{\"certificate\":\"" PEM "\"},"
	    "\"errors\":{},\"messages\":[]}",
	    "{\"success\":true,\"result\":{\"certificate\":\"" PEM "\"},"
	    "\"errors\":[]}",
	    "{\"success\":false,\"result\":null,\"errors\":[{\"message\":"
	    "\"x\"}],\"messages\":[]}",
	    "{\"success\":false,\"result\":null,\"errors\":[{\"code\":1.5,"
	    "\"message\":\"x\"}],\"messages\":[]}",
	    "{\"success\":false,\"result\":null,\"errors\":[{\"code\":\"1\","
	    "\"message\":\"x\"}],\"messages\":[]}",
	    "{\"success\":false,\"result\":null,\"errors\":[{\"code\":1,"
	    "\"message\":7}],\"messages\":[]}",
	    "{\"success\":false,\"result\":null,\"errors\":[7],"
	    "\"messages\":[]}",
	    "{\"success\":false,\"result\":null,\"errors\":[],"
	    "\"messages\":[]}",
	    "{\"success\":true,\"result\":null,\"errors\":[],\"messages\":[]}",
	    "{\"success\":true,\"result\":{},\"errors\":[],\"messages\":[]}",
	    "{\"success\":true,\"result\":{\"certificate\":5},\"errors\":[],"
	    "\"messages\":[]}",
	    "{\"success\":true,\"result\":{\"certificate\":\"hello\"},"
	    "\"errors\":[],\"messages\":[]}",
	    "{\"success\":true,\"result\":{\"certificate\":\"" PEM "\"},"
	    "\"errors\":[{\"code\":1,\"message\":\"x\"}],\"messages\":[]}",
	    "{\"success\":false,\"success\":true,\"result\":{\"certificate\":"
	    "\"" PEM "\"},\"errors\":[],\"messages\":[]}",
	    "{\"success\":true,\"result\":{\"certificate\":\"" PEM "\"},"
	    "\"errors\":[],\"messages\":[{\"code\":1}]}",
	};
	struct bb_cfssl_reply r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = decode(bad[i], &r);

		if (rc != BB_EMALFORMED)
			fprintf(stderr, "  case %zu: %d\n", i, rc);
		CHECK_EQ(rc, BB_EMALFORMED);
		CHECK(!r.certificate);
	}
}

static void reply_nul_and_size(void)
{
	struct bb_cfssl_reply r;
	const char *why;
	char buf[sizeof(OK_REPLY) + 4];
	size_t n = strlen(OK_REPLY);
	char *big;

	memcpy(buf, OK_REPLY, n);
	buf[n] = 0;
	buf[n + 1] = '}';
	/* a NUL inside must not hide what follows it */
	CHECK_EQ(bb_cfssl_reply_parse(buf, n + 2, &r, &why), BB_EMALFORMED);
	big = malloc(BB_CFSSL_REPLY_MAX + 1);
	memset(big, ' ', BB_CFSSL_REPLY_MAX + 1);
	CHECK_EQ(bb_cfssl_reply_parse(big, BB_CFSSL_REPLY_MAX + 1, &r, &why),
		 BB_ETOOBIG);
	free(big);
}

static void san_roundtrip(void)
{
	const char *hosts[] = {"bootstrap", "matchbox.ring0.lan", "192.168.2.2",
			       "*.apps.lan"};
	const char *other[] = {"192.168.2.2", "MATCHBOX.ring0.lan",
			       "*.apps.lan", "bootstrap"};
	struct bb_san_list a, b, c;
	uint8_t der[2048];
	size_t bad = 99;
	long n;

	CHECK_EQ(bb_san_from_hosts(hosts, 4, &a, &bad), 0);
	CHECK(!a.e[0].is_ip && a.e[2].is_ip);
	CHECK_EQ(a.e[2].ip, 0xc0a80202);
	n = bb_san_der(&a, der, sizeof(der));
	CHECK(n > 0);
	CHECK_EQ(der[0], 0x30);
	CHECK_EQ(bb_san_parse(der, (size_t)n, &b), 0);
	CHECK_EQ(b.n, 4);
	CHECK(bb_san_equal(&a, &b));
	CHECK_EQ(bb_san_from_hosts(other, 4, &c, &bad), 0);
	CHECK(bb_san_equal(&a, &c)); /* order and case do not matter */
	CHECK_EQ(bb_san_from_hosts(other, 3, &c, &bad), 0);
	CHECK(!bb_san_equal(&a, &c)); /* a name missing */
	CHECK_EQ(bb_san_der(&a, der, 10), BB_ENOSPC);
}

static void san_bad_input(void)
{
	const char *bad_hosts[] = {"ok", "no spaces"};
	/* SEQUENCE { [2] "a", [6] "u" (a URI) } */
	static const uint8_t uri[] = {0x30, 0x06, 0x82, 0x01,
				      'a',  0x86, 0x01, 'u'};
	static const uint8_t cut[] = {0x30, 0x05, 0x82, 0x05, 'a', 'b', 'c'};
	static const uint8_t trailing[] = {0x30, 0x03, 0x82, 0x01, 'a', 0};
	static const uint8_t longlen[] = {0x30, 0x84, 0,    0,	0,
					  3,	0x82, 0x01, 'a'};
	static const uint8_t nul[] = {0x30, 0x04, 0x82, 0x02, 'a', 0};
	struct bb_san_list l, one;
	const char *a = "a";
	size_t bad = 0;

	CHECK_EQ(bb_san_from_hosts(bad_hosts, 2, &l, &bad), BB_EINVAL);
	CHECK_EQ(bad, 1);
	CHECK_EQ(bb_san_parse(uri, sizeof(uri), &l), 0);
	CHECK_EQ(l.other, 1);
	bb_san_from_hosts(&a, 1, &one, &bad);
	CHECK(!bb_san_equal(&l, &one)); /* an extra URI SAN is a mismatch */
	CHECK_EQ(bb_san_parse(cut, sizeof(cut), &l), BB_EMALFORMED);
	CHECK_EQ(bb_san_parse(trailing, sizeof(trailing), &l), BB_EMALFORMED);
	CHECK_EQ(bb_san_parse(longlen, sizeof(longlen), &l), BB_EMALFORMED);
	CHECK_EQ(bb_san_parse(nul, sizeof(nul), &l), BB_EMALFORMED);
	CHECK_EQ(bb_san_parse(uri, 0, &l), BB_EMALFORMED);
}

static void base64_vectors(void)
{
	/* RFC 4648 section 10 */
	static const char *const in[] = {"",	 "f",	  "fo",	   "foo",
					 "foob", "fooba", "foobar"};
	static const char *const out[] = {
	    "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	size_t i;

	for (i = 0; i < 7; i++) {
		struct bb_buf b = {0};

		bb_base64_append(&b, (const uint8_t *)in[i], strlen(in[i]));
		CHECK_STR(b.len ? b.p : "", out[i]);
		bb_buf_free(&b);
	}
}

static void sign_request_shape(void)
{
	const char *hosts[] = {"bootstrap", "10.0.0.2"};
	struct bb_cfssl_sign s = {"-----BEGIN CERTIFICATE REQUEST-----\n"
				  "x\n",
				  hosts, 2, "host", "microcloud"};
	struct bb_buf b = {0}, body = {0};
	uint8_t mac[32] = {0};
	cJSON *o;

	CHECK_EQ(bb_cfssl_sign_request(&s, &b), 0);
	o = cJSON_Parse(b.p);
	CHECK(o != NULL);
	CHECK_STR(cJSON_GetObjectItem(o, "certificate_request")->valuestring,
		  s.csr_pem);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "hosts")), 2);
	CHECK_STR(cJSON_GetObjectItem(o, "profile")->valuestring, "host");
	CHECK_STR(cJSON_GetObjectItem(o, "label")->valuestring, "microcloud");
	cJSON_Delete(o);
	CHECK_EQ(
	    bb_cfssl_authsign_body((const uint8_t *)"foo", 3, mac, 42, &body),
	    0);
	CHECK_STR(body.p, "{\"token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			  "AAAA=\",\"request\":\"Zm9v\",\"timestamp\":42}");
	bb_buf_free(&b);
	bb_buf_free(&body);
}

static void auth_key_text(void)
{
	uint8_t k[64];
	size_t n = 0;

	CHECK_EQ(bb_cfssl_auth_key("00112233445566778899aabbccddeeff", 32, k,
				   sizeof(k), &n),
		 0);
	CHECK_EQ(n, 16);
	CHECK_EQ(k[15], 0xff);
	CHECK_EQ(bb_cfssl_auth_key("00112233445566778899AABBCCDDEEFF\n", 33, k,
				   sizeof(k), &n),
		 0);
	CHECK_EQ(bb_cfssl_auth_key("0011223344556677889", 19, k, sizeof(k), &n),
		 BB_EMALFORMED);
	CHECK_EQ(bb_cfssl_auth_key("00112233445566778899aabbccddeefg", 32, k,
				   sizeof(k), &n),
		 BB_EMALFORMED);
	CHECK_EQ(bb_cfssl_auth_key("0011", 4, k, sizeof(k), &n), BB_EINVAL);
	CHECK_EQ(bb_cfssl_auth_key("", 0, k, sizeof(k), &n), BB_EINVAL);
}

static const char *vars(void *arg, const char *name)
{
	(void)arg;
	if (!strcmp(name, "PKI_COUNTRY"))
		return "FR";
	if (!strcmp(name, "PKI_ORG"))
		return "My Cloud, Inc";
	if (!strcmp(name, "PKI_ORG_UNIT"))
		return "CA Services";
	if (!strcmp(name, "PKI_STATE"))
		return "IDF";
	if (!strcmp(name, "PKI_LOCATION"))
		return "Paris";
	return NULL;
}

static void templates_builtin(void)
{
	struct bb_csr_tmpl t;
	char err[200], subj[512];

	CHECK_EQ(bb_csr_tmpl_parse(bb_csr_root_template,
				   strlen(bb_csr_root_template), vars, NULL, &t,
				   err, sizeof(err)),
		 0);
	CHECK_STR(t.cn, "Root Certificate Authority");
	CHECK_STR(t.names.c, "FR");
	CHECK_EQ(t.expiry, 87600u * 3600);
	CHECK_EQ(t.pathlen, -1);
	CHECK_EQ(bb_csr_subject(t.cn, &t.names, subj, sizeof(subj)), 0);
	CHECK_STR(subj, "C=FR,ST=IDF,L=Paris,O=My Cloud\\, Inc,OU=CA Services,"
			"CN=Root Certificate Authority");
	CHECK_EQ(bb_csr_subject(t.cn, &t.names, subj, 20), BB_ENOSPC);
	CHECK_EQ(bb_csr_tmpl_parse(bb_csr_intermediate_template,
				   strlen(bb_csr_intermediate_template), vars,
				   NULL, &t, err, sizeof(err)),
		 0);
	CHECK_EQ(t.pathlen, 1);
	CHECK_EQ(t.expiry, 70080u * 3600);
}

/* pki/ holds the same templates as the binary. */
static void templates_match_files(void)
{
	static const char *const files[] = {"pki/root-ca-csr.json",
					    "pki/intermediate-ca-csr.json"};
	const char *built[] = {bb_csr_root_template,
			       bb_csr_intermediate_template};
	char buf[4096];
	size_t i, n;

	for (i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "r");

		CHECK(f != NULL);
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = 0;
		fclose(f);
		CHECK_STR(buf, built[i]);
	}
}

static void templates_bad(void)
{
	struct bb_csr_tmpl t;
	struct bb_csr_names n = {0};
	char err[200], subj[256];
	static const struct {
		const char *json;
		int rc;
	} cases[] = {
	    {"{\"CN\":\"x\",\"key\":{\"algo\":\"rsa\",\"size\":2048}}",
	     BB_EUNSUPP},
	    {"{\"CN\":\"${NOPE}\"}", BB_ENOENT},
	    {"{\"CN\":\"${PKI_COUNTRY\"}", BB_EMALFORMED},
	    {"{\"CN\":7}", BB_EMALFORMED},
	    {"{\"names\":[]}", BB_EMALFORMED}, /* no CN */
	    {"{\"CN\":\"x\",\"names\":{}}", BB_EMALFORMED},
	    {"{\"CN\":\"x\",\"ca\":{\"expiry\":\"soon\"}}", BB_EMALFORMED},
	    {"{\"CN\":\"x\",\"ca\":{\"pathlen\":-1}}", BB_EMALFORMED},
	    {"[1]", BB_EMALFORMED},
	    {"{\"CN\":\"x\"", BB_EMALFORMED},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = bb_csr_tmpl_parse(cases[i].json, strlen(cases[i].json),
					   vars, NULL, &t, err, sizeof(err));

		if (rc != cases[i].rc)
			fprintf(stderr, "  case %zu: %d (%s)\n", i, rc, err);
		CHECK_EQ(rc, cases[i].rc);
		CHECK(err[0]);
	}
	strcpy(n.o, "back\\slash");
	CHECK_EQ(bb_csr_subject("x", &n, subj, sizeof(subj)), BB_EINVAL);
	strcpy(n.o, " lead");
	CHECK_EQ(bb_csr_subject("x", &n, subj, sizeof(subj)), BB_EINVAL);
}

static void config_texts(void)
{
	struct bb_buf b = {0}, ini = {0};
	const char *key = "00112233445566778899aabbccddeeff";
	cJSON *o, *host;

	CHECK_EQ(bb_cfssl_config_json(key, &b), 0);
	o = cJSON_Parse(b.p);
	CHECK(o != NULL);
	CHECK_STR(cJSON_GetObjectItem(
		      cJSON_GetObjectItem(cJSON_GetObjectItem(o, "auth_keys"),
					  "default"),
		      "key")
		      ->valuestring,
		  key);
	host = cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(o, "signing"), "profiles"),
	    "host");
	CHECK_STR(cJSON_GetObjectItem(host, "auth_key")->valuestring,
		  "default");
	cJSON_Delete(o);
	bb_buf_free(&b);
	CHECK_EQ(bb_cfssl_config_json("xyz", &b), BB_EINVAL);
	CHECK_EQ(bb_multiroot_ini("microcloud", "/d/k.pem", "/d/c.pem",
				  "/d/config.json", &ini),
		 0);
	CHECK_STR(ini.p, "[microcloud]\nprivate = file:///d/k.pem\n"
			 "certificate = /d/c.pem\nconfig = /d/config.json\n");
	bb_buf_free(&ini);
	CHECK_EQ(bb_multiroot_ini("a]b", "/k", "/c", "/j", &ini), BB_EINVAL);
	CHECK_EQ(bb_multiroot_ini("a", "/k\n[x]", "/c", "/j", &ini), BB_EINVAL);
	bb_buf_free(&ini);
}

int main(void)
{
	RUN(reply_success);
	RUN(reply_failure);
	RUN(reply_malformed);
	RUN(reply_nul_and_size);
	RUN(san_roundtrip);
	RUN(san_bad_input);
	RUN(base64_vectors);
	RUN(sign_request_shape);
	RUN(auth_key_text);
	RUN(templates_builtin);
	RUN(templates_match_files);
	RUN(templates_bad);
	RUN(config_texts);
	return bb_test_done();
}
