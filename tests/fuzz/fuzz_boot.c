/* The boot service's untrusted inputs: matchbox profile and group JSON from
 * a data dir, the query string of /ipxe, the machine state file, and the
 * factory's cmdline-metal-<arch> merged into a Talos kernel line. The first
 * byte picks the parser. */
#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_boot b;
	struct bb_boot_params p;
	struct bb_buf out = {0};
	const char *s = (const char *)data + 1;
	char err[128];

	if (size < 1)
		return 0;
	bb_boot_init(&b);
	switch (data[0] % 5) {
	case 0:
		bb_boot_load_profile_json(&b, s, size - 1, err, sizeof(err));
		break;
	case 1:
		bb_boot_load_group_json(&b, s, size - 1, err, sizeof(err));
		break;
	case 2:
		bb_boot_parse_query(s, size - 1, &p);
		bb_boot_select(&b, &p);
		break;
	case 3:
		bb_boot_state_decode(&b, s, size - 1);
		bb_boot_state_encode(&b, &out);
		break;
	default: {
		char *args[] = {"pti=on", "console=ttyS0"};
		char *initrd[] = {"/assets/talos/initramfs-amd64.xz"};
		struct bb_boot_profile prof = {0};
		struct bb_boot_talos t = {0};

		prof.kernel = "/assets/talos/kernel-amd64";
		prof.initrd = initrd;
		prof.ninitrd = 1;
		prof.args = args;
		prof.nargs = 2;
		t.cmdline = s;
		t.cmdline_len = size - 1;
		bb_boot_render_talos(&prof, &t, &out);
		break;
	}
	}
	bb_buf_free(&out);
	bb_boot_free(&b);
	return 0;
}
