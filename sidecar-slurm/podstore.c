/* sidecar-slurm/podstore.c - see podstore.h */
#include "podstore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "fsutil.h"
#include "journal.h"
#include "safefs.h"
#include "strmap.h"
#include "log.h"
#include "text.h"

#define LEGACY_FILE "pod.json" /* the record in the pod folder, before */
#define RECORD_MAX (1u << 20)
#define STRIPES 64 /* record writes of one pod are ordered by its stripe */
#define REMOVE_RETRIES 120 /* a folder still written to: once a second */
#define JOURNAL_NAME ".journal" /* in <StateDirectory>/pods */
#define JOURNAL_COMPACT (4u << 20) /* bytes: then the records are synced */
#define REMOVE_BUDGET 10000 /* entries per turn: one huge tree stalls none */
#define TRASH_PREFIX ".ilk-removing-" /* a folder handed to the remover */

/* A folder to remove, then its record (when it has one). */
struct removal {
	char uid[65]; /* the pod's UID, or the trash folder's name */
	char dir[4096];
	bool has_record;
	int tries;
	struct removal *next;
};

struct podstore {
	pthread_mutex_t lock;
	char *root;
	int rootfd;  /* DataRootFolder */
	int statefd; /* <StateDirectory>/pods */
	struct pod_record **v; /* for listing */
	size_t n, cap;
	struct strmap by_uid;  /* uid -> record: O(1) lookups */
	struct strmap removing; /* uid -> struct removal (queued) */
	struct pod_record *legacy;
	size_t n_legacy;
	/* writes of one pod's record, in order; never held with lock */
	pthread_mutex_t stripe[STRIPES];
	/* every record change goes to the journal first (durably, one
	 * fdatasync per batch of concurrent changes), then to its record
	 * file (no fsync); jlock: read side around the two, write side to
	 * sync all record files and empty the journal (compact) */
	struct journal *jl;
	pthread_rwlock_t jlock;
	bool jlock_init;
	/* the remover thread */
	pthread_t remover;
	bool remover_started, stop;
	pthread_cond_t cond;
	struct removal *queue;
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
	if (snprintf(out, outlen, "%s/%s%c%s", ps->root, ns,
		     text_is_uuid(uid) ? '-' : '_', uid) >= (int)outlen)
		return -ENAMETOOLONG;
	return 0;
}

