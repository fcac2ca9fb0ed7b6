/* What a Talos boot of one machine uses: the image (schematic, version:
 * the machine's pin, its group's, or talos.version), its arch, and the
 * local paths of its kernel, initramfs and factory cmdline. */
#ifndef BB_TALOS_BOOT_H
#define BB_TALOS_BOOT_H

#include <stdbool.h>

#include "boot/boot.h"
#include "cache/cache.h"
#include "firmware/config/config.h"

struct bb_talos_boot {
	struct bb_cache_key image; /* artifact empty */
	char arch[24];
	/* kernel empty: the profile's own kernel and initrds stand */
	char kernel[192], initrd[192], cmdline[192];
	char *initrds[1];
};

/* True when prof boots Talos (talos: true, or its kernel is a cache
 * artifact path) and talos: is configured; fills out. m and g may be NULL;
 * query_arch is iPXE's ${buildarch} (x86_64, arm64, ...) or NULL. */
bool bb_talos_boot_plan(const struct bb_config *cfg,
			const struct bb_boot_profile *prof,
			const struct bb_boot_machine *m,
			const struct bb_boot_group *g, const char *query_arch,
			struct bb_talos_boot *out);

/* The pinned version of a machine (its own, else its group's), or NULL. */
const char *bb_talos_pin(const struct bb_boot_machine *m,
			 const struct bb_boot_group *g);

#endif
