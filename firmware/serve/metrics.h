/* /metrics in the Prometheus text format (0.0.4): HELP and TYPE for every
 * family. Counters kept here live as long as the process, so a SIGHUP
 * reload (which rebuilds the boot service) does not reset them. */
#ifndef BB_METRICS_H
#define BB_METRICS_H

#include <stdint.h>

#include "common/buf.h"

struct bb_serve;

enum bb_route {
	BB_ROUTE_CHAIN,
	BB_ROUTE_IPXE,
	BB_ROUTE_META,
	BB_ROUTE_GENERIC,
	BB_ROUTE_ASSETS,
	BB_ROUTE_API,
	BB_ROUTE_METRICS,
	BB_ROUTE_STATUS,
	BB_ROUTE_OTHER,
	BB_ROUTE_COUNT
};

/* The route a request path counts under. */
enum bb_route bb_metrics_route_of(const char *path);
/* Monotonic nanoseconds, for the latency histograms. */
uint64_t bb_metrics_ns(void);
/* One HTTP request handled: its route, the handler's time and the bytes
 * its response carries (a file counted whole). */
void bb_metrics_http(enum bb_route r, uint64_t ns, uint64_t bytes);
/* One DHCP datagram through the engine. */
void bb_metrics_dhcp(uint64_t ns);
/* One DHCP reply (its message type) sent ns after its request reached
 * the host. */
void bb_metrics_dhcp_reply(uint8_t type, uint64_t ns);
/* A DHCP request read by the engine ns after it reached the host. */
void bb_metrics_dhcp_wait(uint64_t ns);
/* A batch of lease records durable ns after it was handed to the board. */
void bb_metrics_dhcp_commit(uint64_t ns);

/* DHCP's figures may come from its lane from now on: 0, or -1 when
 * there is no memory for the lock. */
int bb_metrics_threads(void);
void bb_metrics_render(struct bb_serve *s, struct bb_buf *out);

/* serve_tftp.c: the TFTP server's counters, NULL when TFTP is off. */
struct bb_tftp_server_stats;
const struct bb_tftp_server_stats *bb_serve_tftp_stats(struct bb_serve *s);

#endif
