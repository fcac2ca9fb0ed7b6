#include <stdio.h>
#include <string.h>

#include "firmware/serve/cache_plan.h"
#include "firmware/serve/talos_boot.h"

const char *bb_talos_pin(const struct bb_boot_machine *m,
			 const struct bb_boot_group *g)
{
	const char *v = m ? bb_boot_param(&m->labels, "talos_version") : NULL;

	return v ? v : g ? bb_boot_param(&g->metadata, "talos_version") : NULL;
}

static const char *arch_of(const struct bb_boot_machine *m, const char *q)
{
	const char *a = m ? bb_boot_param(&m->labels, "arch") : NULL;

	if (a && m->inventory)
		return !strcmp(a, "arm64") ? "arm64" : "amd64";
	return q && (!strcmp(q, "arm64") || !strcmp(q, "aarch64")) ? "arm64"
								   : "amd64";
}

static void paths(struct bb_talos_boot *o)
{
	const struct bb_cache_key *k = &o->image;

	snprintf(o->kernel, sizeof(o->kernel), "/assets/talos/%s/%s/kernel-%s",
		 k->schematic, k->version, o->arch);
	snprintf(o->initrd, sizeof(o->initrd),
		 "/assets/talos/%s/%s/initramfs-%s.xz", k->schematic,
		 k->version, o->arch);
	o->initrds[0] = o->initrd;
}

bool bb_talos_boot_plan(const struct bb_config *cfg,
			const struct bb_boot_profile *prof,
			const struct bb_boot_machine *m,
			const struct bb_boot_group *g, const char *query_arch,
			struct bb_talos_boot *out)
{
	struct bb_cache_key primary, k;
	const char *pin = bb_talos_pin(m, g);
	bool short_form;

	memset(out, 0, sizeof(*out));
	if (bb_cache_primary(cfg, &primary))
		return false;
	if (prof->talos && !prof->kernel) {
		out->image = primary;
		snprintf(out->arch, sizeof(out->arch), "%s",
			 arch_of(m, query_arch));
		short_form = true;
	} else {
		if (!prof->kernel ||
		    bb_cache_key_from_path(prof->kernel, strlen(prof->kernel),
					   &primary, &k) ||
		    strncmp(k.artifact, "kernel-", 7))
			return false;
		out->image = k;
		out->image.artifact[0] = 0;
		snprintf(out->arch, sizeof(out->arch), "%s", k.artifact + 7);
		/* the short form follows the machine's pin; a profile that
		 * names a version keeps it */
		short_form =
		    !strchr(prof->kernel + strlen("/assets/talos/"), '/');
	}
	if (short_form && pin)
		snprintf(out->image.version, sizeof(out->image.version), "%s",
			 pin);
	if ((short_form && pin) || !prof->kernel)
		paths(out);
	snprintf(out->cmdline, sizeof(out->cmdline),
		 "/assets/talos/%s/%s/cmdline-metal-%s", out->image.schematic,
		 out->image.version, out->arch);
	return true;
}
