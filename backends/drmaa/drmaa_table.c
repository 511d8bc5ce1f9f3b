/* backends/drmaa/drmaa_table.c - see drmaa_table.h */
#include "drmaa_table.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct drmaa_job *drmaa_table_find(struct drmaa_table *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].id, id) == 0)
			return &t->v[i];
	return NULL;
}

struct drmaa_job *drmaa_table_add(struct drmaa_table *t, const char *id,
				  const char *tag)
{
	struct drmaa_job *j;

	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct drmaa_job *nv;

		if (nc > DRMAA_TABLE_MAX ||
		    !(nv = realloc(t->v, nc * sizeof(*nv))))
			return NULL;
		t->v = nv;
		t->cap = nc;
	}
	j = &t->v[t->n++];
	memset(j, 0, sizeof(*j));
	snprintf(j->id, sizeof(j->id), "%s", id);
	snprintf(j->tag, sizeof(j->tag), "%s", tag ? tag : "");
	j->phase = ILK_JOB_PENDING;
	j->exit_code = -1;
	snprintf(j->state, sizeof(j->state), "PENDING");
	return j;
}

void drmaa_table_pop(struct drmaa_table *t)
{
	if (t->n)
		t->n--;
}

void drmaa_table_prune(struct drmaa_table *t, time_t now)
{
	size_t w = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct drmaa_job *j = &t->v[i];

		if (j->phase == ILK_JOB_DONE && j->gone_at &&
		    now - j->gone_at > DRMAA_DONE_KEEP_SEC)
			continue;
		t->v[w++] = *j;
	}
	t->n = w;
}

int drmaa_table_save(const struct drmaa_table *t, const char *path)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int fd, e = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		e = errno;
		close(fd);
		return -e;
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].phase != ILK_JOB_DONE)
			fprintf(f, "%s %s %lld\n", t->v[i].id,
				t->v[i].tag[0] ? t->v[i].tag : "-",
				(long long)t->v[i].acct_from);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		e = errno;
	if (fclose(f) != 0 && !e)
		e = errno;
	if (!e && rename(tmp, path) != 0)
		e = errno;
	if (e)
		unlink(tmp);
	return -e;
}

int drmaa_table_load(struct drmaa_table *t, const char *path)
{
	char line[ILK_JOB_ID_MAX + ILK_TAG_MAX + 64];
	FILE *f;
	int fd, n = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "r");
	if (!f) {
		int e = errno;

		close(fd);
		return -e;
	}
	while (fgets(line, sizeof(line), f)) {
		char id[ILK_JOB_ID_MAX], tag[ILK_TAG_MAX];
		long long from = 0;
		struct drmaa_job *j;

		if (sscanf(line, "%63s %127s %lld", id, tag, &from) < 2 ||
		    drmaa_table_find(t, id))
			continue;
		j = drmaa_table_add(t, id, strcmp(tag, "-") ? tag : "");
		if (!j)
			break;
		j->acct_from = from > 0 ? (off_t)from : 0;
		snprintf(j->state, sizeof(j->state), "UNKNOWN");
		n++;
	}
	fclose(f);
	return n;
}

void drmaa_table_free(struct drmaa_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}
