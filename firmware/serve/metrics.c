#include <cjson/cJSON.h>
#include <string.h>
#include <time.h>

#include "board/board.h"
#include "boot/boot.h"
#include "common/parse.h"
#include "dhcp/dhcp_server.h"
#include "tftp/tftp_session.h"
#include "firmware/serve/api_status.h"
#include "firmware/serve/api_token.h"
#include "firmware/config/version.h"
#include "firmware/serve/metrics.h"
#include "firmware/serve/serve.h"
#include "firmware/serve/serve_cache.h"
#include "firmware/serve/serve_handoff.h"

#define NB     12
#define NB_MAX 20

struct hist {
	uint64_t bucket[NB_MAX + 1]; /* per bound, then +Inf */
	uint64_t count;
	double sum, max;
};

struct bounds {
	const double *le;
	size_t n;
};

/* DHCP work is microseconds; HTTP handlers up to a file lookup */
static const double dhcp_le[NB] = {1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5,
				   1e-4, 2.5e-4, 5e-4, 1e-3, 1e-2,   1e-1};
static const double http_le[NB] = {1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4,
				   1e-3, 2.5e-3, 5e-3, 1e-2, 1e-1,   1};
/* A reply's latency against its 10 ms target: fine around it, so that a
 * p99 read from the buckets says met or missed */
static const double reply_le[NB_MAX] = {
    1e-4, 2.5e-4, 5e-4, 1e-3,	2e-3, 3e-3, 5e-3, 7.5e-3, 1e-2, 1.5e-2,
    2e-2, 3e-2,	  5e-2, 7.5e-2, 0.1,  0.25, 0.5,  1,	  2.5,	5};
static const struct bounds dhcp_b = {dhcp_le, NB}, http_b = {http_le, NB},
			   reply_b = {reply_le, NB_MAX};

/* the reply types whose latency is kept apart */
static const char *const reply_names[] = {"offer", "ack", "nak", "other"};
#define NREPLY (sizeof(reply_names) / sizeof(reply_names[0]))

static const char *const route_names[BB_ROUTE_COUNT] = {
    "boot.ipxe", "ipxe",    "metadata", "generic", "assets",
    "api",	 "metrics", "status",	"other"};

/* DHCP's, observed on its lane and read here under dlock */
struct dhcp_hists {
	struct hist dhcp;
	struct hist reply[NREPLY]; /* host receive -> reply sent */
	struct hist wait;	   /* host receive -> the engine */
	struct hist commit;	   /* a journal batch handed over -> durable */
};

static struct {
	uint64_t requests[BB_ROUTE_COUNT], bytes[BB_ROUTE_COUNT];
	struct hist http[BB_ROUTE_COUNT];
	struct dhcp_hists d;
} m;
static struct bb_lock *dlock;

int bb_metrics_threads(void)
{
	if (!dlock && !(dlock = bb_lock_new()))
		return -1;
	return 0;
}

enum bb_route bb_metrics_route_of(const char *p)
{
	if (!strcmp(p, "/boot.ipxe"))
		return BB_ROUTE_CHAIN;
	if (!strcmp(p, "/ipxe"))
		return BB_ROUTE_IPXE;
	if (!strcmp(p, "/metadata"))
		return BB_ROUTE_META;
	if (!strcmp(p, "/generic"))
		return BB_ROUTE_GENERIC;
	if (!strncmp(p, "/assets/", 8))
		return BB_ROUTE_ASSETS;
	if (!strncmp(p, "/api/", 5) || !strcmp(p, "/healthz"))
		return BB_ROUTE_API;
	if (!strcmp(p, "/metrics"))
		return BB_ROUTE_METRICS;
	if (!strcmp(p, "/"))
		return BB_ROUTE_STATUS;
	return BB_ROUTE_OTHER;
}

