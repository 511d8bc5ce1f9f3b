/*
 * tests/unit/test_volumes.c - sidecar-slurm/volumes.c: path validation,
 * the files it writes in a temp pod folder (content, modes, items,
 * projected paths), the binds it hands to the job script, and the pods it
 * refuses: hostile keys and paths, unsupported volume types, missing
 * objects, symlinks planted in the folder, the size bound.
 *
 * Pods are written as JSON with ' for " and decoded by proto/wire.c, as
 * the /create handler does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fsutil.h"
#include "volumes.h"
#include "wire.h"

struct tmp {
	char root[64]; /* the temp dir */
	char dir[96];  /* root/pod: the pod's folder */
};

static int setup_tmp(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->root, sizeof(t->root), "/tmp/test_volumes.XXXXXX");
	if (!mkdtemp(t->root)) {
		free(t);
		return -1;
	}
	snprintf(t->dir, sizeof(t->dir), "%s/pod", t->root);
	if (mkdir(t->dir, 0755) < 0) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown_tmp(void **state)
{
	struct tmp *t = *state;
	int r = fs_rm_rf(t->root);

	free(t);
	return r;
}

/* JSON with ' standing for " (no ' in the tests' values). */
static cJSON *parse(const char *text)
{
	char *s = strdup(text);
	cJSON *j;

	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = cJSON_Parse(s);
	if (!j)
		fprintf(stderr, "bad test JSON: %s\n", s);
	assert_non_null(j);
	free(s);
	return j;
}

/* The decoder refuses empty keys: "@EMPTY@" stands for one. */
static void empty_keys(struct wire_config_map *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < m[i].n_data; j++) {
			if (strcmp(m[i].data[j].key, "@EMPTY@") != 0)
				continue;
			m[i].data[j].key[0] = '\0';
		}
	}
}

/*
 * volumes_prepare on a pod with the given containers, volumes and
 * retrieved containers (JSON list bodies, without brackets).
 */
static int prepare(const char *dir, const char *ctrs, const char *vols,
		   const char *retrieved, struct volumes *v, char *err,
		   size_t errlen)
{
	struct wire_retrieved_pod_data rpd = {0};
	char derr[512];
	size_t n = strlen(ctrs) + strlen(vols) + strlen(retrieved) + 512;
	char *text = malloc(n);
	cJSON *j;
	int r;

	assert_non_null(text);
	snprintf(text, n,
		 "{'pod':{'metadata':{'name':'p','namespace':'ns',"
		 "'uid':'u-1'},'spec':{'containers':[%s],'volumes':[%s]}},"
		 "'container':[%s]}",
		 ctrs, vols, retrieved);
	j = parse(text);
	free(text);
	r = wire_retrieved_pod_data_decode(j, &rpd, derr, sizeof(derr));
	if (r < 0)
		fprintf(stderr, "decode: %s\n", derr);
	assert_int_equal(r, 0);
	for (size_t i = 0; i < rpd.n_containers; i++) {
		struct wire_retrieved_container *rc = &rpd.containers[i];

		empty_keys(rc->config_maps, rc->n_config_maps);
		empty_keys(rc->secrets, rc->n_secrets);
		empty_keys(rc->projected, rc->n_projected);
	}
	r = volumes_prepare(&rpd, dir, v, err, errlen);
	wire_retrieved_pod_data_done(&rpd);
	cJSON_Delete(j);
	return r;
}

