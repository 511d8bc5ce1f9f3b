/*
 * tests/unit/test_podstore.c - sidecar-slurm/podstore.c: the pod table and
 * its persistence in a temp DataRootFolder: put/get/list/mark_deleting/
 * set_final/remove, restoring on reopen, ignoring what is not a valid
 * record, and copies that are independent of the store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "podstore.h"

#define UID1 "3f1c2a9e-0b7d-4c55-9a51-2d6e8f0a1b22"
#define UID2 "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
#define UID3 "00000000-0000-4000-8000-000000000003"

struct fixture {
	char *tmp;  /* the temp dir */
	char *root; /* DataRootFolder: <tmp>/data root (not yet created) */
	char *state; /* StateDirectory: <tmp>/state (not yet created) */
	struct podstore *ps;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (!f || !(f->tmp = strdup("/tmp/test_podstore.XXXXXX")) ||
	    !mkdtemp(f->tmp) || asprintf(&f->root, "%s/data root", f->tmp) < 0 ||
	    asprintf(&f->state, "%s/state", f->tmp) < 0)
		return -1;
	f->ps = podstore_open(f->root, f->state, err, sizeof(err));
	if (!f->ps) {
		print_error("podstore_open: %s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int r;

	podstore_close(f->ps);
	r = fs_rm_rf(f->tmp);
	free(f->root);
	free(f->state);
	free(f->tmp);
	free(f);
	return r;
}

static void reopen(struct fixture *f)
{
	char err[256];

	podstore_close(f->ps);
	f->ps = podstore_open(f->root, f->state, err, sizeof(err));
	if (!f->ps)
		fail_msg("podstore_open: %s", err);
}

static char **names(const char *const *v, size_t n)
{
	char **r = calloc(n + 1, sizeof(char *));

	assert_non_null(r);
	for (size_t i = 0; i < n; i++)
		assert_non_null(r[i] = strdup(v[i]));
	return r;
}

/* A record as /create makes it: folder created, names on the heap. */
static void make_rec(struct fixture *f, struct pod_record *r, const char *ns,
		     const char *uid, const char *name, const char *job_id)
{
	static const char *const init[] = {"prep"};
	static const char *const ctrs[] = {"main", "side-car"};

	memset(r, 0, sizeof(*r));
	snprintf(r->uid, sizeof(r->uid), "%s", uid);
	snprintf(r->namespace, sizeof(r->namespace), "%s", ns);
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->job_id, sizeof(r->job_id), "%s", job_id);
	assert_int_equal(podstore_dir(f->ps, ns, uid, r->dir, sizeof(r->dir)),
			 0);
	assert_int_equal(fs_mkdir_p(r->dir, 0755), 0);
	r->init_names = names(init, 1);
	r->n_init = 1;
	r->names = names(ctrs, 2);
	r->n_names = 2;
	r->created = 1784023200;
}

static void put_new(struct fixture *f, const char *ns, const char *uid,
		    const char *name, const char *job_id)
{
	struct pod_record r;

	make_rec(f, &r, ns, uid, name, job_id);
	assert_int_equal(podstore_put(f->ps, &r), 0);
	pod_record_done(&r);
}

/* The record of uid in the state tree. */
static char *record_of(struct fixture *f, const char *uid)
{
	char *p = NULL, *data = NULL;
	int r;

	assert_true(asprintf(&p, "%s/pods/%s.json", f->state, uid) > 0);
	r = fs_read_file(p, 1 << 20, &data, NULL);
	free(p);
	if (r == -ENOENT)
		return NULL;
	assert_int_equal(r, 0);
	return data;
}

/* The remover thread works in the background: wait for it. */
static bool gone_soon(const char *path)
{
	for (int i = 0; i < 500; i++) {
		if (fs_exists(path) == 0)
			return true;
		usleep(10000);
	}
	return false;
}

static char *file_in(const char *dir, const char *name)
{
	char *p = NULL, *data = NULL;
	int r;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	r = fs_read_file(p, 1 << 20, &data, NULL);
	free(p);
	if (r == -ENOENT)
		return NULL;
	assert_int_equal(r, 0);
	return data;
}

static void assert_file_is(const char *dir, const char *name,
			   const char *want)
{
	char *got = file_in(dir, name);

	if (!got)
		fail_msg("%s/%s is missing", dir, name);
	assert_string_equal(got, want);
	free(got);
}

static void assert_names(char *const *v, size_t n, const char *const *want,
			 size_t want_n)
{
	assert_int_equal(n, want_n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(v[i], want[i]);
}

static void assert_same(const struct pod_record *a,
			const struct pod_record *b)
{
	assert_string_equal(a->uid, b->uid);
	assert_string_equal(a->namespace, b->namespace);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->dir, b->dir);
	assert_string_equal(a->job_id, b->job_id);
	assert_names(a->init_names, a->n_init,
		     (const char *const *)b->init_names, b->n_init);
	assert_names(a->names, a->n_names, (const char *const *)b->names,
		     b->n_names);
	assert_int_equal(a->created, b->created);
	assert_int_equal(a->deleting, b->deleting);
	assert_int_equal(a->has_final, b->has_final);
}

