/* services/inventory: a NetBox page, its next link, and what a device
 * becomes, for the shapes NetBox 3 and 4 send and for every malformed
 * case: wrong types, missing fields, huge counts, next links elsewhere,
 * bad addresses, duplicate MACs, non-UTF-8, truncated and deep JSON. */
#include "common/err.h"
#include "inventory/netbox_page.h"
#include "inventory/netbox_pick.h"
#include "test.h"

static const char *why;

static int parse(enum bb_netbox_list l, const char *s, struct bb_netbox_page *p)
{
	size_t n = strlen(s);
	void *g = bb_test_guard(s, n);
	int rc = bb_netbox_page_parse(l, g, n, p, &why);

	bb_test_unguard(g, n);
	return rc;
}

/* One device in a page of its own: its skip reason, or NULL. */
static const char *device(const char *obj, struct bb_netbox_device *d)
{
	char buf[2048];
	struct bb_netbox_page p;

	snprintf(buf, sizeof(buf), "{\"next\":null,\"results\":[%s]}", obj);
	memset(d, 0, sizeof(*d));
	if (parse(BB_NETBOX_DEVICES, buf, &p) || p.n != 1) {
		bb_netbox_page_free(&p);
		return "(page refused)";
	}
	*d = p.devices[0];
	bb_netbox_page_free(&p);
	return d->skip;
}

#define DEV(extra)                                                             \
	"{\"id\":7,\"name\":\"cp1\",\"role\":{\"slug\":\"controlplane\"}"      \
	"," extra "}"

static void devices_v4_page(void)
{
	struct bb_netbox_page p;

	CHECK_EQ(parse(BB_NETBOX_DEVICES,
		       "{\"count\":4,\"next\":\"http://netbox.invalid/api/dcim/"
		       "devices/?limit=2&offset=2\",\"previous\":null,"
		       "\"results\":[{\"id\":1,\"name\":\"cp1\",\"role\":{"
		       "\"id\":1,\"slug\":\"controlplane\"},\"platform\":{"
		       "\"slug\":\"amd64\",\"name\":\"amd64\"},\"primary_ip4\":"
		       "{\"id\":101,\"address\":\"192.168.2.10/24\"}},"
		       "{\"id\":3,\"name\":\"cp3\",\"role\":{\"slug\":\"w\"},"
		       "\"platform\":null,\"primary_ip4\":null}]}\n",
		       &p),
		 0);
	CHECK_EQ(p.n, 2);
	CHECK_STR(p.next, "/api/dcim/devices/?limit=2&offset=2");
	CHECK(!p.devices[0].skip);
	CHECK_EQ(p.devices[0].id, 1);
	CHECK_STR(p.devices[0].name, "cp1");
	CHECK_STR(p.devices[0].role, "controlplane");
	CHECK_STR(p.devices[0].arch, "amd64");
	CHECK(p.devices[0].has_primary);
	CHECK_EQ(p.devices[0].primary, 0xc0a8020a);
	CHECK_EQ(p.devices[0].primary_len, 24);
	CHECK(!p.devices[1].has_primary && !p.devices[1].arch);
	bb_netbox_page_free(&p);
}

static void device_netbox3_and_platforms(void)
{
	struct bb_netbox_device d;

	CHECK(!device("{\"id\":2,\"name\":\"a\",\"device_role\":{\"slug\":"
		      "\"worker\"},\"platform\":{\"name\":\"Talos aarch64\"}}",
		      &d));
	CHECK_STR(d.role, "worker");
	CHECK_STR(d.arch, "arm64");
	CHECK(!device(DEV("\"platform\":{\"slug\":\"x86-64\"}"), &d));
	CHECK_STR(d.arch, "amd64");
	CHECK(!device(DEV("\"platform\":{\"slug\":\"riscv\"}"), &d));
	CHECK(!d.arch);
	CHECK(!device(DEV("\"platform\":{\"slug\":7,\"name\":\"arm64\"}"), &d));
	CHECK_STR(d.arch, "arm64");
	/* a role that is no string is no role */
	CHECK(!device("{\"id\":2,\"name\":\"a\",\"role\":{\"slug\":5}}", &d));
	CHECK_STR(d.role, "");
}