static void read_back(const char *dir, const char *rel, const char *want,
		      size_t want_len, mode_t want_mode)
{
	char path[PATH_MAX], *data = NULL;
	size_t len = 0;
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	if ((st.st_mode & 07777) != want_mode)
		fprintf(stderr, "%s: mode %o, want %o\n", rel,
			(unsigned)(st.st_mode & 07777), (unsigned)want_mode);
	assert_int_equal(st.st_mode & 07777, want_mode);
	assert_int_equal(fs_read_file(path, 1 << 20, &data, &len), 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(data, want, len);
	free(data);
}

static bool exists(const char *dir, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return fs_exists(path) == 1;
}

static void check_bind(const struct jobscript_mount *m, const char *dir,
		       const char *host_rel, const char *ctr, bool ro)
{
	char host[PATH_MAX];

	if (host_rel[0] == '/')
		snprintf(host, sizeof(host), "%s", host_rel);
	else
		snprintf(host, sizeof(host), "%s/%s", dir, host_rel);
	assert_string_equal(m->host, host);
	assert_string_equal(m->ctr, ctr);
	assert_int_equal(m->read_only, ro);
}

/* A refused pod: -EINVAL, nothing in *v, err holds every needle. */
static void refused(const char *dir, const char *ctrs, const char *vols,
		    const char *retrieved, const char *needle1,
		    const char *needle2)
{
	struct volumes v = {0};
	char err[512];
	int r = prepare(dir, ctrs, vols, retrieved, &v, err, sizeof(err));

	if (r != -EINVAL || !strstr(err, needle1) ||
	    (needle2 && !strstr(err, needle2)))
		fprintf(stderr, "r=%d err='%s' (want '%s' '%s')\n", r, err,
			needle1, needle2 ? needle2 : "");
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err, needle1));
	if (needle2)
		assert_non_null(strstr(err, needle2));
	assert_null(v.mounts);
	assert_int_equal(v.n, 0);
}

#define CTR(mounts) "{'name':'c','image':'i','volumeMounts':[" mounts "]}"
#define MNT(vol, path) "{'name':'" vol "','mountPath':'" path "'}"
#define CM(name, data) \
	"{'metadata':{'name':'" name "','namespace':'ns'},'data':{" data "}}"
#define RC(cms, secrets, projected)                                    \
	"{'name':'c','configMaps':[" cms "],'secrets':[" secrets "],"  \
	"'projectedvolumemaps':[" projected "]}"

/* ---- path validation -------------------------------------------------- */

