/* tests/unit/test_yamljson.c - cmocka tests for common/yamljson.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "yamljson.h"

/* Parse with parse_all and compare the unformatted JSON. */
static void check_all(const char *yaml, enum yamljson_mode mode,
		      const char *want)
{
	char err[256] = "";
	cJSON *j = NULL;
	char *got;

	if (yamljson_parse_all(yaml, strlen(yaml), mode, &j, err,
			       sizeof(err)) < 0)
		fail_msg("parse failed for <<%s>>: %s", yaml, err);
	got = cJSON_PrintUnformatted(j);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	cJSON_Delete(j);
}

/* One value "v: <scalar>" in the given mode, compared as JSON text. */
static void check_scalar(const char *scalar, enum yamljson_mode mode,
			 const char *want_json)
{
	char yaml[256], want[256];

	(void)snprintf(yaml, sizeof(yaml), "v: %s\n", scalar);
	(void)snprintf(want, sizeof(want), "[{\"v\":%s}]", want_json);
	check_all(yaml, mode, want);
}

/* Parse must fail with a message containing want. */
static void check_error(const char *yaml, enum yamljson_mode mode,
			const char *want)
{
	char err[256] = "";
	cJSON *j = NULL;

	if (yamljson_parse_all(yaml, strlen(yaml), mode, &j, err,
			       sizeof(err)) == 0) {
		char *s = cJSON_PrintUnformatted(j);

		cJSON_Delete(j);
		fail_msg("<<%s>> parsed as %s, want error '%s'", yaml,
			 s ? s : "?", want);
	}
	if (!strstr(err, want))
		fail_msg("<<%s>>: error '%s' lacks '%s'", yaml, err, want);
}

static void test_multi_doc(void **state)
{
	(void)state;
	check_all("a: 1\n---\nb: 2\n", YAMLJSON_TYPED,
		  "[{\"a\":1},{\"b\":2}]");
	check_all("---\na: x\n...\n---\n- 1\n- two\n", YAMLJSON_TYPED,
		  "[{\"a\":\"x\"},[1,\"two\"]]");
	check_all("--- scalar doc\n", YAMLJSON_TYPED, "[\"scalar doc\"]");
}

static void test_empty_docs(void **state)
{
	char err[128];
	cJSON *j;

	(void)state;
	check_all("", YAMLJSON_TYPED, "[]");
	check_all("# only a comment\n", YAMLJSON_TYPED, "[]");
	check_all("---\n---\na: 1\n---\n...\n---\n~\n---\nnull\n",
		  YAMLJSON_TYPED, "[{\"a\":1}]");
	check_all("---\n---\n", YAMLJSON_STRINGS, "[]");
	check_all("a: {}\nb: []\n", YAMLJSON_TYPED, "[{\"a\":{},\"b\":[]}]");

	assert_int_equal(yamljson_parse_one("", 0, YAMLJSON_TYPED, &j, err,
					    sizeof(err)),
			 0);
	assert_true(cJSON_IsObject(j));
	assert_null(j->child);
	cJSON_Delete(j);

	assert_int_equal(yamljson_parse_one("---\n---\nk: v\n", 13,
					    YAMLJSON_STRINGS, &j, err,
					    sizeof(err)),
			 0);
	assert_string_equal(cJSON_GetObjectItem(j, "k")->valuestring, "v");
	cJSON_Delete(j);

	assert_int_equal(yamljson_parse_one("a: 1\n---\nb: 2\n", 14,
					    YAMLJSON_TYPED, &j, err,
					    sizeof(err)),
			 -1);
	assert_string_equal(err,
			    "line 2, column 1: expected one YAML document, "
			    "found 2");
}

