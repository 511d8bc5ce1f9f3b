/* tests/unit/test_ilctl_pod.c - cmocka tests for interlink-api/ilctl_pod.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "ilctl_pod.h"
#include "ilctl_util.h"
#include "text.h"
#include "wire.h"
#include "yamljson.h"

#define UID "3f1c2a9e-0b7d-4c55-9a51-2d6e8f0a1b22"
#define NOW 1784023200 /* 2026-07-14T10:00:00Z */

struct built {
	cJSON *req;
	cJSON *pod;
};

static cJSON *docs_of(const char *yaml)
{
	char err[256];
	cJSON *docs;

	if (yamljson_parse_all(yaml, strlen(yaml), YAMLJSON_TYPED, &docs, err,
			       sizeof(err)) < 0)
		fail_msg("test YAML does not parse: %s", err);
	return docs;
}

static struct built build_ok(const char *yaml)
{
	struct built b = {0};
	cJSON *docs = docs_of(yaml);
	char err[512] = "";

	if (ilctl_pod_build(docs, "default", UID, NOW, &b.req, &b.pod, err,
			    sizeof(err)) < 0)
		fail_msg("build failed: %s", err);
	cJSON_Delete(docs);
	return b;
}

static void build_fails(const char *yaml, const char *want)
{
	cJSON *docs = docs_of(yaml), *req = NULL, *pod = NULL;
	char err[512] = "";

	if (ilctl_pod_build(docs, "default", UID, NOW, &req, &pod, err,
			    sizeof(err)) == 0) {
		cJSON_Delete(req);
		cJSON_Delete(pod);
		cJSON_Delete(docs);
		fail_msg("build succeeded, want error '%s'", want);
	}
	cJSON_Delete(docs);
	if (!strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);
}

static void built_done(struct built *b)
{
	cJSON_Delete(b->req);
	cJSON_Delete(b->pod);
}

/* A value by a dotted path; "[n]" picks an array element. */
static const cJSON *at(const cJSON *j, const char *path)
{
	char part[128];

	while (j && *path) {
		size_t n = strcspn(path, ".");

		assert_true(n < sizeof(part));
		memcpy(part, path, n);
		part[n] = '\0';
		if (part[0] == '[')
			j = cJSON_GetArrayItem(j, (int)strtol(part + 1, NULL,
							      10));
		else
			j = cJSON_GetObjectItemCaseSensitive(j, part);
		path += n + (path[n] == '.');
	}
	return j;
}

static const char *str_at(const cJSON *j, const char *path)
{
	const cJSON *v = at(j, path);

	if (!cJSON_IsString(v))
		fail_msg("%s is not a string", path);
	return v->valuestring;
}

/* The JSON text of a value, compared whole. */
static void json_at(const cJSON *j, const char *path, const char *want)
{
	char *got = cJSON_PrintUnformatted(at(j, path));

	if (!got)
		fail_msg("%s is absent", path);
	assert_string_equal(got, want);
	free(got);
}

#define POD_HEAD                                                               \
	"apiVersion: v1\n"                                                     \
	"kind: Pod\n"                                                          \
	"metadata:\n"                                                          \
	"  name: job-a\n"

static void test_uuid4(void **state)
{
	char a[ILCTL_UUID_SIZE], b[ILCTL_UUID_SIZE];

	(void)state;
	assert_int_equal(ilctl_uuid4(a), 0);
	assert_int_equal(ilctl_uuid4(b), 0);
	assert_true(text_is_uuid(a));
	assert_true(text_is_uuid(b));
	assert_int_equal(a[14], '4');
	assert_non_null(strchr("89ab", a[19]));
	assert_string_not_equal(a, b);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(ilctl_uuid4(a), 0);
		assert_true(text_is_uuid(a));
		assert_int_equal(a[14], '4');
	}
}

