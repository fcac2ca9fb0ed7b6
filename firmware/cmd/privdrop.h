/* serve gives up root once every socket is bound: it becomes appliance.user
 * (default "bootbox"; an explicit user that does not exist is an error, a
 * missing default user leaves root with a warning), owning the state dir,
 * and keeps only
 * CAP_NET_BIND_SERVICE (an HTTP/HTTPS listener moved by a reload may bind a
 * port below 1024) and CAP_NET_ADMIN (the ARP entry that lets a unicast
 * DHCP reply reach a client without an address). NoNewPrivileges is set,
 * so hooks and the renewal child run as that user with no capabilities.
 * `appliance.user: root` keeps root (and says so); a non-root serve has
 * nothing to drop. */
#ifndef BB_PRIVDROP_H
#define BB_PRIVDROP_H

#include "firmware/config/config.h"

/* 0, or a negative BB_E* after logging why (serve then refuses to run). */
int bb_privdrop(const struct bb_config *cfg);

#endif
