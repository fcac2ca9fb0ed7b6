/* The cache's blocking file work, for `bootbox cache verify|import` only:
 * rehashing a cached artifact, copying a file into the cache. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board/board.h"
#include "board/linux/sha256.h"
#include "common/err.h"
#include "firmware/cmd/cache_files.h"

int bb_cache_store_verify(struct bb_cache_store *s,
			  const struct bb_cache_entry *e)
{
	struct bb_sha256 sha;
	uint8_t buf[1 << 16], sum[32];
	uint64_t total = 0;
	char path[1024];
	ssize_t n;
	int fd;

	if (bb_cache_store_path(s, &e->key, path, sizeof(path)))
		return BB_EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return BB_ENOENT;
	bb_sha256_init(&sha);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		bb_sha256_update(&sha, buf, (size_t)n);
		total += (uint64_t)n;
	}
	close(fd);
	bb_sha256_final(&sha, sum);
	bb_sha256_free(&sha);
	if (n < 0)
		return BB_EIO;
	return total == e->length && !memcmp(sum, e->sha256, 32) ? 0
								 : BB_ECRYPTO;
}

/* src into the open fd, hashed on the way. */
static int copy_hashed(int in, int out, uint64_t *len, uint8_t sum[32])
{
	struct bb_sha256 sha;
	uint8_t buf[1 << 16];
	ssize_t n, w;
	int rc = 0;

	*len = 0;
	bb_sha256_init(&sha);
	while (!rc && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 || (w = write(out, buf, (size_t)n)) != n) {
			rc = BB_EIO;
			break;
		}
		bb_sha256_update(&sha, buf, (size_t)n);
		*len += (uint64_t)n;
	}
	bb_sha256_final(&sha, sum);
	bb_sha256_free(&sha);
	return rc || fdatasync(out) ? BB_EIO : 0;
}

int bb_cache_store_import(struct bb_cache_store *s,
			  const struct bb_cache_key *k, const char *src,
			  enum bb_cache_origin origin, char *msg, size_t cap)
{
	struct bb_cache_entry e = {0};
	char part[1024], final[1024];
	int in, out, rc;

	if (bb_cache_store_part_path(s, k, part, sizeof(part)) ||
	    bb_cache_store_path(s, k, final, sizeof(final)) ||
	    bb_mkdirs_parent(part, 0755)) {
		snprintf(msg, cap, "cannot make the cache directory");
		return BB_EIO;
	}
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		snprintf(msg, cap, "%s: %s", src, strerror(errno));
		return BB_ENOENT;
	}
	out = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	rc = out < 0 ? BB_EIO : copy_hashed(in, out, &e.length, e.sha256);
	close(in);
	if (out >= 0)
		close(out);
	if (!rc && (rename(part, final) || bb_fsync_parent(final)))
		rc = BB_EIO;
	if (rc) {
		unlink(part);
		snprintf(msg, cap, "%s: cannot copy into the cache: %s", src,
			 strerror(errno));
		return rc;
	}
	e.key = *k;
	e.origin = origin;
	e.fetched = e.last_used = (int64_t)time(NULL);
	if (bb_cache_index_put(&s->idx, &e) || bb_cache_store_save(s)) {
		snprintf(msg, cap, "cannot write the cache index");
		return BB_EIO;
	}
	return 0;
}
