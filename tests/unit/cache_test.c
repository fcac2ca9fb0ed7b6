#include "cache/cache.h"
#include "common/err.h"
#include "tests/unit/test.h"

#define SCH  "a78ca499dd99112bd2c2730b1b8a50375d8fa3af36f1a10b30a2fa83cc8c0d35"
#define S(x) x, sizeof(x) - 1

static struct bb_cache_key primary(void)
{
	struct bb_cache_key k = {SCH, "v1.10.4", ""};
	return k;
}

static void test_validators(void)
{
	CHECK_EQ(bb_cache_check_schematic(S(SCH)), 0);
	CHECK_EQ(bb_cache_check_schematic(S("A78ca499dd99112bd2c2730b1b8a50375d"
					    "8fa3af36f1a10b30a2fa83cc8c0d35")),
		 BB_EMALFORMED);
	CHECK_EQ(bb_cache_check_schematic(S("a78c")), BB_EMALFORMED);
	CHECK_EQ(bb_cache_check_version(S("v1.10.4")), 0);
	CHECK_EQ(bb_cache_check_version(S("v1.11.0-alpha.1")), 0);
	CHECK_EQ(bb_cache_check_version(S("1.10.4")), BB_EMALFORMED);
	CHECK_EQ(bb_cache_check_version(S("v1.10")), BB_EMALFORMED);
	CHECK_EQ(bb_cache_check_version(S("v1.10.4-")), BB_EMALFORMED);
	CHECK_EQ(bb_cache_check_version(S("v1.10.4/../x")), BB_EMALFORMED);
	CHECK_EQ(bb_cache_check_version(S("v1..4")), BB_EMALFORMED);
	/* found by fuzz_cache: a pre-release with empty identifiers */
	CHECK_EQ(bb_cache_check_version(S("v1.87.4-1..q0.")), BB_EMALFORMED);
	CHECK_EQ(bb_cache_check_version(S("v1.8.0-beta..1")), BB_EMALFORMED);
	CHECK_EQ(bb_cache_check_version(S("v1.8.0-.beta")), BB_EMALFORMED);
	CHECK_EQ(bb_cache_check_version(S("v1.8.0-beta.")), BB_EMALFORMED);
	CHECK_EQ(bb_cache_check_version(S("v1.8.0-beta.1.rc2")), 0);
	CHECK_EQ(bb_cache_check_artifact(S("kernel-amd64")), 0);
	CHECK_EQ(bb_cache_check_artifact(S("initramfs-arm64.xz")), 0);
	CHECK_EQ(bb_cache_check_artifact(S("cmdline-metal-amd64")), 0);
	CHECK_EQ(bb_cache_check_artifact(S("metal-amd64.iso")), BB_EMALFORMED);
	CHECK_EQ(bb_cache_check_artifact(S("kernel-amd64/")), BB_EMALFORMED);
}