static struct ilk_job_info final_info(const char *job_id, int exit_code,
				      const char *st, const char *reason)
{
	struct ilk_job_info i;

	memset(&i, 0, sizeof(i));
	i.struct_size = sizeof(i);
	snprintf(i.job_id, sizeof(i.job_id), "%s", job_id);
	i.phase = ILK_JOB_DONE;
	i.exit_code = exit_code;
	i.start_time = 1784023260;
	i.end_time = 1784023320;
	snprintf(i.state, sizeof(i.state), "%s", st);
	snprintf(i.reason, sizeof(i.reason), "%s", reason);
	return i;
}

/* ---- tests ------------------------------------------------------------ */

static void test_open_creates_root(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	struct pod_record *v = NULL;
	size_t n = 99;
	char dir[PATH_MAX];

	assert_int_equal(stat(f->root, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(podstore_list(f->ps, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_non_null(v);
	podstore_free_list(v, n);
	assert_int_equal(podstore_dir(f->ps, "ns1", UID1, dir, sizeof(dir)),
			 0);
	assert_true(strlen(dir) > strlen(f->root));
	assert_true(strncmp(dir, f->root, strlen(f->root)) == 0);
	assert_string_equal(dir + strlen(f->root), "/ns1-" UID1);
	assert_int_equal(podstore_dir(f->ps, "ns1", UID1, dir, 10),
			 -ENAMETOOLONG);
}

static void test_open_fails(void **state)
{
	struct fixture *f = *state;
	char err[256] = "", *file = NULL;

	/* DataRootFolder is a regular file */
	assert_true(asprintf(&file, "%s/a-file", f->tmp) > 0);
	assert_int_equal(fs_write_atomic(file, "x", 1, 0644), 0);
	assert_null(podstore_open(file, f->state, err, sizeof(err)));
	assert_non_null(strstr(err, "DataRootFolder '"));
	/* a StateDirectory others may write is refused */
	assert_int_equal(fs_mkdir_p(f->state, 0700), 0);
	assert_int_equal(chmod(f->state, 0777), 0);
	assert_null(podstore_open(f->root, f->state, err, sizeof(err)));
	assert_non_null(strstr(err, "writable by nobody else"));
	assert_int_equal(chmod(f->state, 0700), 0);
	free(file);
}

static void test_put_get(void **state)
{
	struct fixture *f = *state;
	static const char *const init[] = {"prep"};
	static const char *const ctrs[] = {"main", "side-car"};
	struct pod_record r, got;
	char *json;

	make_rec(f, &r, "ns1", UID1, "pod-a", "4711");
	assert_int_equal(podstore_put(f->ps, &r), 0);
	memset(&got, 0x55, sizeof(got));
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	assert_same(&got, &r);
	assert_false(got.deleting);
	assert_false(got.has_final);
	/* deep copies */
	assert_ptr_not_equal(got.names, r.names);
	assert_ptr_not_equal(got.names[0], r.names[0]);
	assert_names(got.init_names, got.n_init, init, 1);
	assert_names(got.names, got.n_names, ctrs, 2);
	pod_record_done(&got);
	assert_null(got.names);
	assert_int_equal(got.n_names, 0);
	pod_record_done(&got); /* twice is harmless */
	pod_record_done(NULL);

	/* the record in the state tree, upstream's files in the folder */
	assert_null(file_in(r.dir, "pod.json"));
	json = record_of(f, UID1);
	assert_non_null(json);
	assert_non_null(strstr(json, "\"uid\":\t\"" UID1 "\""));
	assert_non_null(strstr(json, "\"jobId\":\t\"4711\""));
	free(json);
	assert_file_is(r.dir, "JobID.jid", "4711");
	assert_file_is(r.dir, "PodUID.uid", UID1);
	assert_file_is(r.dir, "PodNamespace.ns", "ns1");

	assert_int_equal(podstore_get(f->ps, UID2, &got), -ENOENT);
	assert_int_equal(podstore_get(f->ps, "", &got), -ENOENT);
	pod_record_done(&r);
}

static void test_put_replaces(void **state)
{
	struct fixture *f = *state;
	struct pod_record r, got, *v;
	size_t n;

	/* not yet submitted: no JobID.jid */
	make_rec(f, &r, "ns1", UID1, "pod-a", "");
	assert_int_equal(podstore_put(f->ps, &r), 0);
	assert_null(file_in(r.dir, "JobID.jid"));
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	assert_string_equal(got.job_id, "");
	pod_record_done(&got);
	/* the same UID again replaces the record */
	snprintf(r.job_id, sizeof(r.job_id), "12");
	r.n_names = 1;
	assert_int_equal(podstore_put(f->ps, &r), 0);
	r.n_names = 2; /* so that pod_record_done frees both */
	assert_file_is(r.dir, "JobID.jid", "12");
	assert_int_equal(podstore_list(f->ps, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].job_id, "12");
	assert_int_equal(v[0].n_names, 1);
	assert_string_equal(v[0].names[0], "main");
	podstore_free_list(v, n);
	pod_record_done(&r);

	/* no containers at all is a record too */
	memset(&r, 0, sizeof(r));
	snprintf(r.uid, sizeof(r.uid), UID2);
	snprintf(r.namespace, sizeof(r.namespace), "ns2");
	assert_int_equal(podstore_dir(f->ps, "ns2", UID2, r.dir,
				      sizeof(r.dir)),
			 0);
	assert_int_equal(fs_mkdir_p(r.dir, 0755), 0);
	assert_int_equal(podstore_put(f->ps, &r), 0);
	assert_int_equal(podstore_get(f->ps, UID2, &got), 0);
	assert_int_equal(got.n_init, 0);
	assert_int_equal(got.n_names, 0);
	pod_record_done(&got);
	reopen(f);
	assert_int_equal(podstore_get(f->ps, UID2, &got), 0);
	assert_int_equal(got.n_init, 0);
	assert_int_equal(got.n_names, 0);
	pod_record_done(&got);
}

static void test_put_without_folder(void **state)
{
	struct fixture *f = *state;
	struct pod_record r, got;

	make_rec(f, &r, "ns1", UID1, "pod-a", "1");
	assert_int_equal(fs_rm_rf(r.dir), 0);
	/* the record lives in the state tree: no folder needed (and none
	 * made for upstream's files) */
	assert_int_equal(podstore_put(f->ps, &r), 0);
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	pod_record_done(&got);
	assert_int_equal(fs_exists(r.dir), 0);
	pod_record_done(&r);
}

static void test_list(void **state)
{
	struct fixture *f = *state;
	struct pod_record *v = NULL;
	size_t n = 0;
	bool seen[3] = {false, false, false};

	put_new(f, "ns1", UID1, "pod-a", "1");
	put_new(f, "ns1", UID2, "pod-b", "2");
	put_new(f, "other", UID3, "pod-c", "");
	assert_int_equal(podstore_list(f->ps, &v, &n), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i].uid, UID1)) {
			assert_string_equal(v[i].name, "pod-a");
			assert_string_equal(v[i].job_id, "1");
			seen[0] = true;
		} else if (!strcmp(v[i].uid, UID2)) {
			assert_string_equal(v[i].name, "pod-b");
			seen[1] = true;
		} else if (!strcmp(v[i].uid, UID3)) {
			assert_string_equal(v[i].namespace, "other");
			assert_string_equal(v[i].job_id, "");
			seen[2] = true;
		}
		assert_int_equal(v[i].n_names, 2);
	}
	assert_true(seen[0] && seen[1] && seen[2]);
	podstore_free_list(v, n);
	podstore_free_list(NULL, 0);
}

static void test_mark_deleting(void **state)
{
	struct fixture *f = *state;
	struct pod_record got;
	char *json;

	put_new(f, "ns1", UID1, "pod-a", "1");
	put_new(f, "ns1", UID2, "pod-b", "2");
	assert_int_equal(podstore_mark_deleting(f->ps, UID1), 0);
	assert_int_equal(podstore_mark_deleting(f->ps, UID1), 0);
	assert_int_equal(podstore_mark_deleting(f->ps, UID3), -ENOENT);
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	assert_true(got.deleting);
	json = record_of(f, UID1);
	assert_non_null(strstr(json, "\"deleting\":\ttrue"));
	free(json);
	pod_record_done(&got);
	assert_int_equal(podstore_get(f->ps, UID2, &got), 0);
	assert_false(got.deleting);
	pod_record_done(&got);
}

/* podstore_set_final with info tagged as the sidecar tags uid's job */
static int set_final(struct fixture *f, const char *uid,
		     const struct ilk_job_info *info)
{
	struct ilk_job_info t = *info;

	snprintf(t.tag, sizeof(t.tag), "interlink-pod=%s", uid);
	return podstore_set_final(f->ps, uid, &t);
}

static void test_set_final(void **state)
{
	struct fixture *f = *state;
	struct ilk_job_info cancelled = final_info("1", -1, "CANCELLED",
						   "cancelled by user");
	struct ilk_job_info done = final_info("1", 137, "CANCELLED", "");
	struct ilk_job_info later = final_info("1", 0, "COMPLETED", "late");
	struct ilk_job_info unknown = final_info("1", -1, "FAILED", "x");
	struct pod_record got;

	put_new(f, "ns1", UID1, "pod-a", "1");
	assert_int_equal(set_final(f, UID3, &done), -ENOENT);
	/* the state of another pod's job (a reused job id) is not taken */
	{
		struct ilk_job_info other = done;

		snprintf(other.tag, sizeof(other.tag), "interlink-pod=%s",
			 UID2);
		assert_int_equal(podstore_set_final(f->ps, UID1, &other), 0);
		other.tag[0] = '\0';
		assert_int_equal(podstore_set_final(f->ps, UID1, &other), 0);
		assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
		assert_false(got.has_final);
		pod_record_done(&got);
	}
	/* exit code not known yet */
	assert_int_equal(set_final(f, UID1, &cancelled), 0);
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	assert_true(got.has_final);
	assert_int_equal(got.final.exit_code, -1);
	assert_string_equal(got.final.state, "CANCELLED");
	assert_string_equal(got.final.reason, "cancelled by user");
	pod_record_done(&got);
	/* another unknown one does not replace it */
	assert_int_equal(set_final(f, UID1, &unknown), 0);
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	assert_string_equal(got.final.state, "CANCELLED");
	pod_record_done(&got);
	/* the exit code arrives: replaced */
	assert_int_equal(set_final(f, UID1, &done), 0);
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	assert_int_equal(got.final.exit_code, 137);
	assert_string_equal(got.final.reason, "");
	pod_record_done(&got);
	/* known: never replaced again */
	assert_int_equal(set_final(f, UID1, &later), 0);
	assert_int_equal(set_final(f, UID1, &unknown), 0);
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	assert_int_equal(got.final.exit_code, 137);
	assert_string_equal(got.final.state, "CANCELLED");
	assert_int_equal(got.final.start_time, 1784023260);
	assert_int_equal(got.final.end_time, 1784023320);
	pod_record_done(&got);
	/* ... and that is what a restart finds */
	reopen(f);
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	assert_true(got.has_final);
	assert_int_equal(got.final.exit_code, 137);
	assert_string_equal(got.final.state, "CANCELLED");
	pod_record_done(&got);

	/* a first final state with a known code is never replaced */
	put_new(f, "ns1", UID2, "pod-b", "2");
	assert_int_equal(set_final(f, UID2, &later), 0);
	assert_int_equal(set_final(f, UID2, &done), 0);
	assert_int_equal(podstore_get(f->ps, UID2, &got), 0);
	assert_int_equal(got.final.exit_code, 0);
	assert_string_equal(got.final.state, "COMPLETED");
	pod_record_done(&got);
}

static void test_reopen_restores(void **state)
{
	struct fixture *f = *state;
	struct ilk_job_info fin = final_info("2", 3, "FAILED",
					     "NonZeroExitCode");
	struct pod_record a, b, c, got;

	make_rec(f, &a, "ns1", UID1, "pod-a", "1");
	make_rec(f, &b, "ns1", UID2, "pod-b.with.dots", "2");
	make_rec(f, &c, "other", UID3, "pod-c", "");
	assert_int_equal(podstore_put(f->ps, &a), 0);
	assert_int_equal(podstore_put(f->ps, &b), 0);
	assert_int_equal(podstore_put(f->ps, &c), 0);
	assert_int_equal(podstore_mark_deleting(f->ps, UID1), 0);
	assert_int_equal(set_final(f, UID2, &fin), 0);
	assert_int_equal(set_final(f, UID1, &fin), 0);

	reopen(f);
	a.deleting = true;
	a.has_final = true;
	b.has_final = true;
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	assert_same(&got, &a);
	pod_record_done(&got);
	assert_int_equal(podstore_get(f->ps, UID2, &got), 0);
	assert_same(&got, &b);
	assert_false(got.deleting);
	assert_int_equal(got.final.struct_size, sizeof(got.final));
	assert_int_equal(got.final.phase, ILK_JOB_DONE);
	assert_string_equal(got.final.job_id, "2");
	assert_int_equal(got.final.exit_code, 3);
	assert_string_equal(got.final.state, "FAILED");
	assert_string_equal(got.final.reason, "NonZeroExitCode");
	assert_int_equal(got.final.start_time, 1784023260);
	assert_int_equal(got.final.end_time, 1784023320);
	pod_record_done(&got);
	assert_int_equal(podstore_get(f->ps, UID3, &got), 0);
	assert_same(&got, &c);
	assert_false(got.has_final);
	pod_record_done(&got);
	pod_record_done(&a);
	pod_record_done(&b);
	pod_record_done(&c);

	/* and once more: a restored record persists like a new one */
	assert_int_equal(podstore_mark_deleting(f->ps, UID3), 0);
	reopen(f);
	assert_int_equal(podstore_get(f->ps, UID3, &got), 0);
	assert_true(got.deleting);
	assert_int_equal(got.n_names, 2);
	pod_record_done(&got);
}

/* Long (valid) namespaces and UIDs: folder names up to 128 bytes. */
static void test_reopen_long_names(void **state)
{
	struct fixture *f = *state;
	/* 63 bytes, the longest namespace */
	static const char ns[] =
		"n23456789-123456789-123456789-123456789-123456789-123456789-123";
	/* 64 bytes, the longest UID we accept */
	static const char uid[] =
		"u23456789-123456789-123456789-123456789-123456789-123456789-1234";
	struct pod_record got;

	assert_int_equal(strlen(ns), 63);
	assert_int_equal(strlen(uid), 64);
	put_new(f, ns, uid, "pod-a", "7");
	put_new(f, "default", UID1, "pod-b", "8"); /* 44 bytes */
	put_new(f, "a-namespace-of-30-characters-x", UID2, "pod-c", "9");
	reopen(f);
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	pod_record_done(&got);
	assert_int_equal(podstore_get(f->ps, UID2, &got), 0);
	assert_string_equal(got.job_id, "9");
	pod_record_done(&got);
	assert_int_equal(podstore_get(f->ps, uid, &got), 0);
	assert_string_equal(got.namespace, ns);
	assert_string_equal(got.job_id, "7");
	pod_record_done(&got);
}

static void write_at(struct fixture *f, const char *entry, const char *file,
		     const char *data)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", f->root, entry) > 0);
	assert_int_equal(fs_mkdir_p(p, 0755), 0);
	free(p);
	assert_true(asprintf(&p, "%s/%s/%s", f->root, entry, file) > 0);
	assert_int_equal(fs_write_atomic(p, data, strlen(data), 0644), 0);
	free(p);
}

