/* The lwIP board's count of its own malloc use: what the program holds
 * from malloc beside lwIP's static heap and pools (connection state, TLS
 * sessions, the lease table...), for the memory figure of bench_lwip. */
#ifndef BB_LWIP_MALLOC_COUNT_H
#define BB_LWIP_MALLOC_COUNT_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes held now and at most since start (malloc_usable_size of every
 * block); false when this build does not count (a sanitizer's malloc). */
bool bb_lwip_malloc_count(size_t *now, size_t *peak);

#endif
