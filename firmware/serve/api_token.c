#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "board/board.h"
#include "common/err.h"
#include "firmware/serve/api_token.h"
#include "firmware/serve/trust.h"

static char token[BB_API_TOKEN_LEN + 1];
static uint64_t refused;

static bool well_formed(const char *p, size_t n)
{
	size_t i;

	if (n != BB_API_TOKEN_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		      (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

static int create(const char *path, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t r[BB_API_TOKEN_LEN / 2];
	size_t i;

	if (bb_board_random(r, sizeof(r)))
		return BB_EIO;
	for (i = 0; i < sizeof(r); i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[BB_API_TOKEN_LEN] = '\n';
	if (bb_write_file_atomic(path, out, BB_API_TOKEN_LEN + 1, 0600))
		return BB_EIO;
	out[BB_API_TOKEN_LEN] = 0;
	return 0;
}

int bb_api_token_load(const char *state_dir, bool make, char *out)
{
	struct bb_buf b = {0};
	char path[1024];
	size_t n;
	int rc;

	snprintf(path, sizeof(path), "%s/api.token", state_dir);
	rc = bb_read_file(path, &b, 256);
	if (rc == BB_EIO && errno == EACCES)
		rc = BB_EACCES;
	if (rc == BB_ENOENT && make) {
		bb_buf_free(&b);
		return create(path, out);
	}
	if (rc) {
		bb_buf_free(&b);
		return rc;
	}
	n = b.len;
	while (n && (b.p[n - 1] == '\n' || b.p[n - 1] == '\r'))
		n--;
	rc = well_formed(b.p, n) ? 0 : BB_EMALFORMED;
	if (!rc)
		snprintf(out, BB_API_TOKEN_LEN + 1, "%.*s", (int)n, b.p);
	bb_buf_free(&b);
	return rc;
}

void bb_api_token_set(const char *t)
{
	snprintf(token, sizeof(token), "%s", t ? t : "");
}

bool bb_api_token_ok(const struct bb_http_request *req)
{
	size_t len;
	const char *v = bb_http_header_get(req, "Authorization", &len);

	return bb_trust_bearer_ok(v, len, token);
}

void bb_api_refuse(struct bb_http_response *resp, const char *why)
{
	refused++;
	resp->status = 403;
	resp->content_type = "application/json";
	bb_buf_printf(&resp->body, "{\"error\":\"%s\"}\n", why);
}

uint64_t bb_api_refused_total(void)
{
	return refused;
}