static void device_wrong_types(void)
{
	struct bb_netbox_device d;

	CHECK_STR(device("\"cp1\"", &d), "that is not a JSON object");
	CHECK_STR(device("[]", &d), "that is not a JSON object");
	CHECK_STR(device("{\"id\":1}", &d), "without a name");
	CHECK_STR(device("{\"id\":1,\"name\":null}", &d), "without a name");
	CHECK_STR(device("{\"id\":1,\"name\":42}", &d), "without a name");
	CHECK_STR(device("{\"name\":\"a\"}", &d),
		  "without a positive integer id");
	CHECK_STR(device("{\"id\":\"1\",\"name\":\"a\"}", &d),
		  "without a positive integer id");
	CHECK_STR(device("{\"id\":1.5,\"name\":\"a\"}", &d),
		  "without a positive integer id");
	CHECK_STR(device("{\"id\":0,\"name\":\"a\"}", &d),
		  "without a positive integer id");
	CHECK_STR(device("{\"id\":-3,\"name\":\"a\"}", &d),
		  "without a positive integer id");
	/* a cast of this to long would be undefined */
	CHECK_STR(device("{\"id\":1e300,\"name\":\"a\"}", &d),
		  "without a positive integer id");
	CHECK_STR(device("{\"id\":9007199254740993,\"name\":\"a\"}", &d),
		  "without a positive integer id");
	CHECK(device(DEV("\"primary_ip4\":\"192.168.2.10/24\""), &d));
	CHECK(device(DEV("\"primary_ip4\":{\"address\":7}"), &d));
	CHECK(device(DEV("\"primary_ip4\":{}"), &d));
}

static void device_names(void)
{
	struct bb_netbox_device d;
	char obj[256];

	CHECK(!device("{\"id\":1,\"name\":\"cp-1_a\"}", &d));
	CHECK(device("{\"id\":1,\"name\":\"cp 1\"}", &d));
	CHECK(!device("{\"id\":1,\"name\":\"cp1.lan\"}", &d));
	CHECK(device("{\"id\":1,\"name\":\"a/b\"}", &d));
	CHECK(device("{\"id\":1,\"name\":\"-a\"}", &d));
	CHECK(device("{\"id\":1,\"name\":\"\"}", &d));
	CHECK(device("{\"id\":1,\"name\":\"../x\"}", &d));
	CHECK_STR(d.name, ""); /* not echoed: it could be anything */
	snprintf(obj, sizeof(obj), "{\"id\":1,\"name\":\"%064d\"}", 0);
	CHECK(device(obj, &d));
	snprintf(obj, sizeof(obj), "{\"id\":1,\"name\":\"%063d\"}", 0);
	CHECK(!device(obj, &d));
}

static void bad_addresses(void)
{
	static const char *bad[] = {"300.1.1.1/24",
				    "192.168.2.10",
				    "192.168.2.10/33",
				    "1.2.3/24",
				    "192.168.2.10/-1",
				    "192.168.2.10/24 ",
				    "2001:db8::1/64",
				    "192.168.2.10/24\\n    role: admin",
				    "",
				    "/24"};
	struct bb_netbox_device d;
	struct bb_netbox_page p;
	char obj[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(obj, sizeof(obj),
			 DEV("\"primary_ip4\":{\"address\":\"%s\"}"), bad[i]);
		CHECK_STR(device(obj, &d),
			  "whose primary_ip4 is not an IPv4 address/prefix");
	}
	CHECK(!device(DEV("\"primary_ip4\":{\"address\":\"10.1.2.3/8\"}"), &d));
	CHECK_EQ(d.primary, 0x0a010203);
	CHECK_EQ(d.primary_len, 8);
	CHECK_EQ(
	    parse(BB_NETBOX_IPS,
		  "{\"results\":[{\"address\":\"1.2.3.4/24\"},{\"address\":"
		  "\"fe80::1/64\"},{\"address\":null},7,{\"address\":\"1.2."
		  "3.4/40\"}]}",
		  &p),
	    0);
	CHECK_EQ(p.n, 1);
	CHECK_EQ(p.dropped, 4);
	CHECK_EQ(p.ips[0].addr, 0x01020304);
	bb_netbox_page_free(&p);
}

