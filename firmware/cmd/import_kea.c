/* bootbox import kea: a kea-dhcp4.conf as bootbox's dhcp: and machines:
 * sections. kea's own option names become bootbox's typed fields where one
 * exists (routers, domain-name-servers, ntp-servers, domain-name) and
 * dhcp.options entries otherwise; what has no counterpart is named on err. */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/linux/fsutil.h"
#include "common/err.h"
#include "common/parse.h"
#include "firmware/config/config_dump.h"
#include "firmware/config/config_sections.h"
#include "firmware/cmd/import.h"

struct kea_opt_name {
	const char *name;
	unsigned code;
	const char *type;
};

/* kea's standard DHCPv4 option definitions that a bootstrap network uses;
 * the type is bootbox's dhcp.options type. */
static const struct kea_opt_name kea_opts[] = {
    {"time-offset", 2, "uint32"},
    {"time-servers", 4, "ipv4"},
    {"name-servers", 5, "ipv4"},
    {"log-servers", 7, "ipv4"},
    {"lpr-servers", 9, "ipv4"},
    {"boot-size", 13, "uint16"},
    {"root-path", 17, "string"},
    {"ip-forwarding", 19, "bool"},
    {"default-ip-ttl", 23, "uint8"},
    {"interface-mtu", 26, "uint16"},
    {"broadcast-address", 28, "ipv4"},
    {"vendor-encapsulated-options", 43, "hex"},
    {"nis-domain", 40, "string"},
    {"nis-servers", 41, "ipv4"},
    {"netbios-name-servers", 44, "ipv4"},
    {"netbios-node-type", 46, "uint8"},
    {"vendor-class-identifier", 60, "string"},
    {"tftp-server-name", 66, "string"},
    {"boot-file-name", 67, "string"},
    {"smtp-server", 69, "ipv4"},
    {"www-server", 72, "ipv4"},
    {"pcode", 100, "string"},
    {"tcode", 101, "string"},
};

struct kea {
	FILE *out, *err;
	const char *file;
	int warnings;
	const cJSON *global_opts;
};

__attribute__((format(printf, 2, 3))) static void warn(struct kea *k,
						       const char *fmt, ...)
{
	va_list ap;

	fprintf(k->err, "%s: ", k->file);
	va_start(ap, fmt);
	vfprintf(k->err, fmt, ap);
	va_end(ap);
	fputc('\n', k->err);
	k->warnings++;
}

/* kea accepts #, // and C comments; JSON does not. Blanks them in place,
 * leaving strings (and the line structure, for cJSON's offsets) alone. */
static void strip_comments(char *s)
{
	bool str = false;

	for (; *s; s++) {
		if (str) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"')
				str = false;
		} else if (*s == '"') {
			str = true;
		} else if (*s == '#' || (*s == '/' && s[1] == '/')) {
			while (*s && *s != '\n')
				*s++ = ' ';
			if (!*s)
				return;
		} else if (*s == '/' && s[1] == '*') {
			for (; *s && !(*s == '*' && s[1] == '/'); s++)
				if (*s != '\n')
					*s = ' ';
			if (!*s)
				return;
			s[0] = s[1] = ' ';
			s++;
		}
	}
}