static const struct {
	const char *in;
	const char *out;
} typed_table[] = {
	{"~", "null"},
	{"null", "null"},
	{"Null", "null"},
	{"NULL", "null"},
	{"", "null"},
	{"true", "true"},
	{"True", "true"},
	{"TRUE", "true"},
	{"yes", "true"},
	{"Yes", "true"},
	{"YES", "true"},
	{"y", "true"},
	{"Y", "true"},
	{"on", "true"},
	{"On", "true"},
	{"ON", "true"},
	{"false", "false"},
	{"False", "false"},
	{"no", "false"},
	{"NO", "false"},
	{"n", "false"},
	{"off", "false"},
	{"OFF", "false"},
	{"tRue", "\"tRue\""},
	{"yEs", "\"yEs\""},
	{"nil", "\"nil\""},
	{"42", "42"},
	{"-17", "-17"},
	{"+5", "5"},
	{"0", "0"},
	{"0644", "420"},
	{"0o644", "420"},
	{"0x1F", "31"},
	{"0X1f", "31"},
	{"-0x10", "-16"},
	{"0b101", "5"},
	{"1_000_000", "1000000"},
	{"09", "9"},
	{"3000000000", "3000000000"},
	{"3.14", "3.14"},
	{"-2.5", "-2.5"},
	{"1e3", "1000"},
	{"1.5E-3", "0.0015"},
	{".5", "0.5"},
	{"-.5", "-0.5"},
	{"1.", "1"},
	{"1e999", "\"1e999\""},
	{"0x", "\"0x\""},
	{"0b102", "\"0b102\""},
	{"12abc", "\"12abc\""},
	{"1.2.3", "\"1.2.3\""},
	{"2024-01-02", "\"2024-01-02\""},
	{"2024-01-02T10:00:00Z", "\"2024-01-02T10:00:00Z\""},
	{"-x", "\"-x\""},
	{"[-]", "[\"-\"]"},
	{"+", "\"+\""},
	{".", "\".\""},
	{"0xFFFFFFFFFFFFFFFFF", "\"0xFFFFFFFFFFFFFFFFF\""},
	{"500m", "\"500m\""},
	{"1Gi", "\"1Gi\""},
	{"docker://alpine:3.19", "\"docker://alpine:3.19\""},
	{"a b  c", "\"a b  c\""},
	{"'123'", "\"123\""},
	{"\"true\"", "\"true\""},
	{"'0644'", "\"0644\""},
	{"\"\"", "\"\""},
	{"''", "\"\""},
	{"!!str 0644", "\"0644\""},
	{"! 123", "\"123\""},
	{"!!int 0x10", "16"},
	{"!!float 1", "1"},
	{"!!bool yes", "true"},
	{"!!null ''", "null"},
	{"[1, two, 'three', ~]", "[1,\"two\",\"three\",null]"},
	{"{a: 1, b: [x]}", "{\"a\":1,\"b\":[\"x\"]}"},
};

static void test_typed_scalars(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(typed_table) / sizeof(typed_table[0]);
	     i++)
		check_scalar(typed_table[i].in, YAMLJSON_TYPED,
			     typed_table[i].out);
}

static void test_big_ints(void **state)
{
	char err[128];
	cJSON *j;
	const char *y = "a: 9223372036854775807\n"
			"b: -9223372036854775808\n"
			"c: 18446744073709551615\n"
			"d: 99999999999999999999999\n";

	(void)state;
	assert_int_equal(yamljson_parse_one(y, strlen(y), YAMLJSON_TYPED, &j,
					    err, sizeof(err)),
			 0);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(j, "a")));
	assert_true(cJSON_GetObjectItem(j, "a")->valuedouble ==
		    9223372036854775807.0);
	assert_true(cJSON_GetObjectItem(j, "b")->valuedouble ==
		    -9223372036854775808.0);
	assert_true(cJSON_GetObjectItem(j, "c")->valuedouble ==
		    18446744073709551615.0);
	assert_true(cJSON_GetObjectItem(j, "d")->valuedouble == 1e23);
	cJSON_Delete(j);
}

static void test_typed_errors(void **state)
{
	(void)state;
	check_error("v: .inf\n", YAMLJSON_TYPED,
		    "line 1, column 4: '.inf' has no JSON representation");
	check_error("v: -.Inf\n", YAMLJSON_TYPED, "no JSON representation");
	check_error("v: .NaN\n", YAMLJSON_TYPED, "no JSON representation");
	check_error("v: !!int abc\n", YAMLJSON_TYPED,
		    "'abc' does not match its tag");
	check_error("v: !!bool 1\n", YAMLJSON_TYPED, "does not match");
	check_error("v: !!binary aGk=\n", YAMLJSON_TYPED,
		    "unsupported tag ('tag:yaml.org,2002:binary')");
	check_error("v: !custom x\n", YAMLJSON_STRINGS,
		    "unsupported tag ('!custom')");
	check_error("v: !!map x\n", YAMLJSON_TYPED, "unsupported tag");
	check_error("v: !!seq {a: 1}\n", YAMLJSON_TYPED, "unsupported tag");
	check_error("v: \"a\\0b\"\n", YAMLJSON_TYPED,
		    "a NUL character is not supported");
}

