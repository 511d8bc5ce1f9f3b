/* common/procmetrics.c - see procmetrics.h */
#include "procmetrics.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int64_t procmetrics_start_time(void)
{
	return (int64_t)time(NULL);
}

static long long rss_bytes(void)
{
	long long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (!f)
		return 0;
	if (fscanf(f, "%lld %lld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (long long)sysconf(_SC_PAGESIZE);
}

static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	long n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0; /* the one opendir holds */
}

int procmetrics_render(struct buf *out, const char *prefix,
		       const char *version, int64_t start)
{
	struct rusage ru;
	double cpu = 0;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		      (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	return buf_printf(out,
		"# HELP process_cpu_seconds_total User and system CPU time.\n"
		"# TYPE process_cpu_seconds_total counter\n"
		"process_cpu_seconds_total %.3f\n"
		"# HELP process_resident_memory_bytes Resident memory.\n"
		"# TYPE process_resident_memory_bytes gauge\n"
		"process_resident_memory_bytes %lld\n"
		"# HELP process_open_fds Open file descriptors.\n"
		"# TYPE process_open_fds gauge\n"
		"process_open_fds %ld\n"
		"# HELP process_start_time_seconds Start time, Unix seconds.\n"
		"# TYPE process_start_time_seconds gauge\n"
		"process_start_time_seconds %lld\n"
		"# HELP %s_build_info The running version.\n"
		"# TYPE %s_build_info gauge\n"
		"%s_build_info{version=\"%s\"} 1\n",
		cpu, rss_bytes(), open_fds(), (long long)start, prefix,
		prefix, prefix, version);
}