static void test_mount_path_ok(void **state)
{
	static const char *const good[] = {
		"/data", "/a/b", "/a/b/", "/var/run/secrets/kubernetes.io/sa",
		"/with space", "/x.y-z_1",
	};
	static const char *const bad[] = {
		"", "/", "//", "data", "./data", "/a/../b", "/..", "/a/.",
		"/a//b", "/a:b", "/a,b", "/a\nb", "/a\tb", "/a\x7f",
		"//etc",
	};
	char longp[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(volumes_mount_path_ok(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (volumes_mount_path_ok(bad[i]))
			fprintf(stderr, "accepted '%s'\n", bad[i]);
		assert_false(volumes_mount_path_ok(bad[i]));
	}
	assert_false(volumes_mount_path_ok(NULL));
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_false(volumes_mount_path_ok(longp));
}

/* ---- configMap -------------------------------------------------------- */

static void test_configmap_all_keys(void **state)
{
	struct tmp *t = *state;
	struct volumes v = {0};
	char err[512];

	assert_int_equal(prepare(t->dir,
				 CTR(MNT("cfg", "/etc/cfg/")),
				 "{'name':'cfg','configMap':{'name':'app'}}",
				 RC(CM("app", "'a.conf':'x = 1\\n',"
					      "'b':'literal \\\\n kept'"),
				    "", ""),
				 &v, err, sizeof(err)), 0);
	read_back(t->dir, "configMaps/cfg/a.conf", "x = 1\n", 6, 0644);
	read_back(t->dir, "configMaps/cfg/b", "literal \\n kept", 15, 0644);
	assert_int_equal(v.n, 1);
	assert_int_equal(v.mounts[0].n, 1);
	/* always read-only; trailing slash dropped */
	check_bind(&v.mounts[0].v[0], t->dir, "configMaps/cfg", "/etc/cfg",
		   true);
	volumes_done(&v);
	volumes_done(&v); /* twice is fine */
}

static void test_configmap_items_modes(void **state)
{
	struct tmp *t = *state;
	struct volumes v = {0};
	char err[512];

	assert_int_equal(prepare(t->dir,
				 CTR(MNT("cfg", "/cfg")),
				 "{'name':'cfg','configMap':{'name':'app',"
				 "'defaultMode':416,'items':["
				 "{'key':'a','path':'renamed'},"
				 "{'key':'b','path':'sub/dir/b.txt',"
				 "'mode':384}]}}",
				 RC(CM("app", "'a':'A','b':'B','c':'C'"), "",
				    ""),
				 &v, err, sizeof(err)), 0);
	read_back(t->dir, "configMaps/cfg/renamed", "A", 1, 0640);
	read_back(t->dir, "configMaps/cfg/sub/dir/b.txt", "B", 1, 0600);
	assert_false(exists(t->dir, "configMaps/cfg/a"));
	assert_false(exists(t->dir, "configMaps/cfg/c"));
	volumes_done(&v);
}

static void test_configmap_missing(void **state)
{
	struct tmp *t = *state;
	struct volumes v = {0};
	char err[512];

	refused(t->dir, CTR(MNT("cfg", "/cfg")),
		"{'name':'cfg','configMap':{'name':'absent'}}", RC("", "", ""),
		"volume 'cfg'", "configMap 'absent'");
	/* optional: an empty volume, still bound */
	assert_int_equal(prepare(t->dir, CTR(MNT("cfg", "/cfg")),
				 "{'name':'cfg','configMap':{'name':'absent',"
				 "'optional':true}}",
				 RC("", "", ""), &v, err, sizeof(err)), 0);
	assert_true(exists(t->dir, "configMaps/cfg"));
	assert_int_equal(v.mounts[0].n, 1);
	volumes_done(&v);
	/* a listed key that is absent */
	refused(t->dir, CTR(MNT("cfg", "/cfg")),
		"{'name':'cfg','configMap':{'name':'app','items':["
		"{'key':'nope','path':'x'}]}}",
		RC(CM("app", "'a':'A'"), "", ""), "volume 'cfg'",
		"no key 'nope'");
	/* an unmounted volume needs nothing */
	assert_int_equal(prepare(t->dir, CTR(""),
				 "{'name':'cfg','configMap':{'name':'gone'}}",
				 RC("", "", ""), &v, err, sizeof(err)), 0);
	volumes_done(&v);
}

/* ---- hostile keys and paths ------------------------------------------- */

static void test_hostile_keys(void **state)
{
	static const char *const keys[] = {
		"../x", "/etc/passwd", "a/../../b", "@EMPTY@", "a\\u0001b",
		"..", ".", "a/b", "nl\\n",
	};
	struct tmp *t = *state;
	char vol[256], rc[512], ctr[128];

	snprintf(ctr, sizeof(ctr), "%s", CTR(MNT("cfg", "/cfg")));
	snprintf(vol, sizeof(vol),
		 "{'name':'cfg','configMap':{'name':'app'}}");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(rc, sizeof(rc), RC(CM("app", "'ok':'1','%s':'x'"),
					    "", ""), keys[i]);
		refused(t->dir, ctr, vol, rc, "volume 'cfg'",
			"not a valid file name");
	}
	/* nothing escaped the pod's folder */
	assert_false(exists(t->root, "x"));
	assert_false(exists(t->root, "b"));
}

static void test_hostile_item_paths(void **state)
{
	static const char *const paths[] = {
		"../x", "/etc/passwd", "a/../../b", "", "a\\u0001b", "..",
		"a//b", "a/",
	};
	struct tmp *t = *state;
	char vol[256];

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(vol, sizeof(vol),
			 "{'name':'cfg','configMap':{'name':'app','items':["
			 "{'key':'a','path':'%s'}]}}", paths[i]);
		refused(t->dir, CTR(MNT("cfg", "/cfg")), vol,
			RC(CM("app", "'a':'A'"), "", ""), "volume 'cfg'",
			"relative path");
	}
}

static void test_hostile_projected_paths(void **state)
{
	static const char *const paths[] = {
		"../x", "/etc/passwd", "a/../../b", "@EMPTY@", "a\\u0001b",
	};
	struct tmp *t = *state;
	char rc[512];

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(rc, sizeof(rc), RC("", "", CM("proj", "'%s':'x'")),
			 paths[i]);
		refused(t->dir, CTR(MNT("proj", "/p")),
			"{'name':'proj','projected':{'sources':[]}}", rc,
			"volume 'proj'", "relative path");
	}
	assert_false(exists(t->root, "x"));
}

