/* Counts every malloc of the process: glibc lets a program define malloc,
 * free, calloc and realloc itself (the manual's "Replacing malloc"), and
 * then every caller comes here, libc's own (strdup, stdio) and the shared
 * libraries' too, so each block freed was counted when it was allocated.
 * The blocks still come from glibc's allocator (its __libc_* entries);
 * the aligned forms are replaced as well, or free would uncount a block
 * never counted. A sanitizer brings its own malloc: nothing is counted
 * then. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "board/lwip/malloc_count.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) ||     \
    __has_feature(thread_sanitizer)
#define BB_NO_MALLOC_COUNT 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) ||           \
    !defined(__GLIBC__)
#define BB_NO_MALLOC_COUNT 1
#endif

#ifdef BB_NO_MALLOC_COUNT
bool bb_lwip_malloc_count(size_t *now, size_t *peak)
{
	*now = *peak = 0;
	return false;
}
#else
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);
void *__libc_memalign(size_t align, size_t n);

static size_t held, most;

static void *counted(void *p)
{
	if (p) {
		size_t now = __atomic_add_fetch(&held, malloc_usable_size(p),
						__ATOMIC_RELAXED);
		size_t m = __atomic_load_n(&most, __ATOMIC_RELAXED);

		while (now > m && !__atomic_compare_exchange_n(
				      &most, &m, now, true, __ATOMIC_RELAXED,
				      __ATOMIC_RELAXED))
			;
	}
	return p;
}

static void uncount(void *p)
{
	if (p)
		__atomic_sub_fetch(&held, malloc_usable_size(p),
				   __ATOMIC_RELAXED);
}

void *malloc(size_t n)
{
	return counted(__libc_malloc(n));
}

void *calloc(size_t n, size_t size)
{
	return counted(__libc_calloc(n, size));
}

void free(void *p)
{
	uncount(p);
	__libc_free(p);
}

void *realloc(void *p, size_t n)
{
	size_t old = p ? malloc_usable_size(p) : 0;
	void *q = __libc_realloc(p, n);

	/* failed: p is still held; realloc(p, 0) freed it */
	if (!q && n)
		return NULL;
	__atomic_sub_fetch(&held, old, __ATOMIC_RELAXED);
	return counted(q);
}

void *reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n * size);
}

void *memalign(size_t align, size_t n)
{
	return counted(__libc_memalign(align, n));
}

void *aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (!align || align % sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	p = memalign(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *valloc(size_t n)
{
	return memalign((size_t)sysconf(_SC_PAGESIZE), n);
}

void *pvalloc(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (n > SIZE_MAX - page) {
		errno = ENOMEM;
		return NULL;
	}
	return memalign(page, (n + page - 1) / page * page);
}

bool bb_lwip_malloc_count(size_t *now, size_t *peak)
{
	*now = __atomic_load_n(&held, __ATOMIC_RELAXED);
	*peak = __atomic_load_n(&most, __ATOMIC_RELAXED);
	return true;
}
#endif
