#include <stdio.h>

#include "common/err.h"
#include "firmware/config/config.h"
#include "tests/unit/test.h"

/* Parses text, returns the error output (static) and the config. */
static char errbuf[8192];
static struct bb_config *parse(const char *text, int *rc)
{
	struct bb_config *cfg = NULL;
	FILE *f = fmemopen(errbuf, sizeof(errbuf), "w");

	*rc = bb_config_parse("t.yaml", text, strlen(text), f, &cfg);
	fclose(f);
	return cfg;
}

#define BASE                                                                   \
	"appliance:\n  name: t\n  interface: eth1\n  address: 192.168.2.2\n"

/* The config must be refused with exactly this line among the errors. */
static void refused_with(const char *text, const char *line)
{
	int rc;
	struct bb_config *cfg = parse(text, &rc);

	CHECK_EQ(rc, BB_EINVAL);
	CHECK(cfg == NULL);
	if (!strstr(errbuf, line))
		fprintf(stderr, "  want: %s\n  got:\n%s", line, errbuf);
	CHECK(strstr(errbuf, line) != NULL);
}

static void test_example_loads(void)
{
	struct bb_config *cfg = NULL;
	const struct bb_cfg_machine *m;
	FILE *devnull = fopen("/dev/null", "w");

	CHECK_EQ(bb_config_load("docs/example/bootbox.yaml", devnull, &cfg), 0);
	fclose(devnull);
	if (!cfg)
		return;
	CHECK_STR(cfg->appliance.name, "bootstrap");
	CHECK_STR(cfg->appliance.interface, "eth1");
	CHECK_EQ(cfg->appliance.address, 0xc0a80202);
	CHECK(cfg->dhcp.enabled);
	CHECK_EQ(cfg->dhcp.lease_time, 3600);
	CHECK_EQ(cfg->dhcp.nsubnets, 1);
	CHECK_EQ(cfg->dhcp.subnets[0].net, 0xc0a80200);
	CHECK_EQ(cfg->dhcp.subnets[0].prefix, 24);
	CHECK_EQ(cfg->dhcp.subnets[0].npools, 1);
	CHECK_EQ(cfg->dhcp.subnets[0].pools[0].lo, 0xc0a80264);
	CHECK_EQ(cfg->dhcp.subnets[0].pools[0].hi, 0xc0a80296);
	CHECK_EQ(cfg->dhcp.subnets[0].router, 0xc0a80201);
	CHECK_EQ(cfg->dhcp.subnets[0].ndns, 1);
	CHECK_STR(cfg->dhcp.subnets[0].domain, "ring0.lan");
	CHECK_STR(cfg->dhcp.bios_file, "undionly.kpxe");
	CHECK_STR(cfg->tftp.root, "/usr/lib/ipxe");
	CHECK_EQ(cfg->tftp.port, 69);
	CHECK_EQ(cfg->http.listen_port, 8080);
	CHECK_EQ(cfg->http.listen_addr, 0);
	CHECK_EQ(cfg->boot.nprofiles, 1);
	CHECK_STR(cfg->boot.profiles[0].id, "talos");
	CHECK_EQ(cfg->boot.profiles[0].ninitrd, 1);
	CHECK_EQ(cfg->boot.profiles[0].nargs, 3);
	CHECK_STR(cfg->boot.profiles[0].args[2],
		  "talos.config=http://192.168.2.2:8080/assets/talos/"
		  "${hostname}.yaml");
	CHECK_EQ(cfg->boot.ngroups, 1);
	CHECK_EQ(cfg->boot.groups[0].nselector, 1);
	CHECK_STR(cfg->boot.groups[0].selector[0].key, "role");
	CHECK_STR(cfg->boot.groups[0].selector[0].val, "worker");
	m = bb_config_machine(cfg, "management");
	CHECK(m != NULL);
	if (m) {
		CHECK_EQ(m->mac[5], 0x56);
		CHECK_EQ(m->ip, 0xc0a80203);
		CHECK_STR(m->role, "controlplane");
		CHECK_EQ(m->pos.line, 39);
	}
	CHECK(cfg->talos.enabled);
	CHECK_EQ(cfg->talos.narches, 1);
	CHECK_STR(cfg->pki.label, "microcloud");
	CHECK_EQ(cfg->pki.nhosts, 3);
	CHECK_STR(cfg->handoff.management, "management");
	CHECK_EQ(cfg->handoff.nactions, 3);
	bb_config_free(cfg);
}