/* The folder's name (its last component). */
static const char *folder_of(const struct pod_record *r)
{
	const char *sl = strrchr(r->dir, '/');

	return sl ? sl + 1 : r->dir;
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
	cJSON_AddStringToObject(j, "folder", folder_of(r));
	cJSON_AddNumberToObject(j, "runUid", (double)r->run_uid);
	cJSON_AddNumberToObject(j, "runGid", (double)r->run_gid);
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
	r->run_uid = num_or(j, "runUid", -1);
	r->run_gid = num_or(j, "runGid", -1);
	if (r->run_uid < -1 || r->run_uid > UINT32_MAX - 1)
		r->run_uid = -1;
	if (r->run_gid < -1 || r->run_gid > UINT32_MAX - 1)
		r->run_gid = -1;
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


/* The record file of uid in the state tree. */
static void record_name(const char *uid, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s.json", uid);
}

static pthread_mutex_t *stripe_of(struct podstore *ps, const char *uid)
{
	unsigned h = 5381;

	for (const char *p = uid; *p; p++)
		h = h * 33 + (unsigned char)*p;
	return &ps->stripe[h % STRIPES];
}

/*
 * Make every record file durable (one syncfs of the state tree's file
 * system) and empty the journal, once it has grown to limit bytes.
 */
static void compact(struct podstore *ps, uint64_t limit)
{
	int r = 0;

	if (journal_size(ps->jl) < limit || journal_size(ps->jl) == 0)
		return;
	pthread_rwlock_wrlock(&ps->jlock);
	if (journal_size(ps->jl) >= limit && journal_size(ps->jl) > 0) {
		r = syncfs(ps->statefd) < 0 ? -errno : 0;
		if (r == 0)
			r = journal_truncate(ps->jl);
	}
	pthread_rwlock_unlock(&ps->jlock);
	if (r < 0)
		log_warn_errno(r, "cannot compact the pod journal");
}

/*
 * Write r's record to the state tree, with extra keys: durably into the
 * journal (shared fdatasync), then as its record file (replaced
 * atomically, no fsync: a crash before the journal is compacted is
 * repaired from the journal at the next start).  Caller holds r's stripe.
 */
static int write_record(struct podstore *ps, const struct pod_record *r,
			bool removing)
{
	cJSON *j = record_json(r);
	char *s = NULL, *line = NULL, name[96];
	int rc = -ENOMEM;

	if (j && removing)
		cJSON_AddBoolToObject(j, "removing", true);
	s = j ? cJSON_Print(j) : NULL; /* the file: for people to read */
	line = j ? cJSON_PrintUnformatted(j) : NULL; /* the journal */
	record_name(r->uid, name, sizeof(name));
	if (s && line) {
		pthread_rwlock_rdlock(&ps->jlock);
		rc = journal_append(ps->jl, line, strlen(line), true);
		if (rc == 0)
			rc = sfs_write_atomic(ps->statefd, name, s, strlen(s),
					      0600, (uid_t)-1, (gid_t)-1, 0);
		pthread_rwlock_unlock(&ps->jlock);
		if (rc == 0)
			compact(ps, JOURNAL_COMPACT);
	}
	cJSON_free(line);
	cJSON_free(s);
	cJSON_Delete(j);
	return rc;
}

/* What the upstream files of a pod said at its last podstore_put. */
struct upstream_seen {
	bool known; /* the pod was in the table */
	char namespace[64];
	char job_id[ILK_JOB_ID_MAX];
};

/*
 * Upstream's files in the pod's folder, for operators' habits and tools:
 * copies, never read back, replaced without following anything the
 * tenant planted there, without fsync (made again from the record), and
 * only those whose text changed since the pod's last put (seen).  Best
 * effort.
 */
static void write_upstream_files(const struct pod_record *r,
				 const struct upstream_seen *seen)
{
	const struct {
		const char *name, *text;
	} files[] = {
		{"JobID.jid", r->job_id},
		{"PodUID.uid", r->uid},
		{"PodNamespace.ns", r->namespace},
	};
	const bool changed[] = {
		!seen->known || strcmp(seen->job_id, r->job_id) != 0,
		!seen->known,
		!seen->known || strcmp(seen->namespace, r->namespace) != 0,
	};
	int dfd;

	if (!changed[0] && !changed[1] && !changed[2])
		return;
	dfd = sfs_open_trusted_dir(r->dir);
	if (dfd < 0)
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (changed[i] && files[i].text[0])
			(void)sfs_write_atomic(dfd, files[i].name,
					       files[i].text,
					       strlen(files[i].text), 0644,
					       (uid_t)-1, (gid_t)-1, 0);
	close(dfd);
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

/* Take uid out of the table; the caller frees it. */
static struct pod_record *unlink_record(struct podstore *ps, const char *uid)
{
	struct pod_record *r = strmap_del(&ps->by_uid, uid);

	for (size_t i = 0; r && i < ps->n; i++)
		if (ps->v[i] == r) {
			ps->v[i] = ps->v[--ps->n];
			break;
		}
	return r;
}

/* ---- the remover ------------------------------------------------------ */

/* Queue a removal (lock held). */
static int queue_removal(struct podstore *ps, const char *uid,
			 const char *dir, bool has_record)
{
	struct removal *rm;

	if (strmap_get(&ps->removing, uid))
		return 0;
	rm = calloc(1, sizeof(*rm));
	if (!rm)
		return -ENOMEM;
	snprintf(rm->uid, sizeof(rm->uid), "%s", uid);
	snprintf(rm->dir, sizeof(rm->dir), "%s", dir);
	rm->has_record = has_record;
	if (strmap_put(&ps->removing, rm->uid, rm) < 0) {
		free(rm);
		return -ENOMEM;
	}
	rm->next = ps->queue;
	ps->queue = rm;
	pthread_cond_signal(&ps->cond);
	return 0;
}

/* Append rm to the queue's tail (lock held). */
static void queue_tail(struct podstore *ps, struct removal *rm)
{
	struct removal **p = &ps->queue;

	while (*p)
		p = &(*p)->next;
	rm->next = NULL;
	*p = rm;
}

enum removed { REMOVED, REMOVE_LATER, REMOVE_MORE };

/*
 * Remove one folder (REMOVE_BUDGET entries of it: REMOVE_MORE when there
 * is more), then its record; REMOVE_LATER to try again later.  Every
 * folder of the tree is made root's and 0700 before it is emptied, so the
 * tenant cannot refill it behind the remover.
 */
static enum removed remove_one(struct podstore *ps, struct removal *rm)
{
	const char *leaf = strrchr(rm->dir, '/');
	long budget = REMOVE_BUDGET;
	char name[96];
	int r;

	leaf = leaf ? leaf + 1 : rm->dir;
	r = sfs_rm_tree_budget(ps->rootfd, leaf, SFS_RM_LOCK, &budget);
	if (r == -EAGAIN)
		return REMOVE_MORE;
	if (r < 0) {
		log_debug("cannot remove '%s' yet: %s", rm->dir, strerror(-r));
		return REMOVE_LATER;
	}
	if (!rm->has_record) {
		log_debug("removed '%s'", rm->dir);
		return REMOVED;
	}
	record_name(rm->uid, name, sizeof(name));
	pthread_mutex_lock(stripe_of(ps, rm->uid));
	pthread_rwlock_rdlock(&ps->jlock);
	r = sfs_unlink(ps->statefd, name);
	if (r == 0) {
		/* not synced: lost, the journal's last word on the pod is
		 * its removal, which the next start resumes (and finds done) */
		cJSON *t = cJSON_CreateObject();
		char *s;

		cJSON_AddStringToObject(t, "uid", rm->uid);
		cJSON_AddBoolToObject(t, "gone", true);
		s = cJSON_PrintUnformatted(t);
		if (s)
			(void)journal_append(ps->jl, s, strlen(s), false);
		cJSON_free(s);
		cJSON_Delete(t);
	}
	pthread_rwlock_unlock(&ps->jlock);
	pthread_mutex_unlock(stripe_of(ps, rm->uid));
	if (r < 0)
		log_warn_errno(r, "pod %s: cannot remove its record", rm->uid);
	log_debug("pod %s: removed '%s'", rm->uid, rm->dir);
	return REMOVED;
}

static void *remover_run(void *arg)
{
	struct podstore *ps = arg;

	pthread_mutex_lock(&ps->lock);
	for (;;) {
		struct removal *batch, *again = NULL;
		bool more = false;
		struct timespec ts;

		while (!ps->stop && !ps->queue)
			pthread_cond_wait(&ps->cond, &ps->lock);
		if (ps->stop)
			break;
		batch = ps->queue;
		ps->queue = NULL;
		pthread_mutex_unlock(&ps->lock);
		while (batch) {
			struct removal *rm = batch;
			enum removed how;
			bool done;

			batch = rm->next;
			how = remove_one(ps, rm);
			done = how == REMOVED;
			if (how == REMOVE_LATER &&
			    ++rm->tries >= REMOVE_RETRIES) {
				log_warn("cannot remove '%s'; trying again at "
					 "the next start", rm->dir);
				done = true; /* the record stays: next start */
			}
			pthread_mutex_lock(&ps->lock);
			if (how == REMOVE_MORE) {
				/* the others first, then the rest of it */
				queue_tail(ps, rm);
				more = true;
			} else if (done) {
				strmap_del(&ps->removing, rm->uid);
				free(rm);
			} else {
				rm->next = again;
				again = rm;
			}
			pthread_mutex_unlock(&ps->lock);
		}
		pthread_mutex_lock(&ps->lock);
		if (!again || more) {
			while (again) {
				struct removal *rm = again;

				again = rm->next;
				queue_tail(ps, rm);
			}
			continue;
		}
		while (again) {
			struct removal *rm = again;

			again = rm->next;
			rm->next = ps->queue;
			ps->queue = rm;
		}
		/* a dying job may still write into its folder: later */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		while (!ps->stop &&
		       pthread_cond_timedwait(&ps->cond, &ps->lock, &ts) == 0)
			;
		if (ps->stop)
			break;
	}
	pthread_mutex_unlock(&ps->lock);
	return NULL;
}

/* ---- loading ---------------------------------------------------------- */

/* Parse a record; 0 or -EINVAL. */
static int parse_record(const char *data, struct pod_record *r,
			bool *removing, char *folder, size_t folderlen)
{
	cJSON *j = cJSON_Parse(data);
	int rc = -EINVAL;

	if (j && record_from_json(j, r) == 0) {
		rc = 0;
		if (removing)
			*removing = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
				j, "removing"));
		if (folder)
			copy_str(folder, folderlen, j, "folder");
	}
	cJSON_Delete(j);
	return rc;
}

