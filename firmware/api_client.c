#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/err.h"
#include "firmware/api_client.h"

static int request(const struct bb_config *cfg, const char *method,
		   const char *path, struct bb_buf *out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { 2, 0 };
	char req[512], chunk[16384];
	const char *body;
	ssize_t n;
	int fd;

	if (!cfg->http.enabled)
		return BB_EIO;
	/* a wildcard listener is reached on loopback */
	sa.sin_addr.s_addr = htonl(cfg->http.listen_addr ? cfg->http.listen_addr
							 : 0x7f000001);
	sa.sin_port = htons(cfg->http.listen_port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return BB_EIO;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = snprintf(req, sizeof(req),
		     "%s %s HTTP/1.0\r\nContent-Length: 0\r\n\r\n", method,
		     path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, (size_t)n) != n) {
		close(fd);
		return BB_EIO;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		bb_buf_append(out, chunk, (size_t)n);
	close(fd);
	if (out->err || out->len < 12 || memcmp(out->p + 9, "200", 3))
		return BB_EMALFORMED;
	body = strstr(out->p, "\r\n\r\n");
	if (!body)
		return BB_EMALFORMED;
	body += 4;
	n = (ssize_t)(out->len - (size_t)(body - out->p));
	memmove(out->p, body, (size_t)n);
	out->len = (size_t)n;
	out->p[n] = 0;
	return 0;
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
