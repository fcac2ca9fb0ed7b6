#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/err.h"
#include "firmware/cmd/api_client.h"
#include "firmware/serve/api_token.h"

static int exchange(const struct bb_config *cfg, const char *req, size_t n,
		    struct bb_buf *out)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct timeval tv = {2, 0};
	char chunk[16384];
	ssize_t r;
	int fd;

	/* a wildcard listener is reached on loopback */
	sa.sin_addr.s_addr =
	    htonl(cfg->http.listen_addr ? cfg->http.listen_addr : 0x7f000001);
	sa.sin_port = htons(cfg->http.listen_port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return BB_EIO;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, n) != (ssize_t)n) {
		close(fd);
		return BB_EIO;
	}
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		bb_buf_append(out, chunk, (size_t)r);
	close(fd);
	return out->err ? BB_EMALFORMED : 0;
}

/* The X-Bootbox-Appliance line of the head must name the appliance of our
 * config: on a shared port another bootbox may answer. */
static bool is_ours(const struct bb_config *cfg, const char *head, size_t hlen,
		    char *seen, size_t cap)
{
	static const char key[] = "\r\nX-Bootbox-Appliance:";
	const char *want = cfg->appliance.name ? cfg->appliance.name : "";
	const char *p = head, *end = head + hlen, *v, *e;

	snprintf(seen, cap, "(none)");
	for (; (p = memmem(p, (size_t)(end - p), "\r\n", 2)); p += 2) {
		if ((size_t)(end - p) < sizeof(key) - 1 ||
		    strncasecmp(p, key, sizeof(key) - 1))
			continue;
		v = p + sizeof(key) - 1;
		while (v < end && *v == ' ')
			v++;
		e = memmem(v, (size_t)(end - v), "\r\n", 2);
		if (!e)
			e = end;
		snprintf(seen, cap, "%.*s", (int)(e - v), v);
		return strlen(want) == (size_t)(e - v) &&
		       !memcmp(want, v, (size_t)(e - v));
	}
	return false;
}

/* One exchange; 0 with the body alone left in out when the head names
 * our appliance and says 200. */
static int once(const struct bb_config *cfg, const char *method,
		const char *path, const char *auth, struct bb_buf *out)
{
	char req[768], seen[64];
	const char *body;
	int n, rc;

	n = snprintf(req, sizeof(req),
		     "%s %s HTTP/1.0\r\n%sContent-Length: 0\r\n\r\n", method,
		     path, auth);
	if (n < 0 || (size_t)n >= sizeof(req))
		return BB_EINVAL;
	out->len = 0;
	if ((rc = exchange(cfg, req, (size_t)n, out)))
		return rc;
	body = out->len >= 12 ? strstr(out->p, "\r\n\r\n") : NULL;
	if (!body)
		return BB_EMALFORMED;
	if (!is_ours(cfg, out->p, (size_t)(body - out->p) + 2, seen,
		     sizeof(seen))) {
		fprintf(stderr,
			"bootbox: the API on port %u is appliance '%s', not "
			"'%s' of %s: refusing to use it\n",
			cfg->http.listen_port, seen,
			cfg->appliance.name ? cfg->appliance.name : "",
			cfg->path);
		return BB_EACCES;
	}
	if (memcmp(out->p + 9, "200", 3))
		return BB_EMALFORMED;
	body += 4;
	n = (int)(out->len - (size_t)(body - out->p));
	memmove(out->p, body, (size_t)n);
	out->len = (size_t)n;
	out->p[n] = 0;
	return 0;
}

/* Who answers is checked first, without the token: neither the token nor
 * a change goes to another appliance on the same port. */
static int request(const struct bb_config *cfg, const char *method,
		   const char *path, struct bb_buf *out)
{
	char auth[128] = "", token[BB_API_TOKEN_LEN + 1];
	int rc;

	if (!cfg->http.enabled)
		return BB_EIO;
	rc = bb_api_token_load(cfg->appliance.state_dir, false, token);
	if (!rc)
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n",
			 token);
	else if (strcmp(method, "GET")) {
		fprintf(stderr,
			"bootbox: cannot read %s/api.token (%s): changes need "
			"the appliance's token; run this as root or as the "
			"appliance's user on the appliance\n",
			cfg->appliance.state_dir, bb_strerror(rc));
		return BB_EACCES;
	}
	if ((rc = once(cfg, "GET", "/api/v1/status", "", out)) &&
	    rc != BB_EMALFORMED)
		return rc;
	return once(cfg, method, path, auth, out);
}

int bb_api_get(const struct bb_config *cfg, const char *path,
	       struct bb_buf *out)
{
	return request(cfg, "GET", path, out);
}

int bb_api_post(const struct bb_config *cfg, const char *path,
		struct bb_buf *out)
{
	return request(cfg, "POST", path, out);
}