static bool folder_name_ok(const char *f)
{
	return f[0] && f[0] != '.' && !strchr(f, '/') && strlen(f) < 200;
}

/* One record file of the state tree. */
static void load_record(struct podstore *ps, const char *name)
{
	struct pod_record *r = calloc(1, sizeof(*r));
	char *data = NULL, folder[256] = "", want[96];
	bool removing = false;
	int rc;

	if (!r)
		return;
	rc = sfs_read_file(ps->statefd, name, RECORD_MAX, &data, NULL, NULL);
	if (rc < 0) {
		log_warn_errno(rc, "cannot read record '%s', ignoring", name);
		goto out;
	}
	if (parse_record(data, r, &removing, folder, sizeof(folder)) < 0) {
		log_warn("record '%s' is not a valid pod record, ignoring",
			 name);
		goto out;
	}
	record_name(r->uid, want, sizeof(want));
	if (strcmp(want, name) != 0 || !folder_name_ok(folder)) {
		log_warn("record '%s' does not match its pod, ignoring", name);
		goto out;
	}
	snprintf(r->dir, sizeof(r->dir), "%s/%s", ps->root, folder);
	if (removing) {
		(void)queue_removal(ps, r->uid, r->dir, true);
		goto out;
	}
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
	free(data);
}

/* "<ns>-<uuid>" or "<ns>_<uid>": this store's folder names. */
static bool looks_like_pod_folder(const char *entry)
{
	const char *us = strchr(entry, '_');
	size_t n = strlen(entry);

	if (us)
		return text_is_uid(us + 1);
	return n > 37 && entry[n - 37] == '-' && text_is_uuid(entry + n - 36);
}