static void fmt_duration(FILE *out, double v)
{
	long long s = (long long)v;
	static const struct {
		long long n;
		char u;
	} units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
	size_t i;

	if (s <= 0) {
		fprintf(out, "0s");
		return;
	}
	for (i = 0; i < 4; i++)
		if (s >= units[i].n) {
			fprintf(out, "%lld%c", s / units[i].n, units[i].u);
			s %= units[i].n;
		}
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "192.168.2.100 - 192.168.2.150" or "192.168.2.96/27" as lo-hi. */
static int pool_range(const char *s, char *buf, size_t cap)
{
	uint32_t lo, hi, net;
	uint8_t prefix;
	char a[16], b[16];

	if (!bb_parse_range(s, strlen(s), &lo, &hi)) {
	} else if (!bb_parse_cidr(s, strlen(s), &net, &prefix) && prefix >= 8) {
		lo = net;
		hi = net | ~bb_prefix_mask(prefix);
	} else {
		return BB_EMALFORMED;
	}
	snprintf(buf, cap, "%s-%s", bb_fmt_ipv4(lo, a), bb_fmt_ipv4(hi, b));
	return 0;
}

static const struct kea_opt_name *opt_by(const cJSON *o)
{
	const char *name = str_of(o, "name");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(o, "code");
	size_t i;

	for (i = 0; i < sizeof(kea_opts) / sizeof(kea_opts[0]); i++)
		if ((name && !strcmp(name, kea_opts[i].name)) ||
		    (!name && cJSON_IsNumber(code) &&
		     (unsigned)code->valuedouble == kea_opts[i].code))
			return &kea_opts[i];
	return NULL;
}

/* The typed fields a subnet can carry, gathered from option-data lists
 * (global, subnet, pools: later lists win, as in kea's scoping). */
struct subnet_opts {
	const char *router, *dns, *ntp, *domain;
	const cJSON *generic[64];
	int ngeneric;
};

static void gather(struct kea *k, const cJSON *list, struct subnet_opts *so,
		   const char *where)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, list)
	{
		const char *name = str_of(o, "name"), *data = str_of(o, "data");
		const char *space = str_of(o, "space");
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(o, "code");
		unsigned c =
		    cJSON_IsNumber(code) ? (unsigned)code->valuedouble : 0;

		if (space && strcmp(space, "dhcp4")) {
			warn(k, "%s: option %s in space %s not imported", where,
			     name ? name : "?", space);
			continue;
		}
		if (!data) {
			warn(k, "%s: option %s without data not imported",
			     where, name ? name : "?");
			continue;
		}
		if ((name && !strcmp(name, "routers")) || c == 3)
			so->router = data;
		else if ((name && !strcmp(name, "domain-name-servers")) ||
			 c == 6)
			so->dns = data;
		else if ((name && !strcmp(name, "ntp-servers")) || c == 42)
			so->ntp = data;
		else if ((name && !strcmp(name, "domain-name")) || c == 15)
			so->domain = data;
		else if (so->ngeneric < 64)
			so->generic[so->ngeneric++] = o;
	}
}

static void ip_list(FILE *out, const char *csv)
{
	const char *p = csv;
	bool first = true;

	fputc('[', out);
	while (*p) {
		size_t n;

		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, ", ");
		if (n) {
			fprintf(out, "%s%.*s", first ? "" : ", ", (int)n, p);
			first = false;
		}
		p += n;
	}
	fputc(']', out);
}

static void emit_options(struct kea *k, const cJSON *const *opts, int n,
			 const char *indent, const char *where)
{
	int i, shown = 0;

	for (i = 0; i < n; i++) {
		const cJSON *o = opts[i];
		const struct kea_opt_name *d = opt_by(o);
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(o, "code");
		const cJSON *csv =
		    cJSON_GetObjectItemCaseSensitive(o, "csv-format");
		const char *name = str_of(o, "name");
		unsigned c = d ? d->code
			     : cJSON_IsNumber(code)
				 ? (unsigned)code->valuedouble
				 : 0;
		const char *type = d ? d->type : NULL;

		if (cJSON_IsFalse(csv))
			type = "hex";
		if (!c || c > 254 || !type) {
			warn(k,
			     "%s: option %s%s has no bootbox type; add it "
			     "to dhcp.options by hand with its code and type",
			     where, name ? name : "code ",
			     name		    ? ""
			     : cJSON_IsNumber(code) ? "?"
						    : "?");
			continue;
		}
		if (bb_cfg_option_owner(c)) {
			warn(k,
			     "%s: option %u (%s) not imported: bootbox sets "
			     "it (%s)",
			     where, c, name ? name : "by code",
			     bb_cfg_option_owner(c));
			continue;
		}
		if (!shown++)
			fprintf(k->out, "%soptions:\n", indent);
		fprintf(k->out, "%s  - {code: %u, type: %s, value: ", indent, c,
			type);
		bb_yaml_quote(k->out, str_of(o, "data"));
		if (cJSON_IsTrue(
			cJSON_GetObjectItemCaseSensitive(o, "always-send")))
			fprintf(k->out, ", always_send: true");
		fprintf(k->out, "}");
		if (name)
			fprintf(k->out, "   # %s", name);
		fputc('\n', k->out);
	}
}

