#include <string.h>

#include "common/err.h"
#include "common/parse.h"
#include "handoff/export.h"

/* A double-quoted string valid both as JSON and as a YAML flow scalar:
 * both accept \" \\ \n \t and \uXXXX escapes. */
static void put_quoted(struct bb_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	bb_buf_puts(b, "\"");
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			bb_buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			bb_buf_printf(b, "\\u%04x", *p);
		else
			bb_buf_append(b, p, 1);
	}
	bb_buf_puts(b, "\"");
}

static void put_ip(struct bb_buf *b, uint32_t ip)
{
	char s[16];

	bb_buf_printf(b, "\"%s\"", bb_fmt_ipv4(ip, s));
}

const char *bb_export_tink_arch(const char *arch)
{
	if (arch && !strcmp(arch, "arm64"))
		return "aarch64";
	return "x86_64";
}

static void json_machine(struct bb_buf *b, const struct bb_export_machine *m)
{
	char mac[18];
	size_t i;

	bb_buf_puts(b, "{\"name\":");
	put_quoted(b, m->name);
	bb_buf_printf(b, ",\"mac\":\"%s\",\"ip\":", bb_fmt_mac(m->mac, mac));
	if (m->ip)
		put_ip(b, m->ip);
	else
		bb_buf_puts(b, "null");
	bb_buf_printf(b, ",\"prefix\":%u,\"gateway\":", m->prefix);
	if (m->gateway)
		put_ip(b, m->gateway);
	else
		bb_buf_puts(b, "null");
	bb_buf_puts(b, ",\"dns\":[");
	for (i = 0; i < m->ndns; i++) {
		if (i)
			bb_buf_puts(b, ",");
		put_ip(b, m->dns[i]);
	}
	bb_buf_puts(b, "],\"arch\":");
	put_quoted(b, m->arch ? m->arch : "amd64");
	bb_buf_puts(b, ",\"phase\":");
	put_quoted(b, m->phase);
	bb_buf_puts(b, ",\"role\":");
	if (m->role)
		put_quoted(b, m->role);
	else
		bb_buf_puts(b, "null");
	bb_buf_printf(b,
		      ",\"uefi\":%s,\"allow_pxe\":%s,\"reserved\":%s,"
		      "\"lease_expires\":%lld,\"lease_time\":%u}",
		      m->uefi ? "true" : "false",
		      m->allow_pxe ? "true" : "false",
		      m->reserved ? "true" : "false",
		      (long long)m->lease_expires, m->lease_time);
}

int bb_export_json(const struct bb_export_machine *m, size_t n,
		   const char *appliance, int64_t now, struct bb_buf *out)
{
	size_t i;

	bb_buf_printf(out,
		      "{\"generated\":%lld,\"appliance\":", (long long)now);
	put_quoted(out, appliance);
	bb_buf_puts(out, ",\"machines\":[");
	for (i = 0; i < n; i++) {
		if (i)
			bb_buf_puts(out, ",");
		json_machine(out, &m[i]);
	}
	bb_buf_puts(out, "]}\n");
	return out->err;
}

static void yaml_machine(struct bb_buf *b, const struct bb_export_machine *m,
			 const char *ns)
{
	char mac[18], s[16];
	size_t i;

	bb_buf_puts(b, "---\napiVersion: tinkerbell.org/v1alpha1\n"
		       "kind: Hardware\nmetadata:\n  name: ");
	put_quoted(b, m->name);
	bb_buf_puts(b, "\n  namespace: ");
	put_quoted(b, ns);
	if (m->role) {
		bb_buf_puts(b, "\n  labels:\n    tinkerbell.org/role: ");
		put_quoted(b, m->role);
	}
	bb_buf_puts(b, "\nspec:\n  metadata:\n    instance:\n      hostname: ");
	put_quoted(b, m->name);
	bb_buf_puts(b, "\n  interfaces:\n    - dhcp:\n        arch: ");
	bb_buf_puts(b, bb_export_tink_arch(m->arch));
	bb_buf_puts(b, "\n        hostname: ");
	put_quoted(b, m->name);
	bb_buf_printf(b, "\n        mac: \"%s\"\n", bb_fmt_mac(m->mac, mac));
	if (m->ip) {
		bb_buf_printf(b, "        ip:\n          address: \"%s\"\n",
			      bb_fmt_ipv4(m->ip, s));
		bb_buf_printf(b, "          netmask: \"%s\"\n",
			      bb_fmt_ipv4(bb_prefix_mask(m->prefix), s));
		if (m->gateway)
			bb_buf_printf(b, "          gateway: \"%s\"\n",
				      bb_fmt_ipv4(m->gateway, s));
	}
	if (m->ndns) {
		bb_buf_puts(b, "        name_servers:\n");
		for (i = 0; i < m->ndns; i++)
			bb_buf_printf(b, "          - \"%s\"\n",
				      bb_fmt_ipv4(m->dns[i], s));
	}
	if (m->lease_time)
		bb_buf_printf(b, "        lease_time: %u\n", m->lease_time);
	bb_buf_printf(b,
		      "        uefi: %s\n      netboot:\n        allowPXE: %s\n"
		      "        allowWorkflow: true\n",
		      m->uefi ? "true" : "false",
		      m->allow_pxe ? "true" : "false");
}

int bb_export_hardware(const struct bb_export_machine *m, size_t n,
		       const char *ns, struct bb_buf *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		yaml_machine(out, &m[i], ns ? ns : "tink-system");
	return out->err;
}
