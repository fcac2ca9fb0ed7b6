/* Placeholder until the dhcp service lands. */
#include "firmware/serve.h"

int bb_serve_dhcp_start(struct bb_serve *s)
{
	(void)s;
	return 0;
}

int bb_serve_dhcp_reload(struct bb_serve *s, const struct bb_config *next)
{
	(void)s;
	(void)next;
	return 0;
}

void bb_serve_dhcp_stop(struct bb_serve *s)
{
	(void)s;
}

struct bb_dhcp_server *bb_serve_dhcp_engine(struct bb_serve *s)
{
	(void)s;
	return NULL;
}
