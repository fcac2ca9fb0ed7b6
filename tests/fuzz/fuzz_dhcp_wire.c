/* The DHCP codec: parse, every getter, and a reply built from the parse. */
#include <stdint.h>
#include <stddef.h>

#include "dhcp/dhcp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bb_dhcp_msg m;
	uint8_t out[1500], u8;
	uint16_t u16;
	uint32_t u32;
	size_t len;
	struct bb_wr w;
	int c;

	if (bb_dhcp_parse(data, size, &m))
		return 0;
	for (c = 0; c < 256; c++) {
		const uint8_t *p = bb_dhcp_get(&m, (uint8_t)c, &len);

		if (p && (p < m.data || p + len > m.data + sizeof(m.data)))
			__builtin_trap();
		bb_dhcp_get_u8(&m, (uint8_t)c, &u8);
		bb_dhcp_get_u16(&m, (uint8_t)c, &u16);
		bb_dhcp_get_u32(&m, (uint8_t)c, &u32);
	}
	w = bb_wr_init(out, sizeof(out));
	bb_dhcp_put_header(&w, &m, 1, 2, "f");
	bb_dhcp_put(&w, 61, m.data, m.data_len > 600 ? 600 : m.data_len);
	bb_dhcp_finish(&w);
	return 0;
}