static void test_paths(void)
{
	struct bb_cache_key p = primary(), k;
	char buf[256];

	CHECK_EQ(
	    bb_cache_key_from_path(S("/assets/talos/kernel-amd64"), &p, &k), 0);
	CHECK_STR(k.schematic, SCH);
	CHECK_STR(k.version, "v1.10.4");
	CHECK_STR(k.artifact, "kernel-amd64");
	CHECK_EQ(
	    bb_cache_key_from_path(
		S("/assets/talos/" SCH "/v1.11.0/initramfs-amd64.xz"), &p, &k),
	    0);
	CHECK_STR(k.version, "v1.11.0");
	CHECK_STR(k.artifact, "initramfs-amd64.xz");
	CHECK_EQ(
	    bb_cache_key_from_path(S("/assets/talos/kernel-amd64"), NULL, &k),
	    BB_EMALFORMED);
	CHECK_EQ(
	    bb_cache_key_from_path(S("/assets/talos/management.yaml"), &p, &k),
	    BB_EMALFORMED);
	CHECK_EQ(bb_cache_key_from_path(S("/assets/ipxe.efi"), &p, &k),
		 BB_ENOENT);
	CHECK_EQ(bb_cache_key_from_path(
		     S("/assets/talos/" SCH "/v1.11.0/kernel-amd64/x"), &p, &k),
		 BB_EMALFORMED);
	CHECK_EQ(bb_cache_key_from_path(S("/assets/talos/" SCH "/kernel-amd64"),
					&p, &k),
		 BB_EMALFORMED);
	CHECK_EQ(bb_cache_key_from_path(
		     S("/assets/talos/../" SCH "/v1.1.1/kernel-amd64"), &p, &k),
		 BB_EMALFORMED);
	k = primary();
	strcpy(k.artifact, "kernel-amd64");
	CHECK_EQ(
	    bb_cache_url("https://factory.talos.dev/", &k, buf, sizeof(buf)),
	    117);
	CHECK_STR(buf, "https://factory.talos.dev/image/" SCH
		       "/v1.10.4/kernel-amd64");
	CHECK(bb_cache_relpath(&k, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "talos/" SCH "/v1.10.4/kernel-amd64");
	CHECK_EQ(bb_cache_relpath(&k, buf, 20), BB_ENOSPC);
}

static struct bb_cache_entry entry(const char *ver, const char *art,
				   uint64_t len, int64_t used)
{
	struct bb_cache_entry e = {0};

	strcpy(e.key.schematic, SCH);
	strcpy(e.key.version, ver);
	strcpy(e.key.artifact, art);
	e.length = len;
	e.sha256[0] = 0xab;
	e.sha256[31] = 0x01;
	e.fetched = 100;
	e.last_used = used;
	return e;
}

static void test_index_round_trip(void)
{
	struct bb_cache_index a = {0}, b = {0};
	struct bb_cache_entry e1 =
	    entry("v1.10.4", "kernel-amd64", 70000000, 5);
	struct bb_cache_entry e2 =
	    entry("v1.10.4", "initramfs-amd64.xz", 90000000, 6);
	struct bb_buf out = {0};
	size_t bad = 0;

	CHECK_EQ(bb_cache_index_put(&a, &e1), 0);
	CHECK_EQ(bb_cache_index_put(&a, &e2), 0);
	struct bb_cache_entry e3 =
	    entry("v1.11.0", "cmdline-metal-arm64", 80, 7);

	e3.origin = BB_CACHE_IMPORTED;
	CHECK_EQ(bb_cache_index_put(&a, &e3), 0);
	e1.last_used = 9;
	e1.origin = BB_CACHE_IMPORT_VERIFIED;
	CHECK_EQ(bb_cache_index_put(&a, &e1), 0); /* replace, not add */
	CHECK_EQ(a.n, 3);
	CHECK_EQ(bb_cache_index_format(&a, &out), 0);
	CHECK_EQ(bb_cache_index_parse(&b, out.p, out.len, &bad), 0);
	CHECK_EQ(b.n, 3);
	CHECK_EQ(bb_cache_index_find(&b, &e1.key)->origin,
		 BB_CACHE_IMPORT_VERIFIED);
	CHECK_EQ(bb_cache_index_find(&b, &e2.key)->origin, BB_CACHE_FETCHED);
	CHECK_EQ(bb_cache_index_find(&b, &e3.key)->origin, BB_CACHE_IMPORTED);
	bb_cache_index_remove(&b, &e3.key);
	CHECK(bb_cache_index_find(&b, &e1.key) != NULL);
	CHECK_EQ(bb_cache_index_find(&b, &e1.key)->last_used, 9);
	CHECK_EQ(bb_cache_index_find(&b, &e2.key)->sha256[0], 0xab);
	CHECK_EQ(bb_cache_index_bytes(&b), 160000000ull);
	bb_cache_index_remove(&b, &e1.key);
	CHECK_EQ(b.n, 1);
	bb_cache_index_free(&a);
	bb_cache_index_free(&b);
	bb_buf_free(&out);
}

static void test_index_malformed(void)
{
	static const char *const bad[] = {
	    SCH " v1.10.4 kernel-amd64 12 "
		"00"
		" 1 2\n",
	    SCH " v1.10.4 kernel-amd64 x "
		"00000000000000000000000000000000000000000000000000000000000000"
		"00 1 2\n",
	    SCH " v1.10.4 kernel-amd64 12 "
		"00000000000000000000000000000000000000000000000000000000000000"
		"0g 1 2\n",
	    SCH " v1.10.4 kernel-amd64 12 "
		"00000000000000000000000000000000000000000000000000000000000000"
		"00 1\n",
	    SCH " v1.10.4 kernel-amd64 12 "
		"00000000000000000000000000000000000000000000000000000000000000"
		"00 1 2 3\n",
	    SCH " v1.10.4 ../../etc/passwd 12 "
		"00000000000000000000000000000000000000000000000000000000000000"
		"00 1 2\n",
	    SCH " v1.10.4 kernel-amd64 12 "
		"00000000000000000000000000000000000000000000000000000000000000"
		"00 1 2",
	    SCH " v1.10.4  kernel-amd64 12 "
		"00000000000000000000000000000000000000000000000000000000000000"
		"00 1 2\n",
	    SCH " v1.10.4 kernel-amd64 12 "
		"00000000000000000000000000000000000000000000000000000000000000"
		"00 1 2 fetched\n",
	    SCH " v1.10.4 kernel-amd64 12 "
		"00000000000000000000000000000000000000000000000000000000000000"
		"00 1 2 imported x\n",
	    SCH " v1.10.4 kernel-amd64 12 "
		"00000000000000000000000000000000000000000000000000000000000000"
		"00 1 2 \n",
	};
	size_t i, line;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bb_cache_index idx = {0};
		size_t n = strlen(bad[i]);
		char *g = bb_test_guard(bad[i], n);

		line = 0;
		CHECK_EQ(bb_cache_index_parse(&idx, g, n, &line),
			 BB_EMALFORMED);
		CHECK_EQ(line, 1);
		CHECK_EQ(idx.n, 0);
		bb_test_unguard(g, n);
		bb_cache_index_free(&idx);
	}
}