static const struct {
	const char *in;
	const char *out;
} strings_table[] = {
	{"~", "null"},
	{"null", "null"},
	{"NULL", "null"},
	{"", "null"},
	{"'null'", "\"null\""},
	{"'~'", "\"~\""},
	{"0644", "\"0644\""},
	{"yes", "\"yes\""},
	{"true", "\"true\""},
	{"1.50", "\"1.50\""},
	{"0x1F", "\"0x1F\""},
	{".inf", "\".inf\""},
	{"!!int 12", "\"12\""},
	{"!!null x", "null"},
	{"[1, on, ~]", "[\"1\",\"on\",null]"},
};

static void test_strings_mode(void **state)
{
	(void)state;
	for (size_t i = 0;
	     i < sizeof(strings_table) / sizeof(strings_table[0]); i++)
		check_scalar(strings_table[i].in, YAMLJSON_STRINGS,
			     strings_table[i].out);
	/* keys stay as written, so "yes" and "true" do not collide */
	check_all("yes: 1\ntrue: 2\n0644: 3\n", YAMLJSON_STRINGS,
		  "[{\"yes\":\"1\",\"true\":\"2\",\"0644\":\"3\"}]");
}

static void test_typed_keys(void **state)
{
	(void)state;
	/* what sigs.k8s.io/yaml does with non-string keys */
	check_all("yes: a\noff: b\n1: c\n0644: d\n1.5: e\n'on': f\n",
		  YAMLJSON_TYPED,
		  "[{\"true\":\"a\",\"false\":\"b\",\"1\":\"c\",\"420\":\"d\","
		  "\"1.5\":\"e\",\"on\":\"f\"}]");
	check_error("true: 1\nyes: 2\n", YAMLJSON_TYPED,
		    "line 2, column 1: duplicate key 'true'");
	check_error("~: 1\n", YAMLJSON_TYPED,
		    "line 1, column 1: a mapping key is null");
	check_error("? \n: 1\n", YAMLJSON_STRINGS, "a mapping key is null");
	check_error("<<: {a: 1}\n", YAMLJSON_TYPED,
		    "merge keys are not supported");
}

static void test_block_scalars(void **state)
{
	(void)state;
	check_all("v: |\n  line1\n  line2\n", YAMLJSON_TYPED,
		  "[{\"v\":\"line1\\nline2\\n\"}]");
	check_all("v: |-\n  line1\n  line2\n\nw: 1\n", YAMLJSON_TYPED,
		  "[{\"v\":\"line1\\nline2\",\"w\":1}]");
	check_all("v: |+\n  a\n\n\nw: 1\n", YAMLJSON_TYPED,
		  "[{\"v\":\"a\\n\\n\\n\",\"w\":1}]");
	check_all("v: >\n  folded\n  text\n\n  para\n", YAMLJSON_TYPED,
		  "[{\"v\":\"folded text\\npara\\n\"}]");
	check_all("v: |\n  x\n    indented\n", YAMLJSON_TYPED,
		  "[{\"v\":\"x\\n  indented\\n\"}]");
	check_all("v: |2\n    two\n", YAMLJSON_TYPED,
		  "[{\"v\":\"  two\\n\"}]");
	/* block scalars are strings even when they look like numbers */
	check_all("v: |-\n  0644\n", YAMLJSON_TYPED,
		  "[{\"v\":\"0644\"}]");
	check_all("v: >-\n  true\n", YAMLJSON_STRINGS,
		  "[{\"v\":\"true\"}]");
	check_all("v: |\n  #!/bin/sh\n  echo \"$HOME\" 'x'\\n\n",
		  YAMLJSON_TYPED,
		  "[{\"v\":\"#!/bin/sh\\necho \\\"$HOME\\\" 'x'\\\\n\\n\"}]");
}

