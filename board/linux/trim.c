#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "board/linux/trim.h"

int bb_trim_code_pages(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512], perms[8];
	unsigned long lo, hi;
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		/* r-xp only: a private mapping that was written (relocations,
		 * RELRO, data) would lose its changes */
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 ||
		    strcmp(perms, "r-xp") || !strchr(line, '/'))
			continue;
		if (!madvise((void *)lo, hi - lo, MADV_DONTNEED))
			n++;
	}
	fclose(f);
	return n;
}
