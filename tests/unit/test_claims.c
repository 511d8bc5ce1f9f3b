/*
 * tests/unit/test_claims.c - sidecar-slurm/claims.c: how a
 * persistentVolumeClaim volume becomes a site folder.  A real directory
 * tree in a temp dir stands for the site's file system; the tenant is a
 * uid that is not ours (65534), so the permission checks bite even when
 * the test runs as root.
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

#include "claims.h"
#include "fsutil.h"
#include "wire.h"

#define TENANT 65534u

struct fx {
	char base[64];
	char prefix[PATH_MAX];
	struct sconf conf;
	char *prefixes[2];
	char *sources[2];
	cJSON *raw;
};

static void mk(const struct fx *f, const char *rel, mode_t mode, uid_t uid)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", f->prefix, rel);
	assert_int_equal(fs_mkdir_p(p, 0755), 0);
	assert_int_equal(chmod(p, mode), 0);
	if (getuid() == 0)
		assert_int_equal(chown(p, uid, TENANT), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char p[PATH_MAX];

	if (!f)
		return -1;
	snprintf(f->base, sizeof(f->base), "/tmp/test_claims.XXXXXX");
	if (!mkdtemp(f->base))
		return -1;
	chmod(f->base, 0755);
	snprintf(f->prefix, sizeof(f->prefix), "%s/projects", f->base);
	mk(f, "ns1", 0755, 0);
	mk(f, "ns1/data", 0700, TENANT);   /* the tenant's */
	mk(f, "ns1/data/sub", 0700, TENANT);
	mk(f, "ns1/shared", 0755, 0);      /* root's, world-readable */
	mk(f, "ns1/closed", 0700, 0);      /* root's only */
	snprintf(p, sizeof(p), "%s/ns1/data/file", f->prefix);
	assert_int_equal(fs_write_atomic(p, "x", 1, 0644), 0);
	/* a symlink the tenant planted: it must never be followed */
	snprintf(p, sizeof(p), "%s/ns1/link", f->prefix);
	assert_int_equal(symlink("/etc", p), 0);
	snprintf(p, sizeof(p), "%s/ns1/data/esc", f->prefix);
	assert_int_equal(symlink("/etc", p), 0);
	snprintf(p, sizeof(p), "%s/outside", f->base);
	assert_int_equal(mkdir(p, 0777), 0);
	f->prefixes[0] = f->prefix;
	f->conf.claim_prefixes.v = f->prefixes;
	f->conf.claim_prefixes.n = 1;
	f->raw = cJSON_CreateObject();
	f->conf.raw = f->raw;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int r = fs_rm_rf(f->base);

	cJSON_Delete(f->raw);
	free(f);
	return r;
}

static void map(struct fx *f, const char *key, const char *val)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(f->raw, "VolumeClaims");

	if (!m)
		m = cJSON_AddObjectToObject(f->raw, "VolumeClaims");
	cJSON_DeleteItemFromObjectCaseSensitive(m, key);
	assert_non_null(cJSON_AddStringToObject(m, key, val));
}

/*
 * One pod in namespace ns1 with volume "v" = claim, mounted at /m (with
 * sub_path when not NULL, read-only when ro); extra: more JSON for the
 * RetrievedPodData (e.g. PVC and PV lists), or "".
 */
static int resolve(struct fx *f, const char *claim, bool claim_ro,
		   bool ro, const char *sub_path, const char *extra,
		   char **dir, char *err, size_t errlen)
{
	struct wire_retrieved_pod_data rpd = {0};
	struct tenant_id tid = {.uid = TENANT, .gid = TENANT};
	struct claims cl;
	char json[4096], derr[256];
	cJSON *j;
	int r;

	snprintf(json, sizeof(json),
		 "{\"pod\":{\"metadata\":{\"name\":\"p\",\"namespace\":\"ns1\","
		 "\"uid\":\"u\"},\"spec\":{\"volumes\":[{\"name\":\"v\","
		 "\"persistentVolumeClaim\":{\"claimName\":\"%s\","
		 "\"readOnly\":%s}}],\"containers\":[{\"name\":\"c\","
		 "\"image\":\"i\",\"volumeMounts\":[{\"name\":\"v\","
		 "\"mountPath\":\"/m\",\"readOnly\":%s%s%s%s}]}]}}%s}",
		 claim, claim_ro ? "true" : "false", ro ? "true" : "false",
		 sub_path ? ",\"subPath\":\"" : "", sub_path ? sub_path : "",
		 sub_path ? "\"" : "", extra);
	j = cJSON_Parse(json);
	assert_non_null(j);
	if (wire_retrieved_pod_data_decode(j, &rpd, derr, sizeof(derr)) < 0)
		fail_msg("decode: %s", derr);
	err[0] = '\0';
	r = claims_resolve(&f->conf, &rpd, &tid, &cl, err, errlen);
	*dir = NULL;
	if (r == 0) {
		assert_int_equal(cl.n, 1);
		*dir = cl.dir[0] ? strdup(cl.dir[0]) : NULL;
		claims_done(&cl);
	}
	wire_retrieved_pod_data_done(&rpd);
	cJSON_Delete(j);
	return r;
}