static void test_hostile_mounts(void **state)
{
	struct tmp *t = *state;
	const char *vol = "{'name':'e','emptyDir':{}}";

	refused(t->dir, CTR(MNT("nope", "/x")), vol, RC("", "", ""),
		"volumeMount 'nope'", "names no volume");
	refused(t->dir, CTR(MNT("e", "relative")), vol, RC("", "", ""),
		"volume 'e'", "mountPath 'relative'");
	refused(t->dir, CTR(MNT("e", "/a/../b")), vol, RC("", "", ""),
		"volume 'e'", "mountPath");
	refused(t->dir, CTR(MNT("e", "/a:b")), vol, RC("", "", ""),
		"volume 'e'", "mountPath");
	refused(t->dir, CTR(MNT("e", "/x") "," MNT("e", "/x/")), vol,
		RC("", "", ""), "two volumeMounts", "/x");
	refused(t->dir,
		CTR("{'name':'e','mountPath':'/x','subPath':'../../etc'}"),
		vol, RC("", "", ""), "volume 'e'", "subPath");
	refused(t->dir,
		CTR("{'name':'e','mountPath':'/x','subPath':'/etc'}"), vol,
		RC("", "", ""), "volume 'e'", "subPath");
	refused(t->dir,
		CTR("{'name':'e','mountPath':'/x','subPath':'a,b'}"), vol,
		RC("", "", ""), "volume 'e'", "subPath");
	refused(t->dir, CTR(""), "{'name':'Bad_Name','emptyDir':{}}",
		RC("", "", ""), "volume name 'Bad_Name'", NULL);
	refused(t->dir, CTR(""),
		"{'name':'a','emptyDir':{}},{'name':'a','emptyDir':{}}",
		RC("", "", ""), "two volumes are named 'a'", NULL);
	refused(t->dir, CTR(""),
		"{'name':'m','configMap':{'name':'x','defaultMode':4095}}",
		RC("", "", ""), "volume 'm'", "defaultMode 4095");
	refused(t->dir, CTR(""),
		"{'name':'m','configMap':{'name':'x','items':[{'key':'k',"
		"'path':'p','mode':-5}]}}",
		RC("", "", ""), "volume 'm'", "mode -5");
}

/* ---- types ------------------------------------------------------------ */

static void test_unsupported_type(void **state)
{
	struct tmp *t = *state;

	refused(t->dir, CTR(MNT("claim", "/data")),
		"{'name':'claim','persistentVolumeClaim':{'claimName':'x'}}",
		RC("", "", ""), "volume 'claim'",
		"persistentVolumeClaim 'x' is not mapped to a folder");
	/* also when no container mounts it: never silently */
	refused(t->dir, CTR(""), "{'name':'n','nfs':{'server':'s'}}",
		RC("", "", ""), "volume 'n'", "type 'nfs' is not supported");
}

/* ---- secret ----------------------------------------------------------- */

static void test_secret(void **state)
{
	struct tmp *t = *state;
	struct volumes v = {0};
	char err[512];
	struct stat st;
	char path[PATH_MAX];

	/* "AAEC/w==" is 00 01 02 ff; "cy0z" is "s-3" */
	assert_int_equal(prepare(t->dir,
				 CTR(MNT("s", "/secret") ","
				     MNT("s2", "/secret2")),
				 "{'name':'s','secret':{'secretName':'tok'}},"
				 "{'name':'s2','secret':{'secretName':'tok',"
				 "'defaultMode':420,'items':["
				 "{'key':'bin','path':'b'},"
				 "{'key':'txt','path':'t','mode':292}]}}",
				 RC("", "{'metadata':{'name':'tok'},'data':{"
				    "'bin':'AAEC/w==','txt':'cy0z'}}", ""),
				 &v, err, sizeof(err)), 0);
	read_back(t->dir, "secrets/s/bin", "\0\1\2\377", 4, 0600);
	read_back(t->dir, "secrets/s/txt", "s-3", 3, 0600);
	/* group and other bits never stay: 0644 -> 0600, 0444 -> 0400 */
	read_back(t->dir, "secrets/s2/b", "\0\1\2\377", 4, 0600);
	read_back(t->dir, "secrets/s2/t", "s-3", 3, 0400);
	snprintf(path, sizeof(path), "%s/secrets", t->dir);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	check_bind(&v.mounts[0].v[0], t->dir, "secrets/s", "/secret", true);
	volumes_done(&v);
}

/* ---- projected / downwardAPI ------------------------------------------ */

