/* sidecar-slurm/podstore.c - see podstore.h */
#include "podstore.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "fsutil.h"
#include "strmap.h"
#include "log.h"
#include "text.h"

#define RECORD_FILE "pod.json"
#define RECORD_MAX (1u << 20)

struct podstore {
	pthread_mutex_t lock;
	char *root;
	struct pod_record **v; /* for listing */
	size_t n, cap;
	struct strmap by_uid;  /* uid -> record: O(1) lookups */
};

static void names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void pod_record_done(struct pod_record *r)
{
	if (!r)
		return;
	names_free(r->init_names, r->n_init);
	names_free(r->names, r->n_names);
	r->init_names = r->names = NULL;
	r->n_init = r->n_names = 0;
}

static int names_copy(char ***dst, char *const *src, size_t n)
{
	*dst = calloc(n ? n : 1, sizeof(char *));
	if (!*dst)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!((*dst)[i] = strdup(src[i])))
			return -ENOMEM;
	return 0;
}

int pod_record_copy(struct pod_record *dst, const struct pod_record *src)
{
	*dst = *src;
	dst->init_names = dst->names = NULL;
	dst->n_init = dst->n_names = 0;
	if (names_copy(&dst->init_names, src->init_names, src->n_init) < 0)
		goto oom;
	dst->n_init = src->n_init;
	if (names_copy(&dst->names, src->names, src->n_names) < 0)
		goto oom;
	dst->n_names = src->n_names;
	return 0;
oom:
	pod_record_done(dst);
	return -ENOMEM;
}

int podstore_dir(const struct podstore *ps, const char *ns, const char *uid,
		 char *out, size_t outlen)
{
	if (snprintf(out, outlen, "%s/%s-%s", ps->root, ns, uid) >=
	    (int)outlen)
		return -ENAMETOOLONG;
	return 0;
}

static cJSON *names_json(char *const *v, size_t n)
{
	return cJSON_CreateStringArray((const char *const *)v, (int)n);
}

static cJSON *record_json(const struct pod_record *r)
{
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "uid", r->uid);
	cJSON_AddStringToObject(j, "namespace", r->namespace);
	cJSON_AddStringToObject(j, "name", r->name);
	cJSON_AddStringToObject(j, "jobId", r->job_id);
	cJSON_AddItemToObject(j, "initContainers",
			      names_json(r->init_names, r->n_init));
	cJSON_AddItemToObject(j, "containers",
			      names_json(r->names, r->n_names));
	cJSON_AddNumberToObject(j, "created", (double)r->created);
	cJSON_AddBoolToObject(j, "deleting", r->deleting);
	cJSON_AddNumberToObject(j, "deletedAt", (double)r->deleted_at);
	cJSON_AddNumberToObject(j, "stopGrace", r->stop_grace);
	if (r->has_final) {
		cJSON *f = cJSON_AddObjectToObject(j, "final");

		cJSON_AddStringToObject(f, "state", r->final.state);
		cJSON_AddStringToObject(f, "reason", r->final.reason);
		cJSON_AddNumberToObject(f, "exitCode", r->final.exit_code);
		cJSON_AddNumberToObject(f, "start", (double)r->final.start_time);
		cJSON_AddNumberToObject(f, "end", (double)r->final.end_time);
	}
	return j;
}