static bool ref_v11(const struct bb_cache_key *k, void *arg)
{
	(void)arg;
	return !strcmp(k->version, "v1.11.0");
}

static void test_evict_lru_unreferenced(void)
{
	struct bb_cache_index idx = {0};
	struct bb_cache_entry e[4] = {
	    entry("v1.10.4", "kernel-amd64", 100, 50),
	    entry("v1.10.4", "initramfs-amd64.xz", 300, 40),
	    entry("v1.11.0", "kernel-amd64", 100, 10),
	    entry("v1.11.0", "initramfs-amd64.xz", 300, 5),
	};
	size_t out[4], n, i;

	for (i = 0; i < 4; i++)
		bb_cache_index_put(&idx, &e[i]);
	/* 800 bytes, limit 500: v1.10.4's initramfs (older use) goes first */
	n = bb_cache_evict_plan(&idx, 500, ref_v11, NULL, out, 4);
	CHECK_EQ(n, 1);
	CHECK_STR(idx.e[out[0]].key.artifact, "initramfs-amd64.xz");
	CHECK_STR(idx.e[out[0]].key.version, "v1.10.4");
	/* limit 100: both old ones go, the referenced new ones never */
	n = bb_cache_evict_plan(&idx, 100, ref_v11, NULL, out, 4);
	CHECK_EQ(n, 2);
	for (i = 0; i < n; i++)
		CHECK_STR(idx.e[out[i]].key.version, "v1.10.4");
	n = bb_cache_evict_plan(&idx, 1000, ref_v11, NULL, out, 4);
	CHECK_EQ(n, 0);
	bb_cache_index_free(&idx);
}

int main(void)
{
	RUN(test_validators);
	RUN(test_paths);
	RUN(test_index_round_trip);
	RUN(test_index_malformed);
	RUN(test_evict_lru_unreferenced);
	return bb_test_done();
}