static void text_not_utf8(void)
{
	struct bb_netbox_device d;

	/* raw bytes: a lone 0xff, an overlong '/', a surrogate, C1 */
	CHECK(device("{\"id\":1,\"name\":\"n\xff\"}", &d));
	CHECK_STR(device("{\"id\":1,\"name\":\"a\",\"role\":{\"slug\":"
			 "\"w\xc0\xafr\"}}",
			 &d),
		  "whose role slug is not text of at most 100 bytes");
	CHECK(device("{\"id\":1,\"name\":\"a\",\"role\":{\"slug\":"
		     "\"\xed\xa0\x80\"}}",
		     &d));
	CHECK(device("{\"id\":1,\"name\":\"a\",\"role\":{\"slug\":"
		     "\"\xc2\x85\"}}",
		     &d));
	CHECK(device("{\"id\":1,\"name\":\"a\",\"role\":{\"slug\":"
		     "\"a\\u0007b\"}}",
		     &d));
	CHECK(device("{\"id\":1,\"name\":\"a\",\"role\":{\"slug\":"
		     "\"x\xe2\x82\"}}",
		     &d));
	/* UTF-8 is fine where the configuration takes any text */
	CHECK(!device("{\"id\":1,\"name\":\"a\",\"role\":{\"slug\":"
		      "\"w\\u00f6rker\xe2\x82\xac\"}}",
		      &d));
	CHECK_STR(d.role, "w\xc3\xb6rker\xe2\x82\xac");
}

static void whole_page_refused(void)
{
	struct bb_netbox_page p;
	char *big;
	size_t i, n;

	CHECK_EQ(parse(BB_NETBOX_DEVICES, "[]", &p), BB_EMALFORMED);
	CHECK_STR(why, "not a NetBox list");
	CHECK_EQ(parse(BB_NETBOX_DEVICES, "{\"results\":{}}", &p),
		 BB_EMALFORMED);
	CHECK_EQ(parse(BB_NETBOX_DEVICES, "{\"count\":1}", &p), BB_EMALFORMED);
	CHECK_EQ(parse(BB_NETBOX_DEVICES, "", &p), BB_EMALFORMED);
	CHECK_EQ(parse(BB_NETBOX_DEVICES, "{\"results\":[{\"id\":1,\"na", &p),
		 BB_EMALFORMED);
	CHECK_EQ(parse(BB_NETBOX_DEVICES, "{\"results\":[]} x", &p),
		 BB_EMALFORMED);
	CHECK_EQ(parse(BB_NETBOX_DEVICES, "{\"results\":[]}{}", &p),
		 BB_EMALFORMED);
	CHECK_EQ(bb_netbox_page_parse(BB_NETBOX_DEVICES, "{\"results\":[]}\0",
				      15, &p, &why),
		 BB_EMALFORMED);
	CHECK_EQ(bb_netbox_page_parse(BB_NETBOX_DEVICES, NULL, 0, &p, &why),
		 BB_EMALFORMED);
	/* cJSON would cut "cp1\u0000x" to "cp1" */
	CHECK_EQ(parse(BB_NETBOX_DEVICES,
		       "{\"results\":[{\"id\":1,\"name\":\"cp1\\u0000x\"}]}",
		       &p),
		 BB_EMALFORMED);
	/* "count" is not trusted for anything */
	CHECK_EQ(parse(BB_NETBOX_DEVICES,
		       "{\"count\":1e308,\"results\":[],\"next\":null}", &p),
		 0);
	CHECK_EQ(p.n, 0);
	bb_netbox_page_free(&p);
	/* too many results on one page */
	n = 16 + 1001 * 3;
	big = malloc(n);
	strcpy(big, "{\"results\":[");
	for (i = 0; i < 1001; i++)
		strcat(big, i ? ",{}" : "{}");
	strcat(big, "]}");
	CHECK_EQ(parse(BB_NETBOX_IFACES, big, &p), BB_ETOOBIG);
	free(big);
	/* too deep for cJSON: refused, not a stack overflow */
	n = 2 * 5000 + 16;
	big = calloc(1, n);
	memcpy(big, "{\"results\":", 11);
	memset(big + 11, '[', 5000);
	memset(big + 5011, ']', 5000);
	big[10011] = '}';
	CHECK_EQ(parse(BB_NETBOX_IPS, big, &p), BB_EMALFORMED);
	free(big);
	/* a reply over the cap */
	n = BB_NETBOX_REPLY_MAX + 1;
	big = malloc(n);
	memset(big, ' ', n);
	CHECK_EQ(bb_netbox_page_parse(BB_NETBOX_IPS, big, n, &p, &why),
		 BB_ETOOBIG);
	free(big);
}

