#include <stdio.h>
#include <string.h>

#include "dhcp/dhcp_boot.h"

static bool starts_with(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	return p && len >= n && !memcmp(p, s, n);
}

/* User class (RFC 3004) is a list of length-prefixed strings, but iPXE and
 * many others send the bare string; accept either form. */
static bool user_class_is_ipxe(const struct bb_dhcp_msg *m)
{
	size_t len;
	const uint8_t *p = bb_dhcp_get(m, BB_OPT_USER_CLASS, &len);

	if (!p)
		return false;
	if (starts_with(p, len, "iPXE"))
		return true;
	return len >= 5 && p[0] == 4 && !memcmp(p + 1, "iPXE", 4);
}

void bb_dhcp_boot_choose(const struct bb_dhcp_boot *cfg,
			 const struct bb_dhcp_msg *m, struct bb_boot_choice *c)
{
	size_t vlen = 0;
	const uint8_t *vc = bb_dhcp_get(m, BB_OPT_VENDOR_CLASS, &vlen);
	bool pxe = starts_with(vc, vlen, "PXEClient");
	bool httpc = starts_with(vc, vlen, "HTTPClient");
	uint16_t arch = 0;
	const char *f;

	memset(c, 0, sizeof(*c));
	c->arch = bb_dhcp_get_u16(m, BB_OPT_CLIENT_ARCH, &arch) ? -1 : arch;
	c->ipxe = user_class_is_ipxe(m) || bb_dhcp_has(m, BB_OPT_IPXE);
	if (c->ipxe) {
		/* iPXE asks again once loaded: give it the script, never the
		 * binary it is already running (no chain loop) */
		if (!cfg->http_base)
			return;
		c->kind = BB_BOOT_HTTP;
		snprintf(c->file, sizeof(c->file), "%s/boot.ipxe",
			 cfg->http_base);
		return;
	}
	if (httpc || c->arch == 16 || c->arch == 19) {
		f = c->arch == 19 ? cfg->arm64_file : cfg->efi64_file;
		if (!cfg->http_base || !f)
			return;
		c->kind = BB_BOOT_HTTP;
		c->vendor_http = true;
		snprintf(c->file, sizeof(c->file), "%s/%s", cfg->http_base, f);
		return;
	}
	if (!pxe && c->arch < 0)
		return; /* an ordinary client: an OS's dhclient or udhcpc */
	switch (c->arch) {
	case -1:
	case 0: f = cfg->bios_file; break;
	case 7:
	case 9: f = cfg->efi64_file; break;
	case 11: f = cfg->arm64_file; break;
	default: return; /* IA32 EFI, Itanium, ...: nothing to offer */
	}
	if (!cfg->next_server || !f)
		return;
	c->kind = BB_BOOT_TFTP;
	c->vendor_pxe = pxe;
	snprintf(c->file, sizeof(c->file), "%s", f);
}