static void test_projected(void **state)
{
	struct tmp *t = *state;
	struct volumes v = {0};
	char err[512];

	assert_int_equal(
		prepare(t->dir,
			CTR(MNT("kube-api", "/var/run/secrets/sa") ","
			    MNT("info", "/etc/podinfo") ","
			    MNT("missing", "/m")),
			"{'name':'kube-api','projected':{'defaultMode':420,"
			"'sources':[{'serviceAccountToken':{'path':'token'}}]"
			"}},"
			"{'name':'info','projected':{'sources':[]}},"
			"{'name':'missing','projected':{'sources':[]}}",
			RC("", "",
			   CM("kube-api", "'token':'tkn','ca.crt':'CA',"
					  "'namespace':'ns'") ","
			   CM("info", "'labels':'a=\\\"b\\\"\\n',"
				      "'meta/name':'p'")),
			&v, err, sizeof(err)), 0);
	read_back(t->dir, "projectedVolumeMaps/kube-api/token", "tkn", 3,
		  0600);
	read_back(t->dir, "projectedVolumeMaps/kube-api/ca.crt", "CA", 2,
		  0600);
	read_back(t->dir, "projectedVolumeMaps/info/labels", "a=\"b\"\n", 6,
		  0600);
	read_back(t->dir, "projectedVolumeMaps/info/meta/name", "p", 1,
		  0600);
	/* a projected map the VK did not send: an empty volume */
	assert_true(exists(t->dir, "projectedVolumeMaps/missing"));
	assert_int_equal(v.mounts[0].n, 3);
	volumes_done(&v);
}

static void test_downward_item_mode(void **state)
{
	struct tmp *t = *state;
	struct volumes v = {0};
	char err[512];

	assert_int_equal(
		prepare(t->dir, CTR(MNT("dapi", "/d")),
			"{'name':'dapi','downwardAPI':{'items':[{'path':'n',"
			"'mode':256,'fieldRef':{'fieldPath':'metadata.name'}}]"
			"}}",
			RC("", "", CM("dapi", "'n':'p','other':'o'")), &v,
			err, sizeof(err)), 0);
	read_back(t->dir, "projectedVolumeMaps/dapi/n", "p", 1, 0400);
	read_back(t->dir, "projectedVolumeMaps/dapi/other", "o", 1, 0600);
	volumes_done(&v);
}

/* ---- emptyDir, subPath, readOnly, order ------------------------------- */

static void test_empty_dir_sub_path(void **state)
{
	struct tmp *t = *state;
	struct volumes v = {0};
	char err[512];
	struct stat st;
	char path[PATH_MAX];

	assert_int_equal(
		prepare(t->dir,
			"{'name':'w','image':'i','volumeMounts':["
			"{'name':'shared','mountPath':'/data/in/deeper'},"
			"{'name':'shared','mountPath':'/data'},"
			"{'name':'cfg','mountPath':'/etc/app.conf',"
			"'subPath':'app.conf'},"
			"{'name':'notype','mountPath':'/scratch'},"
			"{'name':'shared','mountPath':'/logs',"
			"'subPath':'logs/today'}]},"
			"{'name':'r','image':'i','volumeMounts':["
			"{'name':'shared','mountPath':'/data',"
			"'readOnly':true}]}",
			"{'name':'shared','emptyDir':{}},"
			"{'name':'notype'},"
			"{'name':'cfg','configMap':{'name':'app'}}",
			RC(CM("app", "'app.conf':'k=v'"), "", ""), &v, err,
			sizeof(err)), 0);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.mounts[0].n, 5);
	/* by depth (parents first), otherwise in order */
	check_bind(&v.mounts[0].v[0], t->dir, "emptyDirs/shared", "/data",
		   false);
	check_bind(&v.mounts[0].v[1], t->dir, "emptyDirs/notype", "/scratch",
		   false);
	check_bind(&v.mounts[0].v[2], t->dir, "emptyDirs/shared/logs/today",
		   "/logs", false);
	check_bind(&v.mounts[0].v[3], t->dir, "configMaps/cfg/app.conf",
		   "/etc/app.conf", true);
	check_bind(&v.mounts[0].v[4], t->dir, "emptyDirs/shared",
		   "/data/in/deeper", false);
	check_bind(&v.mounts[1].v[0], t->dir, "emptyDirs/shared", "/data",
		   true);
	snprintf(path, sizeof(path), "%s/emptyDirs/shared/logs/today",
		 t->dir);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	volumes_done(&v);
	/* a subPath that is no key of the configMap */
	refused(t->dir, CTR("{'name':'cfg','mountPath':'/x','subPath':'no'}"),
		"{'name':'cfg','configMap':{'name':'app'}}",
		RC(CM("app", "'a':'A'"), "", ""), "volume 'cfg'",
		"subPath 'no' is not in the volume");
}

