/* The operator's side: BOOTBOX_LOG values, key=value log fields, the ring
 * of recent events, "did you mean", the checks across sections, tabs,
 * --dump read back, and which metrics route a path counts under. */
#include <stdio.h>

#include "common/err.h"
#include "firmware/config/config.h"
#include "firmware/config/config_deps.h"
#include "firmware/config/config_dump.h"
#include "firmware/serve/log.h"
#include "firmware/serve/metrics.h"
#include "tests/unit/test.h"

static char errbuf[8192];

static int parse(const char *text, struct bb_config **cfg)
{
	FILE *f = fmemopen(errbuf, sizeof(errbuf), "w");
	int rc = bb_config_parse("t.yaml", text, strlen(text), f, cfg);

	fclose(f);
	return rc;
}

static void refused_with(const char *text, const char *line)
{
	struct bb_config *cfg = NULL;

	CHECK_EQ(parse(text, &cfg), BB_EINVAL);
	if (!strstr(errbuf, line))
		fprintf(stderr, "  want: %s\n  got:\n%s", line, errbuf);
	CHECK(strstr(errbuf, line) != NULL);
	bb_config_free(cfg);
}

#define BASE "appliance:\n  interface: eth1\n  address: 192.168.2.2\n"

static void test_log_setup(void)
{
	CHECK_EQ(bb_log_setup(NULL), 0);
	CHECK_EQ(bb_log_setup(""), 0);
	CHECK_EQ(bb_log_setup("debug"), 0);
	CHECK_EQ(bb_log_verbosity, BB_LOG_DEBUG);
	CHECK_EQ(bb_log_setup("warn"), 0);
	CHECK_EQ(bb_log_verbosity, BB_LOG_WARN);
	CHECK_EQ(bb_log_setup("loud"), -1);
	CHECK_EQ(bb_log_setup("INFO"), -1);
	CHECK_EQ(bb_log_verbosity, BB_LOG_WARN); /* unchanged by a bad one */
	CHECK_EQ(bb_log_setup("info"), 0);
}

static void test_log_fields(void)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0, 0xbe, 0xef, 1};
	char b[128];

	CHECK_STR(bb_log_fields(b, sizeof(b), mac, 0xc0a80203, "node1"),
		  "mac=52:54:00:be:ef:01 ip=192.168.2.3 machine=node1");
	CHECK_STR(bb_log_fields(b, sizeof(b), NULL, 0xc0a80203, NULL),
		  "ip=192.168.2.3");
	CHECK_STR(bb_log_fields(b, sizeof(b), NULL, 0, NULL), "");
	bb_log_fields(b, 10, mac, 1, "x"); /* cut, terminated */
	CHECK_EQ(strlen(b), 9);
}

static void test_event_ring(void)
{
	static struct bb_log_event ev[BB_LOG_EVENTS];
	int saved = bb_log_verbosity, i;
	size_t n;

	bb_log_verbosity = -1; /* print nothing; the ring still records */
	for (i = 0; i < BB_LOG_EVENTS + 6; i++)
		bb_warn("warning %d", i);
	bb_info("not an event");
	bb_log_event("event %d", 99);
	bb_log_verbosity = saved;
	n = bb_log_events(ev, BB_LOG_EVENTS);
	CHECK_EQ(n, BB_LOG_EVENTS);
	CHECK_STR(ev[0].msg, "warning 7"); /* the oldest kept */
	CHECK_STR(ev[n - 2].msg, "warning 69");
	CHECK_STR(ev[n - 1].msg, "event 99");
	CHECK_EQ(ev[n - 1].level, BB_LOG_INFO);
	CHECK_EQ(ev[0].level, BB_LOG_WARN);
	n = bb_log_events(ev, 2); /* the newest two */
	CHECK_EQ(n, 2);
	CHECK_STR(ev[0].msg, "warning 69");
	CHECK_STR(ev[1].msg, "event 99");
}