static void copy_str(char *dst, size_t len, const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	snprintf(dst, len, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* A JSON number as an integer, or def when it is not a finite number. */
static int64_t num_or(const cJSON *j, const char *key, int64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	if (!cJSON_IsNumber(v) || v->valuedouble != v->valuedouble ||
	    v->valuedouble > 9e15 || v->valuedouble < -9e15)
		return def;
	return (int64_t)v->valuedouble;
}

static int names_from_json(const cJSON *a, char ***ret, size_t *ret_n)
{
	const cJSON *e;
	size_t n = 0;

	*ret = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(char *));
	if (!*ret)
		return -ENOMEM;
	cJSON_ArrayForEach(e, a)
	{
		if (!cJSON_IsString(e) || !text_is_dns_label(e->valuestring))
			return -EINVAL;
		if (!((*ret)[n] = strdup(e->valuestring)))
			return -ENOMEM;
		*ret_n = ++n;
	}
	return 0;
}

static int record_from_json(const cJSON *j, struct pod_record *r)
{
	const cJSON *f;

	memset(r, 0, sizeof(*r));
	copy_str(r->uid, sizeof(r->uid), j, "uid");
	copy_str(r->namespace, sizeof(r->namespace), j, "namespace");
	copy_str(r->name, sizeof(r->name), j, "name");
	copy_str(r->job_id, sizeof(r->job_id), j, "jobId");
	if (!text_is_uid(r->uid) || !text_is_dns_label(r->namespace))
		return -EINVAL;
	if (names_from_json(cJSON_GetObjectItemCaseSensitive(j,
							     "initContainers"),
			    &r->init_names, &r->n_init) < 0 ||
	    names_from_json(cJSON_GetObjectItemCaseSensitive(j, "containers"),
			    &r->names, &r->n_names) < 0)
		return -EINVAL;
	r->created = num_or(j, "created", 0);
	r->deleting = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		j, "deleting"));
	r->deleted_at = num_or(j, "deletedAt", 0);
	r->stop_grace = (int)num_or(j, "stopGrace", 0);
	if (r->stop_grace < 0 || r->stop_grace > 86400)
		r->stop_grace = 0;
	f = cJSON_GetObjectItemCaseSensitive(j, "final");
	if (cJSON_IsObject(f)) {
		r->has_final = true;
		r->final.struct_size = sizeof(r->final);
		r->final.phase = ILK_JOB_DONE;
		snprintf(r->final.job_id, sizeof(r->final.job_id), "%s",
			 r->job_id);
		copy_str(r->final.state, sizeof(r->final.state), f, "state");
		copy_str(r->final.reason, sizeof(r->final.reason), f,
			 "reason");
		r->final.exit_code = (int)num_or(f, "exitCode", -1);
		if (r->final.exit_code < -1 || r->final.exit_code > 255)
			r->final.exit_code = -1;
		r->final.start_time = num_or(f, "start", 0);
		r->final.end_time = num_or(f, "end", 0);
	}
	return 0;
}

static int write_text(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	return fs_write_atomic(path, text, strlen(text), 0644);
}

/*
 * Write the record (pod.json, the durable truth) and, with upstream_files,
 * the Go plugin's JobID.jid, PodUID.uid and PodNamespace.ns so operators'
 * habits and tools carry over.  Every write is made durable (fsync).
 */
static int persist(const struct pod_record *r, bool upstream_files)
{
	cJSON *j = record_json(r);
	char *s = j ? cJSON_Print(j) : NULL;
	int rc = -ENOMEM;

	if (s)
		rc = write_text(r->dir, RECORD_FILE, s);
	if (rc == 0 && upstream_files && r->job_id[0])
		rc = write_text(r->dir, "JobID.jid", r->job_id);
	if (rc == 0 && upstream_files)
		rc = write_text(r->dir, "PodUID.uid", r->uid);
	if (rc == 0 && upstream_files)
		rc = write_text(r->dir, "PodNamespace.ns", r->namespace);
	cJSON_free(s);
	cJSON_Delete(j);
	return rc;
}

static struct pod_record *find(struct podstore *ps, const char *uid)
{
	return strmap_get(&ps->by_uid, uid);
}

/* Insert heap (taking it), or move its content into the existing record. */
static int insert(struct podstore *ps, struct pod_record *heap)
{
	struct pod_record *old = find(ps, heap->uid);

	if (old) {
		pod_record_done(old);
		*old = *heap; /* same uid: the map's key stays valid */
		free(heap);
		return 0;
	}
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		struct pod_record **nv = realloc(ps->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		ps->v = nv;
		ps->cap = cap;
	}
	if (strmap_put(&ps->by_uid, heap->uid, heap) < 0)
		return -ENOMEM;
	ps->v[ps->n++] = heap;
	return 0;
}