/* ---- hostPath --------------------------------------------------------- */

static void test_host_path(void **state)
{
	struct tmp *t = *state;
	struct volumes v = {0};
	char err[512], vols[1024], host[PATH_MAX], file[PATH_MAX];
	struct stat st;

	snprintf(host, sizeof(host), "%s/host", t->root);
	assert_int_equal(mkdir(host, 0755), 0);
	snprintf(file, sizeof(file), "%s/host/f", t->root);
	assert_int_equal(fs_write_atomic(file, "F", 1, 0644), 0);
	snprintf(vols, sizeof(vols),
		 "{'name':'h1','hostPath':{'path':'%s'}},"
		 "{'name':'h2','hostPath':{'path':'%s/new/dir',"
		 "'type':'DirectoryOrCreate'}},"
		 "{'name':'h3','hostPath':{'path':'%s','type':'File'}},"
		 "{'name':'h4','hostPath':{'path':'%s/nf',"
		 "'type':'FileOrCreate'}}",
		 host, t->root, file, host);
	assert_int_equal(prepare(t->dir,
				 CTR(MNT("h1", "/h1") ","
				     "{'name':'h1','mountPath':'/f',"
				     "'subPath':'f','readOnly':true},"
				     MNT("h2", "/h2") "," MNT("h3", "/h3") ","
				     MNT("h4", "/h4")),
				 vols, RC("", "", ""), &v, err, sizeof(err)),
			 0);
	check_bind(&v.mounts[0].v[0], t->dir, host, "/h1", false);
	check_bind(&v.mounts[0].v[1], t->dir, file, "/f", true);
	snprintf(file, sizeof(file), "%s/new/dir", t->root);
	assert_int_equal(stat(file, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(file, sizeof(file), "%s/nf", host);
	assert_int_equal(stat(file, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	volumes_done(&v);

	snprintf(vols, sizeof(vols),
		 "{'name':'h','hostPath':{'path':'%s/absent'}}", t->root);
	refused(t->dir, CTR(MNT("h", "/h")), vols, RC("", "", ""),
		"volume 'h'", "absent");
	snprintf(vols, sizeof(vols),
		 "{'name':'h','hostPath':{'path':'%s','type':'File'}}",
		 host);
	refused(t->dir, CTR(MNT("h", "/h")), vols, RC("", "", ""),
		"volume 'h'", "not of type 'File'");
	refused(t->dir, CTR(MNT("h", "/h")),
		"{'name':'h','hostPath':{'path':'relative/dir'}}",
		RC("", "", ""), "volume 'h'", "absolute path");
	refused(t->dir, CTR(MNT("h", "/h")),
		"{'name':'h','hostPath':{'path':'/tmp/../etc'}}",
		RC("", "", ""), "volume 'h'", "absolute path");
	refused(t->dir, CTR(MNT("h", "/h")),
		"{'name':'h','hostPath':{'path':'/tmp','type':'Weird'}}",
		RC("", "", ""), "volume 'h'", "type 'Weird'");
	/* a symlink on the way is never followed, not even to create */
	snprintf(file, sizeof(file), "%s/lnk", host);
	assert_int_equal(symlink(t->root, file), 0);
	snprintf(vols, sizeof(vols),
		 "{'name':'h','hostPath':{'path':'%s/lnk/made',"
		 "'type':'DirectoryOrCreate'}}", host);
	refused(t->dir, CTR(MNT("h", "/h")), vols, RC("", "", ""),
		"volume 'h'", "symlink");
	snprintf(file, sizeof(file), "%s/made", t->root);
	assert_int_equal(fs_exists(file), 0);
	snprintf(vols, sizeof(vols),
		 "{'name':'h','hostPath':{'path':'%s/lnk'}}", host);
	refused(t->dir, CTR(MNT("h", "/h")), vols, RC("", "", ""),
		"volume 'h'", "symlink");
}

/* ---- symlinks and stale folders --------------------------------------- */

static void test_symlinks_not_followed(void **state)
{
	struct tmp *t = *state;
	struct volumes v = {0};
	char err[512], link[PATH_MAX], target[PATH_MAX];
	int r;

	snprintf(target, sizeof(target), "%s/elsewhere", t->root);
	assert_int_equal(mkdir(target, 0755), 0);
	/* a planted emptyDirs -> elsewhere is refused, not followed */
	snprintf(link, sizeof(link), "%s/emptyDirs", t->dir);
	assert_int_equal(symlink(target, link), 0);
	r = prepare(t->dir, CTR(MNT("e", "/e")), "{'name':'e','emptyDir':{}}",
		    RC("", "", ""), &v, err, sizeof(err));
	assert_true(r < 0);
	assert_int_not_equal(r, -EINVAL); /* the sidecar's problem */
	assert_non_null(strstr(err, "volume 'e'"));
	assert_false(exists(target, "e"));
	/* a stale configMaps -> elsewhere is removed (the link only) */
	snprintf(link, sizeof(link), "%s/configMaps", t->dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(prepare(t->dir, CTR(MNT("c", "/c")),
				 "{'name':'c','configMap':{'name':'app'}}",
				 RC(CM("app", "'k':'v'"), "", ""), &v, err,
				 sizeof(err)), 0);
	read_back(t->dir, "configMaps/c/k", "v", 1, 0644);
	assert_false(exists(target, "c"));
	assert_true(exists(t->root, "elsewhere"));
	volumes_done(&v);
}

/* A file and a folder at one path: refused, not overwritten. */
static void test_path_conflict(void **state)
{
	struct tmp *t = *state;

	refused(t->dir, CTR(MNT("p", "/p")),
		"{'name':'p','projected':{'sources':[]}}",
		RC("", "", CM("p", "'a':'file','a/b':'below'")),
		"volume 'p'", "conflicts");
}

/* ---- the bound -------------------------------------------------------- */

static void test_too_big(void **state)
{
	struct tmp *t = *state;
	struct wire_retrieved_pod_data rpd = {0};
	struct volumes v = {0};
	char err[512], derr[512];
	cJSON *j;
	struct wire_kv *kv;

	j = parse("{'pod':{'metadata':{'name':'p','namespace':'ns',"
		  "'uid':'u-1'},'spec':{'containers':[" CTR(MNT("c", "/c"))
		  "],'volumes':[{'name':'c','configMap':{'name':'big'}}]}},"
		  "'container':[" RC(CM("big", "'k':'v'"), "", "") "]}");
	assert_int_equal(wire_retrieved_pod_data_decode(j, &rpd, derr,
							sizeof(derr)), 0);
	cJSON_Delete(j);
	/* swap the value for one larger than the bound */
	kv = &rpd.containers[0].config_maps[0].data[0];
	free(kv->value);
	kv->len = VOLUMES_MAX_BYTES + 1;
	kv->value = calloc(1, kv->len + 1);
	assert_non_null(kv->value);
	assert_int_equal(volumes_prepare(&rpd, t->dir, &v, err, sizeof(err)),
			 -E2BIG);
	assert_non_null(strstr(err, "volume 'c'"));
	assert_null(v.mounts);
	assert_false(exists(t->dir, "configMaps/c/k"));
	wire_retrieved_pod_data_done(&rpd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mount_path_ok),
#define T(f) cmocka_unit_test_setup_teardown(f, setup_tmp, teardown_tmp)
		T(test_configmap_all_keys),
		T(test_configmap_items_modes),
		T(test_configmap_missing),
		T(test_hostile_keys),
		T(test_hostile_item_paths),
		T(test_hostile_projected_paths),
		T(test_hostile_mounts),
		T(test_unsupported_type),
		T(test_secret),
		T(test_projected),
		T(test_downward_item_mode),
		T(test_empty_dir_sub_path),
		T(test_host_path),
		T(test_symlinks_not_followed),
		T(test_path_conflict),
		T(test_too_big),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
