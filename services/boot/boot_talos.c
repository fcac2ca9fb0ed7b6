/* The kernel line of a Talos boot: the factory's cmdline, the profile's
 * args, the required ones; each token once. */
#include <string.h>

#include "boot/boot.h"

#define MAX_TOKENS  160
#define CMDLINE_MAX 4096

struct line {
	const char *tok[MAX_TOKENS];
	size_t n;
	char store[CMDLINE_MAX + MAX_TOKENS];
	size_t used;
};

static bool has(const struct line *l, const char *t)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->tok[i], t))
			return true;
	return false;
}

/* A token that sets key (the part before '=', or the whole flag). */
static bool sets(const struct line *l, const char *key)
{
	size_t i, k = strlen(key);

	for (i = 0; i < l->n; i++)
		if (!strncmp(l->tok[i], key, k) &&
		    (l->tok[i][k] == '=' || l->tok[i][k] == 0))
			return true;
	return false;
}

static void add(struct line *l, const char *t)
{
	if (l->n < MAX_TOKENS && t[0] && !has(l, t))
		l->tok[l->n++] = t;
}

static bool printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '$')
			return false;
	return true;
}

static void add_cmdline(struct line *l, const char *s, size_t len)
{
	size_t i = 0, j;

	if (len > CMDLINE_MAX)
		len = CMDLINE_MAX;
	while (i < len) {
		while (i < len && (s[i] == ' ' || s[i] == '\t' ||
				   s[i] == '\n' || s[i] == '\r'))
			i++;
		for (j = i; j < len && s[j] != ' ' && s[j] != '\t' &&
			    s[j] != '\n' && s[j] != '\r';
		     j++)
			;
		if (j > i && printable(s + i, j - i) &&
		    l->used + (j - i) + 1 <= sizeof(l->store)) {
			memcpy(l->store + l->used, s + i, j - i);
			l->store[l->used + (j - i)] = 0;
			add(l, l->store + l->used);
			l->used += j - i + 1;
		}
		i = j;
	}
}

void bb_boot_render_talos(const struct bb_boot_profile *p,
			  const struct bb_boot_talos *t, struct bb_buf *out)
{
	static const char *const required[][2] = {
	    {"talos.platform", "talos.platform=metal"},
	    {"slab_nomerge", "slab_nomerge"},
	    {"pti", "pti=on"},
	};
	struct line l;
	size_t i;

	l.n = l.used = 0;
	if (t->cmdline)
		add_cmdline(&l, t->cmdline, t->cmdline_len);
	for (i = 0; i < p->nargs; i++)
		add(&l, p->args[i]);
	for (i = 0; i < 3; i++)
		if (!sets(&l, required[i][0]))
			add(&l, required[i][1]);
	bb_boot_render_kernel(t->kernel ? t->kernel : p->kernel,
			      t->kernel ? t->initrd : p->initrd,
			      t->kernel ? t->ninitrd : p->ninitrd, l.tok, l.n,
			      out);
}