static int next(enum bb_netbox_list l, const char *s, char *out)
{
	return bb_netbox_next(l, s, strlen(s), out, BB_NETBOX_NEXT_MAX + 1,
			      &why);
}

static void next_links(void)
{
	static const char *bad[] = {
	    "ftp://h/api/dcim/devices/?o=1",
	    "javascript:alert(1)",
	    "api/dcim/devices/?o=1",
	    "http:///api/dcim/devices/",
	    "http://h?/api/dcim/devices/",
	    "http://h",
	    "https://h/api/users/tokens/?o=1",
	    "https://h/api/dcim/interfaces/?o=1",
	    "https://h/api/dcim/devices/../../users/tokens/",
	    "https://h/api/dcim/devices/1/",
	    "https://h/api/dcim/devices/?o=1\r\nHost: evil",
	    "https://h/api/dcim/devices/?o=1 x",
	    "https://h/api/dcim/devices/?o=\xc3",
	    "https://h/api/dcim/devices/#f",
	    "",
	};
	char out[BB_NETBOX_NEXT_MAX + 1], *big;
	size_t i;

	CHECK_EQ(
	    next(BB_NETBOX_DEVICES,
		 "https://netbox.lan/api/dcim/devices/?limit=100&offset=100",
		 out),
	    0);
	CHECK_STR(out, "/api/dcim/devices/?limit=100&offset=100");
	/* another host (NetBox behind a proxy): only the page is kept */
	CHECK_EQ(next(BB_NETBOX_IFACES,
		      "http://netbox.invalid:8000/api/dcim/interfaces/"
		      "?device_id=1&limit=2&offset=2",
		      out),
		 0);
	CHECK_STR(out, "/api/dcim/interfaces/?device_id=1&limit=2&offset=2");
	/* a base path (NetBox's BASE_PATH) is not doubled */
	CHECK_EQ(next(BB_NETBOX_IPS,
		      "https://h/netbox/api/ipam/ip-addresses/?offset=1", out),
		 0);
	CHECK_STR(out, "/api/ipam/ip-addresses/?offset=1");
	CHECK_EQ(next(BB_NETBOX_IPS, "/api/ipam/ip-addresses/?offset=1", out),
		 0);
	CHECK_EQ(next(BB_NETBOX_IPS, "https://h/api/ipam/ip-addresses/", out),
		 0);
	CHECK_STR(out, "/api/ipam/ip-addresses/");
	/* protocol-relative: still only the page, on our endpoint */
	CHECK_EQ(next(BB_NETBOX_DEVICES, "//evil/api/dcim/devices/?o=1", out),
		 0);
	CHECK_STR(out, "/api/dcim/devices/?o=1");
	/* other schemes, other lists, tricks after the list's path */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (next(BB_NETBOX_DEVICES, bad[i], out) != BB_EMALFORMED) {
			fprintf(stderr, "  next %s taken\n", bad[i]);
			CHECK(0);
		}
	big = malloc(BB_NETBOX_NEXT_MAX + 2);
	strcpy(big, "https://h/api/dcim/devices/?o=");
	memset(big + strlen(big), 'a', BB_NETBOX_NEXT_MAX + 1 - strlen(big));
	big[BB_NETBOX_NEXT_MAX + 1] = 0;
	CHECK_EQ(next(BB_NETBOX_DEVICES, big, out), BB_ETOOBIG);
	free(big);
}

static void next_in_pages(void)
{
	struct bb_netbox_page p;

	CHECK_EQ(parse(BB_NETBOX_DEVICES, "{\"results\":[],\"next\":\"\"}", &p),
		 0);
	CHECK_STR(p.next, "");
	bb_netbox_page_free(&p);
	CHECK_EQ(parse(BB_NETBOX_DEVICES, "{\"results\":[]}", &p), 0);
	CHECK_STR(p.next, "");
	bb_netbox_page_free(&p);
	CHECK_EQ(parse(BB_NETBOX_DEVICES, "{\"results\":[],\"next\":1}", &p),
		 BB_EMALFORMED);
	CHECK_EQ(parse(BB_NETBOX_DEVICES, "{\"results\":[],\"next\":{}}", &p),
		 BB_EMALFORMED);
	CHECK_EQ(parse(BB_NETBOX_DEVICES,
		       "{\"results\":[],\"next\":\"http://evil/api/users/\"}",
		       &p),
		 BB_EMALFORMED);
	CHECK_STR(why, "a \"next\" URL that is not a page of the same list");
	CHECK_EQ(parse(BB_NETBOX_DEVICES,
		       "{\"results\":[],\"next\":\"http://h/api/dcim/devices/"
		       "?a=1\\r\\nX: y\"}",
		       &p),
		 BB_EMALFORMED);
}

