/* lwIP's compiler/platform header for the lwIP board on Linux (a hosted
 * build: the C library's errno and byte order, rand() for ISNs and ports). */
#ifndef BB_LWIP_ARCH_CC_H
#define BB_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#define LWIP_TIMEVAL_PRIVATE  0
#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_ERRNO_INCLUDE    <errno.h>
/* the C library's htons/htonl */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS
#include <arpa/inet.h>

uint32_t bb_lwip_rand(void);
#define LWIP_RAND() bb_lwip_rand()

#define LWIP_PLATFORM_DIAG(x)                                                  \
	do {                                                                   \
		printf x;                                                      \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x)                                                \
	do {                                                                   \
		fprintf(stderr, "lwIP assertion \"%s\" failed at %s:%d\n", x,  \
			__FILE__, __LINE__);                                   \
		abort();                                                       \
	} while (0)

#endif