static void test_defaults(void)
{
	int rc;
	struct bb_config *cfg = parse(BASE "tftp:\nhttp:\nboot:\n", &rc);

	CHECK_EQ(rc, 0);
	if (!cfg)
		return;
	CHECK(!cfg->dhcp.enabled);
	CHECK(cfg->tftp.enabled);
	CHECK_STR(cfg->tftp.root, "/usr/lib/ipxe");
	CHECK_EQ(cfg->http.listen_port, 8080);
	CHECK_EQ(cfg->http.max_connections, 1024);
	CHECK_STR(cfg->appliance.state_dir, "/var/lib/bootbox");
	CHECK_STR(cfg->boot.assets_dir, "/var/lib/bootbox/assets");
	CHECK(!cfg->talos.enabled);
	bb_config_free(cfg);
}

/* dhcp: identity and rate limit keys, defaults and values */
static void test_dhcp_identity_keys(void)
{
	int rc;
	struct bb_config *cfg = parse(BASE "dhcp:\n  subnets: []\n", &rc);

	CHECK_EQ(rc, 0);
	if (cfg) {
		CHECK(!cfg->dhcp.match_client_id);
		CHECK_EQ(cfg->dhcp.rate_limit, 20);
		bb_config_free(cfg);
	}
	cfg = parse(BASE "dhcp:\n  match_client_id: true\n  rate_limit: 0\n"
			 "  subnets: []\n",
		    &rc);
	CHECK_EQ(rc, 0);
	if (cfg) {
		CHECK(cfg->dhcp.match_client_id);
		CHECK_EQ(cfg->dhcp.rate_limit, 0);
		bb_config_free(cfg);
	}
}

static void test_tftp_keys(void)
{
	int rc;
	struct bb_config *cfg = parse(BASE "tftp: {listen: 10.0.0.1:6969, "
					   "max_per_client: 2, "
					   "max_transfer_time: 5m}\n",
				      &rc);

	CHECK_EQ(rc, 0);
	if (!cfg)
		return;
	CHECK(cfg->tftp.listen_set);
	CHECK_EQ(cfg->tftp.listen_addr, 0x0a000001);
	CHECK_EQ(cfg->tftp.port, 6969);
	CHECK_EQ(cfg->tftp.max_per_client, 2);
	CHECK_EQ(cfg->tftp.max_transfer_time, 300);
	bb_config_free(cfg);
	cfg = parse(BASE "tftp:\n", &rc);
	CHECK(cfg && !cfg->tftp.listen_set && cfg->tftp.max_per_client == 8 &&
	      cfg->tftp.max_transfer_time == 600);
	bb_config_free(cfg);
	refused_with(BASE "tftp: {listen: 10.0.0.1}\n",
		     "t.yaml:5:16: tftp.listen: '10.0.0.1' is not address");
	refused_with(BASE "tftp: {max_per_client: 0}\n", "tftp.max_per_client");
}