#define REC(ns, uid, extra)                                                \
	"{\"uid\":\"" uid "\",\"namespace\":\"" ns "\",\"name\":\"p\","     \
	"\"jobId\":\"5\",\"initContainers\":[],\"containers\":[\"main\"]"   \
	extra "}"

static void test_ignores_bad_records(void **state)
{
	struct fixture *f = *state;
	struct pod_record *v, got;
	size_t n;
	char *big, *p = NULL;

	/* one good record, written by hand */
	write_at(f, "ns1-" UID1, "pod.json", REC("ns1", UID1, ""));
	/* not JSON */
	write_at(f, "ns1-" UID2, "pod.json", "{\"uid\": \"" UID2 "\"");
	/* a record whose folder name does not match it */
	write_at(f, "ns1-" UID3, "pod.json", REC("ns1", UID2, ""));
	write_at(f, "ns2-" UID3, "pod.json", REC("ns1", UID3, ""));
	write_at(f, "renamed", "pod.json", REC("ns1", UID3, ""));
	/* invalid fields */
	write_at(f, "ns1-bad", "pod.json", REC("ns1", "../x", ""));
	write_at(f, "NS-" UID3, "pod.json", REC("NS", UID3, ""));
	write_at(f, "ns3-" UID3, "pod.json",
		 "{\"uid\":\"" UID3 "\",\"namespace\":\"ns3\","
		 "\"containers\":[\"main\", \"Bad Name\"]}");
	write_at(f, "ns4-" UID3, "pod.json",
		 "{\"uid\":\"" UID3 "\",\"namespace\":\"ns4\","
		 "\"initContainers\":[\"ok\",\"also-ok\",7]}");
	write_at(f, "ns5-" UID3, "pod.json", "[]");
	write_at(f, "ns6-" UID3, "pod.json", "");
	/* a folder without pod.json, a plain file, a hidden folder */
	write_at(f, "ns7-" UID3, "JobID.jid", "9");
	assert_true(asprintf(&p, "%s/stray-file", f->root) > 0);
	assert_int_equal(fs_write_atomic(p, "x", 1, 0644), 0);
	free(p);
	write_at(f, ".ns1-" UID3, "pod.json", REC("ns1", UID3, ""));
	/* pod.json larger than a record can be */
	big = calloc(1, (2u << 20) + 1);
	assert_non_null(big);
	memset(big, ' ', 2u << 20);
	memcpy(big, REC("ns8", UID3, ""), strlen(REC("ns8", UID3, "")));
	write_at(f, "ns8-" UID3, "pod.json", big);
	free(big);
	/* pod.json is a directory */
	write_at(f, "ns9-" UID3 "/pod.json", "x", "");

	reopen(f); /* with warnings (not shown: see main) */
	/* old-layout records are not trusted: listed, not loaded */
	assert_int_equal(podstore_list(f->ps, &v, &n), 0);
	assert_int_equal(n, 0);
	podstore_free_list(v, n);
	assert_int_equal(podstore_take_legacy(f->ps, &v, &n), 0);
	if (n != 1) {
		for (size_t i = 0; i < n; i++)
			print_error("loaded %s-%s\n", v[i].namespace,
				    v[i].uid);
		fail_msg("%zu records loaded, want 1", n);
	}
	assert_string_equal(v[0].uid, UID1);
	assert_string_equal(v[0].job_id, "5");
	assert_int_equal(v[0].n_init, 0);
	assert_int_equal(v[0].n_names, 1);
	assert_false(v[0].deleting);
	assert_false(v[0].has_final);
	assert_int_equal(v[0].created, 0);
	assert_true(strlen(v[0].dir) > strlen(f->root));
	assert_string_equal(v[0].dir + strlen(f->root), "/ns1-" UID1);
	assert_int_equal(v[0].run_uid, -1);
	/* checked by the sidecar, then migrated: pod.json leaves the folder */
	assert_int_equal(podstore_migrate(f->ps, &v[0]), 0);
	assert_null(file_in(v[0].dir, "pod.json"));
	podstore_free_list(v, n);
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	pod_record_done(&got);
	reopen(f);
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	assert_string_equal(got.job_id, "5");
	pod_record_done(&got);
	/* a pod.json planted in a migrated pod's folder is ignored */
	write_at(f, "ns1-" UID1, "pod.json", REC("ns1", UID1, ",\"deleting\":true"));
	reopen(f);
	assert_int_equal(podstore_take_legacy(f->ps, &v, &n), 0);
	assert_int_equal(n, 0);
	podstore_free_list(v, n);
	assert_int_equal(podstore_get(f->ps, UID1, &got), 0);
	assert_false(got.deleting);
	pod_record_done(&got);
	assert_int_equal(podstore_get(f->ps, UID3, &got), -ENOENT);
	assert_int_equal(podstore_get(f->ps, UID2, &got), -ENOENT);
}