/*
 * Hand the folder entry of rootfd to the remover: renamed at once to a
 * trash name (so the name is free again), removed in the background.
 */
static int discard_at(struct podstore *ps, int rootfd, const char *entry)
{
	char trash[64], dir[PATH_MAX];
	int r;

	memcpy(trash, TRASH_PREFIX, sizeof(TRASH_PREFIX));
	r = sfs_random_hex(trash + sizeof(TRASH_PREFIX) - 1, 24);
	if (r < 0)
		return r;
	if (renameat(rootfd, entry, rootfd, trash) < 0)
		return errno == ENOENT ? 0 : -errno;
	snprintf(dir, sizeof(dir), "%s/%s", ps->root, trash);
	pthread_mutex_lock(&ps->lock);
	r = queue_removal(ps, trash, dir, false);
	pthread_mutex_unlock(&ps->lock);
	return r;
}

int podstore_discard(struct podstore *ps, const char *dir)
{
	size_t n = strlen(ps->root);

	/* only a folder of DataRootFolder, by its name there */
	if (strncmp(dir, ps->root, n) != 0 || dir[n] != '/' ||
	    !dir[n + 1] || strchr(dir + n + 1, '/') || dir[n + 1] == '.')
		return -EINVAL;
	return discard_at(ps, ps->rootfd, dir + n + 1);
}

/*
 * A folder of DataRootFolder that no record claims: an old-layout pod
 * (pod.json inside: listed as legacy), a create that stopped before its
 * record was written (removed), or something else (left alone).
 */
static void scan_folder(struct podstore *ps, int rootfd, const char *entry)
{
	struct pod_record r = {0};
	char *data = NULL, want[256];
	int dfd, rc;

	dfd = sfs_open_dir(rootfd, entry);
	if (dfd < 0)
		return;
	rc = sfs_read_file(dfd, LEGACY_FILE, RECORD_MAX, &data, NULL, NULL);
	if (rc == -ENOENT) {
		struct stat st;

		/* JobID.jid: upstream's plugin's folder, or someone's */
		if (looks_like_pod_folder(entry) &&
		    fstatat(dfd, "JobID.jid", &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT && discard_at(ps, rootfd, entry) == 0)
			log_notice("removing '%s/%s': a create that never got "
				   "as far as its record", ps->root, entry);
		goto out;
	}
	if (rc < 0) {
		log_warn_errno(rc, "cannot read '%s/%s/%s', ignoring",
			       ps->root, entry, LEGACY_FILE);
		goto out;
	}
	if (parse_record(data, &r, NULL, NULL, 0) < 0) {
		log_warn("'%s/%s/%s' is not a valid pod record, ignoring",
			 ps->root, entry, LEGACY_FILE);
		goto out;
	}
	snprintf(want, sizeof(want), "%s-%s", r.namespace, r.uid);
	if (strcmp(want, entry) != 0 || find(ps, r.uid) ||
	    strmap_get(&ps->removing, r.uid)) {
		log_warn("'%s/%s/%s' is not this pod's record (planted?), "
			 "ignoring", ps->root, entry, LEGACY_FILE);
		goto out;
	}
	{
		struct pod_record *nv = realloc(ps->legacy, (ps->n_legacy + 1) *
							    sizeof(*nv));

		if (!nv)
			goto out;
		ps->legacy = nv;
		snprintf(r.dir, sizeof(r.dir), "%s/%s", ps->root, entry);
		r.run_uid = r.run_gid = -1;
		ps->legacy[ps->n_legacy++] = r;
		memset(&r, 0, sizeof(r));
	}
out:
	pod_record_done(&r);
	free(data);
	close(dfd);
}

/* Which folders the loaded records (and removals) own. */
static bool claimed(struct podstore *ps, const char *entry)
{
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(folder_of(ps->v[i]), entry) == 0)
			return true;
	for (struct removal *rm = ps->queue; rm; rm = rm->next) {
		const char *sl = strrchr(rm->dir, '/');

		if (sl && strcmp(sl + 1, entry) == 0)
			return true;
	}
	return false;
}

/*
 * Is the folder path, and every folder above it, root's or ours and
 * writable by nobody else?  Above it a sticky folder others may write is
 * fine (/tmp: nobody can rename what is not theirs there); the folder
 * itself must be writable by nobody else at all (strict), sticky or not:
 * a tenant could create there the names root is about to use.  0, or -1
 * with err set ("<what> '<path>': ...").
 */
