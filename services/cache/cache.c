#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "common/err.h"
#include "common/parse.h"

static const char *const artifacts[] = {
    "kernel-amd64",	  "kernel-arm64",	 "initramfs-amd64.xz",
    "initramfs-arm64.xz", "cmdline-metal-amd64", "cmdline-metal-arm64",
};

const char *bb_cache_artifact_at(size_t i)
{
	return i < sizeof(artifacts) / sizeof(artifacts[0]) ? artifacts[i]
							    : NULL;
}

static const char *const origins[] = {"fetched", "imported", "verified"};

const char *bb_cache_origin_name(enum bb_cache_origin o)
{
	return (unsigned)o < 3 ? origins[o] : "fetched";
}

int bb_cache_check_schematic(const char *s, size_t len)
{
	size_t i;

	if (len != BB_CACHE_SCHEMATIC_LEN)
		return BB_EMALFORMED;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return BB_EMALFORMED;
	return 0;
}

static size_t digits(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

int bb_cache_check_version(const char *s, size_t len)
{
	size_t i = 1, n;
	int part;

	if (len < 6 || len > BB_CACHE_VERSION_MAX || s[0] != 'v')
		return BB_EMALFORMED;
	for (part = 0; part < 3; part++) {
		n = digits(s + i, len - i);
		if (n == 0 || n > 6)
			return BB_EMALFORMED;
		i += n;
		if (part < 2) {
			if (i >= len || s[i] != '.')
				return BB_EMALFORMED;
			i++;
		}
	}
	if (i == len)
		return 0;
	/* a pre-release suffix: -alpha.1, -beta.0: identifiers of digits and
	 * letters joined by single dots (semver), none empty, so no ".." */
	if (s[i++] != '-' || i == len || s[i] == '.' || s[len - 1] == '.')
		return BB_EMALFORMED;
	for (; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] == '.' && s[i - 1] != '.')))
			return BB_EMALFORMED;
	return 0;
}

int bb_cache_check_artifact(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(artifacts) / sizeof(artifacts[0]); i++)
		if (strlen(artifacts[i]) == len &&
		    !memcmp(artifacts[i], s, len))
			return 0;
	return BB_EMALFORMED;
}

static void copy(char *dst, const char *s, size_t len)
{
	memcpy(dst, s, len);
	dst[len] = 0;
}

int bb_cache_key_from_path(const char *path, size_t len,
			   const struct bb_cache_key *primary,
			   struct bb_cache_key *out)
{
	static const char prefix[] = "/assets/talos/";
	const size_t plen = sizeof(prefix) - 1;
	const char *p, *s1, *s2;
	size_t rest;

	if (len < plen || memcmp(path, prefix, plen))
		return BB_ENOENT;
	p = path + plen;
	rest = len - plen;
	s1 = memchr(p, '/', rest);
	if (!s1) {
		if (!primary || bb_cache_check_artifact(p, rest))
			return BB_EMALFORMED;
		*out = *primary;
		copy(out->artifact, p, rest);
		return 0;
	}
	s2 = memchr(s1 + 1, '/', rest - (size_t)(s1 + 1 - p));
	if (!s2 || bb_cache_check_schematic(p, (size_t)(s1 - p)) ||
	    bb_cache_check_version(s1 + 1, (size_t)(s2 - s1 - 1)) ||
	    bb_cache_check_artifact(s2 + 1, rest - (size_t)(s2 + 1 - p)))
		return BB_EMALFORMED;
	copy(out->schematic, p, (size_t)(s1 - p));
	copy(out->version, s1 + 1, (size_t)(s2 - s1 - 1));
	copy(out->artifact, s2 + 1, rest - (size_t)(s2 + 1 - p));
	return 0;
}

static int fmt_result(int n, size_t cap)
{
	return n < 0 || (size_t)n >= cap ? BB_ENOSPC : n;
}

int bb_cache_url(const char *factory, const struct bb_cache_key *k, char *buf,
		 size_t cap)
{
	size_t flen = strlen(factory);

	if (flen && factory[flen - 1] == '/')
		flen--;
	return fmt_result(snprintf(buf, cap, "%.*s/image/%s/%s/%s", (int)flen,
				   factory, k->schematic, k->version,
				   k->artifact),
			  cap);
}

int bb_cache_relpath(const struct bb_cache_key *k, char *buf, size_t cap)
{
	return fmt_result(snprintf(buf, cap, "talos/%s/%s/%s", k->schematic,
				   k->version, k->artifact),
			  cap);
}

bool bb_cache_key_eq(const struct bb_cache_key *a, const struct bb_cache_key *b)
{
	return !strcmp(a->schematic, b->schematic) &&
	       !strcmp(a->version, b->version) &&
	       !strcmp(a->artifact, b->artifact);
}

/* --- index --- */

struct bb_cache_entry *bb_cache_index_find(struct bb_cache_index *idx,
					   const struct bb_cache_key *k)
{
	size_t i;

	for (i = 0; i < idx->n; i++)
		if (bb_cache_key_eq(&idx->e[i].key, k))
			return &idx->e[i];
	return NULL;
}