static void test_unicode(void **state)
{
	char err[128];
	cJSON *j;
	const char *y = "name: caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80\n"
			"esc: \"\\u00e9\\U0001F600\\t\"\n";

	(void)state;
	assert_int_equal(yamljson_parse_one(y, strlen(y), YAMLJSON_TYPED, &j,
					    err, sizeof(err)),
			 0);
	assert_string_equal(cJSON_GetObjectItem(j, "name")->valuestring,
			    "caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80");
	assert_string_equal(cJSON_GetObjectItem(j, "esc")->valuestring,
			    "\xc3\xa9\xf0\x9f\x98\x80\t");
	cJSON_Delete(j);
	/* a BOM is fine */
	check_all("\xef\xbb\xbf" "a: 1\n", YAMLJSON_TYPED, "[{\"a\":1}]");
	/* invalid UTF-8 is refused with a position */
	check_error("a: 1\nb: x\xff\n", YAMLJSON_TYPED,
		    "line 2, column 5: invalid leading UTF-8 octet");
	check_error("a: \xc3\n", YAMLJSON_TYPED,
		    "line 1, column 5: invalid trailing UTF-8 octet");
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	check_error("a: 1\nb: 2\na: 3\n", YAMLJSON_TYPED,
		    "line 3, column 1: duplicate key 'a'");
	check_error("a: 1\nb: 2\na: 3\n", YAMLJSON_STRINGS,
		    "line 3, column 1: duplicate key 'a'");
	check_error("x:\n  p: 1\n  q: 2\n  p: 3\n", YAMLJSON_TYPED,
		    "line 4, column 3: duplicate key 'p'");
	/* Kubernetes reads a plain "y" key as true, and so do we */
	check_error("x:\n  y: 1\n  z: 2\n  Y: 3\n", YAMLJSON_TYPED,
		    "line 4, column 3: duplicate key 'true'");
	check_error("{a: 1, 'a': 2}", YAMLJSON_TYPED,
		    "line 1, column 8: duplicate key 'a'");
	/* the first repeat in text order is reported */
	check_error("b: 1\na: 1\nb: 2\na: 2\n", YAMLJSON_TYPED,
		    "line 3, column 1: duplicate key 'b'");
	/* same key in sibling mappings is fine */
	check_all("- a: 1\n- a: 2\n", YAMLJSON_TYPED,
		  "[[{\"a\":1},{\"a\":2}]]");
}

static void test_many_keys(void **state)
{
	char *y, err[128];
	size_t cap = 5000 * 16, len = 0;
	cJSON *j;

	(void)state;
	y = malloc(cap);
	assert_non_null(y);
	for (int i = 0; i < 5000; i++)
		len += (size_t)snprintf(y + len, cap - len, "k%d: %d\n", i, i);
	assert_int_equal(yamljson_parse_one(y, len, YAMLJSON_TYPED, &j, err,
					    sizeof(err)),
			 0);
	assert_int_equal(cJSON_GetArraySize(j), 5000);
	cJSON_Delete(j);
	len += (size_t)snprintf(y + len, cap - len, "k4321: again\n");
	assert_int_equal(yamljson_parse_one(y, len, YAMLJSON_TYPED, &j, err,
					    sizeof(err)),
			 -1);
	assert_string_equal(err, "line 5001, column 1: duplicate key 'k4321'");
	free(y);
}

static void test_anchors_refused(void **state)
{
	(void)state;
	check_error("a: &x 1\nb: *x\n", YAMLJSON_TYPED,
		    "line 1, column 4: anchors are not supported ('x')");
	check_error("a: &m {x: 1}\n", YAMLJSON_STRINGS,
		    "anchors are not supported ('m')");
	check_error("a: &s [1]\n", YAMLJSON_TYPED, "anchors are not supported");
	check_error("b: *undefined\n", YAMLJSON_TYPED,
		    "line 1, column 4: aliases are not supported "
		    "('undefined')");
	/* billion laughs stops at the first anchor */
	check_error("a: &a [\"lol\",\"lol\"]\nb: &b [*a,*a]\nc: [*b,*b]\n",
		    YAMLJSON_TYPED, "anchors are not supported");
}

static char *nested(size_t levels, char open, char close)
{
	char *s = malloc(2 * levels + 1);

	assert_non_null(s);
	memset(s, open, levels);
	memset(s + levels, close, levels);
	s[2 * levels] = '\0';
	return s;
}