static void ok(struct fx *f, const char *claim, bool claim_ro, bool ro,
	       const char *sub, const char *extra, const char *want_rel)
{
	char err[512], want[PATH_MAX], *dir;
	int r = resolve(f, claim, claim_ro, ro, sub, extra, &dir, err,
			sizeof(err));

	if (r != 0)
		fail_msg("claim %s: %d %s", claim, r, err);
	snprintf(want, sizeof(want), "%s/%s", f->prefix, want_rel);
	assert_string_equal(dir, want);
	free(dir);
}

static void refused(struct fx *f, const char *claim, bool claim_ro, bool ro,
		    const char *sub, const char *extra, int want_r,
		    const char *want_msg)
{
	char err[512], *dir;
	int r = resolve(f, claim, claim_ro, ro, sub, extra, &dir, err,
			sizeof(err));

	if (r != want_r || !strstr(err, want_msg))
		fail_msg("claim %s: got %d '%s', want %d '%s'", claim, r, err,
			 want_r, want_msg);
	assert_null(dir);
}

static void test_mapping(void **state)
{
	struct fx *f = *state;
	char tpl[PATH_MAX];

	refused(f, "data", false, false, NULL, "", -EINVAL,
		"volume 'v': persistentVolumeClaim 'data' is not mapped to a "
		"folder on this cluster (VolumeClaims)");
	/* the per-namespace pattern */
	snprintf(tpl, sizeof(tpl), "%s/{namespace}/{claim}", f->prefix);
	f->conf.claim_pattern = tpl;
	ok(f, "data", false, false, NULL, "", "ns1/data");
	/* an exact entry beats the namespace's wildcard, which beats the
	 * pattern */
	snprintf(tpl, sizeof(tpl), "%s/ns1/shared", f->prefix);
	map(f, "ns1/*", tpl);
	ok(f, "data", true, false, NULL, "", "ns1/shared");
	snprintf(tpl, sizeof(tpl), "%s/ns1/{claim}", f->prefix);
	map(f, "ns1/other", tpl);
	ok(f, "other.x", true, true, NULL, "", "ns1/shared");
	f->conf.claim_pattern = NULL;
	map(f, "ns1/*", "/nowhere/{claim}");
	map(f, "ns1/data", tpl);
	ok(f, "data", false, false, NULL, "", "ns1/data");
	/* a claimName is a DNS subdomain: nothing else reaches a template */
	refused(f, "../ns1", false, false, NULL, "", -EINVAL,
		"claimName '../ns1' is not a valid name");
}

static void test_folder_checks(void **state)
{
	struct fx *f = *state;
	char tpl[PATH_MAX];

	snprintf(tpl, sizeof(tpl), "%s/ns1/{claim}", f->prefix);
	f->conf.claim_pattern = tpl;
	/* it must exist: never created */
	refused(f, "missing", false, false, NULL, "", -EINVAL,
		"does not exist");
	/* no symlink is followed below the prefix */
	refused(f, "link", true, true, NULL, "", -EPERM, "symlink");
	/* the tenant's access decides: root's private folder is refused,
	 * root's world-readable one only read-only */
	refused(f, "closed", true, true, NULL, "", -EPERM,
		"is not readable by the pod's user (uid 65534)");
	refused(f, "shared", false, false, NULL, "", -EPERM,
		"is not readable and writable");
	ok(f, "shared", true, false, NULL, "", "ns1/shared");
	ok(f, "shared", false, true, NULL, "", "ns1/shared");
	/* below the prefixes only */
	snprintf(tpl, sizeof(tpl), "%s/outside", f->base);
	f->conf.claim_pattern = tpl;
	refused(f, "data", false, false, NULL, "", -EPERM,
		"is not under the sidecar's VolumeClaimPrefixes");
	snprintf(tpl, sizeof(tpl), "%s/ns1/../ns1/{claim}", f->prefix);
	refused(f, "data", false, false, NULL, "", -EPERM,
		"not an absolute, normalised path");
	f->conf.claim_pattern = "relative/{claim}";
	refused(f, "data", false, false, NULL, "", -EPERM, "normalised");
}