static void interfaces(void)
{
	struct bb_netbox_page p;
	char buf[512];

	CHECK_EQ(
	    parse(BB_NETBOX_IFACES,
		  "{\"results\":[{\"id\":11,\"name\":\"ipmi\",\"mac_address\":"
		  "\"AA:00:00:00:01:FF\",\"mgmt_only\":true},{\"id\":21,"
		  "\"name\":\"eth0\",\"primary_mac_address\":{\"mac_"
		  "address\":\"52:54:00:00:02:01\"}},{\"id\":22,\"mac_"
		  "address\":\"zz:54:00:00:02:01\",\"mgmt_only\":\"yes\"},"
		  "{\"name\":\"noid\"},{\"id\":\"5\"},null]}",
		  &p),
	    0);
	CHECK_EQ(p.n, 3);
	CHECK_EQ(p.dropped, 3);
	CHECK(p.ifaces[0].has_mac && p.ifaces[0].mgmt);
	CHECK_EQ(p.ifaces[0].mac[5], 0xff);
	CHECK(p.ifaces[1].has_mac && !p.ifaces[1].mgmt);
	CHECK_STR(p.ifaces[1].name, "eth0");
	CHECK(!p.ifaces[2].has_mac && !p.ifaces[2].mgmt);
	CHECK_STR(p.ifaces[2].name, "?");
	bb_netbox_page_free(&p);
	snprintf(buf, sizeof(buf),
		 "{\"results\":[{\"id\":1,\"name\":\"%065d\"}]}", 0);
	CHECK_EQ(parse(BB_NETBOX_IFACES, buf, &p), 0);
	CHECK_STR(p.ifaces[0].name, "?");
	bb_netbox_page_free(&p);
}

static struct bb_netbox_iface ifc(long id, int mac, bool mgmt)
{
	struct bb_netbox_iface f = {
	    .id = id, .has_mac = mac >= 0, .mgmt = mgmt};

	snprintf(f.name, sizeof(f.name), "if%ld", id);
	f.mac[0] = 0x52;
	f.mac[5] = (uint8_t)mac;
	return f;
}

static void pick(void)
{
	static struct bb_netbox_dev d;
	struct bb_netbox_device dev = {.id = 1,
				       .name = "cp1",
				       .role = "controlplane",
				       .arch = "amd64",
				       .has_primary = true,
				       .primary = 0x0a000001,
				       .primary_len = 24};
	struct bb_netbox_iface f[3] = {ifc(1, 1, true), ifc(2, 2, false),
				       ifc(3, 3, false)};
	struct bb_netbox_ip ip = {0x0a000001, 24}, other = {0x0a000001, 16};
	struct bb_netbox_page ifs = {.n = 3, .ifaces = f};
	struct bb_netbox_page ips = {.n = 1, .ips = &ip};
	struct bb_netbox_page ips2 = {.n = 1, .ips = &other};
	struct bb_netbox_machine m;

	bb_netbox_dev_init(&d, &dev);
	bb_netbox_dev_add_ifaces(&d, &ifs);
	CHECK_EQ(bb_netbox_dev_ask(&d, 0), 0);
	bb_netbox_dev_add_ips(&d, 0, &ips2); /* another prefix: not it */
	CHECK_EQ(bb_netbox_dev_ask(&d, 1), 1);
	bb_netbox_dev_add_ips(&d, 2, &ips);
	CHECK_EQ(bb_netbox_dev_ask(&d, 3), -1);
	CHECK_EQ(bb_netbox_pick(&d, &m), 0);
	CHECK_EQ(m.how, BB_NETBOX_BY_PRIMARY);
	CHECK(m.has_ip && m.ip == 0x0a000001);
	CHECK_EQ(m.mac[5], 3);
	CHECK_STR(m.iface, "if3");
	CHECK_STR(m.role, "controlplane");
	/* the primary on an interface without a MAC: the first
	 * non-management one with a MAC boots, from the pool */
	f[2].has_mac = false;
	bb_netbox_dev_init(&d, &dev);
	bb_netbox_dev_add_ifaces(&d, &ifs);
	bb_netbox_dev_add_ips(&d, 2, &ips);
	CHECK_EQ(bb_netbox_dev_ask(&d, 0), -1); /* found: no more asking */
	CHECK_EQ(bb_netbox_pick(&d, &m), 0);
	CHECK_EQ(m.how, BB_NETBOX_PRIMARY_LOST);
	CHECK(!m.has_ip);
	CHECK_STR(m.iface, "if2");
	/* no primary at all */
	dev.has_primary = false;
	dev.role[0] = 0;
	bb_netbox_dev_init(&d, &dev);
	bb_netbox_dev_add_ifaces(&d, &ifs);
	CHECK_EQ(bb_netbox_dev_ask(&d, 0), -1);
	CHECK_EQ(bb_netbox_pick(&d, &m), 0);
	CHECK_EQ(m.how, BB_NETBOX_NO_PRIMARY);
	CHECK(!m.role);
	/* nothing that can boot */
	f[1].has_mac = false;
	bb_netbox_dev_init(&d, &dev);
	bb_netbox_dev_add_ifaces(&d, &ifs);
	CHECK_EQ(bb_netbox_pick(&d, &m), BB_ENOENT);
	CHECK(!m.iface);
}

