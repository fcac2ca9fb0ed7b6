/* Query parameters, matchbox's group selection and the scripts. */
#include <stdio.h>
#include <string.h>

#include "boot/boot.h"
#include "boot/boot_index.h"
#include "common/parse.h"

const char *bb_boot_param(const struct bb_boot_params *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->kv[i].key, key))
			return p->kv[i].val;
	return NULL;
}

void bb_boot_param_set(struct bb_boot_params *p, const char *key,
		       const char *val)
{
	size_t i;

	for (i = 0; i < p->n && strcmp(p->kv[i].key, key); i++)
		;
	if (i == p->n) {
		if (p->n == BB_BOOT_MAX_KV)
			return;
		p->n++;
	}
	snprintf(p->kv[i].key, sizeof(p->kv[i].key), "%s", key);
	snprintf(p->kv[i].val, sizeof(p->kv[i].val), "%s", val);
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* Decodes %XX and '+' into out (cap >= 1); control bytes are dropped. */
static void decode(const char *s, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 1 < cap; i++) {
		char c = s[i];

		if (c == '+')
			c = ' ';
		else if (c == '%' && len - i >= 3 && hexv(s[i + 1]) >= 0 &&
			 hexv(s[i + 2]) >= 0) {
			c = (char)(hexv(s[i + 1]) << 4 | hexv(s[i + 2]));
			i += 2;
		}
		if ((unsigned char)c >= 0x20 && c != 0x7f)
			out[o++] = c;
	}
	out[o] = 0;
}

void bb_boot_parse_query(const char *q, size_t len, struct bb_boot_params *p)
{
	size_t i = 0;

	p->n = 0;
	while (i < len) {
		const char *amp = memchr(q + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - q) : len;
		const char *eq = memchr(q + i, '=', end - i);
		char key[32], val[128];
		uint8_t mac[6];

		if (eq) {
			decode(q + i, (size_t)(eq - (q + i)), key, sizeof(key));
			decode(eq + 1, end - (size_t)(eq + 1 - q), val,
			       sizeof(val));
			/* iPXE sends ${mac:hexhyp}: compare MACs in one form */
			if (!strcmp(key, "mac") &&
			    !bb_parse_mac(val, strlen(val), mac))
				bb_fmt_mac(mac, val);
			/* an unset iPXE variable expands to "": not a value */
			if (key[0] && val[0])
				bb_boot_param_set(p, key, val);
		}
		i = end + 1;
	}
}

static bool matches(const struct bb_boot_group *g,
		    const struct bb_boot_params *p)
{
	size_t i;

	for (i = 0; i < g->selector.n; i++) {
		const char *v = bb_boot_param(p, g->selector.kv[i].key);
		const char *want = g->selector.kv[i].val;
		uint8_t a[6], b[6];

		if (!v)
			return false;
		if (!strcmp(g->selector.kv[i].key, "mac") &&
		    !bb_parse_mac(want, strlen(want), a) &&
		    !bb_parse_mac(v, strlen(v), b)) {
			if (memcmp(a, b, 6))
				return false;
		} else if (strcmp(v, want)) {
			return false;
		}
	}
	return true;
}

