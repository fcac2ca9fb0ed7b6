/* appliance:, dhcp:, tftp: and http: sections. */
#include <stddef.h>
#include <string.h>

#include "common/err.h"
#include "common/parse.h"
#include "firmware/config/config_sections.h"
#include "firmware/config/config_yaml.h"

#define BB_CFG_BAD_PREFIX 0xff

static const struct bb_cfg_field appliance_fields[] = {
    BB_F(struct bb_cfg_appliance, "name", BB_T_STR, name),
    BB_F(struct bb_cfg_appliance, "interface", BB_T_STR, interface),
    BB_FR(struct bb_cfg_appliance, "address", BB_T_IPV4, address),
    BB_F(struct bb_cfg_appliance, "state_dir", BB_T_STR, state_dir),
    BB_F(struct bb_cfg_appliance, "user", BB_T_STR, user),
    {0},
};

void bb_cfg_appliance(struct bb_cfg_ctx *c, yaml_node_t *n)
{
	bb_cfg_walk(c, n, "appliance", appliance_fields, &c->cfg->appliance);
}

static void subnet_cidr(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
			void *obj)
{
	struct bb_cfg_subnet *sn = obj;
	size_t len;
	const char *s = bb_cfg_scalar(c, n, path, &len);
	int rc;

	sn->prefix = BB_CFG_BAD_PREFIX; /* until it parses: no cascades */
	if (!s)
		return;
	rc = bb_parse_cidr(s, len, &sn->net, &sn->prefix);
	if (rc)
		sn->prefix = BB_CFG_BAD_PREFIX;
	if (rc == BB_EINVAL)
		bb_cfg_error(c, n, path,
			     "'%s' has host bits set (the network address "
			     "ends in zeros)",
			     s);
	else if (rc)
		bb_cfg_error(c, n, path, "'%s' is not a CIDR like 10.0.0.0/24",
			     s);
}

static void subnet_pools(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
			 void *obj)
{
	struct bb_cfg_subnet *sn = obj;
	yaml_node_item_t *it;
	size_t cnt = bb_cfg_items(c, n, path, &it), i;
	char ipath[256];

	sn->pools = bb_arena_alloc(c->arena, (cnt + 1) * sizeof(*sn->pools));
	for (i = 0; i < cnt; i++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, it[i]);
		struct bb_cfg_pool *p = &sn->pools[sn->npools];
		const char *s;
		size_t len;
		int rc;

		bb_cfg_path_idx(ipath, sizeof(ipath), path, i);
		s = bb_cfg_scalar(c, e, ipath, &len);
		if (!s)
			continue;
		rc = bb_parse_range(s, len, &p->lo, &p->hi);
		if (rc) {
			bb_cfg_error(c, e, ipath,
				     rc == BB_EINVAL
					 ? "'%s': the first address is "
					   "above the last"
					 : "'%s' is not a range like "
					   "10.0.0.100-10.0.0.150",
				     s);
			continue;
		}
		p->pos = bb_cfg_pos_of(e);
		sn->npools++;
	}
}

static const struct bb_cfg_field subnet_fields[] = {
    BB_FN("subnet", subnet_cidr, true),
    BB_FN("pools", subnet_pools, false),
    BB_F(struct bb_cfg_subnet, "router", BB_T_IPV4, router),
    BB_FL(struct bb_cfg_subnet, "dns", BB_T_IPLIST, dns, ndns),
    BB_FL(struct bb_cfg_subnet, "ntp", BB_T_IPLIST, ntp, nntp),
    BB_F(struct bb_cfg_subnet, "domain", BB_T_STR, domain),
    BB_FD(struct bb_cfg_subnet, "lease_time", lease_time, 60, 0x7fffffff),
    BB_FN("options", bb_cfg_subnet_options, false),
    {0},
};

static bool in_subnet(const struct bb_cfg_subnet *sn, uint32_t ip)
{
	return (ip & bb_prefix_mask(sn->prefix)) == sn->net;
}

static void pos_error(struct bb_cfg_ctx *c, struct bb_cfg_pos pos,
		      const char *path, const char *msg)
{
	fprintf(c->errs, "%s:%d:%d: %s: %s\n", c->file, pos.line, pos.col, path,
		msg);
	c->nerr++;
}

