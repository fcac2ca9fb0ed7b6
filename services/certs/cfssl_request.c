#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "certs/cfssl_request.h"
#include "common/err.h"
#include "common/parse.h"

/* cJSON does the string escaping (a PEM has newlines); its output goes
 * into out and the tree is dropped. */
static int emit(cJSON *o, struct bb_buf *out)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	if (!s)
		return BB_ENOMEM;
	bb_buf_puts(out, s);
	free(s);
	return out->err;
}

int bb_cfssl_sign_request(const struct bb_cfssl_sign *s, struct bb_buf *out)
{
	cJSON *o = cJSON_CreateObject(), *h = cJSON_CreateArray();
	size_t i;

	if (!o || !h) {
		cJSON_Delete(o);
		cJSON_Delete(h);
		return BB_ENOMEM;
	}
	cJSON_AddStringToObject(o, "certificate_request", s->csr_pem);
	cJSON_AddItemToObject(o, "hosts", h);
	for (i = 0; i < s->nhosts; i++)
		cJSON_AddItemToArray(h, cJSON_CreateString(s->hosts[i]));
	if (s->profile)
		cJSON_AddStringToObject(o, "profile", s->profile);
	if (s->label)
		cJSON_AddStringToObject(o, "label", s->label);
	return emit(o, out);
}

void bb_base64_append(struct bb_buf *out, const uint8_t *p, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v =
		    (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		char q[4] = {tab[v >> 18], tab[v >> 12 & 63], tab[v >> 6 & 63],
			     tab[v & 63]};

		bb_buf_append(out, q, 4);
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		char q[4] = {tab[v >> 18], tab[v >> 12 & 63], '=', '='};

		bb_buf_append(out, q, 4);
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		char q[4] = {tab[v >> 18], tab[v >> 12 & 63], tab[v >> 6 & 63],
			     '='};

		bb_buf_append(out, q, 4);
	}
}

int bb_cfssl_authsign_body(const uint8_t *req, size_t len,
			   const uint8_t mac[32], int64_t timestamp,
			   struct bb_buf *out)
{
	/* built by hand: base64 needs no escaping, and this avoids a second
	 * copy of a request that can be several KiB */
	bb_buf_puts(out, "{\"token\":\"");
	bb_base64_append(out, mac, 32);
	bb_buf_puts(out, "\",\"request\":\"");
	bb_base64_append(out, req, len);
	bb_buf_printf(out, "\",\"timestamp\":%lld}", (long long)timestamp);
	return out->err;
}

int bb_cfssl_info_request(const char *label, const char *profile,
			  struct bb_buf *out)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return BB_ENOMEM;
	if (label)
		cJSON_AddStringToObject(o, "label", label);
	if (profile)
		cJSON_AddStringToObject(o, "profile", profile);
	return emit(o, out);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int bb_cfssl_auth_key(const char *text, size_t len, uint8_t *key, size_t cap,
		      size_t *key_len)
{
	size_t i, n;

	while (len && is_space(text[len - 1]))
		len--;
	while (len && is_space(text[0])) {
		text++;
		len--;
	}
	if (len % 2)
		return BB_EMALFORMED;
	n = len / 2;
	for (i = 0; i < len; i++)
		if (bb_hex_digit(text[i]) < 0)
			return BB_EMALFORMED;
	if (n < 16 || n > 64 || n > cap)
		return BB_EINVAL;
	for (i = 0; i < n; i++)
		key[i] = (uint8_t)(bb_hex_digit(text[2 * i]) << 4 |
				   bb_hex_digit(text[2 * i + 1]));
	*key_len = n;
	return 0;
}