/* "k=v,k=v" of a selector in key order, for deterministic ties */
static void selector_key(const struct bb_boot_group *g, char *out, size_t cap)
{
	const struct bb_boot_kv *sorted[BB_BOOT_MAX_KV];
	size_t i, j, o = 0;

	for (i = 0; i < g->selector.n; i++) {
		const struct bb_boot_kv *kv = &g->selector.kv[i];

		for (j = i; j > 0 && strcmp(sorted[j - 1]->key, kv->key) > 0;
		     j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = kv;
	}
	out[0] = 0;
	for (i = 0; i < g->selector.n && o < cap; i++) {
		int n = snprintf(out + o, cap - o, "%s%s=%s", i ? "," : "",
				 sorted[i]->key, sorted[i]->val);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

struct choice {
	const struct bb_boot_params *p;
	const struct bb_boot_group *best;
	char bk[512];
};

/* The order decides, never the order of visiting: candidates come from
 * the index in any order. */
static void consider(const struct bb_boot_group *g, void *arg)
{
	struct choice *c = arg;
	char k[512];

	if (!matches(g, c->p))
		return;
	if (c->best && g->selector.n < c->best->selector.n)
		return;
	selector_key(g, k, sizeof(k));
	if (c->best && g->selector.n == c->best->selector.n) {
		int d = strcmp(k, c->bk);

		if (d > 0 || (d == 0 && strcmp(g->id, c->best->id) > 0))
			return;
	}
	c->best = g;
	memcpy(c->bk, k, sizeof(c->bk));
}

const struct bb_boot_group *bb_boot_select(const struct bb_boot *b,
					   const struct bb_boot_params *p)
{
	struct choice c = {.p = p};

	bb_boot_index_candidates(b, p, consider, &c);
	return c.best;
}

void bb_boot_render_chain(struct bb_buf *out)
{
	bb_buf_puts(out, "#!ipxe\nchain ipxe?uuid=${uuid}&mac=${mac:hexhyp}"
			 "&domain=${domain}&hostname=${hostname}"
			 "&serial=${serial}&arch=${buildarch:uristring}\n");
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

void bb_boot_render_kernel(const char *kernel, char *const *initrd,
			   size_t ninitrd, const char *const *args,
			   size_t nargs, struct bb_buf *out)
{
	bool has_initrd_arg = false;
	size_t i;

	for (i = 0; i < nargs; i++)
		has_initrd_arg |= !strncmp(args[i], "initrd=", 7);
	bb_buf_printf(out, "#!ipxe\nkernel %s", kernel ? kernel : "");
	for (i = 0; i < nargs; i++)
		bb_buf_printf(out, " %s", args[i]);
	/* under UEFI, iPXE hands Linux an initrd only when the command line
	 * names it */
	for (i = 0; !has_initrd_arg && i < ninitrd; i++)
		bb_buf_printf(out, " initrd=%s", base_name(initrd[i]));
	bb_buf_puts(out, " || goto bootbox_failed\n");
	for (i = 0; i < ninitrd; i++)
		bb_buf_printf(out, "initrd %s || goto bootbox_failed\n",
			      initrd[i]);
	/* a failed download must not leave the node at an iPXE prompt */
	bb_buf_puts(out, "boot || goto bootbox_failed\n"
			 ":bootbox_failed\n"
			 "echo bootbox: the boot files could not be fetched; "
			 "retrying in 20 seconds\n"
			 "sleep 20\n"
			 "chain --replace --autofree /boot.ipxe\n");
}

void bb_boot_render_ipxe(const struct bb_boot_profile *p, struct bb_buf *out)
{
	bb_boot_render_kernel(p->kernel, p->initrd, p->ninitrd,
			      (const char *const *)p->args, p->nargs, out);
}

void bb_boot_render_unavailable(const char *why, struct bb_buf *out)
{
	char line[240];
	size_t i;

	/* the reason comes from upstream: keep it to one printable line */
	for (i = 0; why[i] && i < sizeof(line) - 1; i++)
		line[i] = why[i] >= 0x20 && why[i] < 0x7f && why[i] != '$'
			      ? why[i]
			      : '?';
	line[i] = 0;
	bb_buf_printf(out,
		      "#!ipxe\necho bootbox: cannot boot now: %s\n"
		      "echo retrying in 30 seconds\nsleep 30\n"
		      "chain --replace --autofree /boot.ipxe\n",
		      line);
}

void bb_boot_render_retry(const struct bb_boot_params *p, struct bb_buf *out)
{
	const char *mac = bb_boot_param(p, "mac");
	const char *host = bb_boot_param(p, "hostname");

	bb_buf_printf(out,
		      "#!ipxe\necho bootbox: no profile for this machine "
		      "(mac %s, hostname %s): add it to machines: or a group\n"
		      "echo retrying in 30 seconds\nsleep 30\n"
		      "chain --replace --autofree /boot.ipxe\n",
		      mac ? mac : "?", host ? host : "?");
}

void bb_boot_render_local(struct bb_buf *out)
{
	/* installed and handed off: leave the network boot, use the disk */
	bb_buf_puts(out, "#!ipxe\necho bootbox: installed, booting the local "
			 "disk\nsanboot --no-describe --drive 0x80 || exit\n");
}

void bb_boot_render_metadata(const struct bb_boot_group *g,
			     const struct bb_boot_params *p, struct bb_buf *out)
{
	size_t i, j;

	for (i = 0; i < 2; i++) {
		const struct bb_boot_params *src =
		    i ? p : (g ? &g->metadata : NULL);

		for (j = 0; src && j < src->n; j++) {
			const char *k = src->kv[j].key;

			for (; *k; k++)
				bb_buf_printf(out, "%c",
					      *k >= 'a' && *k <= 'z' ? *k - 32
								     : *k);
			bb_buf_printf(out, "=%s\n", src->kv[j].val);
		}
	}
}