static void test_remove(void **state)
{
	struct fixture *f = *state;
	struct pod_record got;
	char dir1[PATH_MAX], dir2[PATH_MAX];
	char *extra = NULL;

	put_new(f, "ns1", UID1, "pod-a", "1");
	put_new(f, "ns1", UID2, "pod-b", "2");
	assert_int_equal(podstore_dir(f->ps, "ns1", UID1, dir1, sizeof(dir1)),
			 0);
	assert_int_equal(podstore_dir(f->ps, "ns1", UID2, dir2, sizeof(dir2)),
			 0);
	/* whatever else the pod's folder holds goes too */
	assert_true(asprintf(&extra, "%s/sub/dir/run-main.out", dir1) > 0);
	assert_int_equal(fs_mkdir_p(extra, 0755), 0);
	free(extra);
	assert_int_equal(podstore_remove(f->ps, UID1), 0);
	assert_true(gone_soon(dir1));
	assert_int_equal(fs_exists(dir2), 1);
	assert_int_equal(podstore_get(f->ps, UID1, &got), -ENOENT);
	assert_int_equal(podstore_remove(f->ps, UID1), -ENOENT);
	assert_int_equal(podstore_mark_deleting(f->ps, UID1), -ENOENT);
	assert_int_equal(podstore_get(f->ps, UID2, &got), 0);
	pod_record_done(&got);
	reopen(f);
	assert_int_equal(podstore_get(f->ps, UID1, &got), -ENOENT);
	assert_int_equal(podstore_get(f->ps, UID2, &got), 0);
	pod_record_done(&got);
	/* the folder gone already: still forgotten */
	assert_int_equal(fs_rm_rf(dir2), 0);
	assert_int_equal(podstore_remove(f->ps, UID2), 0);
	assert_int_equal(podstore_get(f->ps, UID2, &got), -ENOENT);
	for (int i = 0; i < 500; i++) {
		char *rec = record_of(f, UID2);

		if (!rec)
			break;
		free(rec);
		usleep(10000);
	}
	assert_null(record_of(f, UID2));
}

