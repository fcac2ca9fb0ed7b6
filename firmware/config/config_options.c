/* dhcp.options: DHCP options bootbox has no typed key for (the runbook's
 * log-servers, an MTU, a vendor blob), as {code, type, value}. Each is
 * encoded here, once, so a bad value is a file:line:col error at load and
 * the engine only copies bytes. Codes bootbox sets itself are refused with
 * the key to use instead: two sources for one option would disagree. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
#include "firmware/config/config_sections.h"
#include "firmware/config/config_yaml.h"

struct opt_owner {
	uint8_t code;
	const char *use;
};

static const struct opt_owner owned[] = {
    {1, "the subnet's prefix"},
    {3, "router"},
    {6, "dns"},
    {12, "the machine's name"},
    {15, "domain"},
    {28, "the subnet's prefix"},
    {42, "ntp"},
    {43, "nothing: bootbox sends PXE's option 43 itself"},
    {50, "nothing: protocol option"},
    {51, "lease_time"},
    {52, "nothing: protocol option"},
    {53, "nothing: protocol option"},
    {54, "appliance.address"},
    {55, "nothing: protocol option"},
    {56, "nothing: protocol option"},
    {57, "nothing: protocol option"},
    {58, "lease_time (T1 is half of it)"},
    {59, "lease_time (T2 is 7/8 of it)"},
    {60, "nothing: bootbox sends PXEClient/HTTPClient itself"},
    {61, "nothing: protocol option"},
    {66, "tftp: (bootbox names itself)"},
    {67, "dhcp.bios_file / efi64_file / arm64_file"},
    {82, "nothing: relay agent option"},
};

static const char *const types[] = {"ipv4",   "string", "uint8", "uint16",
				    "uint32", "bool",	"hex",	 NULL};

/* The value as option bytes into o; an error message or NULL. */
static const char *encode(const char *type, const char *v, size_t vlen,
			  struct bb_dhcp_option *o)
{
	uint32_t u;
	size_t i = 0;