static int check_owners(const char *path, const char *what, bool strict,
			char *err, size_t errlen)
{
	char real[PATH_MAX], *sl;
	bool self = true;

	if (!realpath(path, real)) {
		snprintf(err, errlen, "%s '%s': %s", what, path,
			 strerror(errno));
		return -1;
	}
	for (;;) {
		struct stat st;

		if (stat(real, &st) < 0) {
			snprintf(err, errlen, "%s '%s': '%s': %s", what, path,
				 real, strerror(errno));
			return -1;
		}
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			snprintf(err, errlen, "%s '%s': '%s' is owned by uid "
				 "%u, not root or this daemon's user (%u): "
				 "its owner could replace what is in it",
				 what, path, real, (unsigned)st.st_uid,
				 (unsigned)geteuid());
			return -1;
		}
		if ((st.st_mode & 022) &&
		    ((self && strict) || !(st.st_mode & S_ISVTX))) {
			snprintf(err, errlen, "%s '%s': '%s' is writable by "
				 "group or others (mode %04o): a user could "
				 "replace what is in it; make it 0755",
				 what, path, real,
				 (unsigned)(st.st_mode & 07777));
			return -1;
		}
		self = false;
		sl = strrchr(real, '/');
		if (!sl || (sl == real && !real[1]))
			break;
		if (sl == real)
			sl[1] = '\0';
		else
			*sl = '\0';
	}
	return 0;
}

/* The state tree: ours alone, or refused. */
static int open_state(const char *state_dir, char *err, size_t errlen)
{
	char parent[PATH_MAX];
	struct stat st;
	int fd, sub, r;
	char *sl;

	/* the parents as any folder (0755: DataRootFolder may be beside
	 * it), the folder itself 0700 */
	snprintf(parent, sizeof(parent), "%s", state_dir);
	sl = strrchr(parent, '/');
	if (sl && sl != parent) {
		*sl = '\0';
		r = fs_mkdir_p(parent, 0755);
		if (r < 0) {
			snprintf(err, errlen, "StateDirectory '%s': %s",
				 state_dir, strerror(-r));
			return -1;
		}
		/* a folder others may rename things in is no safe
		 * parent, nor one another user owns */
		if (check_owners(parent, "StateDirectory", false, err,
				 errlen) < 0)
			return -1;
	}
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "StateDirectory '%s': %s", state_dir,
			 strerror(errno));
		return -1;
	}
	fd = sfs_open_trusted_dir(state_dir);
	if (fd < 0) {
		snprintf(err, errlen, "StateDirectory '%s': %s", state_dir,
			 strerror(-fd));
		return -1;
	}
	for (int level = 0; level < 2; level++) {
		if (fstat(fd, &st) < 0 || st.st_uid != geteuid() ||
		    (st.st_mode & 022)) {
			snprintf(err, errlen, "StateDirectory '%s'%s must be "
				 "owned by uid %u and writable by nobody else "
				 "(it holds the records the sidecar trusts)",
				 state_dir, level ? "/pods" : "",
				 (unsigned)geteuid());
			close(fd);
			return -1;
		}
		if (level)
			break;
		if (mkdirat(fd, "pods", 0700) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "StateDirectory '%s/pods': %s",
				 state_dir, strerror(errno));
			close(fd);
			return -1;
		}
		sub = sfs_open_dir(fd, "pods");
		close(fd);
		if (sub < 0) {
			snprintf(err, errlen, "StateDirectory '%s/pods': %s",
				 state_dir, strerror(-sub));
			return -1;
		}
		fd = sub;
	}
	return fd;
}

/* The journal's last entry of each pod, in the order first seen. */
struct replay_entry {
	char uid[65];
	char *text; /* NULL: the pod's record file is gone */
};

struct replay {
	struct strmap by_uid;
	struct replay_entry **v;
	size_t n, cap;
	bool oom;
};

static void replay_one(void *ctx, const char *text, size_t len)
{
	struct replay *rp = ctx;
	cJSON *j = cJSON_ParseWithLength(text, len);
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(j, "uid");
	struct replay_entry *e;

	if (!cJSON_IsString(u) || !text_is_uid(u->valuestring)) {
		log_warn("pod journal: an entry without a pod, ignoring");
		goto out;
	}
	e = strmap_get(&rp->by_uid, u->valuestring);
	if (!e) {
		if (rp->n == rp->cap) {
			size_t cap = rp->cap ? rp->cap * 2 : 64;
			struct replay_entry **nv =
				realloc(rp->v, cap * sizeof(*nv));

			if (!nv)
				goto oom;
			rp->v = nv;
			rp->cap = cap;
		}
		e = calloc(1, sizeof(*e));
		if (!e)
			goto oom;
		snprintf(e->uid, sizeof(e->uid), "%s", u->valuestring);
		if (strmap_put(&rp->by_uid, e->uid, e) < 0) {
			free(e);
			goto oom;
		}
		rp->v[rp->n++] = e;
	}
	free(e->text);
	e->text = NULL;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "gone")) &&
	    !(e->text = strdup(text)))
		goto oom;
	goto out;
