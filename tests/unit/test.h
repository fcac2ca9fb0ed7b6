/* A tiny table-free test harness: each *_test.c has a main() that calls
 * RUN(fn) for every case and returns bb_test_done(). Output is TAP-like and
 * ends with "# N passed, N failed", which tests/run.sh adds up. */
#ifndef BB_TEST_H
#define BB_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int bb_test_failed_checks;
static int bb_test_passed, bb_test_failed;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",         \
				__FILE__, __LINE__, #cond);                    \
			bb_test_failed_checks++;                               \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long va_ = (long long)(a), vb_ = (long long)(b);          \
		if (va_ != vb_) {                                              \
			fprintf(stderr, "  %s:%d: %s == %s: %lld != %lld\n",   \
				__FILE__, __LINE__, #a, #b, va_, vb_);         \
			bb_test_failed_checks++;                               \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *sa_ = (a), *sb_ = (b);                             \
		if (!sa_ || !sb_ || strcmp(sa_, sb_)) {                        \
			fprintf(stderr,                                        \
				"  %s:%d: %s == %s: \"%s\" != \"%s\"\n",       \
				__FILE__, __LINE__, #a, #b,                    \
				sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");   \
			bb_test_failed_checks++;                               \
		}                                                              \
	} while (0)

#define RUN(fn) bb_test_run(#fn, fn)

static inline void bb_test_run(const char *name, void (*fn)(void))
{
	int before = bb_test_failed_checks;

	fn();
	if (bb_test_failed_checks == before) {
		bb_test_passed++;
		printf("ok - %s\n", name);
	} else {
		bb_test_failed++;
		printf("not ok - %s\n", name);
	}
	fflush(stdout);
}

static inline int bb_test_done(void)
{
	printf("# %d passed, %d failed\n", bb_test_passed, bb_test_failed);
	return bb_test_failed ? 1 : 0;
}

/* Copies len bytes so that they end exactly at a PROT_NONE page: any read
 * past the end faults (the picohttpparser trick). Free with bb_test_unguard. */
static inline void *bb_test_guard(const void *data, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (len + pg - 1) / pg * pg + pg;
	unsigned char *m = mmap(NULL, span, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		abort();
	mprotect(m + span - pg, pg, PROT_NONE);
	memcpy(m + span - pg - len, data, len);
	return m + span - pg - len;
}

static inline void bb_test_unguard(void *p, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (len + pg - 1) / pg * pg + pg;
	unsigned char *end = (unsigned char *)p + len + pg;

	munmap(end - span, span);
}

#endif
