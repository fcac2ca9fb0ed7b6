/* Placeholder: replaced by the libyaml loader. */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "firmware/config.h"

int bb_config_load(const char *path, FILE *errs, struct bb_config **out)
{
	fprintf(errs, "%s:1:1: config: loader not built yet\n", path);
	*out = NULL;
	return BB_EUNSUPP;
}

void bb_config_free(struct bb_config *cfg)
{
	free(cfg);
}

const struct bb_cfg_machine *bb_config_machine(const struct bb_config *cfg,
					       const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nmachines; i++)
		if (!strcmp(cfg->machines[i].name, name))
			return &cfg->machines[i];
	return NULL;
}