static void test_fill_metadata(void **state)
{
	struct built b;

	(void)state;
	b = build_ok(POD_HEAD "spec:\n"
			      "  containers: [{name: main, image: alpine}]\n");
	/* the request: pod, null lists, empty jobscriptURL, in VK order */
	assert_string_equal(str_at(b.req, "pod.metadata.namespace"),
			    "default");
	assert_string_equal(str_at(b.req, "pod.metadata.uid"), UID);
	assert_string_equal(str_at(b.req, "pod.metadata.creationTimestamp"),
			    "2026-07-14T10:00:00Z");
	json_at(b.req, "pod.status",
		"{\"phase\":\"Pending\",\"podIP\":\"127.0.0.1\"}");
	json_at(b.req, "configmaps", "null");
	json_at(b.req, "secrets", "null");
	json_at(b.req, "projectedvolumesmaps", "null");
	assert_string_equal(str_at(b.req, "jobscriptURL"), "");
	assert_string_equal(b.req->child->string, "pod");
	/* the saved pod carries the same metadata */
	assert_string_equal(str_at(b.pod, "metadata.uid"), UID);
	assert_string_equal(ilctl_pod_meta(b.pod, "namespace"), "default");
	built_done(&b);

	/* a given uid and namespace are kept; pod-ip annotation honoured */
	b = build_ok(POD_HEAD "  namespace: hpc\n"
			      "  uid: 11111111-2222-4333-8444-555555555555\n"
			      "  annotations: {interlink.eu/pod-ip: 10.0.0.7}\n"
			      "spec:\n"
			      "  containers: [{name: main}]\n"
			      "status: {phase: Running}\n");
	assert_string_equal(str_at(b.req, "pod.metadata.namespace"), "hpc");
	assert_string_equal(str_at(b.req, "pod.metadata.uid"),
			    "11111111-2222-4333-8444-555555555555");
	json_at(b.pod, "status",
		"{\"phase\":\"Pending\",\"podIP\":\"10.0.0.7\"}");
	built_done(&b);
}

static void test_string_data_merge(void **state)
{
	struct built b;

	(void)state;
	b = build_ok(POD_HEAD
		     "spec:\n"
		     "  containers: [{name: main}]\n"
		     "  volumes: [{name: s, secret: {secretName: creds}}]\n"
		     "---\n"
		     "kind: Secret\n"
		     "metadata: {name: creds}\n"
		     "data: {password: czNjcjN0, user: b2xk}\n"
		     "stringData: {user: admin, empty: ''}\n");
	json_at(b.req, "secrets.[0].data",
		"{\"password\":\"czNjcjN0\",\"user\":\"YWRtaW4=\","
		"\"empty\":\"\"}");
	assert_null(at(b.req, "secrets.[0].stringData"));
	assert_string_equal(str_at(b.req, "secrets.[0].metadata.namespace"),
			    "default");
	built_done(&b);

	/* stringData alone creates data */
	b = build_ok(POD_HEAD
		     "spec:\n"
		     "  containers: [{name: main}]\n"
		     "  volumes: [{name: s, secret: {secretName: creds}}]\n"
		     "---\n"
		     "kind: Secret\n"
		     "metadata: {name: creds}\n"
		     "stringData: {token: \"a\\nb\"}\n");
	json_at(b.req, "secrets.[0].data", "{\"token\":\"YQpi\"}");
	built_done(&b);

	build_fails(POD_HEAD "spec: {containers: [{name: main}]}\n"
			     "---\n"
			     "kind: Secret\n"
			     "metadata: {name: bad}\n"
			     "data: {k: 'not base64!'}\n",
		    "secret 'bad' (document 2): data.'k' is not valid base64");
	build_fails(POD_HEAD "spec: {containers: [{name: main}]}\n"
			     "---\n"
			     "kind: Secret\n"
			     "metadata: {name: bad}\n"
			     "stringData: {port: 8080}\n",
		    "stringData.'port' must be a string (quote the value)");
}

static const char projected_yaml[] =
	POD_HEAD
	"  labels: {b: two, a: \"say \\\"hi\\\"\\n\"}\n"
	"spec:\n"
	"  nodeName: vk-node\n"
	"  containers: [{name: main}]\n"
	"  volumes:\n"
	"  - name: cfg\n"
	"    configMap: {name: app, defaultMode: 0644}\n"
	"  - name: kube-api-access\n"
	"    projected:\n"
	"      defaultMode: 0420\n"
	"      sources:\n"
	"      - serviceAccountToken: {path: token, expirationSeconds: 3607}\n"
	"      - configMap:\n"
	"          name: kube-root-ca.crt\n"
	"          items: [{key: ca.crt, path: ca.crt}]\n"
	"      - downwardAPI:\n"
	"          items:\n"
	"          - path: namespace\n"
	"            fieldRef: {fieldPath: metadata.namespace}\n"
	"  - name: mixed\n"
	"    projected:\n"
	"      sources:\n"
	"      - configMap: {name: app}\n"
	"      - configMap:\n"
	"          name: app\n"
	"          items: [{key: a.conf, path: sub/renamed.conf}]\n"
	"      - secret: {name: creds, items: [{key: pw, path: pw.txt}]}\n"
	"      - secret: {name: missing, optional: true}\n"
	"  - name: info\n"
	"    downwardAPI:\n"
	"      defaultMode: 0444\n"
	"      items:\n"
	"      - {path: labels, fieldRef: {fieldPath: metadata.labels}}\n"
	"      - {path: notes, fieldRef: {fieldPath: metadata.annotations}}\n"
	"      - {path: node, fieldRef: {fieldPath: spec.nodeName}}\n"
	"      - {path: uid, fieldRef: {fieldPath: metadata.uid}}\n"
	"      - {path: ip, fieldRef: {fieldPath: status.podIP}}\n"
	"      - {path: odd, fieldRef: {fieldPath: metadata.generation}}\n"
	"      - {path: cpu, resourceFieldRef: {resource: limits.cpu}}\n"
	"  - name: scratch\n"
	"    emptyDir: {}\n"
	"---\n"
	"kind: ConfigMap\n"
	"metadata: {name: app}\n"
	"data: {a.conf: \"x=1\\n\", b.conf: why}\n"
	"---\n"
	"kind: Secret\n"
	"metadata: {name: creds, namespace: default}\n"
	"data: {pw: czNjcjN0}\n";