int bb_cache_index_put(struct bb_cache_index *idx,
		       const struct bb_cache_entry *e)
{
	struct bb_cache_entry *old = bb_cache_index_find(idx, &e->key);

	if (old) {
		*old = *e;
		return 0;
	}
	if (idx->n == idx->cap) {
		size_t cap = idx->cap ? idx->cap * 2 : 16;
		struct bb_cache_entry *p = realloc(idx->e, cap * sizeof(*p));

		if (!p)
			return BB_ENOMEM;
		idx->e = p;
		idx->cap = cap;
	}
	idx->e[idx->n++] = *e;
	return 0;
}

void bb_cache_index_remove(struct bb_cache_index *idx,
			   const struct bb_cache_key *k)
{
	struct bb_cache_entry *e = bb_cache_index_find(idx, k);

	if (e)
		*e = idx->e[--idx->n];
}

uint64_t bb_cache_index_bytes(const struct bb_cache_index *idx)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < idx->n; i++)
		total += idx->e[i].length;
	return total;
}

void bb_cache_index_free(struct bb_cache_index *idx)
{
	free(idx->e);
	memset(idx, 0, sizeof(*idx));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 19)
		return BB_EMALFORMED;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return BB_EMALFORMED;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int parse_origin(const char *s, size_t len, enum bb_cache_origin *o)
{
	unsigned i;

	for (i = 1; i < 3; i++)
		if (strlen(origins[i]) == len && !memcmp(origins[i], s, len)) {
			*o = (enum bb_cache_origin)i;
			return 0;
		}
	return BB_EMALFORMED;
}

/* One line, without its newline, split on single spaces into 7 fields and
 * an optional eighth (the origin of an imported entry). */
static int parse_line(const char *s, size_t len, struct bb_cache_entry *e)
{
	const char *f[8];
	size_t fl[8], nf = 0, i, start = 0;
	uint64_t t;

	for (i = 0; i <= len && nf < 8; i++)
		if (i == len || s[i] == ' ') {
			f[nf] = s + start;
			fl[nf++] = i - start;
			start = i + 1;
		}
	if (nf < 7 || start <= len)
		return BB_EMALFORMED;
	memset(e, 0, sizeof(*e));
	if (bb_cache_check_schematic(f[0], fl[0]) ||
	    bb_cache_check_version(f[1], fl[1]) ||
	    bb_cache_check_artifact(f[2], fl[2]) ||
	    parse_u64(f[3], fl[3], &e->length) || fl[4] != 64)
		return BB_EMALFORMED;
	copy(e->key.schematic, f[0], fl[0]);
	copy(e->key.version, f[1], fl[1]);
	copy(e->key.artifact, f[2], fl[2]);
	for (i = 0; i < 32; i++) {
		int hi = hexval(f[4][2 * i]), lo = hexval(f[4][2 * i + 1]);

		if (hi < 0 || lo < 0)
			return BB_EMALFORMED;
		e->sha256[i] = (uint8_t)(hi << 4 | lo);
	}
	if (parse_u64(f[5], fl[5], &t))
		return BB_EMALFORMED;
	e->fetched = (int64_t)t;
	if (parse_u64(f[6], fl[6], &t))
		return BB_EMALFORMED;
	e->last_used = (int64_t)t;
	return nf == 8 ? parse_origin(f[7], fl[7], &e->origin) : 0;
}

int bb_cache_index_parse(struct bb_cache_index *idx, const char *buf,
			 size_t len, size_t *bad_line)
{
	size_t off = 0, line = 0;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		struct bb_cache_entry e;
		size_t l;

		line++;
		if (!nl) {
			*bad_line = line; /* a torn last line */
			return BB_EMALFORMED;
		}
		l = (size_t)(nl - (buf + off));
		if (l && (parse_line(buf + off, l, &e) ||
			  bb_cache_index_put(idx, &e))) {
			*bad_line = line;
			return BB_EMALFORMED;
		}
		off += l + 1;
	}
	return 0;
}

int bb_cache_index_format(const struct bb_cache_index *idx, struct bb_buf *out)
{
	size_t i, j;

	for (i = 0; i < idx->n; i++) {
		const struct bb_cache_entry *e = &idx->e[i];

		bb_buf_printf(out, "%s %s %s %llu ", e->key.schematic,
			      e->key.version, e->key.artifact,
			      (unsigned long long)e->length);
		for (j = 0; j < 32; j++)
			bb_buf_printf(out, "%02x", e->sha256[j]);
		bb_buf_printf(out, " %lld %lld", (long long)e->fetched,
			      (long long)e->last_used);
		if (e->origin != BB_CACHE_FETCHED)
			bb_buf_printf(out, " %s",
				      bb_cache_origin_name(e->origin));
		bb_buf_puts(out, "\n");
	}
	return out->err;
}

size_t bb_cache_evict_plan(const struct bb_cache_index *idx, uint64_t max_bytes,
			   bool (*is_referenced)(const struct bb_cache_key *,
						 void *),
			   void *arg, size_t *out, size_t cap)
{
	uint64_t total = bb_cache_index_bytes(idx);
	size_t n = 0;

	while (total > max_bytes && n < cap) {
		size_t i, k, best = idx->n;

		for (i = 0; i < idx->n; i++) {
			bool taken = false;

			for (k = 0; k < n; k++)
				taken |= out[k] == i;
			if (taken || is_referenced(&idx->e[i].key, arg))
				continue;
			if (best == idx->n ||
			    idx->e[i].last_used < idx->e[best].last_used)
				best = i;
		}
		if (best == idx->n)
			break;
		out[n++] = best;
		total -= idx->e[best].length;
	}
	return n;
}
