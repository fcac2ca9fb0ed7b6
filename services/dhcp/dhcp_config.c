#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_config.h"

struct bump {
	char *p;
	size_t used, cap;
};

static void *bump(struct bump *b, size_t n)
{
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (b->p == NULL) {
		b->used += n; /* sizing pass */
		return NULL;
	}
	p = b->p + b->used;
	b->used += n;
	return p;
}

static const char *bump_str(struct bump *b, const char *s)
{
	char *p;

	if (!s)
		return NULL;
	p = bump(b, strlen(s) + 1);
	if (p)
		strcpy(p, s);
	return p;
}

#define BUMP_COPY(b, src, n) bump_copy(b, src, (n) * sizeof(*(src)))

static void *bump_copy(struct bump *b, const void *src, size_t n)
{
	void *p = bump(b, n ? n : 1);

	if (p && n)
		memcpy(p, src, n);
	return p;
}

static void copy_config(struct bump *b, const struct bb_dhcp_config *in,
			struct bb_dhcp_config *out)
{
	struct bb_dhcp_subnet *subs;
	struct bb_dhcp_host *hosts;
	size_t i;

	*out = *in;
	subs = BUMP_COPY(b, in->subnets, in->nsubnets);
	hosts = BUMP_COPY(b, in->hosts, in->nhosts);
	for (i = 0; i < in->nsubnets; i++) {
		const struct bb_dhcp_subnet *s = &in->subnets[i];
		const void *pools = BUMP_COPY(b, s->pools, s->npools);
		const void *dns = BUMP_COPY(b, s->dns, s->ndns);
		const void *ntp = BUMP_COPY(b, s->ntp, s->nntp);
		const char *dom = bump_str(b, s->domain);
		const void *opts = BUMP_COPY(b, s->options, s->noptions);

		if (subs) {
			subs[i].options = opts;
			subs[i].pools = pools;
			subs[i].dns = dns;
			subs[i].ntp = ntp;
			subs[i].domain = dom;
		}
	}
	for (i = 0; i < in->nhosts; i++) {
		const char *hn = bump_str(b, in->hosts[i].hostname);
		const char *dom = bump_str(b, in->hosts[i].domain);
		const void *opts =
		    BUMP_COPY(b, in->hosts[i].options, in->hosts[i].noptions);

		if (hosts) {
			hosts[i].options = opts;
			hosts[i].hostname = hn;
			hosts[i].domain = dom;
		}
	}
	out->subnets = subs;
	out->hosts = hosts;
	out->boot.bios_file = bump_str(b, in->boot.bios_file);
	out->boot.efi64_file = bump_str(b, in->boot.efi64_file);
	out->boot.arm64_file = bump_str(b, in->boot.arm64_file);
	out->boot.http_base = bump_str(b, in->boot.http_base);
}

void *bb_dhcp_config_copy(const struct bb_dhcp_config *in,
			  struct bb_dhcp_config *out)
{
	struct bump b = {0};

	copy_config(&b, in, out); /* sizing */
	b.cap = b.used;
	b.used = 0;
	b.p = malloc(b.cap ? b.cap : 1);
	if (!b.p)
		return NULL;
	copy_config(&b, in, out);
	return b.p;
}