/* (a, b-X) and (a-b, X) once shared "a-b-X"; no two pods share one now. */
static void test_folder_names(void **state)
{
	struct fixture *f = *state;
	char d1[PATH_MAX], d2[PATH_MAX], d3[PATH_MAX];

	assert_int_equal(podstore_dir(f->ps, "a", "b-" UID1, d1, sizeof(d1)),
			 0);
	assert_int_equal(podstore_dir(f->ps, "a-b", UID1, d2, sizeof(d2)), 0);
	assert_string_not_equal(d1, d2);
	assert_string_equal(d2 + strlen(f->root), "/a-b-" UID1);
	assert_string_equal(d1 + strlen(f->root), "/a_b-" UID1);
	assert_int_equal(podstore_dir(f->ps, "a", "b-x", d1, sizeof(d1)), 0);
	assert_int_equal(podstore_dir(f->ps, "a-b", "x", d3, sizeof(d3)), 0);
	assert_string_not_equal(d1, d3);
}

/*
 * A DataRootFolder a tenant could rename things in, or one of another
 * user (or below one), is refused at the start: a pod folder there could
 * be swapped for a symlink to anywhere.  StateDirectory's parents too.
 */
static void test_open_checks_owners(void **state)
{
	struct fixture *f = *state;
	char err[512] = "", *sub = NULL, *sub_root = NULL, *sub_state = NULL;

	podstore_close(f->ps);
	f->ps = NULL;
	assert_int_equal(chmod(f->root, 0777), 0);
	assert_null(podstore_open(f->root, f->state, err, sizeof(err)));
	assert_non_null(strstr(err, "writable by group or others"));
	/* the sticky bit does not make it safe: the names root is about
	 * to make could be taken */
	assert_int_equal(chmod(f->root, 01777), 0);
	assert_null(podstore_open(f->root, f->state, err, sizeof(err)));
	assert_non_null(strstr(err, "writable by group or others"));
	assert_int_equal(chmod(f->root, 0775), 0);
	assert_null(podstore_open(f->root, f->state, err, sizeof(err)));
	assert_int_equal(chmod(f->root, 0755), 0);
	/* a folder above it others may rename things in (no sticky bit) */
	assert_true(asprintf(&sub, "%s/open", f->tmp) > 0);
	assert_true(asprintf(&sub_root, "%s/open/data", f->tmp) > 0);
	assert_true(asprintf(&sub_state, "%s/open/state", f->tmp) > 0);
	assert_int_equal(fs_mkdir_p(sub_root, 0755), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	assert_null(podstore_open(sub_root, f->state, err, sizeof(err)));
	assert_non_null(strstr(err, "DataRootFolder"));
	assert_non_null(strstr(err, "writable by group or others"));
	assert_null(podstore_open(f->root, sub_state, err, sizeof(err)));
	assert_non_null(strstr(err, "StateDirectory"));
	/* sticky above is fine (/tmp) */
	assert_int_equal(chmod(sub, 01777), 0);
	f->ps = podstore_open(sub_root, f->state, err, sizeof(err));
	assert_non_null(f->ps);
	podstore_close(f->ps);
	f->ps = NULL;
	if (geteuid() == 0) {
		/* owned by another user, itself or a folder above */
		assert_int_equal(chmod(sub, 0755), 0);
		assert_int_equal(chown(sub_root, 65534, 65534), 0);
		assert_null(podstore_open(sub_root, f->state, err,
					  sizeof(err)));
		assert_non_null(strstr(err, "is owned by uid 65534"));
		assert_int_equal(chown(sub_root, 0, 0), 0);
		assert_int_equal(chown(sub, 65534, 65534), 0);
		assert_null(podstore_open(sub_root, f->state, err,
					  sizeof(err)));
		assert_non_null(strstr(err, "is owned by uid 65534"));
		assert_null(podstore_open(f->root, sub_state, err,
					  sizeof(err)));
		assert_non_null(strstr(err, "StateDirectory"));
		assert_non_null(strstr(err, "is owned by uid 65534"));
	}
	reopen(f);
	free(sub);
	free(sub_root);
	free(sub_state);
}

/*
 * podstore_discard: the name is free at once (renamed), the folder goes
 * in the background; one left over at a stop goes at the next start.
 */
static void test_discard(void **state)
{
	struct fixture *f = *state;
	char *dir = NULL, *file = NULL, *trash = NULL;

	assert_true(asprintf(&dir, "%s/ns1-%s", f->root, UID1) > 0);
	assert_true(asprintf(&file, "%s/a/b/c", dir) > 0);
	assert_int_equal(fs_mkdir_p(file, 0755), 0);
	assert_int_equal(podstore_discard(f->ps, dir), 0);
	assert_int_equal(fs_exists(dir), 0); /* at once */
	assert_int_equal(mkdir(dir, 0700), 0); /* the name is free */
	assert_int_equal(podstore_discard(f->ps, "/elsewhere/x"), -EINVAL);
	assert_int_equal(podstore_discard(f->ps, f->root), -EINVAL);
	/* a trash folder of an earlier run */
	podstore_close(f->ps);
	f->ps = NULL;
	assert_true(asprintf(&trash, "%s/.ilk-removing-0123456789ab/x/y",
			     f->root) > 0);
	assert_int_equal(fs_mkdir_p(trash, 0755), 0);
	*strstr(trash, "/x/y") = '\0';
	reopen(f);
	assert_true(gone_soon(trash));
	assert_int_equal(podstore_discard(f->ps, dir), 0);
	free(dir);
	free(file);
	free(trash);
}

/*
 * A tree larger than one turn's budget is removed in turns (the others'
 * in between), and whole in the end.
 */
static void test_remove_in_turns(void **state)
{
	struct fixture *f = *state;
	char dir1[PATH_MAX], dir2[PATH_MAX], p[PATH_MAX + 32];

	put_new(f, "ns1", UID1, "pod-a", "1");
	put_new(f, "ns1", UID2, "pod-b", "2");
	assert_int_equal(podstore_dir(f->ps, "ns1", UID1, dir1, sizeof(dir1)),
			 0);
	assert_int_equal(podstore_dir(f->ps, "ns1", UID2, dir2, sizeof(dir2)),
			 0);
	for (int i = 0; i < 25000; i++) {
		int fd;

		snprintf(p, sizeof(p), "%s/f%d", dir1, i);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	assert_int_equal(podstore_remove(f->ps, UID1), 0);
	assert_int_equal(podstore_remove(f->ps, UID2), 0);
	assert_true(gone_soon(dir2));
	assert_true(gone_soon(dir1));
}

/* A removal pending at a stop is resumed at the next start. */
static void test_removal_resumes(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX], *p = NULL;
	struct pod_record got;

	put_new(f, "ns1", UID1, "pod-a", "1");
	assert_int_equal(podstore_dir(f->ps, "ns1", UID1, dir, sizeof(dir)), 0);
	podstore_close(f->ps);
	/* the record says "removing", as podstore_remove leaves it */
	assert_true(asprintf(&p, "%s/pods/%s.json", f->state, UID1) > 0);
	{
		static const char rec[] =
			"{\"uid\":\"" UID1 "\",\"namespace\":\"ns1\","
			"\"folder\":\"ns1-" UID1 "\",\"removing\":true,"
			"\"containers\":[]}";

		assert_int_equal(fs_write_atomic(p, rec, strlen(rec), 0600),
				 0);
	}
	free(p);
	f->ps = NULL;
	reopen(f);
	assert_int_equal(podstore_get(f->ps, UID1, &got), -ENOENT);
	assert_true(gone_soon(dir));
}

static void test_copies_independent(void **state)
{
	struct fixture *f = *state;
	struct pod_record r, a, b, *v;
	size_t n;

	make_rec(f, &r, "ns1", UID1, "pod-a", "1");
	assert_int_equal(podstore_put(f->ps, &r), 0);
	/* the caller's record is its own */
	free(r.names[0]);
	r.names[0] = strdup("changed");
	snprintf(r.name, sizeof(r.name), "changed");
	pod_record_done(&r);
	memset(&r, 0, sizeof(r));

	assert_int_equal(podstore_get(f->ps, UID1, &a), 0);
	assert_string_equal(a.name, "pod-a");
	assert_string_equal(a.names[0], "main");
	/* scribble on a copy, free it */
	a.names[0][0] = 'X';
	snprintf(a.job_id, sizeof(a.job_id), "999");
	a.deleting = true;
	pod_record_done(&a);

	assert_int_equal(podstore_list(f->ps, &v, &n), 0);
	assert_int_equal(n, 1);
	v[0].names[1][0] = 'Y';
	podstore_free_list(v, n);

	assert_int_equal(podstore_get(f->ps, UID1, &b), 0);
	assert_string_equal(b.names[0], "main");
	assert_string_equal(b.names[1], "side-car");
	assert_string_equal(b.job_id, "1");
	assert_false(b.deleting);
	/* pod_record_copy: deep, independent */
	assert_int_equal(pod_record_copy(&a, &b), 0);
	pod_record_done(&b);
	assert_string_equal(a.names[1], "side-car");
	assert_string_equal(a.init_names[0], "prep");
	assert_string_equal(a.name, "pod-a");
	pod_record_done(&a);
	assert_int_equal(podstore_get(f->ps, UID1, &b), 0);
	assert_string_equal(b.names[1], "side-car");
	pod_record_done(&b);
}

struct worker {
	struct fixture *f;
	int id;
	int errors;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 3; i++) {
		struct pod_record r, got, *v;
		char uid[65];
		size_t n;

		memset(&r, 0, sizeof(r));
		snprintf(uid, sizeof(uid), "w%d-%d", w->id, i);
		snprintf(r.uid, sizeof(r.uid), "%s", uid);
		snprintf(r.namespace, sizeof(r.namespace), "ns");
		if (podstore_dir(w->f->ps, "ns", uid, r.dir, sizeof(r.dir)) ||
		    fs_mkdir_p(r.dir, 0755) || podstore_put(w->f->ps, &r)) {
			w->errors++;
			continue;
		}
		if (podstore_get(w->f->ps, uid, &got) == 0)
			pod_record_done(&got);
		else
			w->errors++;
		if (podstore_list(w->f->ps, &v, &n) == 0)
			podstore_free_list(v, n);
		else
			w->errors++;
		if (i % 2 && podstore_remove(w->f->ps, uid))
			w->errors++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	struct worker w[4];
	pthread_t t[4];
	struct pod_record *v;
	size_t n;

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){f, i, 0};
		assert_int_equal(pthread_create(&t[i], NULL, worker_main,
						&w[i]),
				 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].errors, 0);
	}
	assert_int_equal(podstore_list(f->ps, &v, &n), 0);
	assert_int_equal(n, 4 * 2); /* i = 1 removed */
	podstore_free_list(v, n);
	reopen(f);
	assert_int_equal(podstore_list(f->ps, &v, &n), 0);
	assert_int_equal(n, 4 * 2); /* i = 1 removed */
	podstore_free_list(v, n);
}

