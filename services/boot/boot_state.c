/* Machine boot states across restarts, as text: one line per machine that
 * has a state, "<mac> <state> <last_seen> <last_ip> <local_boot>
 * [<talos version>]". A line
 * that does not parse is skipped, so one damaged line costs one machine's
 * state and never the others. */
#include <string.h>

#include "boot/boot.h"
#include "common/parse.h"

int bb_boot_state_encode(const struct bb_boot *b, struct bb_buf *out)
{
	char mac[18], ip[16];
	size_t i;

	for (i = 0; i < b->nmachines; i++) {
		const struct bb_boot_machine *m = &b->machines[i];

		if (m->state == BB_BOOT_UNKNOWN && !m->local_boot)
			continue;
		bb_buf_printf(
		    out, "%s %s %lld %s %d%s%s\n", bb_fmt_mac(m->mac, mac),
		    bb_boot_state_name(m->state), (long long)m->last_seen,
		    bb_fmt_ipv4(m->last_ip, ip), m->local_boot ? 1 : 0,
		    m->talos_version[0] ? " " : "", m->talos_version);
	}
	return out->err;
}

/* Splits the next space-separated field off [*p, end). */
static bool field(const char **p, const char *end, const char **f, size_t *len)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	*f = s;
	while (s < end && *s != ' ')
		s++;
	*len = (size_t)(s - *f);
	*p = s;
	return *len > 0;
}

/* A Talos version as the cache takes them: v1.10.4, v1.11.0-beta.1. */
static bool version_like(const char *s, size_t len)
{
	size_t i;

	if (len < 2 || s[0] != 'v' || s[1] < '0' || s[1] > '9')
		return false;
	for (i = 1; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'z') || s[i] == '.' ||
		      s[i] == '-'))
			return false;
	return true;
}

static bool parse_line(struct bb_boot *b, const char *p, const char *end)
{
	const char *f, *ver;
	size_t len, st, vlen;
	uint8_t mac[6];
	uint32_t seen, ip, local;
	struct bb_boot_machine *m;

	if (!field(&p, end, &f, &len) || bb_parse_mac(f, len, mac))
		return false;
	if (!field(&p, end, &f, &len))
		return false;
	for (st = 0; st <= BB_BOOT_BOOTED; st++)
		if (strlen(bb_boot_state_name((enum bb_boot_state)st)) == len &&
		    !memcmp(bb_boot_state_name((enum bb_boot_state)st), f, len))
			break;
	if (st > BB_BOOT_BOOTED)
		return false;
	if (!field(&p, end, &f, &len) ||
	    bb_parse_u32(f, len, 0, UINT32_MAX, &seen) ||
	    !field(&p, end, &f, &len) || bb_parse_ipv4(f, len, &ip) ||
	    !field(&p, end, &f, &len) || bb_parse_u32(f, len, 0, 1, &local))
		return false;
	/* optional: the Talos version it booted */
	if (field(&p, end, &f, &len) &&
	    (len >= sizeof(m->talos_version) || !version_like(f, len) ||
	     field(&p, end, &ver, &vlen)))
		return false;
	ver = f;
	vlen = len;
	m = bb_boot_machine_get(b, mac);
	if (!m)
		return false;
	m->state = (enum bb_boot_state)st;
	m->last_seen = seen;
	m->last_ip = ip;
	m->local_boot = local != 0;
	memcpy(m->talos_version, ver, vlen);
	m->talos_version[vlen] = 0;
	return true;
}

long bb_boot_state_decode(struct bb_boot *b, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;
	long bad = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (nl > p && !parse_line(b, p, nl))
			bad++;
		p = nl + 1;
	}
	return bad;
}

void bb_boot_reset(struct bb_boot_machine *m, int64_t now)
{
	m->state = BB_BOOT_UNKNOWN;
	m->local_boot = false;
	m->group[0] = 0;
	m->last_seen = now;
}
