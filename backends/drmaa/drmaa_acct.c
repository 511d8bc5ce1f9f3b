/* backends/drmaa/drmaa_acct.c - see drmaa_acct.h */
#include "drmaa_acct.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ACCT_FIELDS 13 /* the fields used: up to exit_status */
#define LINE_MAX_LEN 8192

static int parse_i64(const char *s, size_t n, int64_t *ret)
{
	int64_t v = 0;
	int neg = 0;

	if (n && *s == '-') {
		neg = 1;
		s++;
		n--;
	}
	if (!n || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*ret = neg ? -v : v;
	return 0;
}

/* accounting(5): qname:hostname:group:owner:job_name:job_number:account:
 * priority:submission_time:start_time:end_time:failed:exit_status:... */
int drmaa_acct_parse_line(const char *line, const char *job_id,
			  struct drmaa_acct *ret)
{
	const char *f[ACCT_FIELDS + 1];
	size_t len[ACCT_FIELDS];
	const char *p = line;
	int64_t v[ACCT_FIELDS];
	int i;

	if (*line == '#')
		return -1;
	for (i = 0; i < ACCT_FIELDS; i++) {
		const char *c = strchr(p, ':');

		f[i] = p;
		if (!c) {
			if (i < ACCT_FIELDS - 1)
				return -1;
			c = p + strcspn(p, "\n");
		}
		len[i] = (size_t)(c - p);
		p = *c ? c + 1 : c;
	}
	if (len[5] != strlen(job_id) || memcmp(f[5], job_id, len[5]) != 0) {
		if (parse_i64(f[5], len[5], &v[5]) < 0)
			return -1;
		return 1;
	}
	for (i = 8; i < ACCT_FIELDS; i++)
		if (parse_i64(f[i], len[i], &v[i]) < 0)
			return -1;
	memset(ret, 0, sizeof(*ret));
	/* 8.1 writes seconds; a later format writes milliseconds */
	for (i = 8; i <= 10; i++)
		if (v[i] > 100000000000LL)
			v[i] /= 1000;
	ret->submit_time = v[8];
	ret->start_time = v[9];
	ret->end_time = v[10];
	ret->failed = (int)v[11];
	ret->exit_status = (int)v[12];
	snprintf(ret->owner, sizeof(ret->owner), "%.*s",
		 (int)(len[3] < 63 ? len[3] : 63), f[3]);
	return 0;
}

off_t drmaa_acct_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

int drmaa_acct_find(const char *path, off_t from, size_t max_bytes,
		    const char *job_id, struct drmaa_acct *ret)
{
	char *buf, *line, *nl;
	size_t n = 0;
	int fd, found = 1, mid = from > 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 1 : -errno;
	/* one byte before from: whether from starts a line */
	if (lseek(fd, mid ? from - 1 : 0, SEEK_SET) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	buf = malloc(max_bytes + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (n < max_bytes) {
		ssize_t r = read(fd, buf + n, max_bytes - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	line = buf;
	if (mid) { /* skip to the first line that starts at or after from */
		nl = memchr(buf, '\n', n);
		line = nl ? nl + 1 : buf + n;
	}
	for (; line < buf + n; line = nl + 1) {
		struct drmaa_acct a;

		nl = strchr(line, '\n');
		if (!nl)
			break; /* a line still being written */
		*nl = '\0';
		if (nl - line < LINE_MAX_LEN &&
		    drmaa_acct_parse_line(line, job_id, &a) == 0) {
			*ret = a;
			found = 0;
		}
	}
	free(buf);
	return found;
}

/* "23.5G", "512.0M", "1.2T", "-" */
static uint64_t mem_mb(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return 0;
	switch (*end) {
	case 'K': return (uint64_t)(v / 1024);
	case 'M': return (uint64_t)v;
	case 'G': return (uint64_t)(v * 1024);
	case 'T': return (uint64_t)(v * 1024 * 1024);
	default: return (uint64_t)(v / 1048576);
	}
}

int drmaa_qhost_parse(const char *text, struct ilk_capacity *cap)
{
	const char *p = text;
	int hosts = 0;

	cap->cpus = 0;
	cap->memory_mb = 0;
	while (*p) {
		char line[512], name[128], arch[64], ncpu[32], nsoc[32];
		char ncor[32], nthr[32], load[32], memtot[32];
		size_t n = strcspn(p, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)(n < 511 ? n : 511),
			 p);
		p += n;
		if (*p)
			p++;
		if (sscanf(line, "%127s %63s %31s %31s %31s %31s %31s %31s",
			   name, arch, ncpu, nsoc, ncor, nthr, load,
			   memtot) != 8)
			continue;
		if (strcmp(name, "HOSTNAME") == 0 ||
		    strcmp(name, "global") == 0 || ncpu[0] < '0' ||
		    ncpu[0] > '9')
			continue;
		cap->cpus += strtoull(ncpu, NULL, 10);
		cap->memory_mb += mem_mb(memtot);
		hosts++;
	}
	return hosts ? 0 : -1;
}