static void many_interfaces(void)
{
	static struct bb_netbox_dev d;
	static struct bb_netbox_iface f[100];
	struct bb_netbox_device dev = {.id = 1, .name = "a"};
	struct bb_netbox_page p = {.n = 100, .ifaces = f};
	int i;

	for (i = 0; i < 100; i++)
		f[i] = ifc(i + 1, i, false);
	bb_netbox_dev_init(&d, &dev);
	bb_netbox_dev_add_ifaces(&d, &p);
	bb_netbox_dev_add_ifaces(&d, &p);
	CHECK_EQ(d.nifs, BB_NETBOX_IFACES_MAX);
	bb_netbox_dev_add_ips(&d, 1000, &p); /* out of range: ignored */
	CHECK_EQ(d.found, -1);
}

static void duplicates(void)
{
	struct bb_netbox_seen s = {0};
	struct bb_netbox_machine a = {.name = "a",
				      .mac = {1},
				      .has_ip = true,
				      .ip = 5},
				 m;
	const char *what, *other;
	char name[16];
	int i, rc = 0;

	CHECK_EQ(bb_netbox_seen_add(&s, &a, &what, &other), 0);
	m = a;
	m.name = "b";
	CHECK_EQ(bb_netbox_seen_add(&s, &m, &what, &other), BB_EEXIST);
	CHECK_STR(what, "MAC");
	CHECK_STR(other, "a");
	m.mac[0] = 2;
	CHECK_EQ(bb_netbox_seen_add(&s, &m, &what, &other), BB_EEXIST);
	CHECK_STR(what, "IP");
	m.has_ip = false; /* two pool machines share no address */
	CHECK_EQ(bb_netbox_seen_add(&s, &m, &what, &other), 0);
	m.name = "a";
	m.mac[0] = 3;
	CHECK_EQ(bb_netbox_seen_add(&s, &m, &what, &other), BB_EEXIST);
	CHECK_STR(what, "name");
	for (i = 0; i < BB_NETBOX_MACHINES_MAX + 1 && !rc; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		m.name = name;
		m.mac[1] = (uint8_t)(i >> 8);
		m.mac[2] = (uint8_t)i;
		m.mac[0] = 9;
		rc = bb_netbox_seen_add(&s, &m, &what, &other);
	}
	CHECK_EQ(rc, BB_ENOSPC);
	CHECK_EQ(s.n, BB_NETBOX_MACHINES_MAX);
	bb_netbox_seen_free(&s);
}

int main(void)
{
	RUN(devices_v4_page);
	RUN(device_netbox3_and_platforms);
	RUN(device_wrong_types);
	RUN(device_names);
	RUN(bad_addresses);
	RUN(text_not_utf8);
	RUN(whole_page_refused);
	RUN(next_links);
	RUN(next_in_pages);
	RUN(interfaces);
	RUN(pick);
	RUN(many_interfaces);
	RUN(duplicates);
	return bb_test_done();
}