static void test_deep_nesting(void **state)
{
	char err[128];
	cJSON *j;
	char *s;

	(void)state;
	s = nested(64, '[', ']');
	assert_int_equal(yamljson_parse_all(s, strlen(s), YAMLJSON_TYPED, &j,
					    err, sizeof(err)),
			 0);
	cJSON_Delete(j);
	free(s);

	s = nested(65, '[', ']');
	assert_int_equal(yamljson_parse_all(s, strlen(s), YAMLJSON_TYPED, &j,
					    err, sizeof(err)),
			 -1);
	assert_string_equal(err,
			    "line 1, column 65: nesting deeper than 64 levels");
	free(s);

	/* far deeper than the limit: refused quickly, no crash */
	s = nested(200000, '[', ']');
	assert_int_equal(yamljson_parse_all(s, strlen(s), YAMLJSON_TYPED, &j,
					    err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "nesting deeper than 64 levels"));
	free(s);

	/* block style nesting too */
	{
		char y[8192];
		size_t len = 0;

		for (int i = 0; i < 70; i++)
			len += (size_t)snprintf(y + len, sizeof(y) - len,
						"%*sk:\n", i, "");
		check_error(y, YAMLJSON_STRINGS,
			    "line 65, column 65: nesting deeper than 64");
	}
}

static void test_limits(void **state)
{
	char err[128];
	cJSON *j;
	char *y;
	size_t n = 100001, len;

	(void)state;
	/* 100001 sequence items + the sequence itself */
	y = malloc(n * 4 + 1);
	assert_non_null(y);
	for (size_t i = 0; i < n; i++)
		memcpy(y + 4 * i, "- x\n", 4);
	len = n * 4;
	y[len] = '\0';
	assert_int_equal(yamljson_parse_all(y, len, YAMLJSON_TYPED, &j, err,
					    sizeof(err)),
			 -1);
	assert_string_equal(
		err, "line 100000, column 3: more than 100000 YAML nodes");
	/* 99999 items + the sequence = exactly the limit */
	len = 99999 * 4;
	assert_int_equal(yamljson_parse_all(y, len, YAMLJSON_TYPED, &j, err,
					    sizeof(err)),
			 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetArrayItem(j, 0)), 99999);
	cJSON_Delete(j);
	free(y);

	/* input size */
	len = (16u << 20) + 1;
	y = malloc(len);
	assert_non_null(y);
	memset(y, '#', len);
	assert_int_equal(yamljson_parse_all(y, len, YAMLJSON_TYPED, &j, err,
					    sizeof(err)),
			 -1);
	assert_string_equal(err, "input is larger than 16 MiB");
	free(y);
}

static void test_malformed(void **state)
{
	(void)state;
	check_error("a: b: c\n", YAMLJSON_TYPED,
		    "line 1, column 5: mapping values are not allowed in this "
		    "context");
	check_error("a:\n  - b\n c: d\n", YAMLJSON_TYPED, "line 3, column ");
	check_error("[1, 2\n", YAMLJSON_TYPED,
		    "line 2, column 1: did not find expected ',' or ']' "
		    "(while parsing a flow sequence at line 1, column 1)");
	check_error("a:\n\tb: 1\n", YAMLJSON_STRINGS,
		    "line 2, column 1: found character that cannot start any "
		    "token");
	check_error("key: \"unterminated\n", YAMLJSON_TYPED,
		    "found unexpected end of stream");
	check_error("a: 1\n- b\n", YAMLJSON_TYPED, "line 2, column 1:");
	check_error("a: 'it''s\n", YAMLJSON_TYPED, "line ");
}

static void test_nonscalar_key(void **state)
{
	(void)state;
	check_error("? [a, b]\n: 1\n", YAMLJSON_TYPED,
		    "line 1, column 3: a mapping key must be a scalar");
	check_error("? {a: 1}\n: x\n", YAMLJSON_STRINGS,
		    "a mapping key must be a scalar");
	check_error("{[1]: 2}\n", YAMLJSON_TYPED,
		    "a mapping key must be a scalar");
}