static void test_errors_with_positions(void)
{
	refused_with("", "t.yaml:1:1: (top): the file is empty");
	refused_with("appliance: [1\n",
		     "t.yaml:2:1: (yaml): did not find expected ',' or ']'");
	refused_with(BASE "  colour: blue\n",
		     "t.yaml:5:3: appliance.colour: unknown key 'colour'");
	refused_with(BASE "dhcps: {}\n",
		     "t.yaml:5:1: dhcps: unknown section 'dhcps'");
	refused_with(
	    "appliance:\n  address: 1.2.3\n",
	    "t.yaml:2:12: appliance.address: '1.2.3' is not an IPv4 address");
	refused_with("appliance:\n  name: x\n",
		     "t.yaml:2:3: appliance: missing required key 'address'");
	refused_with(BASE "dhcp:\n  lease_time: 1x\n  subnets: []\n",
		     "t.yaml:6:15: dhcp.lease_time: '1x' is not a duration");
	refused_with(BASE "dhcp:\n  subnets:\n    - subnet: 10.0.0.1/24\n",
		     "t.yaml:7:15: dhcp.subnets[0].subnet: '10.0.0.1/24' has "
		     "host bits set");
	refused_with(
	    BASE "dhcp:\n  subnets:\n    - subnet: 10.0.0.0/24\n      pools: "
		 "[10.0.0.9-10.0.0.1]\n",
	    "t.yaml:8:15: dhcp.subnets[0].pools[0]: '10.0.0.9-10.0.0.1': the "
	    "first address is above the last");
	refused_with(BASE "dhcp:\n  subnets:\n    - subnet: 10.0.0.0/24\n      "
			  "pools: [10.0.1.1-10.0.1.9]\n",
		     "t.yaml:8:15: dhcp.subnets[0].pools[0]: 10.0.1.1-10.0.1.9 "
		     "is outside the subnet 10.0.0.0/24");
	refused_with(BASE "dhcp:\n  subnets:\n    - subnet: 10.0.0.0/24\n      "
			  "pools: [10.0.0.1-10.0.0.9, 10.0.0.5-10.0.0.20]\n",
		     "t.yaml:8:34: dhcp.subnets[0].pools[1]: overlaps "
		     "dhcp.subnets[0].pools[0]");
	refused_with(BASE "dhcp:\n  subnets:\n    - subnet: 10.0.0.0/16\n    - "
			  "subnet: 10.0.3.0/24\n",
		     "t.yaml:8:7: dhcp.subnets[1].subnet: overlaps "
		     "dhcp.subnets[0] (10.0.0.0/16)");
	refused_with(
	    BASE "dhcp:\n  subnets:\n    - subnet: 10.0.0.0/24\nmachines:\n  - "
		 "name: a\n    mac: 52:54:00:00:00:01\n    ip: 10.0.1.5\n",
	    "t.yaml:11:9: machines[0].ip: the reservation is outside every "
	    "dhcp subnet");
	refused_with(BASE
		     "machines:\n  - name: a\n    mac: 52:54:00:00:00:0g\n",
		     "t.yaml:7:10: machines[0].mac: '52:54:00:00:00:0g' is not "
		     "a MAC address");
	refused_with(
	    BASE "machines:\n  - {name: a, mac: 52:54:00:00:00:01}\n  - {name: "
		 "b, mac: 5254.0000.0001}\n",
	    "t.yaml:7:20: machines[1].mac: duplicate MAC (machines[0])");
	refused_with(
	    BASE
	    "machines:\n  - {name: a, mac: 52:54:00:00:00:01, ip: 1.1.1.1}\n  "
	    "- {name: b, mac: 52:54:00:00:00:02, ip: 1.1.1.1}\n",
	    "machines[1].ip: duplicate IP (machines[0])");
	refused_with(BASE "machines:\n  - {name: a, mac: 52:54:00:00:00:01}\n  "
			  "- {name: a, mac: 52:54:00:00:00:02}\n",
		     "t.yaml:7:12: machines[1].name: duplicate machine name "
		     "(machines[0])");
	refused_with(BASE "boot:\n  groups:\n    - {id: g, profile: p}\n",
		     "t.yaml:7:24: boot.groups[0].profile: no profile 'p'");
	refused_with(BASE "boot:\n  profiles:\n    - {id: p}\n    - {id: p}\n",
		     "boot.profiles[1]: duplicate profile id 'p'");
	refused_with(BASE "http:\n  listen: 8080\n",
		     "t.yaml:6:11: http.listen: '8080' is not address:port");
	refused_with(
	    BASE "talos:\n  schematic: abc\n  version: v1.10.4\n",
	    "t.yaml:6:14: talos.schematic: expected the 64 lowercase hex");
	refused_with(
	    BASE "talos:\n  schematic: "
		 "a78ca499dd99112bd2c2730b1b8a50375d8fa3af36f1a10b30a2fa83cc8c0"
		 "d35\n  version: 1.10\n",
	    "t.yaml:7:12: talos.version: expected a version like v1.10.4");
	refused_with(BASE "talos:\n  factory: factory.talos.dev\n  schematic: "
			  "a78ca499dd99112bd2c2730b1b8a50375d8fa3af36f1a10b30a2"
			  "fa83cc8c0d35\n  version: v1.10.4\n",
		     "t.yaml:6:12: talos.factory: 'factory.talos.dev' is not "
		     "an http:// or https:// URL");
	refused_with(BASE "handoff:\n  management: ghost\n",
		     "t.yaml:6:15: handoff.management: 'ghost' is not a "
		     "machine in machines:");
	refused_with(BASE "dhcp:\n  known_only: maybe\n  subnets: []\n",
		     "t.yaml:6:15: dhcp.known_only: expected true or false");
	refused_with(BASE "dhcp:\n  subnets: {a: 1}\n",
		     "t.yaml:6:12: dhcp.subnets: expected a list");
	refused_with(
	    BASE "dhcp:\n  match_client_id: 1\n  subnets: []\n",
	    "t.yaml:6:20: dhcp.match_client_id: expected true or false");
	refused_with(BASE "dhcp:\n  rate_limit: -1\n  subnets: []\n",
		     "t.yaml:6:15: dhcp.rate_limit:");
	refused_with(BASE "appliance:\n  name: again\n",
		     "t.yaml:5:1: appliance: duplicate section");
}