static void test_projected_maps(void **state)
{
	struct built b = build_ok(projected_yaml);

	(void)state;
	/* configMap volume: the whole object, once */
	assert_int_equal(cJSON_GetArraySize(at(b.req, "configmaps")), 1);
	assert_string_equal(str_at(b.req, "configmaps.[0].metadata.name"),
			    "app");
	json_at(b.req, "secrets", "null");
	assert_int_equal(cJSON_GetArraySize(at(b.req, "projectedvolumesmaps")),
			 3);
	/* maps are named after the volume, keyed by file path */
	json_at(b.req, "projectedvolumesmaps.[0]",
		"{\"metadata\":{\"name\":\"kube-api-access\","
		"\"creationTimestamp\":null},"
		"\"data\":{\"token\":\"" ILCTL_PLACEHOLDER_TOKEN "\","
		"\"namespace\":\"default\"}}");
	json_at(b.req, "projectedvolumesmaps.[1].data",
		"{\"a.conf\":\"x=1\\n\",\"b.conf\":\"why\","
		"\"sub/renamed.conf\":\"x=1\\n\",\"pw.txt\":\"s3cr3t\"}");
	assert_string_equal(
		str_at(b.req, "projectedvolumesmaps.[2].metadata.name"),
		"info");
	json_at(b.req, "projectedvolumesmaps.[2].data",
		"{\"labels\":\"a=\\\"say \\\\\\\"hi\\\\\\\"\\\\n\\\"\\n"
		"b=\\\"two\\\"\\n\","
		"\"notes\":\"\",\"node\":\"vk-node\",\"uid\":\"" UID "\","
		"\"ip\":\"127.0.0.1\"}");
	built_done(&b);
}

static void test_downward_rewrite(void **state)
{
	struct built b = build_ok(projected_yaml);

	(void)state;
	/* the pod sent: the downwardAPI volume became a projected one */
	json_at(b.req, "pod.spec.volumes.[3]",
		"{\"name\":\"info\",\"projected\":{\"defaultMode\":292,"
		"\"sources\":[{\"downwardAPI\":{\"items\":["
		"{\"path\":\"labels\",\"fieldRef\":{\"fieldPath\":"
		"\"metadata.labels\"}},"
		"{\"path\":\"notes\",\"fieldRef\":{\"fieldPath\":"
		"\"metadata.annotations\"}},"
		"{\"path\":\"node\",\"fieldRef\":{\"fieldPath\":"
		"\"spec.nodeName\"}},"
		"{\"path\":\"uid\",\"fieldRef\":{\"fieldPath\":"
		"\"metadata.uid\"}},"
		"{\"path\":\"ip\",\"fieldRef\":{\"fieldPath\":"
		"\"status.podIP\"}},"
		"{\"path\":\"odd\",\"fieldRef\":{\"fieldPath\":"
		"\"metadata.generation\"}},"
		"{\"path\":\"cpu\",\"resourceFieldRef\":{\"resource\":"
		"\"limits.cpu\"}}]}}]}}");
	/* other volumes untouched; the saved pod keeps the original */
	json_at(b.req, "pod.spec.volumes.[0]",
		"{\"name\":\"cfg\",\"configMap\":{\"name\":\"app\","
		"\"defaultMode\":420}}");
	assert_non_null(at(b.pod, "spec.volumes.[3].downwardAPI"));
	assert_null(at(b.pod, "spec.volumes.[3].projected"));
	built_done(&b);

	/* a downwardAPI volume without defaultMode or items */
	b = build_ok(POD_HEAD "spec:\n"
			      "  containers: [{name: main}]\n"
			      "  volumes: [{name: d, downwardAPI: {}}]\n");
	json_at(b.req, "pod.spec.volumes.[0]",
		"{\"name\":\"d\",\"projected\":{\"sources\":["
		"{\"downwardAPI\":{}}]}}");
	json_at(b.req, "projectedvolumesmaps",
		"[{\"metadata\":{\"name\":\"d\",\"creationTimestamp\":null}}]");
	built_done(&b);
}