uint64_t bb_metrics_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void observe(struct hist *h, const struct bounds *b, uint64_t ns)
{
	double v = (double)ns / 1e9;
	size_t i;

	for (i = 0; i < b->n && v > b->le[i]; i++)
		;
	h->bucket[i]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

void bb_metrics_http(enum bb_route r, uint64_t ns, uint64_t bytes)
{
	if ((unsigned)r >= BB_ROUTE_COUNT)
		r = BB_ROUTE_OTHER;
	m.requests[r]++;
	m.bytes[r] += bytes;
	observe(&m.http[r], &http_b, ns);
}

static void observe_dhcp(struct hist *h, const struct bounds *b, uint64_t ns)
{
	bb_lock_take(dlock);
	observe(h, b, ns);
	bb_lock_give(dlock);
}

void bb_metrics_dhcp(uint64_t ns)
{
	observe_dhcp(&m.d.dhcp, &dhcp_b, ns);
}

void bb_metrics_dhcp_reply(uint8_t type, uint64_t ns)
{
	size_t k = type == 2 ? 0 : type == 5 ? 1 : type == 6 ? 2 : 3;

	observe_dhcp(&m.d.reply[k], &reply_b, ns);
}

void bb_metrics_dhcp_wait(uint64_t ns)
{
	observe_dhcp(&m.d.wait, &reply_b, ns);
}

void bb_metrics_dhcp_commit(uint64_t ns)
{
	observe_dhcp(&m.d.commit, &reply_b, ns);
}

static void family(struct bb_buf *b, const char *name, const char *type,
		   const char *help)
{
	bb_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		      type);
}

static void hist_lines(struct bb_buf *b, const char *name, const char *label,
		       const struct hist *h, const struct bounds *bd)
{
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i < bd->n; i++) {
		cum += h->bucket[i];
		bb_buf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, label,
			      label[0] ? "," : "", bd->le[i],
			      (unsigned long long)cum);
	}
	cum += h->bucket[bd->n];
	bb_buf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, label,
		      label[0] ? "," : "", (unsigned long long)cum);
	bb_buf_printf(b, "%s_sum%s%s%s %.9f\n", name, label[0] ? "{" : "",
		      label, label[0] ? "}" : "", h->sum);
	bb_buf_printf(b, "%s_count%s%s%s %llu\n", name, label[0] ? "{" : "",
		      label, label[0] ? "}" : "", (unsigned long long)h->count);
}

