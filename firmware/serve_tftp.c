/* Placeholder until the tftp service lands. */
#include "firmware/serve.h"

int bb_serve_tftp_start(struct bb_serve *s)
{
	(void)s;
	return 0;
}

int bb_serve_tftp_reload(struct bb_serve *s, const struct bb_config *next)
{
	(void)s;
	(void)next;
	return 0;
}

void bb_serve_tftp_stop(struct bb_serve *s)
{
	(void)s;
}