/* Pools inside their subnet, no two pools or subnets overlapping. */
static void check_subnets(struct bb_cfg_ctx *c)
{
	const struct bb_cfg_dhcp *d = &c->cfg->dhcp;
	char path[128], msg[256], a[16], b[16], n[16];
	size_t i, j, k, l;

	for (i = 0; i < d->nsubnets; i++) {
		const struct bb_cfg_subnet *s = &d->subnets[i];

		if (s->prefix == BB_CFG_BAD_PREFIX)
			continue;
		for (j = 0; j < i; j++) {
			const struct bb_cfg_subnet *t = &d->subnets[j];
			uint8_t pre;

			if (t->prefix == BB_CFG_BAD_PREFIX)
				continue;
			pre = s->prefix < t->prefix ? s->prefix : t->prefix;

			if ((s->net & bb_prefix_mask(pre)) ==
			    (t->net & bb_prefix_mask(pre))) {
				snprintf(path, sizeof(path),
					 "dhcp.subnets[%zu].subnet", i);
				snprintf(msg, sizeof(msg),
					 "overlaps dhcp.subnets[%zu] (%s/%u)",
					 j, bb_fmt_ipv4(t->net, a), t->prefix);
				pos_error(c, s->pos, path, msg);
			}
		}
		for (k = 0; k < s->npools; k++) {
			const struct bb_cfg_pool *p = &s->pools[k];

			snprintf(path, sizeof(path),
				 "dhcp.subnets[%zu].pools[%zu]", i, k);
			if (!in_subnet(s, p->lo) || !in_subnet(s, p->hi)) {
				snprintf(msg, sizeof(msg),
					 "%s-%s is outside the subnet %s/%u",
					 bb_fmt_ipv4(p->lo, a),
					 bb_fmt_ipv4(p->hi, b),
					 bb_fmt_ipv4(s->net, n), s->prefix);
				pos_error(c, p->pos, path, msg);
			}
			for (j = 0; j <= i; j++)
				for (l = 0; l < d->subnets[j].npools &&
					    (j < i || l < k);
				     l++) {
					const struct bb_cfg_pool *q =
					    &d->subnets[j].pools[l];

					if (p->lo > q->hi || q->lo > p->hi)
						continue;
					snprintf(msg, sizeof(msg),
						 "overlaps dhcp.subnets[%zu]."
						 "pools[%zu]",
						 j, l);
					pos_error(c, p->pos, path, msg);
				}
		}
	}
}

static void dhcp_subnets(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
			 void *obj)
{
	struct bb_cfg_dhcp *d = obj;
	yaml_node_item_t *it;
	size_t cnt = bb_cfg_items(c, n, path, &it), i;
	char ipath[256];

	d->subnets = bb_arena_alloc(c->arena, (cnt + 1) * sizeof(*d->subnets));
	for (i = 0; i < cnt; i++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, it[i]);
		struct bb_cfg_subnet *sn = &d->subnets[d->nsubnets++];

		bb_cfg_path_idx(ipath, sizeof(ipath), path, i);
		sn->pos = bb_cfg_pos_of(e);
		bb_cfg_walk(c, e, ipath, subnet_fields, sn);
	}
}

static const struct bb_cfg_field dhcp_fields[] = {
    BB_FD(struct bb_cfg_dhcp, "lease_time", lease_time, 60, 0x7fffffff),
    BB_F(struct bb_cfg_dhcp, "known_only", BB_T_BOOL, known_only),
    BB_FN("subnets", dhcp_subnets, true),
    BB_F(struct bb_cfg_dhcp, "bios_file", BB_T_STR, bios_file),
    BB_F(struct bb_cfg_dhcp, "efi64_file", BB_T_STR, efi64_file),
    BB_F(struct bb_cfg_dhcp, "arm64_file", BB_T_STR, arm64_file),
    BB_FD(struct bb_cfg_dhcp, "decline_time", decline_time, 0, 0x7fffffff),
    BB_F(struct bb_cfg_dhcp, "match_client_id", BB_T_BOOL, match_client_id),
    {"rate_limit", BB_T_U32, offsetof(struct bb_cfg_dhcp, rate_limit), 0, 0,
     100000, NULL, false},
    {0},
};

