/* TFTP requests, then a transfer driven by the fuzz bytes as ACKs and
 * timeouts: blocks sent must stay inside the file. */
#include <stdint.h>
#include <stddef.h>

#include "tftp/tftp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_tftp_rrq r;
	struct bb_tftp_xfer x;
	struct bb_tftp_send s;
	const char *msg;
	uint8_t buf[600];
	uint64_t now = 0, off;
	size_t i, len;

	if (bb_tftp_parse_request(data, size, &r, &msg))
		return 0;
	bb_tftp_build_oack(&x, &r, buf, sizeof(buf));
	bb_tftp_start(&x, &r, (uint64_t)size * 977, 1468, now);
	for (i = 0; i + 1 < size && !x.done; i += 2) {
		bb_tftp_next(&x, now, &s);
		if (!s.oack && s.count &&
		    (s.first == 0 || s.first + s.count - 1 > x.last))
			__builtin_trap();
		bb_tftp_block_range(&x, s.first ? s.first : 1, &off, &len);
		if (len > x.blksize)
			__builtin_trap();
		if (data[i] & 1)
			bb_tftp_ack(&x, (uint16_t)(data[i] << 8 | data[i + 1]),
				    now);
		else if (!bb_tftp_timeout(&x, now + 100000))
			break;
		now += data[i];
	}
	return 0;
}
