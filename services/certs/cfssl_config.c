#include <string.h>

#include "certs/cfssl_config.h"
#include "common/err.h"

int bb_cfssl_config_json(const char *auth_key_hex, struct bb_buf *out)
{
	size_t i;

	for (i = 0; auth_key_hex[i]; i++)
		if (!strchr("0123456789abcdefABCDEF", auth_key_hex[i]))
			return BB_EINVAL;
	if (i != 32)
		return BB_EINVAL;
	/* the ring0 configuration, with "digital signing" (not a cfssl
	 * usage name, silently ignored by cfssl) spelled as cfssl knows it */
	bb_buf_printf(
	    out,
	    "{\n"
	    "  \"signing\": {\n"
	    "    \"default\": {\"expiry\": \"8760h\"},\n"
	    "    \"profiles\": {\n"
	    "      \"intermediate\": {\n"
	    "        \"usages\": [\"cert sign\", \"crl sign\"],\n"
	    "        \"expiry\": \"70080h\",\n"
	    "        \"ca_constraint\": {\"is_ca\": true, \"max_path_len\": "
	    "1}\n"
	    "      },\n"
	    "      \"host\": {\n"
	    "        \"usages\": [\"signing\", \"digital signature\", "
	    "\"key encipherment\", \"server auth\", \"client auth\"],\n"
	    "        \"expiry\": \"8760h\",\n"
	    "        \"auth_key\": \"default\"\n"
	    "      }\n"
	    "    }\n"
	    "  },\n"
	    "  \"auth_keys\": {\n"
	    "    \"default\": {\"key\": \"%s\", \"type\": \"standard\"}\n"
	    "  }\n"
	    "}\n",
	    auth_key_hex);
	return out->err;
}

static int ini_safe(const char *s)
{
	return s[0] && !strpbrk(s, "[]=\n\r;#");
}

int bb_multiroot_ini(const char *label, const char *key_path,
		     const char *cert_path, const char *config_path,
		     struct bb_buf *out)
{
	if (!ini_safe(label) || !ini_safe(key_path) || !ini_safe(cert_path) ||
	    !ini_safe(config_path))
		return BB_EINVAL;
	bb_buf_printf(out,
		      "[%s]\n"
		      "private = file://%s\n"
		      "certificate = %s\n"
		      "config = %s\n",
		      label, key_path, cert_path, config_path);
	return out->err;
}