static void test_missing_references(void **state)
{
	struct built b;

	(void)state;
	build_fails(POD_HEAD "spec:\n"
			     "  containers: [{name: main}]\n"
			     "  volumes: [{name: v, configMap: {name: nope}}]"
			     "\n",
		    "volume 'v': configmap 'nope' is not in the manifest "
		    "(namespace 'default')");
	build_fails(POD_HEAD
		    "spec:\n"
		    "  containers: [{name: main}]\n"
		    "  volumes: [{name: v, secret: {secretName: s}}]\n"
		    "---\n"
		    "kind: Secret\n"
		    "metadata: {name: s, namespace: other}\n",
		    "secret 's' is not in the manifest");
	build_fails(POD_HEAD
		    "spec:\n"
		    "  containers: [{name: main}]\n"
		    "  volumes:\n"
		    "  - name: p\n"
		    "    projected:\n"
		    "      sources: [{configMap: {name: c, items: "
		    "[{key: k, path: p}]}}]\n"
		    "---\n"
		    "kind: ConfigMap\n"
		    "metadata: {name: c}\n"
		    "data: {other: x}\n",
		    "volume 'p': configmap 'c' has no key 'k'");
	/* optional references are skipped */
	b = build_ok(POD_HEAD
		     "spec:\n"
		     "  containers: [{name: main}]\n"
		     "  volumes:\n"
		     "  - {name: v, configMap: {name: nope, optional: true}}\n"
		     "  - {name: w, secret: {secretName: gone, "
		     "optional: true}}\n");
	json_at(b.req, "configmaps", "null");
	json_at(b.req, "secrets", "null");
	built_done(&b);
}

static void test_env(void **state)
{
	struct built b;

	(void)state;
	b = build_ok(
		POD_HEAD
		"  annotations: {team.io/owner: alice}\n"
		"spec:\n"
		"  initContainers:\n"
		"  - name: init\n"
		"    env: [{name: P, valueFrom: {fieldRef: "
		"{fieldPath: metadata.name}}}]\n"
		"  containers:\n"
		"  - name: main\n"
		"    env:\n"
		"    - {name: A, value: plain}\n"
		"    - {name: B, valueFrom: {configMapKeyRef: {name: c, key: "
		"k1}}}\n"
		"    - {name: C, valueFrom: {secretKeyRef: {name: s, key: "
		"pw}}}\n"
		"    - {name: D, valueFrom: {fieldRef: {fieldPath: "
		"\"metadata.annotations['team.io/owner']\"}}}\n"
		"    - {name: E, valueFrom: {configMapKeyRef: {name: gone, "
		"key: x, optional: true}}}\n"
		"    - {name: F, valueFrom: {fieldRef: {fieldPath: "
		"metadata.uid}}}\n"
		"    - {name: k2, value: explicit-wins}\n"
		"    - {name: R, valueFrom: {resourceFieldRef: {resource: "
		"limits.cpu}}}\n"
		"    envFrom:\n"
		"    - configMapRef: {name: c}\n"
		"    - secretRef: {name: s}\n"
		"      prefix: S_\n"
		"    - configMapRef: {name: c2}\n"
		"    - secretRef: {name: absent, optional: true}\n"
		"---\n"
		"kind: ConfigMap\n"
		"metadata: {name: c}\n"
		"data: {k1: one, k2: two, k3: three}\n"
		"---\n"
		"kind: ConfigMap\n"
		"metadata: {name: c2}\n"
		"data: {k3: override}\n"
		"---\n"
		"kind: Secret\n"
		"metadata: {name: s}\n"
		"stringData: {pw: hunter2}\n");
	json_at(b.req, "pod.spec.initContainers.[0].env",
		"[{\"name\":\"P\",\"value\":\"job-a\"}]");
	json_at(b.req, "pod.spec.containers.[0].env",
		"[{\"name\":\"A\",\"value\":\"plain\"},"
		"{\"name\":\"B\",\"value\":\"one\"},"
		"{\"name\":\"C\",\"value\":\"hunter2\"},"
		"{\"name\":\"D\",\"value\":\"alice\"},"
		"{\"name\":\"F\",\"value\":\"" UID "\"},"
		"{\"name\":\"k2\",\"value\":\"explicit-wins\"},"
		"{\"name\":\"R\",\"valueFrom\":{\"resourceFieldRef\":"
		"{\"resource\":\"limits.cpu\"}}},"
		"{\"name\":\"k1\",\"value\":\"one\"},"
		"{\"name\":\"k3\",\"value\":\"override\"},"
		"{\"name\":\"S_pw\",\"value\":\"hunter2\"}]");
	assert_null(at(b.req, "pod.spec.containers.[0].envFrom"));
	/* ConfigMaps used only by env are not sent as volumes */
	json_at(b.req, "configmaps", "null");
	/* the saved pod keeps env as written */
	assert_non_null(at(b.pod, "spec.containers.[0].envFrom"));
	assert_non_null(at(b.pod, "spec.containers.[0].env.[1].valueFrom"));
	built_done(&b);

	build_fails(POD_HEAD "spec:\n"
			     "  containers:\n"
			     "  - name: main\n"
			     "    env: [{name: X, valueFrom: {configMapKeyRef: "
			     "{name: c, key: nokey}}}]\n"
			     "---\n"
			     "kind: ConfigMap\n"
			     "metadata: {name: c}\n",
		    "container 'main': env 'X': configmap 'c' has no key "
		    "'nokey'");
	build_fails(POD_HEAD "spec:\n"
			     "  containers:\n"
			     "  - name: main\n"
			     "    envFrom: [{secretRef: {name: s}}]\n",
		    "container 'main': secret 's' is not in the manifest");
	build_fails(POD_HEAD "spec:\n"
			     "  containers:\n"
			     "  - name: main\n"
			     "    env: [{name: X, valueFrom: {fieldRef: "
			     "{fieldPath: metadata.nmae}}}]\n",
		    "fieldPath 'metadata.nmae' is not supported");
}

