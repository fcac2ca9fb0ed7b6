/* Runs one upstream fetch on the event loop, as the cache does:
 *   fetch URL FILE [--ca PEM] [--system-ca PEM] [--proxy URL] [--resume]
 *         [--read-timeout-ms N]
 * Prints "ok LENGTH SHA256" or "fail[ resumable]: MESSAGE"; exit 0 / 1. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/linux/fetch.h"

static int rc = 1;

static void done(void *arg, const struct bb_fetch_result *r)
{
	int i;

	if (r->err) {
		printf("fail%s: %s\n", r->resumable ? " resumable" : "",
		       r->msg);
	} else {
		printf("ok %llu ", (unsigned long long)r->length);
		for (i = 0; i < 32; i++)
			printf("%02x", r->sha256[i]);
		printf("\n");
		rc = 0;
	}
	bb_loop_stop(arg);
}

int main(int argc, char **argv)
{
	struct bb_fetch_opts o = {0};
	struct bb_fetch_cb cb = {.done = done};
	struct bb_loop *loop;
	struct stat st;
	int i, resume = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: fetch URL FILE [options]\n");
		return 2;
	}
	o.url = argv[1];
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--ca") && i + 1 < argc)
			o.ca_bundle = argv[++i];
		else if (!strcmp(argv[i], "--system-ca") && i + 1 < argc)
			o.system_ca = argv[++i];
		else if (!strcmp(argv[i], "--proxy") && i + 1 < argc)
			o.proxy = argv[++i];
		else if (!strcmp(argv[i], "--read-timeout-ms") && i + 1 < argc)
			o.read_timeout_ms = (uint32_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--resume"))
			resume = 1;
	}
	o.fd = open(argv[2], O_RDWR | O_CREAT | (resume ? 0 : O_TRUNC), 0644);
	if (o.fd < 0 || fstat(o.fd, &st)) {
		perror(argv[2]);
		return 2;
	}
	o.offset = (uint64_t)st.st_size;
	loop = bb_loop_new();
	cb.arg = loop;
	if (!bb_fetch_start(loop, &o, &cb)) {
		printf("fail: cannot start\n");
		return 1;
	}
	bb_loop_run(loop);
	bb_loop_free(loop);
	close(o.fd);
	return rc;
}