/*
 * A folder named like a pod's but without its record: a create that
 * stopped before the record was written, so no job was ever submitted for
 * it.  Remove it, unless it has a JobID.jid (a folder of upstream's plugin,
 * or something else: leave it alone).
 */
static void drop_unrecorded(struct podstore *ps, const char *entry)
{
	const char *dash = strchr(entry, '-');
	char path[PATH_MAX];

	if (!dash || strlen(dash + 1) != 36 || !text_is_uuid(dash + 1))
		return;
	snprintf(path, sizeof(path), "%s/%s/JobID.jid", ps->root, entry);
	if (fs_exists(path) != 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", ps->root, entry);
	if (fs_rm_rf(path) == 0)
		log_notice("removed '%s': a create that never got as far as "
			   "its record", path);
}

static void load_one(struct podstore *ps, const char *entry)
{
	char path[PATH_MAX], err[256]; /* "<namespace>-<uid>": up to 128 */
	char *data = NULL;
	cJSON *j = NULL;
	struct pod_record *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return;
	snprintf(path, sizeof(path), "%s/%s/%s", ps->root, entry, RECORD_FILE);
	rc = fs_read_file(path, RECORD_MAX, &data, NULL);
	if (rc == -ENOENT) {
		drop_unrecorded(ps, entry);
		goto out;
	}
	if (rc < 0) {
		log_warn_errno(rc, "cannot read '%s', ignoring", path);
		goto out;
	}
	j = cJSON_Parse(data);
	if (!j || record_from_json(j, r) < 0) {
		log_warn("'%s' is not a valid pod record, ignoring", path);
		goto out;
	}
	snprintf(err, sizeof(err), "%s-%s", r->namespace, r->uid);
	if (strcmp(err, entry) != 0) {
		log_warn("'%s' does not match its folder, ignoring", path);
		goto out;
	}
	snprintf(r->dir, sizeof(r->dir), "%s/%s", ps->root, entry);
	if (insert(ps, r) == 0) {
		log_info("pod %s/%s (%s): job %s, restored", r->namespace,
			 r->name, r->uid, r->job_id[0] ? r->job_id : "none");
		r = NULL;
	}
out:
	if (r) {
		pod_record_done(r);
		free(r);
	}
	cJSON_Delete(j);
	free(data);
}

struct podstore *podstore_open(const char *data_root, char *err,
			       size_t errlen)
{
	struct podstore *ps = calloc(1, sizeof(*ps));
	DIR *d;
	struct dirent *de;
	int r;

	if (!ps || !(ps->root = strdup(data_root))) {
		free(ps);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&ps->lock, NULL);
	strmap_init(&ps->by_uid);
	r = fs_mkdir_p(data_root, 0755);
	if (r < 0) {
		snprintf(err, errlen, "DataRootFolder '%s': %s", data_root,
			 strerror(-r));
		podstore_close(ps);
		return NULL;
	}
	d = opendir(data_root);
	if (!d) {
		snprintf(err, errlen, "DataRootFolder '%s': %s", data_root,
			 strerror(errno));
		podstore_close(ps);
		return NULL;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			load_one(ps, de->d_name);
	closedir(d);
	return ps;
}

void podstore_close(struct podstore *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n; i++) {
		pod_record_done(ps->v[i]);
		free(ps->v[i]);
	}
	free(ps->v);
	strmap_done(&ps->by_uid);
	free(ps->root);
	pthread_mutex_destroy(&ps->lock);
	free(ps);
}

int podstore_put(struct podstore *ps, const struct pod_record *rec)
{
	struct pod_record *heap = calloc(1, sizeof(*heap));
	int r;

	if (!heap || pod_record_copy(heap, rec) < 0) {
		free(heap);
		return -ENOMEM;
	}
	r = persist(heap, true);
	if (r == 0) {
		pthread_mutex_lock(&ps->lock);
		r = insert(ps, heap);
		pthread_mutex_unlock(&ps->lock);
	}
	if (r < 0) {
		pod_record_done(heap);
		free(heap);
	}
	return r;
}

int podstore_get(struct podstore *ps, const char *uid, struct pod_record *ret)
{
	struct pod_record *rec;
	int r = -ENOENT;

	pthread_mutex_lock(&ps->lock);
	rec = find(ps, uid);
	if (rec)
		r = pod_record_copy(ret, rec);
	pthread_mutex_unlock(&ps->lock);
	return r;
}

int podstore_mark_deleting(struct podstore *ps, const char *uid)
{
	struct pod_record *rec;
	int r = -ENOENT;

	pthread_mutex_lock(&ps->lock);
	rec = find(ps, uid);
	if (rec) {
		if (!rec->deleting)
			rec->deleted_at = time(NULL);
		rec->deleting = true;
		r = persist(rec, false);
	}
	pthread_mutex_unlock(&ps->lock);
	return r;
}

int podstore_set_final(struct podstore *ps, const char *uid,
		       const struct ilk_job_info *info)
{
	struct pod_record *rec;
	int r = -ENOENT;

	pthread_mutex_lock(&ps->lock);
	rec = find(ps, uid);
	/* a cancelled job is DONE before Slurm knows its exit code */
	if (rec && (!rec->has_final ||
		    (rec->final.exit_code < 0 && info->exit_code >= 0))) {
		rec->has_final = true;
		rec->final = *info;
		r = persist(rec, false);
	} else if (rec) {
		r = 0;
	}
	pthread_mutex_unlock(&ps->lock);
	return r;
}

int podstore_remove(struct podstore *ps, const char *uid)
{
	struct pod_record *r;
	char dir[sizeof(r->dir)];
	int rc;

	pthread_mutex_lock(&ps->lock);
	r = find(ps, uid);
	if (r)
		snprintf(dir, sizeof(dir), "%s", r->dir);
	pthread_mutex_unlock(&ps->lock);
	if (!r)
		return -ENOENT;
	/*
	 * The folder first: while a dying job still writes into it the
	 * removal fails, and the record stays for the next try.
	 */
	rc = fs_rm_rf(dir);
	if (rc < 0) {
		log_debug("cannot remove '%s' yet: %s", dir, strerror(-rc));
		return rc;
	}
	pthread_mutex_lock(&ps->lock);
	r = strmap_del(&ps->by_uid, uid);
	for (size_t i = 0; r && i < ps->n; i++)
		if (ps->v[i] == r) {
			ps->v[i] = ps->v[--ps->n];
			break;
		}
	pthread_mutex_unlock(&ps->lock);
	if (r) {
		pod_record_done(r);
		free(r);
	}
	return 0;
}

bool podstore_has_live(struct podstore *ps)
{
	bool live = false;

	pthread_mutex_lock(&ps->lock);
	for (size_t i = 0; !live && i < ps->n; i++) {
		const struct pod_record *r = ps->v[i];

		live = r->deleting || (r->job_id[0] && (!r->has_final ||
						       r->final.exit_code < 0));
	}
	pthread_mutex_unlock(&ps->lock);
	return live;
}

int podstore_list(struct podstore *ps, struct pod_record **ret,
		  size_t *ret_n)
{
	struct pod_record *v;
	size_t n = 0;
	int r = 0;

	pthread_mutex_lock(&ps->lock);
	v = calloc(ps->n ? ps->n : 1, sizeof(*v));
	if (!v)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < ps->n; i++) {
		r = pod_record_copy(&v[i], ps->v[i]);
		if (r == 0)
			n++;
	}
	pthread_mutex_unlock(&ps->lock);
	if (r < 0) {
		podstore_free_list(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

void podstore_free_list(struct pod_record *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		pod_record_done(&v[i]);
	free(v);
}