static void test_manifest_errors(void **state)
{
	(void)state;
	build_fails("kind: ConfigMap\nmetadata: {name: c}\n",
		    "the manifest must hold exactly one Pod, not 0");
	build_fails(POD_HEAD "spec: {containers: [{name: a}]}\n---\n" POD_HEAD
			     "spec: {containers: [{name: a}]}\n",
		    "exactly one Pod, not 2");
	build_fails(POD_HEAD "spec: {containers: [{name: a}]}\n---\n"
			     "kind: Deployment\n",
		    "document 2: kind 'Deployment' is not supported");
	build_fails("- a\n- b\n", "document 1 is not a mapping");
	build_fails("metadata: {name: x}\n", "document 1 has no 'kind'");
	build_fails("kind: Pod\nmetadata: {name: Bad_Name}\n"
		    "spec: {containers: [{name: a}]}\n",
		    "pod name 'Bad_Name' is not a valid DNS subdomain");
	build_fails("kind: Pod\nmetadata: {name: p, namespace: NS}\n"
		    "spec: {containers: [{name: a}]}\n",
		    "namespace 'NS' is not a valid DNS label");
	build_fails(POD_HEAD "spec: {containers: []}\n",
		    "pod 'job-a' has no containers");
	build_fails(POD_HEAD "spec: {containers: [{name: a}]}\n---\n"
			     "kind: ConfigMap\nmetadata: {name: c}\n---\n"
			     "kind: ConfigMap\nmetadata: {name: c}\n",
		    "document 3: configmap 'c' appears twice");
	build_fails(POD_HEAD "spec: {containers: [{name: a}]}\n---\n"
			     "kind: ConfigMap\nmetadata: {name: c}\n"
			     "data: {port: 8080}\n",
		    "configmap 'c' (document 2): data.'port' must be a string");
	build_fails(POD_HEAD "  labels: {tier: 1}\n"
			     "spec: {containers: [{name: a}]}\n",
		    "metadata.labels.'tier' must be a string");
	build_fails(POD_HEAD "spec:\n"
			     "  containers: [{name: a}]\n"
			     "  volumes: [{configMap: {name: x}}]\n",
		    "a volume: 'name' must be a non-empty string");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid4),
		cmocka_unit_test(test_fill_metadata),
		cmocka_unit_test(test_string_data_merge),
		cmocka_unit_test(test_projected_maps),
		cmocka_unit_test(test_downward_rewrite),
		cmocka_unit_test(test_missing_references),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_manifest_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