oom:
	rp->oom = true;
out:
	cJSON_Delete(j);
}

/*
 * Bring the record files up to the journal (a crash may have lost the
 * unsynced writes of the files, never of the journal), durably, then
 * empty the journal.
 */
static int replay_journal(struct podstore *ps)
{
	struct replay rp = {0};
	int r;

	strmap_init(&rp.by_uid);
	r = journal_replay(ps->jl, replay_one, &rp);
	if (r == 0 && rp.oom)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < rp.n; i++) {
		char name[96];

		record_name(rp.v[i]->uid, name, sizeof(name));
		r = rp.v[i]->text ?
			    sfs_write_atomic(ps->statefd, name, rp.v[i]->text,
					     strlen(rp.v[i]->text), 0600,
					     (uid_t)-1, (gid_t)-1, SFS_DATASYNC) :
			    sfs_unlink(ps->statefd, name);
	}
	if (r == 0 && rp.n && fsync(ps->statefd) < 0)
		r = -errno;
	if (r == 0 && journal_size(ps->jl) > 0)
		r = journal_truncate(ps->jl);
	if (r == 0 && rp.n)
		log_info("pod journal: %zu records brought up to date", rp.n);
	for (size_t i = 0; i < rp.n; i++) {
		free(rp.v[i]->text);
		free(rp.v[i]);
	}
	free(rp.v);
	strmap_done(&rp.by_uid);
	return r;
}

