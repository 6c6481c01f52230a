/* memcheck.c - available memory from /proc/meminfo and an early,
 * readable refusal of plans that do not fit. */
#include "memcheck.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

size_t mem_available(void)
{
	const char *env = getenv("GAN_MEM_LIMIT");
	if (env && *env) {
		char *end;
		unsigned long long v = strtoull(env, &end, 10);
		if (!*end)
			return (size_t)v;
	}
	FILE *f = fopen("/proc/meminfo", "r");
	if (f) {
		char line[256];
		unsigned long long kb;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
				fclose(f);
				return (size_t)(kb * 1024);
			}
		fclose(f);
	}
	long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	if (pages > 0 && size > 0)
		return (size_t)pages * (size_t)size;
	return SIZE_MAX;
}

/* "412.3 GiB", "3.2 MiB", "12 KiB" */
static const char *human(size_t bytes, char *buf, size_t n)
{
	if (bytes >= ((size_t)1 << 30))
		snprintf(buf, n, "%.1f GiB", bytes / 1073741824.0);
	else if (bytes >= ((size_t)1 << 20))
		snprintf(buf, n, "%.1f MiB", bytes / 1048576.0);
	else
		snprintf(buf, n, "%zu KiB", (bytes + 1023) / 1024);
	return buf;
}

int mem_check(size_t bytes, const char *what, const char *hint, Err *e)
{
	size_t avail = mem_available();
	if (bytes <= avail)
		return 0;
	char need[32], have[32];
	return err_set(e, EXIT_BAD, "%s needs %s of memory but %s is available%s%s", what,
		       human(bytes, need, sizeof need), human(avail, have, sizeof have),
		       hint ? "; " : "", hint ? hint : "");
}
