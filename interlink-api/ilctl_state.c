/* interlink-api/ilctl_state.c - see ilctl_state.h */
#include "ilctl_state.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "ilctl_util.h"
#include "text.h"
#include "wire.h"

#define STATE_SUFFIX ".json"
#define STATE_MAX_FILE (16u << 20)

static void serr(char *err, size_t errlen, const char *what, int e)
{
	if (err && errlen)
		(void)snprintf(err, errlen, "%s: %s", what, ilctl_strerror(-e));
}

static int state_path(const char *dir, const char *ns, const char *name,
		      char *buf, size_t len, char *err, size_t errlen)
{
	int n;

	if (!text_is_dns_label(ns)) {
		(void)snprintf(err, errlen,
			       "namespace '%.64s' is not a valid DNS label",
			       ns);
		return -1;
	}
	if (!text_is_dns_subdomain(name)) {
		(void)snprintf(err, errlen,
			       "pod name '%.253s' is not a valid DNS subdomain",
			       name);
		return -1;
	}
	n = snprintf(buf, len, "%s/%s_%s" STATE_SUFFIX, dir, ns, name);
	if (n < 0 || (size_t)n >= len) {
		(void)snprintf(err, errlen, "state directory path too long");
		return -1;
	}
	return 0;
}

int ilctl_state_exists(const char *dir, const char *ns, const char *name,
		       char *err, size_t errlen)
{
	char path[PATH_MAX];
	int r;

	if (state_path(dir, ns, name, path, sizeof(path), err, errlen) < 0)
		return -1;
	r = fs_exists(path);
	if (r < 0) {
		serr(err, errlen, path, r);
		return -1;
	}
	return r;
}

/* Parse a state file's text; the pod must be an object with a name. */
static int parse_pod(const char *path, const char *data, size_t len,
		     cJSON **ret, char *err, size_t errlen)
{
	char jerr[128];
	cJSON *pod;

	if (wire_parse(data, len, &pod, jerr, sizeof(jerr)) < 0) {
		(void)snprintf(err, errlen, "%s: %s", path, jerr);
		return -1;
	}
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(pod, "metadata"),
		    "name"))) {
		cJSON_Delete(pod);
		(void)snprintf(err, errlen, "%s: not a saved pod", path);
		return -1;
	}
	*ret = pod;
	return 0;
}

static int load_path(const char *path, cJSON **ret, char *err, size_t errlen)
{
	size_t len;
	char *data;
	int r;

	r = fs_read_file(path, STATE_MAX_FILE, &data, &len);
	if (r < 0) {
		serr(err, errlen, path, r);
		return -1;
	}
	r = parse_pod(path, data, len, ret, err, errlen);
	free(data);
	return r;
}

int ilctl_state_load(const char *dir, const char *ns, const char *name,
		     cJSON **ret, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int r;

	if (state_path(dir, ns, name, path, sizeof(path), err, errlen) < 0)
		return -1;
	r = fs_exists(path);
	if (r == 0) {
		(void)snprintf(err, errlen,
			       "no pod '%s' in namespace '%s' (no %s; see "
			       "'ilctl list')",
			       name, ns, path);
		return -1;
	}
	return load_path(path, ret, err, errlen);
}

int ilctl_state_save(const char *dir, const cJSON *pod, char *err,
		     size_t errlen)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
	const char *ns, *name;
	char path[PATH_MAX];
	char *text;
	int r;

	ns = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(meta, "namespace"));
	name = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(meta, "name"));
	if (!ns || !name) {
		(void)snprintf(err, errlen, "the pod has no name or namespace");
		return -1;
	}
	if (state_path(dir, ns, name, path, sizeof(path), err, errlen) < 0)
		return -1;
	r = fs_mkdir_p(dir, 0700);
	if (r < 0) {
		serr(err, errlen, dir, r);
		return -1;
	}
	text = cJSON_PrintUnformatted(pod);
	if (!text) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	r = fs_write_atomic(path, text, strlen(text), 0600);
	free(text);
	if (r < 0) {
		serr(err, errlen, path, r);
		return -1;
	}
	return 0;
}

int ilctl_state_remove(const char *dir, const char *ns, const char *name,
		       char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (state_path(dir, ns, name, path, sizeof(path), err, errlen) < 0)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT) {
		serr(err, errlen, path, -errno);
		return -1;
	}
	return 0;
}

/* A state file name: "<ns>_<name>.json", never a leftover temp file. */
static bool is_state_file(const char *f)
{
	size_t n = strlen(f), sl = strlen(STATE_SUFFIX);

	return f[0] != '.' && n > sl && strcmp(f + n - sl, STATE_SUFFIX) == 0 &&
	       strchr(f, '_') && !strstr(f, ".tmp.");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The state file names of dir, sorted, in a new array of new strings. */
static int list_names(DIR *d, char ***ret, size_t *ret_n)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int e;

	errno = 0;
	while ((de = readdir(d))) { /* NOLINT: a DIR of our own */
		if (!is_state_file(de->d_name))
			continue;
		if (n == cap) {
			char **p;

			cap = cap ? cap * 2 : 32;
			p = realloc(names, cap * sizeof(*p));
			if (!p)
				goto fail;
			names = p;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto fail;
		n++;
		errno = 0;
	}
	if (errno)
		goto fail;
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	*ret = names;
	*ret_n = n;
	return 0;
fail:
	e = errno ? -errno : -ENOMEM;
	while (n > 0)
		free(names[--n]);
	free(names);
	return e;
}

int ilctl_state_list(const char *dir, cJSON **ret, char *err,
		     size_t errlen)
{
	cJSON *all = cJSON_CreateArray();
	char **names = NULL;
	size_t n = 0;
	DIR *d;
	int r;

	if (!all) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT) {
			*ret = all;
			return 0;
		}
		serr(err, errlen, dir, -errno);
		cJSON_Delete(all);
		return -1;
	}
	r = list_names(d, &names, &n);
	(void)closedir(d); /* a directory stream; nothing was written */
	if (r < 0) {
		serr(err, errlen, dir, r);
		cJSON_Delete(all);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX], lerr[PATH_MAX + 128];
		cJSON *pod;

		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
		    (int)sizeof(path)) {
			(void)fprintf(stderr,
				      "ilctl: warning: skipping %s: path too "
				      "long\n",
				      names[i]);
			continue;
		}
		if (load_path(path, &pod, lerr, sizeof(lerr)) < 0) {
			(void)fprintf(stderr, "ilctl: warning: skipping %s\n",
				      lerr);
			continue;
		}
		if (!cJSON_AddItemToArray(all, pod))
			cJSON_Delete(pod);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	*ret = all;
	return 0;
}
