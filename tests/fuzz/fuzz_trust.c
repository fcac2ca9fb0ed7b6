/* The trust decisions on a request's bytes: which machine owns a file
 * under /assets/ (machine names and the path from the input, one per line,
 * the path last) and the Authorization header against a token. The owner
 * found must be the longest inventory name that is the file's base name or
 * its base name cut at a dot; anything else aborts. */
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "firmware/serve/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool owns(const char *name, const char *base)
{
	size_t n = strlen(name);

	return n && !strncmp(base, name, n) && (!base[n] || base[n] == '.');
}

static void check_owner(struct bb_boot *b, const char *path)
{
	struct bb_boot_machine *m = bb_trust_file_owner(b, path);
	const char *base = strrchr(path, '/');
	size_t i, best = 0;

	base = base ? base + 1 : path;
	for (i = 0; i < b->nmachines; i++)
		if (owns(b->machines[i].name, base) &&
		    strlen(b->machines[i].name) > best)
			best = strlen(b->machines[i].name);
	if ((m == NULL) != (best == 0) ||
	    (m && (!owns(m->name, base) || strlen(m->name) != best)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_boot b;
	char *text = malloc(size + 1), *line, *next, *last = NULL;
	uint8_t mac[6] = {2, 0, 0, 0, 0, 0};

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	bb_boot_init(&b);
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (next && mac[5] < 16 && bb_boot_name_ok(line)) {
			mac[5]++;
			bb_boot_add_machine(&b, line, mac, 0, NULL);
		}
		last = line;
	}
	if (last) {
		check_owner(&b, last);
		bb_trust_bearer_ok(last, strlen(last), "0123abcd");
	}
	bb_boot_free(&b);
	free(text);
	return 0;
}
