/* dhcp.options: loading ({code, type, value} encoded once, errors with
 * their position) and sending (asked for or always_send; a machine's own
 * option replaces the subnet's of the same code). */
#include <stdio.h>

#include "common/err.h"
#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_wire.h"
#include "firmware/config/config.h"
#include "firmware/config/dhcp_conf.h"
#include "tests/unit/dhcp_util.h"
#include "tests/unit/test.h"

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
	"appliance:\n  name: t\n  interface: eth1\n  address: 192.168.2.2\n"   \
	"dhcp:\n  subnets:\n    - subnet: 192.168.2.0/24\n"                    \
	"      pools: [192.168.2.100-192.168.2.110]\n"

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

static void test_load(void)
{
	int rc;
	struct bb_config *cfg =
	    parse(BASE "      options:\n"
		       "        - {code: 7, type: ipv4, value: \"192.168.2.2, "
		       "192.168.2.4\"}\n"
		       "        - {code: 26, type: uint16, value: 9000}\n"
		       "        - {code: 19, type: bool, value: false}\n"
		       "        - {code: 224, type: hex, value: \"0a:0b 0c\", "
		       "always_send: true}\n"
		       "        - {code: 17, type: string, value: /srv/root}\n",
		  &rc);
	const struct bb_cfg_subnet *s;

	CHECK_EQ(rc, 0);
	if (!cfg) {
		fprintf(stderr, "%s", errbuf);
		return;
	}
	s = &cfg->dhcp.subnets[0];
	CHECK_EQ(s->noptions, 5);
	CHECK_EQ(s->options[0].len, 8);
	CHECK(
	    !memcmp(s->options[0].data, "\xc0\xa8\x02\x02\xc0\xa8\x02\x04", 8));
	CHECK_EQ(s->options[1].len, 2);
	CHECK(!memcmp(s->options[1].data, "\x23\x28", 2));
	CHECK_EQ(s->options[2].data[0], 0);
	CHECK_EQ(s->options[3].len, 3);
	CHECK(s->options[3].always_send);
	CHECK(!s->options[0].always_send);
	CHECK_EQ(s->options[4].len, 9);
	bb_config_free(cfg);
}

static void test_refused(void)
{
	refused_with(
	    BASE
	    "      options:\n        - {code: 3, type: ipv4, value: 1.2.3.4}\n",
	    "t.yaml:10:18: dhcp.subnets[0].options[0].code: option 3 is set by "
	    "bootbox; use router");
	refused_with(BASE "      options:\n        - {code: 26, type: uint16, "
			  "value: 70000}\n",
		     "dhcp.subnets[0].options[0].value: '70000' is not uint16");
	refused_with(
	    BASE
	    "      options:\n        - {code: 7, type: ipv4, value: 1.2.3}\n",
	    "dhcp.subnets[0].options[0].value: '1.2.3' is not ipv4");
	refused_with(
	    BASE
	    "      options:\n        - {code: 7, type: ip, value: 1.2.3.4}\n",
	    "'ip' is not a type");
	refused_with(
	    BASE
	    "      options:\n        - {code: 300, type: uint8, value: 1}\n",
	    "'300' is not an option code 1..254");
	refused_with(
	    BASE "      options:\n        - {code: 9, type: hex, value: abc}\n",
	    "'abc' is not hex");
	refused_with(BASE "      options:\n        - {code: 9, type: uint8}\n",
		     "an option needs code, type and value");
	refused_with(BASE "      options:\n        - {code: 9, type: uint8, "
			  "value: 1, colour: red}\n",
		     "unknown key 'colour'");
	refused_with(
	    BASE "      options:\n        - {code: 9, type: uint8, value: 1}\n"
		 "        - {code: 9, type: uint8, value: 2}\n",
	    "option 9 is set twice");
}

static struct bb_dhcp_msg reply;

static int ask(struct bb_dhcp_server *srv, const uint8_t mac[6],
	       const uint8_t *prl, size_t nprl)
{
	struct tpkt p;
	uint8_t out[1500];
	struct bb_dhcp_tx tx;
	size_t len;
	int n;

	tpkt_start(&p, BB_DHCPDISCOVER, mac, 0, 0, 0);
	if (prl)
		bb_dhcp_put(&p.w, BB_OPT_PRL, prl, nprl);
	len = tpkt_end(&p);
	{
		struct bb_dhcp_rx rx = {p.b, len, 0, 68, 1700000000};

		n = bb_dhcp_server_input(srv, &rx, out, sizeof(out), &tx);
	}
	CHECK(n > 0);
	if (n <= 0)
		return -1;
	return bb_dhcp_parse(out, (size_t)n, &reply);
}

static void test_sent(void)
{
	int rc;
	struct bb_config *cfg = parse(
	    BASE
	    "      options:\n"
	    "        - {code: 7, type: ipv4, value: 192.168.2.2}\n"
	    "        - {code: 224, type: hex, value: 0a0b, always_send: true}\n"
	    "machines:\n  - name: m1\n    mac: 52:54:00:00:00:01\n"
	    "    options:\n      - {code: 7, type: ipv4, value: 10.0.0.7}\n",
	    &rc);
	struct bb_dhcp_conf conf;
	struct bb_dhcp_server *srv;
	static const uint8_t stranger[6] = {2, 0, 0, 0, 0, 9};
	static const uint8_t m1[6] = {0x52, 0x54, 0, 0, 0, 1};
	static const uint8_t want7[] = {1, 3, 7}, no7[] = {1, 3};
	const uint8_t *v;
	size_t len;

	CHECK_EQ(rc, 0);
	if (!cfg)
		return;
	CHECK_EQ(bb_dhcp_conf_build(cfg, false, &conf), 0);
	srv = bb_dhcp_server_new(&conf.c);
	bb_dhcp_conf_free(&conf);
	bb_config_free(cfg); /* the engine keeps its own copy */
	CHECK(srv != NULL);
	if (!srv)
		return;
	CHECK_EQ(ask(srv, stranger, want7, sizeof(want7)), 0);
	v = bb_dhcp_get(&reply, 7, &len);
	CHECK(v && len == 4 && !memcmp(v, "\xc0\xa8\x02\x02", 4));
	v = bb_dhcp_get(&reply, 224, &len);
	CHECK(v && len == 2);
	CHECK_EQ(ask(srv, stranger, no7, sizeof(no7)), 0);
	CHECK(bb_dhcp_get(&reply, 7, &len) == NULL);
	CHECK(bb_dhcp_get(&reply, 224, &len) != NULL); /* always_send */
	CHECK_EQ(ask(srv, stranger, NULL, 0), 0);      /* no list: all */
	CHECK(bb_dhcp_get(&reply, 7, &len) != NULL);
	CHECK_EQ(ask(srv, m1, want7, sizeof(want7)), 0);
	v = bb_dhcp_get(&reply, 7, &len);
	CHECK(v && len == 4 && !memcmp(v, "\x0a\x00\x00\x07", 4));
	bb_dhcp_server_free(srv);
}

int main(void)
{
	RUN(test_load);
	RUN(test_refused);
	RUN(test_sent);
	return bb_test_done();
}