/*
 * A power cut may lose the unsynced write of a record file, never the
 * journal's entry: a store opened after it (the first never closed, as
 * after a crash) finds the newer state; a torn entry at the journal's end
 * is cut off, not read.
 */
static void test_journal_repairs_lost_write(void **state)
{
	struct fixture *f = *state;
	struct pod_record r, got;
	struct podstore *ps2;
	char err[256], *p = NULL, *stale;
	FILE *fp;

	make_rec(f, &r, "ns1", UID1, "pod-a", "");
	assert_int_equal(podstore_put(f->ps, &r), 0);
	stale = record_of(f, UID1);
	assert_non_null(stale);
	snprintf(r.job_id, sizeof(r.job_id), "4711");
	assert_int_equal(podstore_put(f->ps, &r), 0);
	put_new(f, "ns1", UID2, "pod-b", "2");
	assert_int_equal(podstore_remove(f->ps, UID2), 0);
	/* the remover thread finishes that removal (journal first, then the
	 * record file) before the "crash": nothing writes after it */
	assert_true(asprintf(&p, "%s/pods/%s.json", f->state, UID2) > 0);
	assert_true(gone_soon(p));
	free(p);
	/* the file as it was before the last write */
	assert_true(asprintf(&p, "%s/pods/%s.json", f->state, UID1) > 0);
	assert_int_equal(fs_write_atomic(p, stale, strlen(stale), 0600), 0);
	free(p);
	free(stale);
	assert_true(asprintf(&p, "%s/pods/.journal", f->state) > 0);
	fp = fopen(p, "a");
	assert_non_null(fp);
	fputs("J 40 0badc0de {\"uid\":\"" UID1 "\",\"jobId\":\"9", fp);
	fclose(fp);
	ps2 = podstore_open(f->root, f->state, err, sizeof(err));
	assert_non_null(ps2);
	assert_int_equal(podstore_get(ps2, UID1, &got), 0);
	assert_string_equal(got.job_id, "4711");
	pod_record_done(&got);
	/* the journal is empty again once the files are up to date */
	{
		struct stat st;

		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_size, 0);
	}
	free(p);
	podstore_close(ps2);
	pod_record_done(&r);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_creates_root),
		T(test_open_fails),
		T(test_put_get),
		T(test_put_replaces),
		T(test_put_without_folder),
		T(test_list),
		T(test_mark_deleting),
		T(test_set_final),
		T(test_reopen_restores),
		T(test_reopen_long_names),
		T(test_ignores_bad_records),
		T(test_remove),
		T(test_copies_independent),
		T(test_folder_names),
		T(test_removal_resumes),
		T(test_open_checks_owners),
		T(test_discard),
		T(test_remove_in_turns),
		T(test_threads),
		T(test_journal_repairs_lost_write),
	};

	/* restores are logged (info), bad records warned about */
	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
