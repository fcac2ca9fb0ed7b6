/* Writes seed inputs for the DHCP fuzzers: real-looking DISCOVER/REQUEST
 * packets of a BIOS PXE ROM, iPXE, UEFI HTTP boot, a relay, a renewal.
 *   dhcp_seed DIR_WIRE DIR_SERVER */
#include <stdio.h>

#include "tests/unit/dhcp_util.h"

static void save(const char *dir, const char *name, const uint8_t *b, size_t n,
		 int framed)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return;
	if (framed) {
		fputc((int)(n >> 8), f);
		fputc((int)(n & 255), f);
	}
	fwrite(b, 1, n, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
	static const uint8_t arch0[2] = {0, 0}, arch16[2] = {0, 16};
	struct tpkt p;
	size_t n;

	if (argc < 3)
		return 2;
	tpkt_start(&p, 1, mac, 0, 0, 0x8000);
	bb_dhcp_put(&p.w, 93, arch0, 2);
	bb_dhcp_put_str(&p.w, 60, "PXEClient:Arch:00000:UNDI:002001");
	n = tpkt_end(&p);
	save(argv[1], "pxe_discover", p.b, n, 0);
	save(argv[2], "pxe_discover", p.b, n, 1);
	tpkt_start(&p, 3, mac, 0, 0, 0);
	bb_dhcp_put_str(&p.w, 77, "iPXE");
	bb_dhcp_put_u32(&p.w, 54, 0xc0a80202);
	bb_dhcp_put_u32(&p.w, 50, 0xc0a80265);
	n = tpkt_end(&p);
	save(argv[1], "ipxe_request", p.b, n, 0);
	save(argv[2], "ipxe_request", p.b, n, 1);
	tpkt_start(&p, 1, mac, 0, 0x0a090001, 0);
	bb_dhcp_put(&p.w, 93, arch16, 2);
	bb_dhcp_put_str(&p.w, 60, "HTTPClient:Arch:00016:UNDI:003001");
	bb_dhcp_put_str(&p.w, 82, "\x01\x04port");
	n = tpkt_end(&p);
	save(argv[1], "http_relayed", p.b, n, 0);
	save(argv[2], "http_relayed", p.b, n, 1);
	return 0;
}