static void test_talos_keys(void)
{
	int rc;
	struct bb_config *cfg;

	cfg = parse(
	    BASE
	    "talos:\n  version: v1.10.4\n  customization:\n"
	    "    customization:\n      systemExtensions:\n"
	    "        officialExtensions: [siderolabs/iscsi-tools]\n"
	    "      extraKernelArgs: [a=1, 'b c']\n"
	    "      meta: [{key: 12, value: \"x\"}, {value: '7', key: 0xc}]\n"
	    "http:\n  listen: 0.0.0.0:8080\n"
	    "boot:\n  profiles:\n    - {id: t, talos: true}\n"
	    "  groups:\n    - {id: g, profile: t, talos_version: v1.11.0}\n"
	    "machines:\n  - {name: a, mac: 52:54:00:00:00:01, "
	    "talos_version: v1.9.5}\n",
	    &rc);
	CHECK_EQ(rc, 0);
	if (!cfg)
		return;
	/* keys sorted, numbers kept, quoted text a string */
	CHECK_STR(cfg->talos.customization,
		  "{\"customization\":{\"extraKernelArgs\":[\"a=1\",\"b c\"],"
		  "\"meta\":[{\"key\":12,\"value\":\"x\"},"
		  "{\"key\":\"0xc\",\"value\":\"7\"}],"
		  "\"systemExtensions\":{\"officialExtensions\":"
		  "[\"siderolabs/iscsi-tools\"]}}}");
	CHECK(cfg->talos.schematic == NULL);
	CHECK(cfg->boot.profiles[0].talos);
	CHECK_STR(cfg->boot.groups[0].talos_version, "v1.11.0");
	CHECK_STR(cfg->machines[0].talos_version, "v1.9.5");
	bb_config_free(cfg);
	refused_with(
	    BASE
	    "talos:\n  version: v1.10.4\n  schematic: "
	    "a78ca499dd99112bd2c2730b1b8a50375d8fa3af36f1a10b30a2fa83cc8c0d35\n"
	    "  customization: {customization: {}}\n",
	    "t.yaml:8:18: talos.customization: give either schematic or "
	    "customization");
	refused_with(
	    BASE "talos:\n  version: v1.10.4\n  customization: {colour: 1}\n",
	    "t.yaml:7:19: talos.customization: unknown key 'colour'");
	refused_with(BASE "talos:\n  version: v1.10.4\n  customization: [1]\n",
		     "talos.customization: expected a mapping");
	refused_with(BASE "machines:\n  - {name: a, mac: 52:54:00:00:00:01, "
			  "talos_version: latest}\n",
		     "machines[0].talos_version: 'latest': expected a version "
		     "like v1.10.4");
	refused_with(BASE "boot:\n  profiles: [{id: t, talos: yes please}]\n",
		     "boot.profiles[0].talos: expected true or false");
}

static void test_all_errors_reported(void)
{
	int rc, lines = 0;
	const char *p;

	parse(BASE "  a: 1\n  b: 2\nbogus: 3\n", &rc);
	for (p = errbuf; *p; p++)
		lines += *p == '\n';
	CHECK_EQ(lines, 3);
}

int main(void)
{
	RUN(test_example_loads);
	RUN(test_defaults);
	RUN(test_dhcp_identity_keys);
	RUN(test_tftp_keys);
	RUN(test_errors_with_positions);
	RUN(test_all_errors_reported);
	RUN(test_talos_keys);
	return bb_test_done();
}