static void emit_subnet(struct kea *k, const cJSON *sn, int idx)
{
	const char *cidr = str_of(sn, "subnet");
	const cJSON *pools = cJSON_GetObjectItemCaseSensitive(sn, "pools");
	const cJSON *vl =
	    cJSON_GetObjectItemCaseSensitive(sn, "valid-lifetime");
	const cJSON *p;
	struct subnet_opts so = {0};
	char where[64], range[40];
	bool first = true;

	snprintf(where, sizeof(where), "subnet4[%d] %s", idx, cidr ? cidr : "");
	if (!cidr) {
		warn(k, "%s: no \"subnet\": skipped", where);
		return;
	}
	gather(k, k->global_opts, &so, where);
	gather(k, cJSON_GetObjectItemCaseSensitive(sn, "option-data"), &so,
	       where);
	fprintf(k->out, "    - subnet: %s\n", cidr);
	cJSON_ArrayForEach(p, pools)
	{
		const char *s = str_of(p, "pool");
		const cJSON *po =
		    cJSON_GetObjectItemCaseSensitive(p, "option-data");

		if (!s || pool_range(s, range, sizeof(range))) {
			warn(k, "%s: pool %s not understood: skipped", where,
			     s ? s : "?");
			continue;
		}
		if (cJSON_GetArraySize(po) > 0) {
			warn(k,
			     "%s: pool %s: its option-data applies to the "
			     "whole subnet in bootbox",
			     where, range);
			gather(k, po, &so, where);
		}
		fprintf(k->out, "%s%s", first ? "      pools: [" : ", ", range);
		first = false;
	}
	if (!first)
		fprintf(k->out, "]\n");
	if (so.router) {
		size_t n = strcspn(so.router, ", ");

		if (so.router[n])
			warn(k, "%s: routers: only the first is used", where);
		fprintf(k->out, "      router: %.*s\n", (int)n, so.router);
	}
	if (so.dns) {
		fprintf(k->out, "      dns: ");
		ip_list(k->out, so.dns);
		fputc('\n', k->out);
	}
	if (so.ntp) {
		fprintf(k->out, "      ntp: ");
		ip_list(k->out, so.ntp);
		fputc('\n', k->out);
	}
	if (so.domain) {
		fprintf(k->out, "      domain: ");
		bb_yaml_quote(k->out, so.domain);
		fputc('\n', k->out);
	}
	if (cJSON_IsNumber(vl)) {
		fprintf(k->out, "      lease_time: ");
		fmt_duration(k->out, vl->valuedouble);
		fputc('\n', k->out);
	}
	emit_options(k, so.generic, so.ngeneric, "      ", where);
	if (str_of(sn, "next-server") || str_of(sn, "boot-file-name"))
		warn(k,
		     "%s: next-server/boot-file-name not imported: bootbox "
		     "chooses the boot file per client (dhcp.bios_file, "
		     "efi64_file, arm64_file, iPXE -> /boot.ipxe)",
		     where);
}

/* Reservations become machines: a name (kea's hostname, else one made
 * from the MAC), the MAC and the address. */
static void emit_reservation(struct kea *k, const cJSON *r, const char *where,
			     int *n)
{
	const char *hw = str_of(r, "hw-address"), *ip = str_of(r, "ip-address");
	const char *host = str_of(r, "hostname");
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(r, "option-data");
	uint8_t mac[6];
	char m[18], name[64];
	uint32_t a;
	struct subnet_opts so = {0};
	size_t i;

	if (!hw || bb_parse_mac(hw, strlen(hw), mac)) {
		warn(k,
		     "%s: reservation for %s is not by hw-address: bootbox "
		     "reserves by MAC only; skipped",
		     where,
		     ip	    ? ip
		     : host ? host
			    : "?");
		return;
	}
	bb_fmt_mac(mac, m);
	if (host && *host) {
		snprintf(name, sizeof(name), "%s", host);
		for (i = 0; name[i]; i++)
			if (!strchr("abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._",
				    name[i]))
				name[i] = '-';
	} else {
		snprintf(name, sizeof(name), "host-%02x%02x%02x%02x%02x%02x",
			 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	}
	if (!(*n)++)
		fprintf(k->out, "\nmachines:\n");
	fprintf(k->out, "  - name: ");
	bb_yaml_quote(k->out, name);
	fprintf(k->out, "\n    mac: \"%s\"\n", m);
	if (ip && !bb_parse_ipv4(ip, strlen(ip), &a))
		fprintf(k->out, "    ip: %s\n", ip);
	gather(k, opts, &so, where);
	if (so.router || so.dns || so.ntp || so.domain)
		warn(k,
		     "%s: %s: per-host routers/dns/ntp/domain not imported "
		     "(the subnet's apply)",
		     where, name);
	emit_options(k, so.generic, so.ngeneric, "    ", where);
}

static void emit_reservations(struct kea *k, const cJSON *list,
			      const char *where, int *n)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, list) emit_reservation(k, r, where, n);
}