static void counter(struct bb_buf *b, const char *name, const char *help,
		    uint64_t v)
{
	family(b, name, "counter", help);
	bb_buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static void dhcp_engine(const struct bb_dhcp_stats *d, struct bb_buf *b)
{
	static const char *const types[] = {"offer", "ack", "nak"};
	uint64_t rep[3] = {d->offer, d->ack, d->nak};
	static const char *const rq[] = {"discover", "request", "decline",
					 "release", "inform"};
	uint64_t req[5] = {d->discover, d->request, d->decline, d->release,
			   d->inform};
	size_t i;

	counter(b, "bootbox_dhcp_received_total", "DHCP datagrams received.",
		d->rx);
	counter(b, "bootbox_dhcp_malformed_total",
		"DHCP datagrams dropped as malformed.", d->malformed);
	/* every request that got no reply, by reason */
	family(b, "bootbox_dhcp_ignored_total", "counter",
	       "DHCP requests answered with nothing, by reason.");
	for (i = 1; i < BB_IGN_COUNT; i++)
		bb_buf_printf(
		    b, "bootbox_dhcp_ignored_total{reason=\"%s\"} %llu\n",
		    bb_dhcp_ignore_name((unsigned)i),
		    (unsigned long long)d->ignored_by[i]);
	counter(b, "bootbox_dhcp_decline_reclaimed_total",
		"Quarantined addresses given out again because the pool was "
		"otherwise empty.",
		d->decline_reclaimed);
	family(b, "bootbox_dhcp_messages_total", "counter",
	       "DHCP client messages by type.");
	for (i = 0; i < 5; i++)
		bb_buf_printf(b,
			      "bootbox_dhcp_messages_total{type=\"%s\"} "
			      "%llu\n",
			      rq[i], (unsigned long long)req[i]);
	family(b, "bootbox_dhcp_replies_total", "counter",
	       "DHCP replies sent by type.");
	for (i = 0; i < 3; i++)
		bb_buf_printf(b,
			      "bootbox_dhcp_replies_total{type=\"%s\"} %llu\n",
			      types[i], (unsigned long long)rep[i]);
	counter(b, "bootbox_dhcp_pool_exhausted_total",
		"DISCOVERs left without an offer: no free address.",
		d->no_address);
}

static int count_state(const struct bb_dhcp_lease *l, void *arg)
{
	uint64_t *n = arg;

	n[l->state == BB_LEASE_BOUND	  ? 0
	  : l->state == BB_LEASE_DECLINED ? 1
					  : 2]++;
	return 0;
}

static void dhcp_pools(struct bb_serve *s, struct bb_buf *b)
{
	uint64_t size, used, st[3] = {0};
	char net[16];
	size_t i, k;

	for (k = 0; k < 2; k++) {
		family(b,
		       k ? "bootbox_dhcp_pool_used" : "bootbox_dhcp_pool_size",
		       "gauge",
		       k ? "Pool addresses leased (bound or declined) in a "
			   "subnet."
			 : "Addresses in the pools of a subnet.");
		for (i = 0; i < s->cfg->dhcp.nsubnets; i++) {
			bb_api_pool_use(s, i, &size, &used);
			bb_buf_printf(
			    b,
			    "bootbox_dhcp_pool_%s{subnet=\"%s/%u\"} "
			    "%llu\n",
			    k ? "used" : "size",
			    bb_fmt_ipv4(s->cfg->dhcp.subnets[i].net, net),
			    s->cfg->dhcp.subnets[i].prefix,
			    (unsigned long long)(k ? used : size));
		}
	}
	bb_serve_dhcp_foreach(s, bb_board_wall_now(), count_state, st);
	family(b, "bootbox_dhcp_leases", "gauge", "Leases by state.");
	bb_buf_printf(b,
		      "bootbox_dhcp_leases{state=\"bound\"} %llu\n"
		      "bootbox_dhcp_leases{state=\"declined\"} %llu\n",
		      (unsigned long long)st[0], (unsigned long long)st[1]);
}

static void machines(struct bb_serve *s, struct bb_buf *b)
{
	static const char *const ph[] = {"unseen",  "discovered",
					 "booting", "installing",
					 "up",	    "handed-off"};
	uint64_t n[6] = {0};
	size_t i, k;

	for (i = 0; s->boot && i < s->boot->nmachines; i++) {
		const char *l = bb_api_lifecycle(s, &s->boot->machines[i]);

		for (k = 0; k < 6 && strcmp(ph[k], l); k++)
			;
		if (k < 6)
			n[k]++;
	}
	family(b, "bootbox_machines", "gauge",
	       "Machines (inventory and strangers) by lifecycle phase.");
	for (k = 0; k < 6; k++)
		bb_buf_printf(b, "bootbox_machines{phase=\"%s\"} %llu\n", ph[k],
			      (unsigned long long)n[k]);
}

static void http(struct bb_buf *b)
{
	char label[40];
	size_t i;

	family(b, "bootbox_http_requests_total", "counter",
	       "HTTP requests by route.");
	for (i = 0; i < BB_ROUTE_COUNT; i++)
		bb_buf_printf(
		    b, "bootbox_http_requests_total{route=\"%s\"} %llu\n",
		    route_names[i], (unsigned long long)m.requests[i]);
	family(b, "bootbox_http_response_bytes_total", "counter",
	       "Bytes of HTTP responses by route (a file counted whole).");
	for (i = 0; i < BB_ROUTE_COUNT; i++)
		bb_buf_printf(b,
			      "bootbox_http_response_bytes_total{route=\"%s\"} "
			      "%llu\n",
			      route_names[i], (unsigned long long)m.bytes[i]);
	family(b, "bootbox_http_request_duration_seconds", "histogram",
	       "Time to answer an HTTP request, by route.");
	for (i = 0; i < BB_ROUTE_COUNT; i++) {
		snprintf(label, sizeof(label), "route=\"%s\"", route_names[i]);
		hist_lines(b, "bootbox_http_request_duration_seconds", label,
			   &m.http[i], &http_b);
	}
}

static void tftp(struct bb_serve *s, struct bb_buf *b)
{
	const struct bb_tftp_server_stats *t = bb_serve_tftp_stats(s);
	static const struct bb_tftp_server_stats none;

	if (!t)
		t = &none;
	family(b, "bootbox_tftp_transfers_total", "counter",
	       "TFTP transfers ended, by result.");
	bb_buf_printf(b,
		      "bootbox_tftp_transfers_total{result=\"ok\"} %llu\n"
		      "bootbox_tftp_transfers_total{result=\"failed\"} %llu\n",
		      (unsigned long long)t->ok, (unsigned long long)t->failed);
	counter(b, "bootbox_tftp_retransmits_total",
		"TFTP timeouts that sent a window again.", t->retransmits);
	counter(b, "bootbox_tftp_sent_bytes_total",
		"File bytes of the TFTP transfers that ended.", t->bytes);
}

static void cache(struct bb_serve *s, struct bb_buf *b)
{
	const struct bb_cache_counters *c = &bb_cache_counters;
	cJSON *j = bb_api_cache_json(s);
	const cJSON *by = cJSON_GetObjectItem(j, "bytes");

	counter(b, "bootbox_cache_hits_total",
		"Artifact requests served from the cache.", c->hits);
	counter(b, "bootbox_cache_misses_total",
		"Artifact requests that waited for an upstream fetch.",
		c->misses);
	counter(b, "bootbox_cache_fetched_bytes_total",
		"Bytes of artifacts fetched and verified.", c->fetch_bytes);
	counter(b, "bootbox_cache_fetch_errors_total",
		"Artifact fetches that failed.", c->errors);
	family(b, "bootbox_cache_size_bytes", "gauge",
	       "Bytes of the artifacts in the cache.");
	bb_buf_printf(b, "bootbox_cache_size_bytes %.0f\n",
		      cJSON_IsNumber(by) ? by->valuedouble : 0.0);
	cJSON_Delete(j);
}

static void cert(struct bb_serve *s, struct bb_buf *b)
{
	cJSON *j = bb_api_certs_json(s);
	const cJSON *na = cJSON_GetObjectItem(j, "not_after");
	const cJSON *nr = cJSON_GetObjectItem(j, "next_renewal");

	if (cJSON_IsNumber(na)) {
		family(b, "bootbox_cert_not_after_timestamp_seconds", "gauge",
		       "Expiry of the appliance's certificate.");
		bb_buf_printf(b,
			      "bootbox_cert_not_after_timestamp_seconds %.0f\n",
			      na->valuedouble);
	}
	if (cJSON_IsNumber(nr)) {
		family(b, "bootbox_cert_next_renewal_timestamp_seconds",
		       "gauge", "When the certificate is renewed next.");
		bb_buf_printf(b,
			      "bootbox_cert_next_renewal_timestamp_seconds "
			      "%.0f\n",
			      nr->valuedouble);
	}
	cJSON_Delete(j);
}

static void handoff(struct bb_serve *s, struct bb_buf *b)
{
	const struct bb_handoff *h;
	int p;

	if (!s->handoff)
		return;
	h = &s->handoff->h;
	family(b, "bootbox_handoff_phase", "gauge",
	       "1 for the management node's current phase.");
	for (p = 0; p < BB_PHASE_COUNT; p++)
		bb_buf_printf(b, "bootbox_handoff_phase{phase=\"%s\"} %d\n",
			      bb_phase_name((enum bb_phase)p),
			      (int)h->phase == p);
	family(b, "bootbox_handoff_reachable", "gauge",
	       "1 when the last probe round passed.");
	bb_buf_printf(b, "bootbox_handoff_reachable %d\n",
		      h->reachable ? 1 : 0);
	counter(b, "bootbox_handoff_probes_total", "Hand-off probes run.",
		h->probes_run);
	counter(b, "bootbox_handoff_probe_failures_total",
		"Hand-off probes that failed.", h->probes_failed);
	family(b, "bootbox_handoff_standdown", "gauge",
	       "1 while DHCP stands down in the handed-over scopes.");
	bb_buf_printf(b, "bootbox_handoff_standdown %d\n",
		      s->dhcp_standdown ? 1 : 0);
}

/* An unlabelled latency histogram name_seconds and its max gauge
 * name_max_seconds. */
static void hist_with_max(struct bb_buf *b, const char *name, const char *help,
			  const struct hist *h)
{
	char n[96];

	snprintf(n, sizeof(n), "%s_seconds", name);
	family(b, n, "histogram", help);
	hist_lines(b, n, "", h, &reply_b);
	snprintf(n, sizeof(n), "%s_max_seconds", name);
	family(b, n, "gauge", "The longest since the start.");
	bb_buf_printf(b, "%s %.9f\n", n, h->max);
}

/* What a client waits for, as the host sees it: from the kernel's
 * receive time of a request to its reply's send (an ACK's after its
 * lease is durable), the part of it spent before the engine saw the
 * request (the socket's queue: the loop busy or off the CPU), and the
 * lease journal's commits an ACK waits for. */
static void dhcp_latency(struct bb_buf *b, const struct dhcp_hists *d)
{
	char label[32];
	size_t k;

	family(b, "bootbox_dhcp_reply_latency_seconds", "histogram",
	       "From a DHCP request's receipt by the host to its reply's "
	       "send, an ACK's after its lease is on disk.");
	for (k = 0; k < NREPLY; k++) {
		snprintf(label, sizeof(label), "type=\"%s\"", reply_names[k]);
		hist_lines(b, "bootbox_dhcp_reply_latency_seconds", label,
			   &d->reply[k], &reply_b);
	}
	family(b, "bootbox_dhcp_reply_latency_max_seconds", "gauge",
	       "The longest DHCP reply latency since the start.");
	for (k = 0; k < NREPLY; k++)
		bb_buf_printf(b,
			      "bootbox_dhcp_reply_latency_max_seconds{type="
			      "\"%s\"} %.9f\n",
			      reply_names[k], d->reply[k].max);
	hist_with_max(b, "bootbox_dhcp_receive_wait",
		      "From a DHCP request's receipt by the host to the "
		      "engine reading it (queued in the socket).",
		      &d->wait);
	hist_with_max(b, "bootbox_dhcp_journal_commit",
		      "From a batch of lease records handed to the board's "
		      "commit to its ACKs let go (written and synced).",
		      &d->commit);
}

void bb_metrics_render(struct bb_serve *s, struct bb_buf *b)
{
	struct bb_dhcp_stats st;

	family(b, "bootbox_build_info", "gauge",
	       "Always 1; the version in a label.");
	bb_buf_printf(b, "bootbox_build_info{version=\"%s\"} 1\n", BB_VERSION);
	family(b, "bootbox_start_time_seconds", "gauge",
	       "When this process started serving.");
	bb_buf_printf(b, "bootbox_start_time_seconds %lld\n",
		      (long long)s->started);
	if (bb_serve_dhcp_stats(s, &st)) {
		struct dhcp_hists d;

		bb_lock_take(dlock);
		d = m.d;
		bb_lock_give(dlock);
		dhcp_engine(&st, b);
		dhcp_pools(s, b);
		family(b, "bootbox_dhcp_processing_seconds", "histogram",
		       "Time the DHCP engine takes for one datagram.");
		hist_lines(b, "bootbox_dhcp_processing_seconds", "", &d.dhcp,
			   &dhcp_b);
		dhcp_latency(b, &d);
	}
	machines(s, b);
	http(b);
	counter(b, "bootbox_api_refused_total",
		"State-changing API calls refused: not from the machine's own "
		"address and no token.",
		bb_api_refused_total());
	tftp(s, b);
	cache(s, b);
	cert(s, b);
	handoff(s, b);
}