static void test_sub_path(void **state)
{
	struct fx *f = *state;
	char tpl[PATH_MAX];

	snprintf(tpl, sizeof(tpl), "%s/ns1/{claim}", f->prefix);
	f->conf.claim_pattern = tpl;
	ok(f, "data", false, false, "sub", "", "ns1/data");
	ok(f, "data", false, false, "file", "", "ns1/data");
	refused(f, "data", false, false, "nope", "", -EINVAL,
		"subPath: folder '");
	refused(f, "data", false, false, "esc", "", -EPERM, "symlink");
	refused(f, "data", false, false, "esc/passwd", "", -EPERM, "symlink");
	refused(f, "data", false, false, "sub/../../shared", "", -EINVAL,
		"subPath");
}

static void test_pv_sources(void **state)
{
	struct fx *f = *state;
	char extra[2048];

	snprintf(extra, sizeof(extra),
		 ",\"persistentvolumes\":[{\"metadata\":{\"name\":\"data\"},"
		 "\"spec\":{\"volumeName\":\"pv-1\"}}],"
		 "\"persistentVolumeSources\":[{\"metadata\":{\"name\":"
		 "\"pv-1\"},\"spec\":{\"hostPath\":{\"path\":\"%s/ns1/data\"}}},"
		 "{\"metadata\":{\"name\":\"pv-2\"},\"spec\":{\"nfs\":{"
		 "\"server\":\"nfs1\",\"path\":\"/export/ns1/data\"}}}]",
		 f->prefix);
	/* a PV source is used only when the site says so */
	refused(f, "data", false, false, NULL, extra, -EINVAL,
		"is not mapped");
	f->sources[0] = "hostPath";
	f->conf.claim_pv_sources.v = f->sources;
	f->conf.claim_pv_sources.n = 1;
	ok(f, "data", false, false, NULL, extra, "ns1/data");
	/* an NFS PV through VolumeClaimNFSMounts */
	snprintf(extra, sizeof(extra),
		 ",\"container\":[{\"name\":\"c\",\"persistentVolumeClaims\":"
		 "[{\"metadata\":{\"name\":\"data\",\"namespace\":\"ns1\"},"
		 "\"spec\":{\"volumeName\":\"pv-2\"}}],\"persistentVolumes\":"
		 "[{\"metadata\":{\"name\":\"pv-2\"},\"spec\":{\"nfs\":{"
		 "\"server\":\"nfs1\",\"path\":\"/export/ns1/data\"}}}]}]");
	refused(f, "data", false, false, NULL, extra, -EINVAL,
		"is not mapped");
	f->sources[0] = "nfs";
	refused(f, "data", false, false, NULL, extra, -EINVAL,
		"is not mapped");
	{
		cJSON *m = cJSON_AddObjectToObject(f->raw,
						   "VolumeClaimNFSMounts");

		cJSON_AddStringToObject(m, "nfs1:/export", f->prefix);
	}
	ok(f, "data", false, false, NULL, extra, "ns1/data");
	/* a PVC of another namespace does not count */
	snprintf(extra, sizeof(extra),
		 ",\"persistentvolumes\":[{\"metadata\":{\"name\":\"data\","
		 "\"namespace\":\"ns2\"},\"spec\":{\"volumeName\":\"pv-1\"}}],"
		 "\"persistentVolumeSources\":[{\"metadata\":{\"name\":"
		 "\"pv-1\"},\"spec\":{\"nfs\":{\"server\":\"nfs1\",\"path\":"
		 "\"/export/ns1/data\"}}}]");
	refused(f, "data", false, false, NULL, extra, -EINVAL,
		"is not mapped");
}

static void test_conf_checks(void **state)
{
	struct fx *f = *state;
	char err[256];

	assert_int_equal(claims_check_conf(&f->conf, err, sizeof(err)), 0);
	map(f, "no-slash", "/x");
	assert_int_equal(claims_check_conf(&f->conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'no-slash'"));
	cJSON_DeleteItemFromObjectCaseSensitive(f->raw, "VolumeClaims");
	f->sources[0] = "csi";
	f->conf.claim_pv_sources.v = f->sources;
	f->conf.claim_pv_sources.n = 1;
	assert_int_equal(claims_check_conf(&f->conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'csi'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folder_checks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sub_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pv_sources, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_conf_checks, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