static void notes(struct kea *k, const cJSON *d4)
{
	const cJSON *ic =
	    cJSON_GetObjectItemCaseSensitive(d4, "interfaces-config");
	const cJSON *ifs = cJSON_GetObjectItemCaseSensitive(ic, "interfaces");
	const cJSON *cc =
	    cJSON_GetObjectItemCaseSensitive(d4, "client-classes");

	if (cJSON_GetArraySize(ifs) > 0 &&
	    cJSON_IsString(cJSON_GetArrayItem(ifs, 0)))
		fprintf(k->out,
			"# kea listened on %s: set appliance.interface\n",
			cJSON_GetArrayItem(ifs, 0)->valuestring);
	if (cJSON_GetArraySize(cc) > 0)
		warn(k,
		     "client-classes (%d) not imported: bootbox answers iPXE "
		     "(option 77), PXE and UEFI HTTP boot clients (option 93) "
		     "itself",
		     cJSON_GetArraySize(cc));
	if (cJSON_GetObjectItemCaseSensitive(d4, "renew-timer") ||
	    cJSON_GetObjectItemCaseSensitive(d4, "rebind-timer"))
		warn(k, "renew-timer/rebind-timer not imported: bootbox "
			"sends T1 = 50 %%, T2 = 87.5 %% of the lease");
}

static void subnets_of(const cJSON *d4, const cJSON **out, int *n, int cap)
{
	const cJSON *s, *sh;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(
				  d4, "subnet4")) if (*n < cap) out[(*n)++] = s;
	cJSON_ArrayForEach(
	    sh, cJSON_GetObjectItemCaseSensitive(d4, "shared-networks"))
	    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(
				      sh, "subnet4")) if (*n < cap)
		out[(*n)++] = s;
}

int bb_import_kea(const char *path, FILE *out, FILE *err)
{
	struct bb_buf b = {0};
	struct kea k = {.out = out, .err = err, .file = path};
	const cJSON *d4, *vl, *subs[256];
	cJSON *root;
	int nsub = 0, nmach = 0, i, rc;
	char where[64];

	if ((rc = bb_read_file(path, &b, (size_t)16 << 20))) {
		fprintf(err, "%s: %s\n", path, bb_strerror(rc));
		return 1;
	}
	if (strstr(b.p, "<?include")) {
		fprintf(err,
			"%s: <?include?> is not followed: import the "
			"included file's content\n",
			path);
		bb_buf_free(&b);
		return 1;
	}
	strip_comments(b.p);
	root = cJSON_Parse(b.p);
	if (!root) {
		const char *at = cJSON_GetErrorPtr();
		int line = 1;
		const char *p;

		for (p = b.p; at && p < at; p++)
			line += *p == '\n';
		fprintf(err, "%s:%d: not valid JSON\n", path, line);
		bb_buf_free(&b);
		return 1;
	}
	d4 = cJSON_GetObjectItemCaseSensitive(root, "Dhcp4");
	if (!cJSON_IsObject(d4)) {
		fprintf(err,
			"%s: no \"Dhcp4\" object: not a kea-dhcp4 "
			"configuration\n",
			path);
		cJSON_Delete(root);
		bb_buf_free(&b);
		return 1;
	}
	k.global_opts = cJSON_GetObjectItemCaseSensitive(d4, "option-data");
	fprintf(out, "# from %s by bootbox import kea\n", path);
	notes(&k, d4);
	fprintf(out, "dhcp:\n");
	vl = cJSON_GetObjectItemCaseSensitive(d4, "valid-lifetime");
	if (cJSON_IsNumber(vl)) {
		fprintf(out, "  lease_time: ");
		fmt_duration(out, vl->valuedouble);
		fputc('\n', out);
	}
	if (cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(d4, "match-client-id")))
		fprintf(out, "  match_client_id: true\n");
	subnets_of(d4, subs, &nsub, 256);
	fprintf(out, "  subnets:%s\n", nsub ? "" : " []");
	for (i = 0; i < nsub; i++)
		emit_subnet(&k, subs[i], i);
	emit_reservations(&k,
			  cJSON_GetObjectItemCaseSensitive(d4, "reservations"),
			  "reservations", &nmach);
	for (i = 0; i < nsub; i++) {
		snprintf(where, sizeof(where), "subnet4[%d]", i);
		emit_reservations(
		    &k,
		    cJSON_GetObjectItemCaseSensitive(subs[i], "reservations"),
		    where, &nmach);
	}
	fprintf(err, "%s: %d subnet(s), %d machine(s) imported, %d note(s)\n",
		path, nsub, nmach, k.warnings);
	cJSON_Delete(root);
	bb_buf_free(&b);
	return 0;
}