static const char manifest[] =
	"# a pod with its configuration\n"
	"apiVersion: v1\n"
	"kind: Pod\n"
	"metadata:\n"
	"  name: hello-world\n"
	"  labels:\n"
	"    app: demo\n"
	"    tier: \"1\"\n"
	"  annotations:\n"
	"    slurm-job.vk.io/flags: \"--time=00:10:00 --mem=1G\"\n"
	"    interlink.eu/pod-vpn: \"true\"\n"
	"spec:\n"
	"  restartPolicy: Never\n"
	"  nodeSelector:\n"
	"    kubernetes.io/hostname: vk-slurm\n"
	"  tolerations:\n"
	"    - key: virtual-node.interlink/no-schedule\n"
	"      operator: Exists\n"
	"  containers:\n"
	"    - name: main\n"
	"      image: docker://ghcr.io/grycap/cowsay:latest\n"
	"      command: [\"/bin/sh\", \"-c\"]\n"
	"      args:\n"
	"        - |\n"
	"          echo \"hello $NAME\"\n"
	"          cat /etc/app/app.conf\n"
	"      env:\n"
	"        - name: NAME\n"
	"          value: world\n"
	"        - name: ENABLED\n"
	"          value: \"yes\"\n"
	"      resources:\n"
	"        limits:\n"
	"          cpu: 1\n"
	"          memory: 1Gi\n"
	"      ports:\n"
	"        - containerPort: 8080\n"
	"      volumeMounts:\n"
	"        - name: cfg\n"
	"          mountPath: /etc/app\n"
	"          readOnly: true\n"
	"        - name: creds\n"
	"          mountPath: /secret\n"
	"  volumes:\n"
	"    - name: cfg\n"
	"      configMap:\n"
	"        name: app-cfg\n"
	"        defaultMode: 0644\n"
	"    - name: creds\n"
	"      secret:\n"
	"        secretName: app-secret\n"
	"        items:\n"
	"          - key: token\n"
	"            path: token.txt\n"
	"            mode: 0400\n"
	"---\n"
	"apiVersion: v1\n"
	"kind: ConfigMap\n"
	"metadata:\n"
	"  name: app-cfg\n"
	"data:\n"
	"  app.conf: |\n"
	"    x=1\n"
	"    y=two\n"
	"  flag: \"on\"\n"
	"---\n"
	"apiVersion: v1\n"
	"kind: Secret\n"
	"metadata:\n"
	"  name: app-secret\n"
	"type: Opaque\n"
	"data:\n"
	"  token: c2VjcmV0\n"
	"stringData:\n"
	"  extra: plain text\n";

static void test_k8s_manifest(void **state)
{
	char err[256] = "";
	cJSON *all, *pod, *c0, *cm, *sec, *v;

	(void)state;
	assert_int_equal(yamljson_parse_all(manifest, strlen(manifest),
					    YAMLJSON_TYPED, &all, err,
					    sizeof(err)),
			 0);
	assert_int_equal(cJSON_GetArraySize(all), 3);
	pod = cJSON_GetArrayItem(all, 0);
	cm = cJSON_GetArrayItem(all, 1);
	sec = cJSON_GetArrayItem(all, 2);
	assert_string_equal(cJSON_GetObjectItem(pod, "kind")->valuestring,
			    "Pod");
	v = cJSON_GetObjectItem(cJSON_GetObjectItem(pod, "metadata"),
				"labels");
	assert_string_equal(cJSON_GetObjectItem(v, "tier")->valuestring, "1");
	v = cJSON_GetObjectItem(cJSON_GetObjectItem(pod, "metadata"),
				"annotations");
	assert_string_equal(
		cJSON_GetObjectItem(v, "interlink.eu/pod-vpn")->valuestring,
		"true");
	v = cJSON_GetObjectItem(pod, "spec");
	c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "containers"), 0);
	assert_string_equal(cJSON_GetObjectItem(c0, "image")->valuestring,
			    "docker://ghcr.io/grycap/cowsay:latest");
	assert_string_equal(
		cJSON_GetArrayItem(cJSON_GetObjectItem(c0, "args"), 0)
			->valuestring,
		"echo \"hello $NAME\"\ncat /etc/app/app.conf\n");
	assert_string_equal(
		cJSON_GetObjectItem(
			cJSON_GetArrayItem(cJSON_GetObjectItem(c0, "env"), 1),
			"value")
			->valuestring,
		"yes");
	assert_int_equal(
		cJSON_GetObjectItem(
			cJSON_GetArrayItem(cJSON_GetObjectItem(c0, "ports"), 0),
			"containerPort")
			->valueint,
		8080);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(c0, "volumeMounts"), 0),
		"readOnly")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(c0, "resources"),
				    "limits"),
		"cpu")));
	v = cJSON_GetObjectItem(v, "volumes");
	assert_int_equal(
		cJSON_GetObjectItem(
			cJSON_GetObjectItem(cJSON_GetArrayItem(v, 0),
					    "configMap"),
			"defaultMode")
			->valueint,
		420);
	assert_int_equal(
		cJSON_GetObjectItem(
			cJSON_GetArrayItem(
				cJSON_GetObjectItem(
					cJSON_GetObjectItem(
						cJSON_GetArrayItem(v, 1),
						"secret"),
					"items"),
				0),
			"mode")
			->valueint,
		256);
	v = cJSON_GetObjectItem(cm, "data");
	assert_string_equal(cJSON_GetObjectItem(v, "app.conf")->valuestring,
			    "x=1\ny=two\n");
	assert_string_equal(cJSON_GetObjectItem(v, "flag")->valuestring, "on");
	v = cJSON_GetObjectItem(sec, "data");
	assert_string_equal(cJSON_GetObjectItem(v, "token")->valuestring,
			    "c2VjcmV0");
	v = cJSON_GetObjectItem(sec, "stringData");
	assert_string_equal(cJSON_GetObjectItem(v, "extra")->valuestring,
			    "plain text");
	cJSON_Delete(all);
}

