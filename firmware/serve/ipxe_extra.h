/* Where the iPXE builds that bookworm's ipxe package lacks (ipxe-arm64.efi)
 * are found: Debian 13's ipxe, unpacked by `make deps` (.ci/deps_private.sh).
 * TFTP and HTTP boot-file requests that tftp.root cannot answer are tried
 * there. BOOTBOX_IPXE_EXTRA overrides the place; NULL when it is absent. */
#ifndef BB_IPXE_EXTRA_H
#define BB_IPXE_EXTRA_H

#include <stdlib.h>

#include "board/board.h"

#define BB_IPXE_EXTRA_DIR "/var/cache/bootbox-deps/ipxe-trixie/usr/lib/ipxe"

static inline const char *bb_ipxe_extra_dir(void)
{
	const char *d = getenv("BOOTBOX_IPXE_EXTRA");

	if (!d)
		d = BB_IPXE_EXTRA_DIR;
	return d[0] && bb_is_dir(d) ? d : NULL;
}

#endif