static void test_suggest(void)
{
	static const char *const keys[] = {"address", "interface", "name",
					   "state_dir", NULL};

	CHECK_STR(bb_cfg_suggest("adress", keys, sizeof(keys[0]), SIZE_MAX),
		  "address");
	CHECK_STR(bb_cfg_suggest("interfce", keys, sizeof(keys[0]), SIZE_MAX),
		  "interface");
	CHECK_STR(bb_cfg_suggest("statedir", keys, sizeof(keys[0]), SIZE_MAX),
		  "state_dir");
	CHECK(bb_cfg_suggest("xyz", keys, sizeof(keys[0]), SIZE_MAX) == NULL);
	/* a short key is not "near" everything */
	CHECK(bb_cfg_suggest("nm", keys, sizeof(keys[0]), SIZE_MAX) == NULL);
	/* count bounds a table with no NULL end */
	CHECK(bb_cfg_suggest("name", keys, sizeof(keys[0]), 2) == NULL);
}

static void test_config_checks(void)
{
	refused_with(BASE "  adress: 1\n",
		     "t.yaml:4:3: appliance.adress: unknown key 'adress' (did "
		     "you mean 'address'?)");
	refused_with(BASE "machnes: []\n",
		     "t.yaml:4:1: machnes: unknown section 'machnes' (did you "
		     "mean 'machines'?)");
	refused_with(
	    "appliance:\n\tname: x\n",
	    "t.yaml:2:1: (yaml): a tab: YAML indents with spaces only");
	refused_with(BASE "boot:\n  assets_dir: /tmp\n",
		     "t.yaml:5:3: boot: needs an http: section");
	refused_with(BASE "http:\n  listen: 0.0.0.0:8080\n  tls_listen: "
			  "0.0.0.0:8443\n",
		     "http.tls_listen: needs a pki: section");
	refused_with(BASE "dhcp:\n  subnets:\n    - subnet: 192.168.2.0/24\n"
			  "      router: 192.168.2.1\nmachines:\n  - name: a\n"
			  "    mac: 52:54:00:00:00:01\n    ip: 192.168.2.1\n"
			  "  - name: b\n    mac: 52:54:00:00:00:02\n"
			  "    ip: 192.168.2.2\n",
		     "machines[0].ip: the reservation is the router of "
		     "dhcp.subnets[0]");
	CHECK(strstr(errbuf, "t.yaml:14:9: machines[1].ip: the reservation is "
			     "the appliance's own address") != NULL);
}

static void test_dump_reads_back(void)
{
	struct bb_config *a = NULL, *b = NULL;
	FILE *devnull = fopen("/dev/null", "w");
	char *t1 = NULL, *t2 = NULL;
	size_t n1 = 0, n2 = 0;
	FILE *f;

	CHECK_EQ(bb_config_load("docs/example/bootbox.yaml", devnull, &a), 0);
	f = open_memstream(&t1, &n1);
	bb_config_dump(a, f);
	fclose(f);
	CHECK_EQ(
	    bb_config_parse("docs/example/bootbox.yaml", t1, n1, stderr, &b),
	    0);
	if (b) {
		f = open_memstream(&t2, &n2);
		bb_config_dump(b, f);
		fclose(f);
		CHECK_STR(t1, t2);
		CHECK_EQ(b->dhcp.lease_time, 3600);
		CHECK_EQ(b->http.max_connections, 1024);
		CHECK_EQ(b->nmachines, a->nmachines);
	}
	free(t1);
	free(t2);
	bb_config_free(a);
	bb_config_free(b);
	fclose(devnull);
}

static void test_route_of(void)
{
	CHECK_EQ(bb_metrics_route_of("/boot.ipxe"), BB_ROUTE_CHAIN);
	CHECK_EQ(bb_metrics_route_of("/ipxe"), BB_ROUTE_IPXE);
	CHECK_EQ(bb_metrics_route_of("/assets/x"), BB_ROUTE_ASSETS);
	CHECK_EQ(bb_metrics_route_of("/assets"), BB_ROUTE_OTHER);
	CHECK_EQ(bb_metrics_route_of("/api/v1/leases"), BB_ROUTE_API);
	CHECK_EQ(bb_metrics_route_of("/healthz"), BB_ROUTE_API);
	CHECK_EQ(bb_metrics_route_of("/metrics"), BB_ROUTE_METRICS);
	CHECK_EQ(bb_metrics_route_of("/"), BB_ROUTE_STATUS);
	CHECK_EQ(bb_metrics_route_of("/ipxe.efi"), BB_ROUTE_OTHER);
}

int main(void)
{
	RUN(test_log_setup);
	RUN(test_log_fields);
	RUN(test_event_ring);
	RUN(test_suggest);
	RUN(test_config_checks);
	RUN(test_dump_reads_back);
	RUN(test_route_of);
	return bb_test_done();
}