/* Every prefix and many byte flips of the manifest: no crash, no leak. */
static void test_no_crash(void **state)
{
	size_t len = strlen(manifest);
	char *copy = malloc(len + 1);
	char err[64];
	cJSON *j;
	unsigned seed = 12345;

	(void)state;
	assert_non_null(copy);
	for (size_t n = 0; n <= len; n++) {
		if (yamljson_parse_all(manifest, n, YAMLJSON_TYPED, &j, err,
				       sizeof(err)) == 0)
			cJSON_Delete(j);
	}
	for (int round = 0; round < 3000; round++) {
		static const char bytes[] =
			"\0\n\t :-[]{}&*!|>'\"#%@`,?\xff\xc3";

		memcpy(copy, manifest, len + 1);
		for (int k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % len] =
				bytes[(seed >> 20) % (sizeof(bytes) - 1)];
		}
		if (yamljson_parse_all(copy, len, round % 2 ? YAMLJSON_TYPED
							    : YAMLJSON_STRINGS,
				       &j, err, sizeof(err)) == 0)
			cJSON_Delete(j);
	}
	free(copy);
	/* tiny and absent error buffers are fine */
	assert_int_equal(yamljson_parse_all("a: b: c", 7, YAMLJSON_TYPED, &j,
					    err, 4),
			 -1);
	assert_string_equal(err, "lin");
	assert_int_equal(yamljson_parse_all("a: b: c", 7, YAMLJSON_TYPED, &j,
					    NULL, 0),
			 -1);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/test_yamljson_XXXXXX";
	char err[512];
	cJSON *j;
	FILE *fp;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	assert_true(fputs("InterlinkAddress: http://0.0.0.0\n"
			  "InterlinkPort: 3000\n"
			  "VerboseLogging: true\n",
			  fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(yamljson_load_file(path, YAMLJSON_STRINGS, &j, err,
					    sizeof(err)),
			 0);
	assert_string_equal(
		cJSON_GetObjectItem(j, "InterlinkPort")->valuestring, "3000");
	assert_string_equal(
		cJSON_GetObjectItem(j, "VerboseLogging")->valuestring, "true");
	cJSON_Delete(j);

	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs("a: 1\nb: [\n", fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(yamljson_load_file(path, YAMLJSON_STRINGS, &j, err,
					    sizeof(err)),
			 -1);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	assert_non_null(strstr(err, ": line 3, column 1: "));

	assert_int_equal(unlink(path), 0);
	assert_int_equal(yamljson_load_file(path, YAMLJSON_STRINGS, &j, err,
					    sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "No such file or directory"));

	assert_int_equal(yamljson_load_file("/", YAMLJSON_STRINGS, &j, err,
					    sizeof(err)),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multi_doc),
		cmocka_unit_test(test_empty_docs),
		cmocka_unit_test(test_typed_scalars),
		cmocka_unit_test(test_big_ints),
		cmocka_unit_test(test_typed_errors),
		cmocka_unit_test(test_strings_mode),
		cmocka_unit_test(test_typed_keys),
		cmocka_unit_test(test_block_scalars),
		cmocka_unit_test(test_unicode),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_anchors_refused),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_nonscalar_key),
		cmocka_unit_test(test_k8s_manifest),
		cmocka_unit_test(test_no_crash),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
