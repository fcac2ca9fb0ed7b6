/* The services of the lwIP board: the same engines and firmware code as
 * on Linux, driven through board.h. */
#ifndef BB_SERVE_LWIP_H
#define BB_SERVE_LWIP_H

#include "firmware/serve/serve.h"

#endif
