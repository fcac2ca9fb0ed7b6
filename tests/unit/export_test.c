#include <cjson/cJSON.h>
#include <yaml.h>

#include "handoff/export.h"
#include "tests/unit/test.h"

static const uint32_t dns[] = {0xc0a80202};

static struct bb_export_machine mgmt(const char *name)
{
	struct bb_export_machine m = {
	    .name = name,
	    .mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56},
	    .ip = 0xc0a80203,
	    .prefix = 24,
	    .gateway = 0xc0a80201,
	    .dns = dns,
	    .ndns = 1,
	    .arch = "amd64",
	    .uefi = true,
	    .allow_pxe = false,
	    .phase = "handed-off",
	    .role = "controlplane",
	    .reserved = true,
	    .lease_time = 3600,
	};
	return m;
}

/* Finds a scalar by a path of mapping keys / sequence index 0 in a doc. */
static const char *yget(yaml_document_t *d, yaml_node_t *n, const char **path)
{
	yaml_node_pair_t *pr;

	if (!*path)
		return n && n->type == YAML_SCALAR_NODE
			   ? (const char *)n->data.scalar.value
			   : NULL;
	if (!n)
		return NULL;
	if (n->type == YAML_SEQUENCE_NODE && !strcmp(*path, "0"))
		return yget(
		    d, yaml_document_get_node(d, *n->data.sequence.items.start),
		    path + 1);
	if (n->type != YAML_MAPPING_NODE)
		return NULL;
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(d, pr->key);

		if (k->type == YAML_SCALAR_NODE &&
		    !strcmp((char *)k->data.scalar.value, *path))
			return yget(d, yaml_document_get_node(d, pr->value),
				    path + 1);
	}
	return NULL;
}

static void test_hardware_yaml_parses(void)
{
	struct bb_export_machine m[2] = {mgmt("management"),
					 mgmt("evil\"\n: x\\")};
	struct bb_buf b = {0};
	yaml_parser_t p;
	yaml_document_t d;
	int docs = 0;
	static const char *mac[] = {"spec", "interfaces", "0",
				    "dhcp", "mac",	  NULL};
	static const char *ip[] = {"spec", "interfaces", "0", "dhcp",
				   "ip",   "address",	 NULL};
	static const char *mask[] = {"spec", "interfaces", "0", "dhcp",
				     "ip",   "netmask",	   NULL};
	static const char *name[] = {"metadata", "name", NULL};
	static const char *pxe[] = {"spec",    "interfaces", "0",
				    "netboot", "allowPXE",   NULL};

	m[1].ip = 0xc0a80264;
	m[1].mac[5] = 0x57;
	CHECK_EQ(bb_export_hardware(m, 2, "tink-system", &b), 0);
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (unsigned char *)b.p, b.len);
	for (;;) {
		yaml_node_t *root;

		CHECK(yaml_parser_load(&p, &d));
		root = yaml_document_get_root_node(&d);
		if (!root) {
			yaml_document_delete(&d);
			break;
		}
		if (docs == 0) {
			CHECK_STR(yget(&d, root, mac), "52:54:00:12:34:56");
			CHECK_STR(yget(&d, root, ip), "192.168.2.3");
			CHECK_STR(yget(&d, root, mask), "255.255.255.0");
			CHECK_STR(yget(&d, root, name), "management");
			CHECK_STR(yget(&d, root, pxe), "false");
		} else {
			CHECK_STR(yget(&d, root, mac), "52:54:00:12:34:57");
			CHECK_STR(yget(&d, root, ip), "192.168.2.100");
			CHECK_STR(yget(&d, root, name), "evil\"\n: x\\");
		}
		docs++;
		yaml_document_delete(&d);
	}
	CHECK_EQ(docs, 2);
	yaml_parser_delete(&p);
	bb_buf_free(&b);
}

static void test_json_parses(void)
{
	struct bb_export_machine m[2] = {mgmt("management"), mgmt("w\"1")};
	struct bb_buf b = {0};
	cJSON *j, *ms, *first;

	m[1].ip = 0;
	m[1].role = NULL;
	CHECK_EQ(bb_export_json(m, 2, "bootstrap", 1700000000, &b), 0);
	j = cJSON_Parse(b.p);
	CHECK(j != NULL);
	ms = cJSON_GetObjectItem(j, "machines");
	CHECK_EQ(cJSON_GetArraySize(ms), 2);
	first = cJSON_GetArrayItem(ms, 0);
	CHECK_STR(cJSON_GetObjectItem(first, "mac")->valuestring,
		  "52:54:00:12:34:56");
	CHECK_STR(cJSON_GetObjectItem(first, "ip")->valuestring, "192.168.2.3");
	CHECK(
	    cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(ms, 1), "ip")));
	CHECK_STR(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(ms, 1), "name")->valuestring,
	    "w\"1");
	cJSON_Delete(j);
	bb_buf_free(&b);
}

static void test_arch(void)
{
	CHECK_STR(bb_export_tink_arch("arm64"), "aarch64");
	CHECK_STR(bb_export_tink_arch("amd64"), "x86_64");
	CHECK_STR(bb_export_tink_arch(NULL), "x86_64");
}

int main(void)
{
	RUN(test_hardware_yaml_parses);
	RUN(test_json_parses);
	RUN(test_arch);
	return bb_test_done();
}
