/* bootbox import kea-leases: kea's memfile CSV as lease journal records.
 * The memfile is itself a log (a lease's later line replaces its earlier
 * ones), so the records keep its order and the journal's replay applies the
 * same rule. Columns are found by the header's names: kea 2.x added
 * columns at the end, and a later kea may add more. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/linux/fsutil.h"
#include "common/err.h"
#include "common/parse.h"
#include "dhcp/dhcp_server.h"
#include "firmware/cmd/import.h"

enum col {
	C_ADDRESS,
	C_HWADDR,
	C_CLIENT_ID,
	C_VALID,
	C_EXPIRE,
	C_HOSTNAME,
	C_STATE,
	C_NCOLS
};

static const char *const col_names[C_NCOLS] = {
    "address", "hwaddr",   "client_id", "valid_lifetime",
    "expire",  "hostname", "state",
};

#define MAX_FIELDS 32

/* Splits one CSV line in place (kea escapes commas in text as "&#x2c", so
 * a plain split is exact). Returns the number of fields. */
static int split(char *line, char **f)
{
	int n = 0;

	f[n++] = line;
	for (; *line && n < MAX_FIELDS; line++)
		if (*line == ',') {
			*line = 0;
			f[n++] = line + 1;
		}
	return n;
}

/* kea's escape for a comma inside hostname and user context. */
static void unescape(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	while (*s && o + 1 < cap) {
		if (!strncmp(s, "&#x2c", 5)) {
			out[o++] = ',';
			s += 5;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = 0;
}

static int hex_bytes(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s) {
		int hi = bb_hex_digit(s[0]),
		    lo = hi < 0 ? -1 : bb_hex_digit(s[1]);

		if (hi < 0 || lo < 0 || n == cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (*s == ':')
			s++;
	}
	return (int)n;
}

static int one(char **f, int nf, const int *idx, long long now,
	       struct bb_dhcp_lease *l)
{
	const char *v;
	char *end;
	long long expire, state = 0;
	int n;

	memset(l, 0, sizeof(*l));
	for (n = 0; n < C_NCOLS; n++)
		if (idx[n] >= nf && n != C_CLIENT_ID && n != C_HOSTNAME &&
		    n != C_STATE && n != C_VALID)
			return BB_EMALFORMED;
	v = f[idx[C_ADDRESS]];
	if (bb_parse_ipv4(v, strlen(v), &l->ip))
		return BB_EMALFORMED;
	v = f[idx[C_HWADDR]];
	if (bb_parse_mac(v, strlen(v), l->mac))
		return BB_EMALFORMED;
	expire = strtoll(f[idx[C_EXPIRE]], &end, 10);
	if (*end || end == f[idx[C_EXPIRE]])
		return BB_EMALFORMED;
	if (idx[C_STATE] < nf && *f[idx[C_STATE]])
		state = strtoll(f[idx[C_STATE]], NULL, 10);
	if (idx[C_CLIENT_ID] < nf && *f[idx[C_CLIENT_ID]]) {
		n = hex_bytes(f[idx[C_CLIENT_ID]], l->client_id,
			      sizeof(l->client_id));
		if (n < 0)
			return BB_EMALFORMED;
		l->client_id_len = (uint8_t)n;
	}
	if (idx[C_HOSTNAME] < nf)
		unescape(f[idx[C_HOSTNAME]], l->hostname, sizeof(l->hostname));
	/* kea: 0 default (bound), 1 declined, 2 expired-reclaimed */
	l->state = state == 1	? BB_LEASE_DECLINED
		   : state == 0 ? BB_LEASE_BOUND
				: BB_LEASE_FREE;
	l->expires = expire;
	l->updated = now;
	return 0;
}

int bb_import_kea_leases(const char *path, long long now, struct bb_buf *out,
			 int *count, FILE *err)
{
	struct bb_buf b = {0};
	char *line, *next, *f[MAX_FIELDS];
	int idx[C_NCOLS], lineno = 0, nf, i, j, rc, bad = 0;
	bool header = false;

	*count = 0;
	if ((rc = bb_read_file(path, &b, (size_t)1 << 30))) {
		fprintf(err, "%s: %s\n", path, bb_strerror(rc));
		return 1;
	}
	for (line = b.p; line && *line; line = next) {
		struct bb_dhcp_lease l;
		uint8_t rec[BB_DHCP_JOURNAL_MAX];

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		line[strcspn(line, "\r")] = 0;
		if (!*line)
			continue;
		nf = split(line, f);
		if (!header) {
			for (i = 0; i < C_NCOLS; i++) {
				idx[i] = MAX_FIELDS;
				for (j = 0; j < nf; j++)
					if (!strcmp(f[j], col_names[i]))
						idx[i] = j;
			}
			if (idx[C_ADDRESS] == MAX_FIELDS ||
			    idx[C_HWADDR] == MAX_FIELDS ||
			    idx[C_EXPIRE] == MAX_FIELDS) {
				fprintf(
				    err,
				    "%s:1: not a kea lease file (the header "
				    "names no address, hwaddr, expire)\n",
				    path);
				bb_buf_free(&b);
				return 1;
			}
			header = true;
			continue;
		}
		if (one(f, nf, idx, now, &l)) {
			if (bad++ < 10)
				fprintf(err,
					"%s:%d: not a lease line: skipped\n",
					path, lineno);
			continue;
		}
		rc = bb_dhcp_journal_encode(&l, rec, sizeof(rec));
		if (rc > 0) {
			bb_buf_append(out, rec, (size_t)rc);
			(*count)++;
		}
	}
	bb_buf_free(&b);
	if (!header) {
		fprintf(err, "%s: empty\n", path);
		return 1;
	}
	if (bad)
		fprintf(err, "%s: %d line(s) skipped\n", path, bad);
	return out->err ? 1 : 0;
}