void bb_cfg_dhcp(struct bb_cfg_ctx *c, yaml_node_t *n)
{
	struct bb_cfg_dhcp *d = &c->cfg->dhcp;

	d->enabled = true;
	d->lease_time = 3600;
	d->decline_time = 86400;
	/* a PXE ROM, iPXE or an OS client sends a DISCOVER every second or
	 * more slowly; a burst of 20 in one second is a loop or a flood */
	d->rate_limit = 20;
	bb_cfg_walk(c, n, "dhcp", dhcp_fields, d);
	check_subnets(c);
	if (!d->bios_file)
		d->bios_file = "undionly.kpxe";
	if (!d->efi64_file)
		d->efi64_file = "ipxe.efi";
	if (!d->arm64_file)
		d->arm64_file = "ipxe-arm64.efi"; /* trixie's (ipxe_extra.h) */
	if (!c->cfg->appliance.interface)
		bb_cfg_error(c, n, "appliance.interface",
			     "required when dhcp: is configured");
}

bool bb_cfg_ip_in_subnets(const struct bb_config *cfg, uint32_t ip)
{
	size_t i;

	for (i = 0; i < cfg->dhcp.nsubnets; i++)
		if (cfg->dhcp.subnets[i].prefix == BB_CFG_BAD_PREFIX ||
		    in_subnet(&cfg->dhcp.subnets[i], ip))
			return true; /* a broken subnet is reported already */
	return false;
}

static void listen_addr(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
			uint32_t *addr, uint16_t *port);

static void tftp_listen(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
			void *obj)
{
	struct bb_cfg_tftp *t = obj;

	t->listen_set = true;
	listen_addr(c, n, path, &t->listen_addr, &t->port);
}

static const struct bb_cfg_field tftp_fields[] = {
    BB_F(struct bb_cfg_tftp, "root", BB_T_STR, root),
    {"port", BB_T_U16, offsetof(struct bb_cfg_tftp, port), 0, 1, 65535, NULL,
     false},
    BB_FN("listen", tftp_listen, false),
    {"max_per_client", BB_T_U32, offsetof(struct bb_cfg_tftp, max_per_client),
     0, 1, 65535, NULL, false},
    BB_FD(struct bb_cfg_tftp, "max_transfer_time", max_transfer_time, 1, 86400),
    {0},
};

void bb_cfg_tftp(struct bb_cfg_ctx *c, yaml_node_t *n)
{
	struct bb_cfg_tftp *t = &c->cfg->tftp;

	t->enabled = true;
	t->root = "/usr/lib/ipxe";
	t->port = 69;
	t->max_per_client = 8;
	t->max_transfer_time = 600;
	/* "tftp:" alone (an empty value) means all defaults */
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0)
		return;
	bb_cfg_walk(c, n, "tftp", tftp_fields, t);
}

/* "addr:port" */
static void listen_addr(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
			uint32_t *addr, uint16_t *port)
{
	size_t len;
	const char *s = bb_cfg_scalar(c, n, path, &len);
	const char *colon;
	uint32_t p;

	if (!s)
		return;
	colon = memrchr(s, ':', len);
	if (!colon || bb_parse_ipv4(s, (size_t)(colon - s), addr) ||
	    bb_parse_u32(colon + 1, len - (size_t)(colon + 1 - s), 1, 65535,
			 &p)) {
		bb_cfg_error(c, n, path,
			     "'%s' is not address:port like 0.0.0.0:8080", s);
		return;
	}
	*port = (uint16_t)p;
}

static void http_listen(struct bb_cfg_ctx *c, yaml_node_t *n, const char *path,
			void *obj)
{
	struct bb_cfg_http *h = obj;

	listen_addr(c, n, path, &h->listen_addr, &h->listen_port);
}

static void http_tls_listen(struct bb_cfg_ctx *c, yaml_node_t *n,
			    const char *path, void *obj)
{
	struct bb_cfg_http *h = obj;

	h->tls_enabled = true;
	listen_addr(c, n, path, &h->tls_addr, &h->tls_port);
}

static const struct bb_cfg_field http_fields[] = {
    BB_FN("listen", http_listen, false),
    BB_FN("tls_listen", http_tls_listen, false),
    {"max_connections", BB_T_U32, offsetof(struct bb_cfg_http, max_connections),
     0, 1, 1000000, NULL, false},
    BB_FD(struct bb_cfg_http, "idle_timeout", idle_timeout, 1, 86400),
    BB_FD(struct bb_cfg_http, "header_timeout", header_timeout, 1, 3600),
    {0},
};

void bb_cfg_http(struct bb_cfg_ctx *c, yaml_node_t *n)
{
	struct bb_cfg_http *h = &c->cfg->http;

	h->enabled = true;
	h->listen_port = 8080;
	h->max_connections = 1024;
	h->idle_timeout = 60;
	h->header_timeout = 10;
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0)
		return;
	bb_cfg_walk(c, n, "http", http_fields, h);
}