struct podstore *podstore_open(const char *data_root, const char *state_dir,
			       char *err, size_t errlen)
{
	struct podstore *ps = calloc(1, sizeof(*ps));
	struct dirent *de;
	DIR *d;
	int r, rootfd;

	if (!ps || !(ps->root = strdup(data_root))) {
		free(ps);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ps->statefd = ps->rootfd = -1;
	pthread_mutex_init(&ps->lock, NULL);
	pthread_cond_init(&ps->cond, NULL);
	for (size_t i = 0; i < STRIPES; i++)
		pthread_mutex_init(&ps->stripe[i], NULL);
	{
		pthread_rwlockattr_t a;

		/* a compaction waits for the writes under way, not for
		 * every write that comes after it */
		pthread_rwlockattr_init(&a);
		pthread_rwlockattr_setkind_np(
			&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&ps->jlock, &a);
		pthread_rwlockattr_destroy(&a);
		ps->jlock_init = true;
	}
	strmap_init(&ps->by_uid);
	strmap_init(&ps->removing);
	ps->statefd = open_state(state_dir, err, errlen);
	if (ps->statefd < 0)
		goto fail;
	r = journal_open(ps->statefd, JOURNAL_NAME, &ps->jl);
	if (r == 0)
		r = replay_journal(ps);
	if (r < 0) {
		snprintf(err, errlen, "StateDirectory '%s': the pod journal: %s",
			 state_dir, strerror(-r));
		goto fail;
	}
	r = fs_mkdir_p(data_root, 0755);
	if (r < 0) {
		snprintf(err, errlen, "DataRootFolder '%s': %s", data_root,
			 strerror(-r));
		goto fail;
	}
	/* a tenant who can rename the pod folders there could plant a
	 * symlink where root writes a job's files next */
	if (check_owners(data_root, "DataRootFolder", true, err, errlen) < 0)
		goto fail;
	ps->rootfd = sfs_open_trusted_dir(data_root);
	if (ps->rootfd < 0) {
		snprintf(err, errlen, "DataRootFolder '%s': %s", data_root,
			 strerror(-ps->rootfd));
		goto fail;
	}
	/* the records first: they say which folders are whose */
	r = dup(ps->statefd);
	d = r >= 0 ? fdopendir(r) : NULL;
	if (!d) {
		if (r >= 0)
			close(r);
		snprintf(err, errlen, "StateDirectory '%s': %s", state_dir,
			 strerror(errno));
		goto fail;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (de->d_name[0] != '.' && n > 5 &&
		    strcmp(de->d_name + n - 5, ".json") == 0)
			load_record(ps, de->d_name);
		/* a write that stopped before its rename (sfs_write_atomic) */
		else if (strncmp(de->d_name, ".ilk-tmp-", 9) == 0)
			(void)unlinkat(ps->statefd, de->d_name, 0);
	}
	closedir(d);
	rootfd = dup(ps->rootfd);
	d = rootfd >= 0 ? fdopendir(rootfd) : NULL;
	if (!d) {
		snprintf(err, errlen, "DataRootFolder '%s': %s", data_root,
			 strerror(errno));
		if (rootfd >= 0)
			close(rootfd);
		goto fail;
	}
	while ((de = readdir(d))) {
		char planted[300];
		struct stat st;

		if (strncmp(de->d_name, TRASH_PREFIX,
			    sizeof(TRASH_PREFIX) - 1) == 0) {
			char dir[PATH_MAX];

			/* handed to the remover before a restart */
			snprintf(dir, sizeof(dir), "%s/%s", ps->root,
				 de->d_name);
			(void)queue_removal(ps, de->d_name, dir, false);
			continue;
		}
		if (de->d_name[0] == '.')
			continue;
		if (!claimed(ps, de->d_name)) {
			scan_folder(ps, dirfd(d), de->d_name);
			continue;
		}
		/* the record is ours; a pod.json beside it is the tenant's */
		snprintf(planted, sizeof(planted), "%s/%s", de->d_name,
			 LEGACY_FILE);
		if (fstatat(dirfd(d), planted, &st, AT_SYMLINK_NOFOLLOW) == 0)
			log_warn("'%s/%s' is not this pod's record (planted?), "
				 "ignoring", ps->root, planted);
	}
	closedir(d);
	if (pthread_create(&ps->remover, NULL, remover_run, ps) != 0) {
		snprintf(err, errlen, "cannot start the folder remover");
		goto fail;
	}
	ps->remover_started = true;
	return ps;
fail:
	podstore_close(ps);
	return NULL;
}

void podstore_close(struct podstore *ps)
{
	if (!ps)
		return;
	if (ps->remover_started) {
		pthread_mutex_lock(&ps->lock);
		ps->stop = true;
		pthread_cond_broadcast(&ps->cond);
		pthread_mutex_unlock(&ps->lock);
		pthread_join(ps->remover, NULL);
	}
	/* a clean stop leaves the record files durable, the journal empty */
	if (ps->jl && ps->statefd >= 0)
		compact(ps, 0);
	while (ps->queue) {
		struct removal *rm = ps->queue;

		ps->queue = rm->next;
		free(rm); /* recorded: resumed at the next start */
	}
	for (size_t i = 0; i < ps->n; i++) {
		pod_record_done(ps->v[i]);
		free(ps->v[i]);
	}
	podstore_free_list(ps->legacy, ps->n_legacy);
	free(ps->v);
	strmap_done(&ps->by_uid);
	strmap_done(&ps->removing);
	if (ps->statefd >= 0)
		close(ps->statefd);
	if (ps->rootfd >= 0)
		close(ps->rootfd);
	free(ps->root);
	for (size_t i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&ps->stripe[i]);
	journal_close(ps->jl);
	if (ps->jlock_init)
		pthread_rwlock_destroy(&ps->jlock);
	pthread_cond_destroy(&ps->cond);
	pthread_mutex_destroy(&ps->lock);
	free(ps);
}

int podstore_take_legacy(struct podstore *ps, struct pod_record **ret,
			 size_t *ret_n)
{
	pthread_mutex_lock(&ps->lock);
	*ret = ps->legacy;
	*ret_n = ps->n_legacy;
	ps->legacy = NULL;
	ps->n_legacy = 0;
	pthread_mutex_unlock(&ps->lock);
	return 0;
}

/* ---- changes ---------------------------------------------------------- */

/*
 * Persist uid's current record: under its stripe (so the last write of
 * a pod is its newest state), never under the table's lock.
 */
static int persist_current(struct podstore *ps, const char *uid)
{
	struct pod_record copy;
	pthread_mutex_t *st = stripe_of(ps, uid);
	int r;

	pthread_mutex_lock(st);
	pthread_mutex_lock(&ps->lock);
	r = find(ps, uid) ? pod_record_copy(&copy, find(ps, uid)) : -ENOENT;
	pthread_mutex_unlock(&ps->lock);
	if (r == 0) {
		r = write_record(ps, &copy, false);
		pod_record_done(&copy);
	}
	pthread_mutex_unlock(st);
	return r;
}

int podstore_put(struct podstore *ps, const struct pod_record *rec)
{
	struct pod_record *heap = calloc(1, sizeof(*heap)), *old;
	pthread_mutex_t *st = stripe_of(ps, rec->uid);
	struct upstream_seen seen = {0};
	int r;

	if (!heap || pod_record_copy(heap, rec) < 0) {
		free(heap);
		return -ENOMEM;
	}
	pthread_mutex_lock(st);
	pthread_mutex_lock(&ps->lock);
	old = find(ps, rec->uid);
	if (old) {
		seen.known = true;
		snprintf(seen.namespace, sizeof(seen.namespace), "%s",
			 old->namespace);
		snprintf(seen.job_id, sizeof(seen.job_id), "%s", old->job_id);
	}
	pthread_mutex_unlock(&ps->lock);
	r = write_record(ps, heap, false);
	if (r == 0) {
		pthread_mutex_lock(&ps->lock);
		r = insert(ps, heap);
		pthread_mutex_unlock(&ps->lock);
	}
	pthread_mutex_unlock(st);
	if (r < 0) {
		pod_record_done(heap);
		free(heap);
		return r;
	}
	write_upstream_files(rec, &seen);
	return 0;
}

int podstore_migrate(struct podstore *ps, const struct pod_record *rec)
{
	int r = podstore_put(ps, rec), dfd;

	if (r < 0)
		return r;
	dfd = sfs_open_trusted_dir(rec->dir);
	if (dfd >= 0) {
		r = sfs_unlink(dfd, LEGACY_FILE);
		close(dfd);
	}
	return r < 0 ? r : 0;
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

bool podstore_removing(struct podstore *ps, const char *uid)
{
	bool r;

	pthread_mutex_lock(&ps->lock);
	r = strmap_get(&ps->removing, uid) != NULL;
	pthread_mutex_unlock(&ps->lock);
	return r;
}

int podstore_mark_deleting(struct podstore *ps, const char *uid)
{
	struct pod_record *rec;
	bool changed = false;
	int r = -ENOENT;

	pthread_mutex_lock(&ps->lock);
	rec = find(ps, uid);
	if (rec) {
		if (!rec->deleting) {
			rec->deleted_at = time(NULL);
			changed = true;
		}
		rec->deleting = true;
		r = 0;
	}
	pthread_mutex_unlock(&ps->lock);
	/* written once: a repeated delete changes nothing */
	return changed ? persist_current(ps, uid) : r;
}

/* Is info about uid's job ("<prefix>=<uid>", the sidecar's tag)? */
static bool info_is_of(const struct ilk_job_info *info, const char *uid)
{
	const char *eq = strchr(info->tag, '=');

	return eq && strcmp(eq + 1, uid) == 0;
}

int podstore_set_final(struct podstore *ps, const char *uid,
		       const struct ilk_job_info *info)
{
	struct pod_record *rec;
	bool changed = false;
	int r = -ENOENT;

	if (!info_is_of(info, uid))
		return 0; /* a job id that now names another pod's job */
	pthread_mutex_lock(&ps->lock);
	rec = find(ps, uid);
	/* a cancelled job is DONE before Slurm knows its exit code */
	if (rec && (!rec->has_final ||
		    (rec->final.exit_code < 0 && info->exit_code >= 0))) {
		rec->has_final = true;
		rec->final = *info;
		changed = true;
	}
	if (rec)
		r = 0;
	pthread_mutex_unlock(&ps->lock);
	return changed ? persist_current(ps, uid) : r;
}

int podstore_forget_job(struct podstore *ps, const char *uid,
			const char *job_id, const char *reason)
{
	struct pod_record *rec;
	int r = -ENOENT;

	pthread_mutex_lock(&ps->lock);
	rec = find(ps, uid);
	if (rec && strcmp(rec->job_id, job_id) == 0) {
		rec->job_id[0] = '\0';
		rec->has_final = true;
		memset(&rec->final, 0, sizeof(rec->final));
		rec->final.struct_size = sizeof(rec->final);
		rec->final.phase = ILK_JOB_DONE;
		rec->final.exit_code = -1;
		rec->final.user_id = -1;
		snprintf(rec->final.state, sizeof(rec->final.state), "LOST");
		snprintf(rec->final.reason, sizeof(rec->final.reason), "%s",
			 reason);
		r = 0;
	}
	pthread_mutex_unlock(&ps->lock);
	return r < 0 ? r : persist_current(ps, uid);
}

int podstore_remove(struct podstore *ps, const char *uid)
{
	pthread_mutex_t *st = stripe_of(ps, uid);
	struct pod_record *r;
	int rc;

	pthread_mutex_lock(st);
	pthread_mutex_lock(&ps->lock);
	r = unlink_record(ps, uid);
	pthread_mutex_unlock(&ps->lock);
	if (!r) {
		pthread_mutex_unlock(st);
		return -ENOENT;
	}
	/* the removal is recorded first: a restart resumes it */
	rc = write_record(ps, r, true);
	if (rc < 0)
		log_warn_errno(rc, "pod %s: cannot record its removal", uid);
	pthread_mutex_lock(&ps->lock);
	rc = queue_removal(ps, uid, r->dir, true);
	pthread_mutex_unlock(&ps->lock);
	pthread_mutex_unlock(st);
	pod_record_done(r);
	free(r);
	return rc;
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