	o->len = 0;
	if (!strcmp(type, "string")) {
		if (vlen == 0 || vlen > 255)
			return "a string of 1 to 255 bytes";
		memcpy(o->data, v, vlen);
		o->len = (uint8_t)vlen;
		return NULL;
	}
	if (!strcmp(type, "bool")) {
		if (!strcmp(v, "true") || !strcmp(v, "1"))
			o->data[0] = 1;
		else if (!strcmp(v, "false") || !strcmp(v, "0"))
			o->data[0] = 0;
		else
			return "true or false";
		o->len = 1;
		return NULL;
	}
	if (!strncmp(type, "uint", 4)) {
		unsigned bits = (unsigned)atoi(type + 4);
		uint32_t max = bits == 32 ? 0xffffffffu : (1u << bits) - 1;

		if (bb_parse_u32(v, vlen, 0, max, &u))
			return bits == 8    ? "a number 0..255"
			       : bits == 16 ? "a number 0..65535"
					    : "a number 0..4294967295";
		for (i = 0; i < bits / 8; i++)
			o->data[i] = (uint8_t)(u >> (bits - 8 * (i + 1)));
		o->len = (uint8_t)(bits / 8);
		return NULL;
	}
	if (!strcmp(type, "ipv4")) {
		while (i < vlen) {
			size_t n;

			while (i < vlen && (v[i] == ',' || v[i] == ' '))
				i++;
			n = strcspn(v + i, ", ");
			if (!n)
				break;
			if (o->len + 4 > 252 || bb_parse_ipv4(v + i, n, &u))
				return "IPv4 addresses, separated by commas";
			o->data[o->len++] = (uint8_t)(u >> 24);
			o->data[o->len++] = (uint8_t)(u >> 16);
			o->data[o->len++] = (uint8_t)(u >> 8);
			o->data[o->len++] = (uint8_t)u;
			i += n;
		}
		return o->len ? NULL : "IPv4 addresses, separated by commas";
	}
	/* hex: digits in pairs, ':' or spaces between bytes allowed */
	while (i < vlen) {
		int hi, lo;

		if (v[i] == ':' || v[i] == ' ') {
			i++;
			continue;
		}
		hi = bb_hex_digit(v[i]);
		lo = i + 1 < vlen ? bb_hex_digit(v[i + 1]) : -1;
		if (hi < 0 || lo < 0 || o->len == 255)
			return "hex bytes like 0a:0b or 0a0b (up to 255)";
		o->data[o->len++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return o->len ? NULL : "hex bytes like 0a:0b or 0a0b (up to 255)";
}

const char *bb_cfg_option_owner(unsigned code)
{
	size_t i;

	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		if (owned[i].code == code)
			return owned[i].use;
	return NULL;
}

static bool one(struct bb_cfg_ctx *c, yaml_node_t *e, const char *path,
		struct bb_dhcp_option *o)
{
	yaml_node_t *code = bb_cfg_get(c, e, "code"),
		    *type = bb_cfg_get(c, e, "type");
	yaml_node_t *val = bb_cfg_get(c, e, "value"),
		    *as = bb_cfg_get(c, e, "always_send");
	yaml_node_pair_t *p;
	const char *s, *t, *err;
	char kpath[300];
	size_t len, i;
	uint32_t u;

	for (p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		const char *ks = k && k->type == YAML_SCALAR_NODE
				     ? (const char *)k->data.scalar.value
				     : "";

		if (strcmp(ks, "code") && strcmp(ks, "type") &&
		    strcmp(ks, "value") && strcmp(ks, "always_send"))
			bb_cfg_error(c, k, path,
				     "unknown key '%s' (code, type, value, "
				     "always_send)",
				     ks);
	}
	if (!code || !type || !val) {
		bb_cfg_error(c, e, path,
			     "an option needs code, type and value");
		return false;
	}
	bb_cfg_path_key(kpath, sizeof(kpath), path, "code");
	s = bb_cfg_scalar(c, code, kpath, &len);
	if (!s)
		return false;
	if (bb_parse_u32(s, len, 1, 254, &u)) {
		bb_cfg_error(c, code, kpath,
			     "'%s' is not an option code 1..254", s);
		return false;
	}
	if ((err = bb_cfg_option_owner(u))) {
		bb_cfg_error(c, code, kpath,
			     "option %u is set by bootbox; use %s", u, err);
		return false;
	}
	o->code = (uint8_t)u;
	bb_cfg_path_key(kpath, sizeof(kpath), path, "type");
	t = bb_cfg_scalar(c, type, kpath, &len);
	if (!t)
		return false;
	for (i = 0; types[i] && strcmp(types[i], t); i++)
		;
	if (!types[i]) {
		bb_cfg_error(c, type, kpath,
			     "'%s' is not a type: ipv4, string, uint8, uint16, "
			     "uint32, bool, hex",
			     t);
		return false;
	}
	bb_cfg_path_key(kpath, sizeof(kpath), path, "value");
	s = bb_cfg_scalar(c, val, kpath, &len);
	if (!s)
		return false;
	if ((err = encode(t, s, len, o))) {
		bb_cfg_error(c, val, kpath, "'%s' is not %s: %s", s, t, err);
		return false;
	}
	if (as) {
		bb_cfg_path_key(kpath, sizeof(kpath), path, "always_send");
		s = bb_cfg_scalar(c, as, kpath, &len);
		if (s && !strcmp(s, "true"))
			o->always_send = true;
		else if (s && strcmp(s, "false"))
			bb_cfg_error(c, as, kpath, "true or false");
	}
	return true;
}

static void options(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
		    struct bb_dhcp_option **out, size_t *nout)
{
	yaml_node_item_t *it;
	size_t cnt = bb_cfg_items(c, n, path, &it), i, j;
	char ipath[300];

	*out = bb_arena_alloc(c->arena, (cnt + 1) * sizeof(**out));
	*nout = 0;
	for (i = 0; i < cnt; i++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, it[i]);
		struct bb_dhcp_option *o = &(*out)[*nout];

		bb_cfg_path_idx(ipath, sizeof(ipath), path, i);
		memset(o, 0, sizeof(*o));
		if (!bb_cfg_expect_map(c, e, ipath) || !one(c, e, ipath, o))
			continue;
		for (j = 0; j < *nout; j++)
			if ((*out)[j].code == o->code)
				break;
		if (j < *nout) {
			bb_cfg_error(c, e, ipath, "option %u is set twice",
				     o->code);
			continue;
		}
		(*nout)++;
	}
}

void bb_cfg_subnet_options(struct bb_cfg_ctx *c, yaml_node_t *n,
			   const char *path, void *subnet)
{
	struct bb_cfg_subnet *s = subnet;

	options(c, n, path, &s->options, &s->noptions);
}

void bb_cfg_machine_options(struct bb_cfg_ctx *c, yaml_node_t *n,
			    const char *path, void *machine)
{
	struct bb_cfg_machine *m = machine;

	options(c, n, path, &m->options, &m->noptions);
}
