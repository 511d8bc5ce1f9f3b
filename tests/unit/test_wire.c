/*
 * tests/unit/test_wire.c - proto/wire.c: parsing limits, lenient decoding,
 * exact encodings, times and base64.
 *
 * JSON fixtures are written with ' in place of " so that they stay
 * readable; q() turns them back.  None of them needs a real apostrophe.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define UID "3f1c2a9e-0b7d-4c55-9a51-2d6e8f0a1b22"
#define T_10_00 1784023200 /* 2026-07-14T10:00:00Z */

/* A pod as the VK sends it: Go's marshalling, many keys we ignore */
#define POD_FULL                                                             \
	"{'kind':'Pod','apiVersion':'v1',"                                   \
	"'metadata':{'name':'job-a','namespace':'default','uid':'" UID "',"  \
	"'resourceVersion':'4711','creationTimestamp':null,"                 \
	"'labels':{'app':'demo','tier':'hpc'},"                              \
	"'annotations':{'slurm-job.vk.io/flags':'--time=01:00:00',"          \
	"'interlink.eu/pod-ip':'10.0.0.7','JobID':'918273'},"                \
	"'ownerReferences':[{'apiVersion':'batch/v1','kind':'Job',"          \
	"'name':'job','uid':'x','controller':true}],"                        \
	"'managedFields':[{'manager':'kube-controller-manager',"             \
	"'operation':'Update','time':'2026-07-14T10:00:00Z',"                \
	"'fieldsType':'FieldsV1','fieldsV1':{'f:metadata':{}}}]},"           \
	"'spec':{'volumes':["                                                \
	"{'name':'cfg','configMap':{'name':'app-cfg','items':[{'key':"       \
	"'app.conf','path':'conf/app.conf','mode':420}],'defaultMode':420}}," \
	"{'name':'creds','secret':{'secretName':'app-secret',"               \
	"'defaultMode':256,'optional':true}},"                               \
	"{'name':'kube-api-access-x','projected':{'sources':["               \
	"{'serviceAccountToken':{'expirationSeconds':3607,'path':'token'}}," \
	"{'configMap':{'name':'kube-root-ca.crt','items':[{'key':'ca.crt',"  \
	"'path':'ca.crt'}]}},{'downwardAPI':{'items':[{'path':'namespace',"  \
	"'fieldRef':{'apiVersion':'v1','fieldPath':'metadata.namespace'}}]}" \
	"}],'defaultMode':420}},"                                            \
	"{'name':'podinfo','downwardAPI':{'items':[{'path':'labels',"        \
	"'fieldRef':{'fieldPath':'metadata.labels'}}]}},"                    \
	"{'name':'scratch','emptyDir':{}},"                                  \
	"{'name':'host','hostPath':{'path':'/data','type':'Directory'}},"    \
	"{'name':'claim','persistentVolumeClaim':{'claimName':'pvc-1'}}],"   \
	"'initContainers':[{'name':'init','image':'docker://busybox',"       \
	"'command':['sh','-c','echo init \\u003e /scratch/x'],"              \
	"'resources':{},'imagePullPolicy':'IfNotPresent'}],"                 \
	"'containers':[{'name':'main','image':'docker://alpine:3.20',"       \
	"'command':['sh','-c'],'args':['echo hi \\u0026\\u0026 sleep 1'],"   \
	"'workingDir':'/work','env':[{'name':'A','value':'1'},"              \
	"{'name':'POD_NAME','valueFrom':{'fieldRef':{'fieldPath':"           \
	"'metadata.name'}}}],'resources':{'limits':{'cpu':'2',"              \
	"'memory':'4Gi','nvidia.com/gpu':'1'},'requests':{'cpu':'500m',"     \
	"'memory':'1Gi'}},'volumeMounts':[{'name':'cfg','mountPath':"        \
	"'/etc/app','readOnly':true},{'name':'scratch','mountPath':"         \
	"'/scratch','subPath':'main'}],'terminationMessagePolicy':'File'},"  \
	"{'name':'side','image':'docker://alpine','resources':{'limits':"    \
	"{'amd.com/gpu':2}}}],"                                              \
	"'restartPolicy':'Never','terminationGracePeriodSeconds':30,"        \
	"'dnsPolicy':'ClusterFirst','nodeName':'vk-slurm',"                  \
	"'securityContext':{'runAsUser':1000,'fsGroup':2000},"               \
	"'tolerations':[{'key':'virtual-node.interlink/no-schedule',"        \
	"'operator':'Exists'}],'priority':0},"                               \
	"'status':{'phase':'Pending','conditions':[{'type':'PodScheduled',"  \
	"'status':'True','lastProbeTime':null,'lastTransitionTime':"         \
	"'2026-07-14T10:00:00Z'}],'podIP':'127.0.0.1',"                      \
	"'startTime':'2026-07-14T10:00:00Z'}}"

#define JOB_CONFIG                                                           \
	"{'SingularityHubProxy':{'server':'','master_token':'',"             \
	"'cache_validity_seconds':0},'ApptainerOptions':{'executable':'',"   \
	"'fakeroot':false,'containall':false,'fuseMode':'','noInit':false,"  \
	"'noHome':false,'noPrivs':false,'nvidiaSupport':false,"              \
	"'cleanenv':false,'unsquash':false},'Volumes':{'scratch_area':'',"   \
	"'apptainer_cachedir':'','image_dir':'',"                            \
	"'additional_directories_in_path':null,'fuse_sleep_seconds':0}}"

#define STATUS_EXAMPLE                                                       \
	"{'name':'job-a','UID':'" UID "','namespace':'default',"             \
	"'JID':'918273','containers':[{'name':'main','state':{'running':"    \
	"{'startedAt':'2026-07-14T10:00:00Z'}},'lastState':{},'ready':true," \
	"'restartCount':0,'image':'','imageID':''}],'initContainers':null}"

#define LOG_UNSET                                                            \
	"{'Namespace':'default','PodUID':'" UID "','PodName':'job-a',"       \
	"'ContainerName':'main','Opts':{'Tail':0,'Bytes':0,"                 \
	"'Timestamps':false,'Follow':true,'Previous':false,"                 \
	"'SinceSeconds':0,'SinceTime':'0001-01-01T00:00:00Z'}}"

#define PING_FULL                                                            \
	"{'status':'ok','resources':{'cpu':'512','memory':'2048Gi',"         \
	"'pods':'1000','accelerators':[{'resourceType':'nvidia.com/gpu',"    \
	"'available':'16'}]},'taints':[{'key':"                              \
	"'slurm.interlink/maintenance','value':'scheduled',"                 \
	"'effect':'NoSchedule'}]}"

/* ------------------------------------------------------------------ */
/* Helpers */

/* The encoders take char * but never write: lets literals in */
static char *S(const char *s)
{
	return (char *)(uintptr_t)s;
}

static char *q(const char *s)
{
	size_t i, len = strlen(s);
	char *p = malloc(len + 1);

	assert_non_null(p);
	for (i = 0; i <= len; i++) {
		p[i] = s[i];
		if (p[i] == '\'')
			p[i] = '"';
	}
	return p;
}

static cJSON *parse(const char *fixture)
{
	char *s = q(fixture), err[256];
	cJSON *j = NULL;
	int r = wire_parse(s, strlen(s), &j, err, sizeof(err));

	free(s);
	if (r)
		fail_msg("wire_parse: %s", err);
	return j;
}

static void parse_fails(const char *buf, size_t len, const char *msg)
{
	char err[256];
	cJSON *j = (cJSON *)&err; /* must be reset to NULL */

	assert_int_equal(wire_parse(buf, len, &j, err, sizeof(err)), -1);
	assert_null(j);
	assert_string_equal(err, msg);
}

/* Compares the compact encoding with a fixture; consumes j */
static void assert_json(cJSON *j, const char *fixture)
{
	char *want = q(fixture), *got;

	assert_non_null(j);
	got = cJSON_PrintUnformatted(j);
	assert_non_null(got);
	assert_string_equal(got, want);
	cJSON_free(got);
	free(want);
	cJSON_Delete(j);
}

enum type {
	T_POD,
	T_CONFIG_MAP,
	T_SECRET,
	T_RETRIEVED,
	T_CREATE_REQ,
	T_STATUS,
	T_CREATE,
	T_LOG,
	T_PING
};

union any {
	struct wire_pod pod;
	struct wire_config_map cm;
	struct wire_retrieved_pod_data rpd;
	struct wire_pod_create_requests pcr;
	struct wire_pod_status st;
	struct wire_create_struct cs;
	struct wire_log_struct ls;
	struct wire_ping_response ping;
};

static const size_t any_size[] = {
	[T_POD] = sizeof(struct wire_pod),
	[T_CONFIG_MAP] = sizeof(struct wire_config_map),
	[T_SECRET] = sizeof(struct wire_config_map),
	[T_RETRIEVED] = sizeof(struct wire_retrieved_pod_data),
	[T_CREATE_REQ] = sizeof(struct wire_pod_create_requests),
	[T_STATUS] = sizeof(struct wire_pod_status),
	[T_CREATE] = sizeof(struct wire_create_struct),
	[T_LOG] = sizeof(struct wire_log_struct),
	[T_PING] = sizeof(struct wire_ping_response),
};

static int decode_any(enum type t, const cJSON *j, union any *u, char *err,
		      size_t len)
{
	switch (t) {
	case T_POD:
		return wire_pod_decode(j, &u->pod, err, len);
	case T_CONFIG_MAP:
	case T_SECRET:
		return wire_config_map_decode(j, t == T_SECRET, &u->cm, err,
					      len);
	case T_RETRIEVED:
		return wire_retrieved_pod_data_decode(j, &u->rpd, err, len);
	case T_CREATE_REQ:
		return wire_pod_create_requests_decode(j, &u->pcr, err, len);
	case T_STATUS:
		return wire_pod_status_decode(j, &u->st, err, len);
	case T_CREATE:
		return wire_create_struct_decode(j, &u->cs, err, len);
	case T_LOG:
		return wire_log_struct_decode(j, &u->ls, err, len);
	case T_PING:
		return wire_ping_response_decode(j, &u->ping, err, len);
	}
	return -1;
}

static void done_any(enum type t, union any *u)
{
	switch (t) {
	case T_POD:
		wire_pod_done(&u->pod);
		break;
	case T_CONFIG_MAP:
	case T_SECRET:
		wire_config_map_done(&u->cm);
		break;
	case T_RETRIEVED:
		wire_retrieved_pod_data_done(&u->rpd);
		break;
	case T_CREATE_REQ:
		wire_pod_create_requests_done(&u->pcr);
		break;
	case T_STATUS:
		wire_pod_status_done(&u->st);
		break;
	case T_CREATE:
		wire_create_struct_done(&u->cs);
		break;
	case T_LOG:
		wire_log_struct_done(&u->ls);
		break;
	case T_PING:
		wire_ping_response_done(&u->ping);
		break;
	}
}

/* Decodes a fixture into *u; the caller releases it with done_any() */
static void decode(enum type t, const char *fixture, union any *u)
{
	cJSON *j = parse(fixture);
	char err[256];
	int r = decode_any(t, j, u, err, sizeof(err));

	cJSON_Delete(j);
	if (r)
		fail_msg("decode: %s", err);
}

static void decode_fails(enum type t, const char *fixture, const char *msg)
{
	static const union any zero;
	cJSON *j = parse(fixture);
	union any u;
	char err[256];

	memset(&u, 0x5a, sizeof(u));
	if (decode_any(t, j, &u, err, sizeof(err)) != -1)
		fail_msg("%s: decoded, want \"%s\"", fixture, msg);
	if (strcmp(err, msg) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", fixture, err, msg);
	/* the result is left zeroed */
	assert_memory_equal(&u, &zero, any_size[t]);
	cJSON_Delete(j);
}

struct error_case {
	const char *json;
	const char *msg;
};

static void decode_fails_all(enum type t, const struct error_case *c,
			     size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		decode_fails(t, c[i].json, c[i].msg);
}

/* A JSON text built from a head, n copies of an element, and a tail */
static char *repeat(const char *head, const char *elem, size_t n,
		    const char *tail)
{
	size_t hl = strlen(head), el = strlen(elem), tl = strlen(tail);
	size_t i, len = hl + n * (el + 1) + tl;
	char *s = malloc(len + 1), *p = s;

	assert_non_null(s);
	memcpy(p, head, hl);
	p += hl;
	for (i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, elem, el);
		p += el;
	}
	memcpy(p, tail, tl);
	p[tl] = '\0';
	return s;
}

/* ------------------------------------------------------------------ */
/* wire_parse */

static void test_parse_ok(void **state)
{
	static const char text[] = " \n\t{\"a\":[1,2,{\"b\":null}]} \r\n";
	cJSON *j = NULL;
	char err[64];

	(void)state;
	assert_int_equal(wire_parse(text, strlen(text), &j, err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	assert_true(cJSON_IsObject(j));
	cJSON_Delete(j);
}

static void test_parse_not_nul_terminated(void **state)
{
	static const char text[] = "{\"a\":true}";
	size_t len = strlen(text);
	char *buf = malloc(len); /* exact size: ASan catches any overread */
	cJSON *j = NULL;
	char err[64];

	(void)state;
	assert_non_null(buf);
	memcpy(buf, text, len);
	assert_int_equal(wire_parse(buf, len, &j, err, sizeof(err)), 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "a")));
	cJSON_Delete(j);
	/* the same buffer cut inside a literal */
	parse_fails(buf, len - 3, "invalid JSON at offset 5");
	/* a prefix that is complete JSON, garbage after len is not seen */
	parse_fails(buf, 1, "invalid JSON at offset 0");
	free(buf);
}

static void test_parse_truncated(void **state)
{
	(void)state;
	parse_fails("{\"a\":", 5, "invalid JSON at offset 4");
	parse_fails("[1,2", 4, "invalid JSON at offset 3");
	parse_fails("{\"a\":\"abc", 9, "invalid JSON at offset 6");
	parse_fails("", 0, "empty body");
	parse_fails(" \n ", 3, "empty body");
}

static void test_parse_trailing_garbage(void **state)
{
	(void)state;
	parse_fails("{} x", 4, "trailing data after JSON at offset 3");
	parse_fails("{}{}", 4, "trailing data after JSON at offset 2");
	parse_fails("[1] [2]", 7, "trailing data after JSON at offset 4");
}

static void test_parse_control_characters(void **state)
{
	static const char nul[] = "{\"a\":1}\0junk";
	static const char raw_tab[] = "{\"a\":\"x\ty\"}";

	(void)state;
	parse_fails(nul, sizeof(nul) - 1,
		    "control character in JSON at offset 7");
	parse_fails(raw_tab, strlen(raw_tab),
		    "control character in JSON at offset 7");
	parse_fails("\x01{}", 3, "control character in JSON at offset 0");
}

static void test_parse_escaped_nul(void **state)
{
	static const char nul[] = "{\"a\":\"x\\u0000y\"}";
	cJSON *j;

	(void)state;
	/* a C string would end there: refused rather than cut */
	parse_fails(nul, strlen(nul), "\\u0000 in a JSON string at offset 7");
	/* an escaped backslash followed by the letters u0000 is fine */
	j = parse("{'a':'x\\\\u0000'}");
	assert_string_equal(cJSON_GetObjectItem(j, "a")->valuestring,
			    "x\\u0000");
	cJSON_Delete(j);
}

static void test_parse_deep_nesting(void **state)
{
	char *deep = malloc(20001);
	size_t i;

	(void)state;
	assert_non_null(deep);
	for (i = 0; i < 10000; i++) {
		deep[i] = '[';
		deep[10000 + i] = ']';
	}
	deep[20000] = '\0';
	parse_fails(deep, 10000, "JSON nested deeper than 64 at offset 64");
	parse_fails(deep, 20000, "JSON nested deeper than 64 at offset 64");
	free(deep);
}

static void test_parse_depth_limit(void **state)
{
	const size_t n = 2 * (size_t)WIRE_MAX_DEPTH;
	char buf[2 * WIRE_MAX_DEPTH + 1];
	cJSON *j = NULL;
	char err[128];
	size_t i;

	(void)state;
	/* exactly WIRE_MAX_DEPTH levels are fine */
	for (i = 0; i < WIRE_MAX_DEPTH; i++) {
		buf[i] = '[';
		buf[WIRE_MAX_DEPTH + i] = ']';
	}
	assert_int_equal(wire_parse(buf, n, &j, err, sizeof(err)), 0);
	cJSON_Delete(j);
	/* one more is not */
	memmove(buf + 1, buf, n);
	buf[0] = '{';
	parse_fails(buf, n + 1, "JSON nested deeper than 64 at offset 64");
	/* brackets inside strings do not nest, escaped quotes do not end */
	j = parse("{'s':'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		  "[[[[[[[[[[[[[[[[[[[[\\'{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{'}");
	cJSON_Delete(j);
}

static void test_parse_body_limit(void **state)
{
	size_t len = (size_t)WIRE_MAX_BODY + 1;
	char *big = malloc(len);

	(void)state;
	assert_non_null(big);
	memset(big, ' ', len);
	big[0] = '0';
	parse_fails(big, len, "body larger than 16777216 bytes");
	free(big);
}

/* ------------------------------------------------------------------ */
/* Pods */

static void test_pod_full(void **state)
{
	const struct wire_volume *v;
	const struct wire_container *c;
	union any u;
	struct wire_pod *p = &u.pod;
	bool init;

	(void)state;
	decode(T_POD, POD_FULL, &u);
	assert_string_equal(p->name, "job-a");
	assert_string_equal(p->namespace, "default");
	assert_string_equal(p->uid, UID);
	assert_int_equal(p->n_labels, 2);
	assert_string_equal(p->labels[1].key, "tier");
	assert_string_equal(p->labels[1].value, "hpc");
	assert_int_equal(p->n_annotations, 3);
	assert_string_equal(wire_pod_annotation(p, "slurm-job.vk.io/flags"),
			    "--time=01:00:00");
	assert_string_equal(wire_pod_annotation(p, "JobID"), "918273");
	assert_null(wire_pod_annotation(p, "jobid"));
	assert_string_equal(p->node_name, "vk-slurm");
	assert_string_equal(p->restart_policy, "Never");
	assert_true(p->has_run_as_user);
	assert_int_equal(p->run_as_user, 1000);
	assert_string_equal(p->phase, "Pending");
	assert_string_equal(p->pod_ip, "127.0.0.1");

	/* run order: init containers first */
	assert_int_equal(wire_pod_n_all_containers(p), 3);
	c = wire_pod_container_at(p, 0, &init);
	assert_true(init);
	assert_string_equal(c->name, "init");
	assert_int_equal(c->n_command, 3);
	assert_string_equal(c->command[2], "echo init > /scratch/x");
	assert_null(c->working_dir);
	assert_null(c->limits.cpu);
	c = wire_pod_container_at(p, 1, &init);
	assert_false(init);
	assert_string_equal(c->name, "main");
	assert_string_equal(c->image, "docker://alpine:3.20");
	assert_int_equal(c->n_args, 1);
	assert_string_equal(c->args[0], "echo hi && sleep 1");
	assert_string_equal(c->working_dir, "/work");
	assert_int_equal(c->n_env, 2);
	assert_string_equal(c->env[0].value, "1");
	assert_string_equal(c->env[1].name, "POD_NAME");
	assert_string_equal(c->env[1].value, "");
	assert_string_equal(c->limits.cpu, "2");
	assert_string_equal(c->limits.memory, "4Gi");
	assert_string_equal(c->limits.nvidia_gpu, "1");
	assert_null(c->limits.amd_gpu);
	assert_string_equal(c->requests.cpu, "500m");
	assert_string_equal(c->requests.memory, "1Gi");
	assert_int_equal(c->n_mounts, 2);
	assert_true(c->mounts[0].read_only);
	assert_null(c->mounts[0].sub_path);
	assert_string_equal(c->mounts[1].mount_path, "/scratch");
	assert_string_equal(c->mounts[1].sub_path, "main");
	assert_false(c->mounts[1].read_only);
	c = wire_pod_container_at(p, 2, NULL);
	assert_string_equal(c->limits.amd_gpu, "2");
	assert_null(wire_pod_container_at(p, 3, &init));

	assert_int_equal(p->n_volumes, 7);
	v = wire_pod_volume(p, "cfg");
	assert_int_equal(v->kind, WIRE_VOL_CONFIGMAP);
	assert_string_equal(v->source, "app-cfg");
	assert_int_equal(v->default_mode, 420);
	assert_int_equal(v->n_items, 1);
	assert_string_equal(v->items[0].key, "app.conf");
	assert_string_equal(v->items[0].path, "conf/app.conf");
	assert_int_equal(v->items[0].mode, 420);
	assert_false(v->optional);
	v = wire_pod_volume(p, "creds");
	assert_int_equal(v->kind, WIRE_VOL_SECRET);
	assert_string_equal(v->source, "app-secret");
	assert_int_equal(v->default_mode, 256);
	assert_true(v->optional);
	v = wire_pod_volume(p, "kube-api-access-x");
	assert_int_equal(v->kind, WIRE_VOL_PROJECTED);
	assert_null(v->source);
	assert_int_equal(v->default_mode, 420);
	v = wire_pod_volume(p, "podinfo");
	assert_int_equal(v->kind, WIRE_VOL_DOWNWARD_API);
	assert_int_equal(v->default_mode, -1);
	assert_string_equal(v->items[0].key, "");
	assert_string_equal(v->items[0].path, "labels");
	assert_int_equal(v->items[0].mode, -1);
	v = wire_pod_volume(p, "scratch");
	assert_int_equal(v->kind, WIRE_VOL_EMPTYDIR);
	assert_int_equal(v->default_mode, -1);
	v = wire_pod_volume(p, "host");
	assert_int_equal(v->kind, WIRE_VOL_HOSTPATH);
	assert_string_equal(v->source, "/data");
	assert_string_equal(v->host_path_type, "Directory");
	v = wire_pod_volume(p, "claim");
	assert_int_equal(v->kind, WIRE_VOL_PVC);
	assert_null(v->other_type);
	assert_string_equal(v->source, "pvc-1");
	assert_false(v->read_only);
	assert_null(wire_pod_volume(p, "nope"));
	done_any(T_POD, &u);
	/* done is idempotent and leaves the struct zeroed */
	wire_pod_done(p);
	wire_pod_done(NULL);
	assert_null(p->containers);
}

static void test_pod_case_insensitive_keys(void **state)
{
	union any u;

	(void)state;
	decode(T_POD,
	       "{'METADATA':{'Name':'a','NameSpace':'ns','UID':'u-1'},"
	       "'Spec':{'CONTAINERS':[{'NAME':'c','Image':'i',"
	       "'VolumeMounts':[{'MOUNTPATH':'/m','readonly':true}]}],"
	       "'NODENAME':'n'},'STATUS':{'PHASE':'Running',"
	       "'podip':'1.2.3.4'}}",
	       &u);
	assert_string_equal(u.pod.name, "a");
	assert_string_equal(u.pod.namespace, "ns");
	assert_string_equal(u.pod.uid, "u-1");
	assert_string_equal(u.pod.containers[0].name, "c");
	assert_string_equal(u.pod.containers[0].mounts[0].mount_path, "/m");
	assert_true(u.pod.containers[0].mounts[0].read_only);
	assert_string_equal(u.pod.node_name, "n");
	assert_string_equal(u.pod.phase, "Running");
	assert_string_equal(u.pod.pod_ip, "1.2.3.4");
	done_any(T_POD, &u);
}

static void test_pod_duplicate_key_last_wins(void **state)
{
	union any u;

	(void)state;
	/* as Go: the later value of a key (in any casing) wins */
	decode(T_POD, "{'metadata':{'uid':'first','UID':'second'}}", &u);
	assert_string_equal(u.pod.uid, "second");
	done_any(T_POD, &u);
	/* a null is a no-op in Go, it does not reset an earlier value */
	decode(T_POD, "{'metadata':{'uid':'first','Uid':null}}", &u);
	assert_string_equal(u.pod.uid, "first");
	done_any(T_POD, &u);
}

static void test_pod_unknown_keys_and_nulls(void **state)
{
	union any u;
	struct wire_pod *p = &u.pod;

	(void)state;
	decode(T_POD,
	       "{'metadata':{'name':'a','creationTimestamp':null,"
	       "'annotations':null,'labels':null,'x':{'y':[1,{'z':null}]}},"
	       "'spec':{'containers':[null,{'name':'c','command':null,"
	       "'args':['a',null],'env':null,'volumeMounts':null,"
	       "'resources':null,'workingDir':null}],'initContainers':null,"
	       "'volumes':null,'securityContext':null,'nodeName':null},"
	       "'status':null,'bogus':true}",
	       &u);
	assert_string_equal(p->name, "a");
	assert_int_equal(p->n_annotations, 0);
	assert_null(p->annotations);
	assert_int_equal(p->n_containers, 2);
	/* a null element is an empty container */
	assert_string_equal(p->containers[0].name, "");
	assert_string_equal(p->containers[1].name, "c");
	assert_int_equal(p->containers[1].n_command, 0);
	assert_int_equal(p->containers[1].n_args, 2);
	assert_string_equal(p->containers[1].args[1], "");
	assert_null(p->containers[1].working_dir);
	assert_int_equal(p->n_init_containers, 0);
	assert_int_equal(p->n_volumes, 0);
	assert_false(p->has_run_as_user);
	assert_string_equal(p->node_name, "");
	assert_null(p->phase);
	assert_string_equal(p->pod_ip, "");
	done_any(T_POD, &u);
}

static void test_pod_empty_object_defaults(void **state)
{
	union any u;

	(void)state;
	decode(T_POD, "{}", &u);
	/* Go's zero values: "" for plain strings, NULL where documented */
	assert_string_equal(u.pod.name, "");
	assert_string_equal(u.pod.uid, "");
	assert_string_equal(u.pod.restart_policy, "");
	assert_null(u.pod.phase);
	assert_int_equal(wire_pod_n_all_containers(&u.pod), 0);
	assert_null(wire_pod_container_at(&u.pod, 0, NULL));
	done_any(T_POD, &u);
}

static void test_pod_unicode_escapes(void **state)
{
	union any u;

	(void)state;
	decode(T_POD,
	       "{'metadata':{'name':'\\u003cb\\u003e \\u0026 \\u00e9 "
	       "\\ud83d\\ude00','annotations':{'k\\u002fx':'\\\"q\\\"'}}}",
	       &u);
	assert_string_equal(u.pod.name, "<b> & \xc3\xa9 \xf0\x9f\x98\x80");
	assert_string_equal(u.pod.annotations[0].key, "k/x");
	assert_string_equal(u.pod.annotations[0].value, "\"q\"");
	done_any(T_POD, &u);
}

static void test_pod_wrong_types(void **state)
{
	static const struct error_case cases[] = {
		{ "{'spec':{'containers':[{'command':['a']},"
		  "{'command':['sh',1]}]}}",
		  "spec.containers[1].command[1]: expected a string" },
		{ "{'spec':{'containers':[{},{'command':[2]}]}}",
		  "spec.containers[1].command[0]: expected a string" },
		{ "{'metadata':{'name':5}}",
		  "metadata.name: expected a string" },
		{ "{'metadata':[]}", "metadata: expected an object" },
		{ "{'metadata':{'labels':['a']}}",
		  "metadata.labels: expected an object" },
		{ "{'metadata':{'annotations':{'a/b':1}}}",
		  "metadata.annotations[\"a/b\"]: expected a string" },
		{ "{'spec':{'containers':{}}}",
		  "spec.containers: expected an array" },
		{ "{'spec':{'containers':[5]}}",
		  "spec.containers[0]: expected an object" },
		{ "{'spec':{'initContainers':[{'env':[{'name':true}]}]}}",
		  "spec.initContainers[0].env[0].name: expected a string" },
		{ "{'spec':{'containers':[{'volumeMounts':[{'readOnly':"
		  "'true'}]}]}}",
		  "spec.containers[0].volumeMounts[0].readOnly: expected a "
		  "boolean" },
		{ "{'spec':{'containers':[{'resources':{'limits':{'cpu':"
		  "true}}}]}}",
		  "spec.containers[0].resources.limits.cpu: expected a "
		  "string or a number" },
		{ "{'spec':{'volumes':[{'name':'v','configMap':'x'}]}}",
		  "spec.volumes[0].configMap: expected an object" },
		{ "{'spec':{'volumes':[{'secret':{'items':[{'mode':'0644'}]}}"
		  "]}}",
		  "spec.volumes[0].secret.items[0].mode: expected an integer" },
		{ "{'spec':{'securityContext':{'runAsUser':'0'}}}",
		  "spec.securityContext.runAsUser: expected an integer" },
		{ "{'status':{'phase':['Running']}}",
		  "status.phase: expected a string" },
		{ "[]", "expected an object" },
		{ "'pod'", "expected an object" },
		{ "null", "expected an object" },
	};

	(void)state;
	decode_fails_all(T_POD, cases, sizeof(cases) / sizeof(cases[0]));
}

/* Probes, lifecycle hooks, ports and the grace period (EnableProbes) */
static void test_pod_probes_and_hooks(void **state)
{
	static const struct error_case bad[] = {
		{ "{'spec':{'containers':[{'readinessProbe':{'exec':"
		  "{'command':'ls'}}}]}}",
		  "spec.containers[0].readinessProbe.exec.command: expected "
		  "an array" },
		{ "{'spec':{'containers':[{'livenessProbe':{'httpGet':"
		  "{'port':true}}}]}}",
		  "spec.containers[0].livenessProbe.httpGet.port: expected a "
		  "string or a number" },
		{ "{'spec':{'containers':[{'startupProbe':{'periodSeconds':"
		  "'10'}}]}}",
		  "spec.containers[0].startupProbe.periodSeconds: expected an "
		  "integer" },
		{ "{'spec':{'containers':[{'lifecycle':{'preStop':"
		  "{'httpGet':{'httpHeaders':[{'name':1}]}}}}]}}",
		  "spec.containers[0].lifecycle.preStop.httpGet.httpHeaders[0]"
		  ".name: expected a string" },
		{ "{'spec':{'containers':[{'ports':[{'containerPort':"
		  "'80'}]}]}}",
		  "spec.containers[0].ports[0].containerPort: expected an "
		  "integer" },
	};
	union any u;
	const struct wire_container *c;
	const struct wire_probe *pr;

	(void)state;
	decode(T_POD,
	       "{'spec':{'terminationGracePeriodSeconds':7,'containers':[{"
	       "'name':'c','ports':[{'name':'http','containerPort':8080,"
	       "'protocol':'TCP'},{'containerPort':9090}],"
	       "'startupProbe':{'httpGet':{'path':'/s','port':'http',"
	       "'scheme':'HTTP','host':'','httpHeaders':[{'name':'X-A',"
	       "'value':'b c'}]},'initialDelaySeconds':5,'periodSeconds':2,"
	       "'failureThreshold':9},"
	       "'readinessProbe':{'exec':{'command':['cat','/tmp/r']},"
	       "'timeoutSeconds':3,'successThreshold':2},"
	       "'livenessProbe':{'tcpSocket':{'port':8080,'host':'h'}},"
	       "'lifecycle':{'postStart':{'exec':{'command':['sh','-c',"
	       "'echo hi']}},'preStop':{'sleep':{'seconds':4}}}},"
	       "{'name':'d','livenessProbe':{'grpc':{'port':1}},"
	       "'lifecycle':{'preStop':{'httpGet':{'port':80}}}}]}}",
	       &u);
	assert_true(u.pod.has_termination_grace);
	assert_int_equal(u.pod.termination_grace_seconds, 7);
	c = &u.pod.containers[0];
	assert_int_equal(c->n_ports, 2);
	assert_string_equal(c->ports[0].name, "http");
	assert_int_equal(c->ports[0].container_port, 8080);
	assert_string_equal(c->ports[0].protocol, "TCP");
	assert_null(c->ports[1].name);
	assert_int_equal(c->ports[1].container_port, 9090);

	assert_true(c->has_startup_probe);
	pr = &c->startup_probe;
	assert_true(pr->action.has_http_get);
	assert_false(pr->action.has_exec);
	assert_string_equal(pr->action.http_path, "/s");
	assert_string_equal(pr->action.http_port, "http");
	assert_string_equal(pr->action.http_scheme, "HTTP");
	assert_null(pr->action.http_host); /* "" is absent */
	assert_int_equal(pr->action.n_http_headers, 1);
	assert_string_equal(pr->action.http_headers[0].name, "X-A");
	assert_string_equal(pr->action.http_headers[0].value, "b c");
	assert_int_equal(pr->initial_delay_seconds, 5);
	assert_int_equal(pr->period_seconds, 2);
	assert_int_equal(pr->timeout_seconds, -1);
	assert_int_equal(pr->success_threshold, -1);
	assert_int_equal(pr->failure_threshold, 9);

	assert_true(c->has_readiness_probe);
	pr = &c->readiness_probe;
	assert_true(pr->action.has_exec);
	assert_int_equal(pr->action.n_exec_command, 2);
	assert_string_equal(pr->action.exec_command[1], "/tmp/r");
	assert_int_equal(pr->timeout_seconds, 3);
	assert_int_equal(pr->success_threshold, 2);
	assert_int_equal(pr->initial_delay_seconds, -1);

	assert_true(c->has_liveness_probe);
	pr = &c->liveness_probe;
	assert_true(pr->action.has_tcp_socket);
	assert_string_equal(pr->action.tcp_port, "8080"); /* a number */
	assert_string_equal(pr->action.tcp_host, "h");

	assert_true(c->has_post_start);
	assert_true(c->post_start.has_exec);
	assert_int_equal(c->post_start.n_exec_command, 3);
	assert_string_equal(c->post_start.exec_command[2], "echo hi");
	assert_true(c->has_pre_stop);
	assert_true(c->pre_stop.has_sleep);
	assert_int_equal(c->pre_stop.sleep_seconds, 4);

	c = &u.pod.containers[1];
	assert_false(c->has_startup_probe);
	assert_false(c->has_readiness_probe);
	assert_true(c->has_liveness_probe);
	assert_true(c->liveness_probe.action.has_grpc);
	assert_false(c->has_post_start);
	assert_true(c->has_pre_stop);
	assert_true(c->pre_stop.has_http_get);
	assert_string_equal(c->pre_stop.http_port, "80");
	assert_null(c->pre_stop.http_path);
	assert_int_equal(c->n_ports, 0);
	done_any(T_POD, &u);

	/* absent and null: nothing set */
	decode(T_POD,
	       "{'spec':{'containers':[{'name':'c','readinessProbe':null,"
	       "'lifecycle':{'postStart':null}}]}}",
	       &u);
	c = &u.pod.containers[0];
	assert_false(c->has_readiness_probe || c->has_liveness_probe ||
		     c->has_startup_probe || c->has_post_start ||
		     c->has_pre_stop);
	assert_false(u.pod.has_termination_grace);
	done_any(T_POD, &u);
	decode_fails_all(T_POD, bad, sizeof(bad) / sizeof(bad[0]));
}

static void test_pod_map_key_in_path_is_sanitised(void **state)
{
	(void)state;
	decode_fails(T_POD,
		     "{'metadata':{'labels':{'a\\'\\n\\\\':1,"
		     "'0123456789012345678901234567890123456789012345':2}}}",
		     "metadata.labels[\"a???\"]: expected a string");
	decode_fails(T_POD,
		     "{'metadata':{'labels':{"
		     "'0123456789012345678901234567890123456789012345':2}}}",
		     "metadata.labels[\"01234567890123456789"
		     "01234567890123456789...\"]: expected a string");
	decode_fails(T_POD, "{'metadata':{'labels':{'':'x'}}}",
		     "metadata.labels: empty key");
}

static void test_pod_integers(void **state)
{
	static const struct error_case cases[] = {
		{ "{'spec':{'securityContext':{'runAsUser':1.5}}}",
		  "spec.securityContext.runAsUser: expected an integer" },
		{ "{'spec':{'securityContext':{'runAsUser':1e300}}}",
		  "spec.securityContext.runAsUser: integer out of range" },
		{ "{'spec':{'securityContext':{'runAsUser':-1e300}}}",
		  "spec.securityContext.runAsUser: integer out of range" },
		{ "{'spec':{'securityContext':{'runAsUser':1e999}}}",
		  "spec.securityContext.runAsUser: integer out of range" },
		{ "{'spec':{'securityContext':{'runAsUser':"
		  "18014398509481984}}}",
		  "spec.securityContext.runAsUser: integer out of range" },
		/* cJSON would print 2^53 back as 9.00719925474099e+15 */
		{ "{'spec':{'securityContext':{'runAsUser':"
		  "9007199254740992}}}",
		  "spec.securityContext.runAsUser: integer out of range" },
		{ "{'spec':{'securityContext':{'runAsUser':true}}}",
		  "spec.securityContext.runAsUser: expected an integer" },
		{ "{'spec':{'volumes':[{'configMap':{'defaultMode':"
		  "2147483648}}]}}",
		  "spec.volumes[0].configMap.defaultMode: integer out of "
		  "range" },
		{ "{'spec':{'volumes':[{'configMap':{'defaultMode':"
		  "-2147483649}}]}}",
		  "spec.volumes[0].configMap.defaultMode: integer out of "
		  "range" },
		{ "{'spec':{'volumes':[{'configMap':{'defaultMode':0.5}}]}}",
		  "spec.volumes[0].configMap.defaultMode: expected an "
		  "integer" },
	};
	static const struct {
		const char *json;
		int64_t want;
	} ok[] = {
		{ "{'spec':{'securityContext':{'runAsUser':0}}}", 0 },
		{ "{'spec':{'securityContext':{'runAsUser':-0}}}", 0 },
		{ "{'spec':{'securityContext':{'runAsUser':-1}}}", -1 },
		{ "{'spec':{'securityContext':{'runAsUser':1e3}}}", 1000 },
		{ "{'spec':{'securityContext':{'runAsUser':4294967295}}}",
		  4294967295LL },
		{ "{'spec':{'securityContext':{'runAsUser':"
		  "999999999999999}}}",
		  999999999999999LL },
		{ "{'spec':{'securityContext':{'runAsUser':"
		  "-999999999999999}}}",
		  -999999999999999LL },
	};
	union any u;
	size_t i;

	(void)state;
	decode_fails_all(T_POD, cases, sizeof(cases) / sizeof(cases[0]));
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		decode(T_POD, ok[i].json, &u);
		assert_true(u.pod.has_run_as_user);
		assert_int_equal(u.pod.run_as_user, ok[i].want);
		done_any(T_POD, &u);
	}
	decode(T_POD,
	       "{'spec':{'volumes':[{'secret':{'defaultMode':2147483647,"
	       "'items':[{'mode':-2147483648}]}}]}}",
	       &u);
	assert_int_equal(u.pod.volumes[0].default_mode, INT_MAX);
	assert_int_equal(u.pod.volumes[0].items[0].mode, INT_MIN);
	done_any(T_POD, &u);
}

static void test_pod_resource_numbers(void **state)
{
	union any u;
	const struct wire_container *c;

	(void)state;
	/* a YAML "cpu: 1" arrives as a number */
	decode(T_POD,
	       "{'spec':{'containers':[{'resources':{'limits':{'cpu':1,"
	       "'memory':1.5,'nvidia.com/gpu':4e0,'amd.com/gpu':1e10},"
	       "'requests':{'cpu':0.25,'memory':'128Mi','nvidia.com/gpu':"
	       "null}}}]}}",
	       &u);
	c = &u.pod.containers[0];
	assert_string_equal(c->limits.cpu, "1");
	assert_string_equal(c->limits.memory, "1.5");
	assert_string_equal(c->limits.nvidia_gpu, "4");
	assert_string_equal(c->limits.amd_gpu, "10000000000");
	assert_string_equal(c->requests.cpu, "0.25");
	assert_string_equal(c->requests.memory, "128Mi");
	assert_null(c->requests.nvidia_gpu);
	done_any(T_POD, &u);
	decode_fails(T_POD,
		     "{'spec':{'containers':[{'resources':{'requests':{'cpu':"
		     "1e999}}}]}}",
		     "spec.containers[0].resources.requests.cpu: number out "
		     "of range");
}

static void test_pod_volume_kinds(void **state)
{
	union any u;
	const struct wire_volume *v;

	(void)state;
	decode(T_POD,
	       "{'spec':{'volumes':[{'name':'a','configMap':null,"
	       "'secret':{'secretName':'s'}},{'name':'b'},"
	       "{'nfs':null,'name':'c','CSI':{'driver':'x'}},"
	       "{'Name':'d','HOSTPATH':{'path':'/x'}},"
	       "{'name':'e','emptyDir':{'medium':'Memory'}},"
	       "{'name':'f','projected':{}}]}}",
	       &u);
	v = wire_pod_volume(&u.pod, "a");
	assert_int_equal(v->kind, WIRE_VOL_SECRET);
	assert_string_equal(v->source, "s");
	assert_int_equal(v->default_mode, -1);
	v = wire_pod_volume(&u.pod, "b");
	assert_int_equal(v->kind, WIRE_VOL_OTHER);
	assert_null(v->other_type);
	v = wire_pod_volume(&u.pod, "c");
	assert_int_equal(v->kind, WIRE_VOL_OTHER);
	assert_string_equal(v->other_type, "CSI");
	v = wire_pod_volume(&u.pod, "d");
	assert_int_equal(v->kind, WIRE_VOL_HOSTPATH);
	assert_string_equal(v->source, "/x");
	assert_null(v->host_path_type);
	assert_int_equal(wire_pod_volume(&u.pod, "e")->kind,
			 WIRE_VOL_EMPTYDIR);
	v = wire_pod_volume(&u.pod, "f");
	assert_int_equal(v->kind, WIRE_VOL_PROJECTED);
	assert_int_equal(v->default_mode, -1);
	done_any(T_POD, &u);
}

static void test_pod_list_limits(void **state)
{
	char *s, err[128];
	cJSON *j = NULL;
	union any u;

	(void)state;
	s = repeat("{\"spec\":{\"containers\":[", "{}", WIRE_MAX_LIST + 1,
		   "]}}");
	assert_int_equal(wire_parse(s, strlen(s), &j, err, sizeof(err)), 0);
	assert_int_equal(wire_pod_decode(j, &u.pod, err, sizeof(err)), -1);
	assert_string_equal(err, "spec.containers: more than 4096 elements");
	cJSON_Delete(j);
	free(s);

	s = repeat("{\"spec\":{\"containers\":[{\"args\":[", "\"\"",
		   WIRE_MAX_LIST, "]}]}}");
	assert_int_equal(wire_parse(s, strlen(s), &j, err, sizeof(err)), 0);
	assert_int_equal(wire_pod_decode(j, &u.pod, err, sizeof(err)), 0);
	assert_int_equal(u.pod.containers[0].n_args, WIRE_MAX_LIST);
	wire_pod_done(&u.pod);
	cJSON_Delete(j);
	free(s);

	s = repeat("{\"metadata\":{\"labels\":{", "\"k\":\"v\"",
		   WIRE_MAX_LIST + 1, "}}}");
	assert_int_equal(wire_parse(s, strlen(s), &j, err, sizeof(err)), 0);
	assert_int_equal(wire_pod_decode(j, &u.pod, err, sizeof(err)), -1);
	assert_string_equal(err, "metadata.labels: more than 4096 elements");
	cJSON_Delete(j);
	free(s);
}

static void test_pod_string_limit(void **state)
{
	size_t n = (size_t)WIRE_MAX_STRING + 1;
	char *s = malloc(n + 64), err[128];
	cJSON *j = NULL;
	union any u;
	int len;

	(void)state;
	assert_non_null(s);
	len = snprintf(s, 64, "{\"metadata\":{\"name\":\"");
	memset(s + len, 'x', n);
	memcpy(s + len + n, "\"}}", 4);
	assert_int_equal(wire_parse(s, strlen(s), &j, err, sizeof(err)), 0);
	assert_int_equal(wire_pod_decode(j, &u.pod, err, sizeof(err)), -1);
	assert_string_equal(err,
			    "metadata.name: string longer than 4194304 bytes");
	cJSON_Delete(j);
	/* exactly at the limit is fine */
	memcpy(s + len + n - 1, "\"}}", 4);
	assert_int_equal(wire_parse(s, strlen(s), &j, err, sizeof(err)), 0);
	assert_int_equal(wire_pod_decode(j, &u.pod, err, sizeof(err)), 0);
	assert_int_equal(strlen(u.pod.name), WIRE_MAX_STRING);
	wire_pod_done(&u.pod);
	cJSON_Delete(j);
	free(s);
}

static void test_decode_small_error_buffer(void **state)
{
	cJSON *j = parse("{'metadata':{'name':5}}");
	struct wire_pod p;
	char err[8];

	(void)state;
	assert_int_equal(wire_pod_decode(j, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "metadat");
	assert_int_equal(wire_pod_decode(j, &p, NULL, 0), -1);
	assert_int_equal(wire_pod_decode(NULL, &p, err, sizeof(err)), -1);
	cJSON_Delete(j);
}

/* ------------------------------------------------------------------ */
/* ConfigMaps and Secrets */

static void test_config_map(void **state)
{
	union any u;

	(void)state;
	decode(T_CONFIG_MAP,
	       "{'kind':'ConfigMap','metadata':{'name':'app-cfg',"
	       "'namespace':'default','creationTimestamp':null},"
	       "'data':{'app.conf':'x=1\\n','empty':''},"
	       "'binaryData':{'blob':'AAEC/w=='}}",
	       &u);
	assert_string_equal(u.cm.name, "app-cfg");
	assert_string_equal(u.cm.namespace, "default");
	assert_int_equal(u.cm.n_data, 3);
	assert_string_equal(u.cm.data[0].key, "app.conf");
	assert_string_equal(u.cm.data[0].value, "x=1\n");
	assert_int_equal(u.cm.data[0].len, 4);
	assert_int_equal(u.cm.data[1].len, 0);
	assert_string_equal(u.cm.data[2].key, "blob");
	assert_int_equal(u.cm.data[2].len, 4);
	assert_memory_equal(u.cm.data[2].value, "\x00\x01\x02\xff", 5);
	done_any(T_CONFIG_MAP, &u);
	/* a configmap's data is verbatim, even if it looks like base64 */
	decode(T_CONFIG_MAP, "{'data':{'k':'Zm9v'}}", &u);
	assert_string_equal(u.cm.data[0].value, "Zm9v");
	done_any(T_CONFIG_MAP, &u);
}

static void test_secret_base64(void **state)
{
	union any u;

	(void)state;
	decode(T_SECRET,
	       "{'metadata':{'name':'s'},'type':'Opaque','data':{"
	       "'user':'YWRtaW4=','bin':'AGFiAA==','none':'','nul':null},"
	       "'stringData':{'user':'root'}}",
	       &u);
	assert_int_equal(u.cm.n_data, 5);
	assert_string_equal(u.cm.data[0].value, "admin");
	assert_int_equal(u.cm.data[0].len, 5);
	/* binary with NULs keeps its length and a terminating NUL */
	assert_int_equal(u.cm.data[1].len, 4);
	assert_memory_equal(u.cm.data[1].value, "\0ab\0", 5);
	assert_int_equal(u.cm.data[2].len, 0);
	assert_string_equal(u.cm.data[2].value, "");
	assert_string_equal(u.cm.data[3].value, "");
	/* stringData is verbatim and comes last, so it wins */
	assert_string_equal(u.cm.data[4].key, "user");
	assert_string_equal(u.cm.data[4].value, "root");
	done_any(T_SECRET, &u);
}

static void test_secret_base64_invalid(void **state)
{
	static const struct error_case cases[] = {
		{ "{'data':{'k':'Zm9v!'}}", "data[\"k\"]: invalid base64" },
		{ "{'data':{'k':'Zm9'}}", "data[\"k\"]: invalid base64" },
		{ "{'data':{'k':'Zg'}}", "data[\"k\"]: invalid base64" },
		{ "{'data':{'k':'Z==='}}", "data[\"k\"]: invalid base64" },
		{ "{'data':{'k':'Zg==Zg=='}}", "data[\"k\"]: invalid base64" },
		{ "{'data':{'k':'Zm9v\\n'}}", "data[\"k\"]: invalid base64" },
		{ "{'data':{'k':5}}", "data[\"k\"]: expected a string" },
		{ "{'data':{'':'Zm9v'}}", "data: empty key" },
		{ "{'data':[]}", "data: expected an object" },
		{ "{'stringData':{'k':false}}",
		  "stringData[\"k\"]: expected a string" },
	};

	(void)state;
	decode_fails_all(T_SECRET, cases, sizeof(cases) / sizeof(cases[0]));
	decode_fails(T_CONFIG_MAP, "{'binaryData':{'b':'***='}}",
		     "binaryData[\"b\"]: invalid base64");
}

/* ------------------------------------------------------------------ */
/* RetrievedPodData and PodCreateRequests */

static void test_retrieved_pod_data(void **state)
{
	const struct wire_retrieved_container *rc;
	union any u;

	(void)state;
	decode(T_RETRIEVED,
	       "{'pod':" POD_FULL ",'container':[{'name':'init',"
	       "'configMaps':null,'projectedvolumemaps':null,'secrets':null,"
	       "'emptyDirs':null},{'name':'main','configMaps':[{'metadata':"
	       "{'name':'app-cfg','namespace':'default'},'data':{'app.conf':"
	       "'x=1\\n'}}],'projectedvolumemaps':[{'metadata':{'name':"
	       "'kube-api-access-x'},'data':{'token':'eyJhbGciOi',"
	       "'ca.crt':'-----BEGIN CERTIFICATE-----\\n','namespace':"
	       "'default'}}],'secrets':[{'metadata':{'name':'app-secret'},"
	       "'data':{'pw':'c2VjcmV0'}}],'emptyDirs':null}],"
	       "'jobConfig':" JOB_CONFIG ",'jobScript':'#!/bin/sh\\necho'}",
	       &u);
	assert_string_equal(u.rpd.pod.uid, UID);
	assert_int_equal(u.rpd.pod.n_init_containers, 1);
	assert_int_equal(u.rpd.n_containers, 2);
	rc = &u.rpd.containers[0];
	assert_string_equal(rc->name, "init");
	assert_int_equal(rc->n_config_maps + rc->n_projected + rc->n_secrets,
			 0);
	rc = &u.rpd.containers[1];
	assert_string_equal(rc->name, "main");
	assert_int_equal(rc->n_config_maps, 1);
	assert_string_equal(rc->config_maps[0].data[0].value, "x=1\n");
	assert_int_equal(rc->n_projected, 1);
	assert_string_equal(rc->projected[0].name, "kube-api-access-x");
	/* projected maps are verbatim */
	assert_string_equal(rc->projected[0].data[0].value, "eyJhbGciOi");
	assert_string_equal(rc->projected[0].data[2].key, "namespace");
	assert_int_equal(rc->n_secrets, 1);
	assert_string_equal(rc->secrets[0].data[0].value, "secret");
	assert_string_equal(u.rpd.job_script, "#!/bin/sh\necho");
	done_any(T_RETRIEVED, &u);
}

static void test_retrieved_job_script_absent(void **state)
{
	union any u;

	(void)state;
	decode(T_RETRIEVED, "{'pod':{},'container':null,'jobScript':''}", &u);
	assert_null(u.rpd.job_script);
	assert_int_equal(u.rpd.n_containers, 0);
	assert_string_equal(u.rpd.pod.name, "");
	done_any(T_RETRIEVED, &u);
	decode(T_RETRIEVED, "{'jobConfig':null}", &u);
	assert_null(u.rpd.job_script);
	done_any(T_RETRIEVED, &u);
	decode_fails(T_RETRIEVED,
		     "{'container':[{'secrets':[{'data':{'pw':'c2Vj%'}}]}]}",
		     "container[0].secrets[0].data[\"pw\"]: invalid base64");
	decode_fails(T_RETRIEVED,
		     "{'pod':{'spec':{'containers':[{'args':[{}]}]}}}",
		     "pod.spec.containers[0].args[0]: expected a string");
}

/* upstream's PVC branch: PVC and PV lists, read leniently */
static void test_retrieved_pvcs(void **state)
{
	const struct wire_retrieved_container *rc;
	const struct wire_volume *v;
	union any u;

	(void)state;
	decode(T_RETRIEVED,
	       "{'pod':{'metadata':{'namespace':'ns1'},'spec':{'volumes':["
	       "{'name':'d','persistentVolumeClaim':{'claimName':'data',"
	       "'readOnly':true}}]}},"
	       "'persistentvolumes':[{'metadata':{'name':'data','namespace':"
	       "'ns1'},'spec':{'volumeName':'pv-1','accessModes':"
	       "['ReadWriteMany']},'status':{'phase':'Bound'}}],"
	       "'persistentVolumeSources':[{'metadata':{'name':'pv-1'},"
	       "'spec':{'nfs':{'server':'nfs1','path':'/export/a'}}},"
	       "{'hostPath':{'path':'/srv/x'}}],"
	       "'container':[{'name':'main','persistentVolumeClaims':["
	       "{'metadata':{'name':'other'},'spec':{'volumeName':''}}],"
	       "'persistentVolumes':[{'metadata':{'name':'pv-2'},'spec':"
	       "{'hostPath':{'path':'/srv/y','type':'Directory'}}}]}]}",
	       &u);
	v = wire_pod_volume(&u.rpd.pod, "d");
	assert_int_equal(v->kind, WIRE_VOL_PVC);
	assert_string_equal(v->source, "data");
	assert_true(v->read_only);
	assert_int_equal(u.rpd.n_pvcs, 1);
	assert_string_equal(u.rpd.pvcs[0].name, "data");
	assert_string_equal(u.rpd.pvcs[0].namespace, "ns1");
	assert_string_equal(u.rpd.pvcs[0].volume_name, "pv-1");
	assert_int_equal(u.rpd.n_pvs, 2);
	assert_string_equal(u.rpd.pvs[0].name, "pv-1");
	assert_string_equal(u.rpd.pvs[0].nfs_server, "nfs1");
	assert_string_equal(u.rpd.pvs[0].nfs_path, "/export/a");
	assert_null(u.rpd.pvs[0].host_path);
	assert_null(u.rpd.pvs[1].name);
	assert_string_equal(u.rpd.pvs[1].host_path, "/srv/x");
	rc = &u.rpd.containers[0];
	assert_int_equal(rc->n_pvcs, 1);
	assert_string_equal(rc->pvcs[0].name, "other");
	assert_null(rc->pvcs[0].volume_name); /* "" is absent */
	assert_int_equal(rc->n_pvs, 1);
	assert_string_equal(rc->pvs[0].host_path, "/srv/y");
	done_any(T_RETRIEVED, &u);

	/* other shapes of the draft fields are ignored, not a failure */
	decode(T_RETRIEVED,
	       "{'persistentvolumes':{'data':'x'},'persistentVolumeClaims':7,"
	       "'persistentVolumeSources':[{'spec':{'nfs':'bad'}}],"
	       "'container':[{'name':'m','persistentVolumeClaims':'x',"
	       "'persistentVolumes':[1,2]}]}",
	       &u);
	assert_int_equal(u.rpd.n_pvcs, 0);
	assert_null(u.rpd.pvcs);
	assert_int_equal(u.rpd.n_pvcs2, 0);
	assert_int_equal(u.rpd.n_pvs, 0);
	assert_null(u.rpd.pvs);
	assert_int_equal(u.rpd.containers[0].n_pvcs, 0);
	assert_int_equal(u.rpd.containers[0].n_pvs, 0);
	assert_string_equal(u.rpd.containers[0].name, "m");
	done_any(T_RETRIEVED, &u);

	/* and on the VK's request too */
	decode(T_CREATE_REQ,
	       "{'pod':{},'persistentvolumes':[{'metadata':{'name':'c'}}]}",
	       &u);
	assert_int_equal(u.pcr.n_pvcs, 1);
	assert_string_equal(u.pcr.pvcs[0].name, "c");
	done_any(T_CREATE_REQ, &u);
	decode(T_CREATE_REQ, "{'pod':{},'persistentvolumes':'?'}", &u);
	assert_int_equal(u.pcr.n_pvcs, 0);
	done_any(T_CREATE_REQ, &u);

	/* the claim's own fields stay strict, like every volume's */
	decode_fails(T_POD,
		     "{'spec':{'volumes':[{'name':'d','persistentVolumeClaim':"
		     "{'claimName':5}}]}}",
		     "spec.volumes[0].persistentVolumeClaim.claimName: "
		     "expected a string");
}

static void test_pod_create_requests(void **state)
{
	union any u;

	(void)state;
	decode(T_CREATE_REQ,
	       "{'pod':{'metadata':{'name':'job-a','namespace':'default',"
	       "'uid':'" UID "','annotations':{'slurm-job.vk.io/flags':"
	       "'--time=01:00:00'}},'spec':{'containers':[{'name':'main',"
	       "'image':'docker://alpine','command':['sh','-c','echo hi'],"
	       "'volumeMounts':[{'name':'cfg','mountPath':'/etc/app'}]}],"
	       "'volumes':[{'name':'cfg','configMap':{'name':'app-cfg'}}],"
	       "'nodeName':'vk-slurm'},'status':{'phase':'Pending','podIP':"
	       "'127.0.0.1'}},'configmaps':[{'metadata':{'name':'app-cfg',"
	       "'namespace':'default'},'data':{'app.conf':'x=1\\n'}}],"
	       "'secrets':[{'metadata':{'name':'s'},'data':{'a':'YQ=='}}],"
	       "'projectedvolumesmaps':null,'jobscriptURL':''}",
	       &u);
	assert_string_equal(u.pcr.pod.uid, UID);
	assert_string_equal(u.pcr.pod.containers[0].command[2], "echo hi");
	assert_int_equal(u.pcr.n_config_maps, 1);
	assert_string_equal(u.pcr.config_maps[0].name, "app-cfg");
	assert_string_equal(u.pcr.config_maps[0].data[0].value, "x=1\n");
	assert_int_equal(u.pcr.n_secrets, 1);
	assert_string_equal(u.pcr.secrets[0].data[0].value, "a");
	assert_int_equal(u.pcr.n_projected, 0);
	assert_string_equal(u.pcr.jobscript_url, "");
	done_any(T_CREATE_REQ, &u);
	decode(T_CREATE_REQ,
	       "{'ProjectedVolumesMaps':[{'metadata':{'name':'v'},'data':"
	       "{'token':'abc'}}],'JOBSCRIPTURL':'http://b/x'}",
	       &u);
	assert_string_equal(u.pcr.projected[0].data[0].value, "abc");
	assert_string_equal(u.pcr.jobscript_url, "http://b/x");
	done_any(T_CREATE_REQ, &u);
	decode_fails(T_CREATE_REQ, "{'configmaps':[{'metadata':{'name':1}}]}",
		     "configmaps[0].metadata.name: expected a string");
}

/* ------------------------------------------------------------------ */
/* PodStatus */

static void test_pod_status_encode_example(void **state)
{
	struct wire_container_status cs = {
		.name = S("main"),
		.state = { .kind = WIRE_STATE_RUNNING, .started_at = T_10_00 },
		.ready = true,
	};
	struct wire_pod_status s = {
		.name = S("job-a"),
		.uid = S(UID),
		.namespace = S("default"),
		.jid = S("918273"),
		.containers = &cs,
		.n_containers = 1,
	};

	(void)state;
	assert_json(wire_pod_status_encode(&s), STATUS_EXAMPLE);
	assert_null(wire_pod_status_encode(NULL));
}

static void test_pod_status_encode_states(void **state)
{
	struct wire_container_status init = {
		.name = S("init"),
		.state = { .kind = WIRE_STATE_TERMINATED,
			   .exit_code = 0,
			   .reason = S("Completed"),
			   .started_at = T_10_00 - 60,
			   .finished_at = T_10_00 },
		.restart_count = 0,
		.image = S("docker://busybox"),
		.image_id = S("sha256:abc"),
	};
	struct wire_container_status cs[] = {
		{ .name = S("a"),
		  .state = { .kind = WIRE_STATE_WAITING },
		  .has_started = true,
		  .started = false },
		{ .name = S("b"),
		  .state = { .kind = WIRE_STATE_WAITING,
			     .reason = S("ContainerCreating"),
			     .message = S("m") },
		  .last_state = { .kind = WIRE_STATE_TERMINATED,
				  .exit_code = 137,
				  .signal = 9,
				  .message = S("<killed> & gone") },
		  .restart_count = 2 },
		{ .name = S("c"), .state = { .kind = WIRE_STATE_RUNNING } },
		{ .name = S("d"),
		  .state = { .kind = WIRE_STATE_TERMINATED,
			     .exit_code = -1,
			     .finished_at = T_10_00 + 330 } },
		{ .name = S("e"),
		  .has_started = true,
		  .started = true,
		  .ready = true },
	};
	struct wire_pod_status s = {
		.containers = cs,
		.n_containers = sizeof(cs) / sizeof(cs[0]),
		.init_containers = &init,
		.n_init_containers = 1,
	};
	static const char want[] =
		"{'name':'','UID':'','namespace':'','JID':'','containers':["
		"{'name':'a','state':{'waiting':{}},'lastState':{},"
		"'ready':false,'restartCount':0,'image':'','imageID':'',"
		"'started':false},"
		"{'name':'b','state':{'waiting':{'reason':'ContainerCreating',"
		"'message':'m'}},'lastState':{'terminated':{'exitCode':137,"
		"'signal':9,'message':'<killed> & gone'}},'ready':false,"
		"'restartCount':2,'image':'','imageID':''},"
		"{'name':'c','state':{'running':{}},'lastState':{},"
		"'ready':false,'restartCount':0,'image':'','imageID':''},"
		"{'name':'d','state':{'terminated':{'exitCode':-1,"
		"'finishedAt':'2026-07-14T10:05:30Z'}},'lastState':{},"
		"'ready':false,'restartCount':0,'image':'','imageID':''},"
		"{'name':'e','state':{},'lastState':{},'ready':true,"
		"'restartCount':0,'image':'','imageID':'','started':true}],"
		"'initContainers':[{'name':'init','state':{'terminated':{"
		"'exitCode':0,'reason':'Completed',"
		"'startedAt':'2026-07-14T09:59:00Z',"
		"'finishedAt':'2026-07-14T10:00:00Z'}},'lastState':{},"
		"'ready':false,'restartCount':0,'image':'docker://busybox',"
		"'imageID':'sha256:abc'}]}";

	(void)state;
	assert_json(wire_pod_status_encode(&s), want);
	/* no containers at all: [] and null */
	s.n_containers = 0;
	s.n_init_containers = 0;
	assert_json(wire_pod_status_encode(&s),
		    "{'name':'','UID':'','namespace':'','JID':'',"
		    "'containers':[],'initContainers':null}");
}

static void test_pod_status_round_trip(void **state)
{
	static const char full[] =
		"{'name':'p','UID':'u','namespace':'n','JID':'7','containers':"
		"[{'name':'c','state':{'terminated':{'exitCode':3,'signal':15,"
		"'reason':'Error','message':'x','startedAt':"
		"'2026-07-14T09:59:00Z','finishedAt':'2026-07-14T10:00:00Z'}},"
		"'lastState':{'waiting':{'reason':'r'}},'ready':false,"
		"'restartCount':1,'image':'i','imageID':'id','started':false}],"
		"'initContainers':[{'name':'i','state':{'running':{"
		"'startedAt':'2026-07-14T10:00:00Z'}},'lastState':{},"
		"'ready':true,'restartCount':0,'image':'','imageID':''}]}";
	union any u;

	(void)state;
	decode(T_STATUS, STATUS_EXAMPLE, &u);
	assert_string_equal(u.st.uid, UID);
	assert_string_equal(u.st.jid, "918273");
	assert_int_equal(u.st.n_containers, 1);
	assert_int_equal(u.st.containers[0].state.kind, WIRE_STATE_RUNNING);
	assert_int_equal(u.st.containers[0].state.started_at, T_10_00);
	assert_int_equal(u.st.containers[0].last_state.kind, WIRE_STATE_NONE);
	assert_true(u.st.containers[0].ready);
	assert_false(u.st.containers[0].has_started);
	assert_int_equal(u.st.n_init_containers, 0);
	assert_json(wire_pod_status_encode(&u.st), STATUS_EXAMPLE);
	done_any(T_STATUS, &u);

	decode(T_STATUS, full, &u);
	assert_int_equal(u.st.containers[0].state.exit_code, 3);
	assert_int_equal(u.st.containers[0].state.signal, 15);
	assert_true(u.st.containers[0].has_started);
	assert_json(wire_pod_status_encode(&u.st), full);
	done_any(T_STATUS, &u);
}

static void test_pod_status_decode_lenient(void **state)
{
	union any u;

	(void)state;
	/* lowercase keys, null states, zero times, unknown state keys */
	decode(T_STATUS,
	       "{'uid':'u','jid':'j','Containers':[{'name':'a','state':null,"
	       "'lastState':{'unknown':{}},'containerID':'x'},{'name':'b',"
	       "'state':{'waiting':null,'running':{'startedAt':null}}},"
	       "{'name':'c','state':{'terminated':{'exitCode':1,"
	       "'startedAt':'0001-01-01T00:00:00Z','finishedAt':''}}}],"
	       "'initContainers':[],'started':null}",
	       &u);
	assert_string_equal(u.st.uid, "u");
	assert_string_equal(u.st.jid, "j");
	assert_string_equal(u.st.name, "");
	assert_int_equal(u.st.n_containers, 3);
	assert_int_equal(u.st.containers[0].state.kind, WIRE_STATE_NONE);
	assert_int_equal(u.st.containers[0].last_state.kind, WIRE_STATE_NONE);
	assert_int_equal(u.st.containers[1].state.kind, WIRE_STATE_RUNNING);
	assert_int_equal(u.st.containers[1].state.started_at, 0);
	assert_int_equal(u.st.containers[2].state.kind,
			 WIRE_STATE_TERMINATED);
	assert_int_equal(u.st.containers[2].state.exit_code, 1);
	assert_int_equal(u.st.containers[2].state.started_at, 0);
	assert_int_equal(u.st.containers[2].state.finished_at, 0);
	assert_int_equal(u.st.n_init_containers, 0);
	done_any(T_STATUS, &u);
	decode_fails(T_STATUS,
		     "{'containers':[{'state':{'terminated':{'exitCode':"
		     "'1'}}}]}",
		     "containers[0].state.terminated.exitCode: expected an "
		     "integer");
	decode_fails(T_STATUS,
		     "{'containers':[{'state':{'running':{'startedAt':"
		     "'yesterday'}}}]}",
		     "containers[0].state.running.startedAt: expected an RFC "
		     "3339 time");
	decode_fails(T_STATUS, "{'initContainers':[{'restartCount':2.5}]}",
		     "initContainers[0].restartCount: expected an integer");
}

/* ------------------------------------------------------------------ */
/* CreateStruct */

static void test_create_struct(void **state)
{
	struct wire_create_struct c = { .pod_uid = S(UID),
					.pod_jid = S("918273") };
	union any u;

	(void)state;
	assert_json(wire_create_struct_encode(&c),
		    "{'PodUID':'" UID "','PodJID':'918273'}");
	c.pod_jid = NULL;
	assert_json(wire_create_struct_encode(&c),
		    "{'PodUID':'" UID "','PodJID':''}");
	decode(T_CREATE, "{'PODUID':'u','podjid':'42','extra':[]}", &u);
	assert_string_equal(u.cs.pod_uid, "u");
	assert_string_equal(u.cs.pod_jid, "42");
	done_any(T_CREATE, &u);
	decode_fails(T_CREATE, "{'PodJID':918273}",
		     "PodJID: expected a string");
	decode_fails(T_CREATE, "[{'PodUID':'u'}]", "expected an object");
}

/* ------------------------------------------------------------------ */
/* LogStruct */

static void test_log_struct_encode(void **state)
{
	struct wire_log_struct l = {
		.namespace = S("default"),
		.pod_uid = S(UID),
		.pod_name = S("job-a"),
		.container_name = S("main"),
		.opts = { .follow = true },
	};

	(void)state;
	assert_json(wire_log_struct_encode(&l), LOG_UNSET);
	l.opts = (struct wire_log_opts){ .tail = 10,
					 .bytes = 4096,
					 .timestamps = true,
					 .previous = true,
					 .since_seconds = 30,
					 .has_since_time = true,
					 .since_time = T_10_00,
					 .since_time_nsec = 120000000 };
	assert_json(wire_log_struct_encode(&l),
		    "{'Namespace':'default','PodUID':'" UID "','PodName':"
		    "'job-a','ContainerName':'main','Opts':{'Tail':10,"
		    "'Bytes':4096,'Timestamps':true,'Follow':false,"
		    "'Previous':true,'SinceSeconds':30,'SinceTime':"
		    "'2026-07-14T10:00:00.12Z'}}");
	l.opts.since_time_nsec = 0;
	l.opts.since_time = 0;
	l.namespace = NULL;
	assert_json(wire_log_struct_encode(&l),
		    "{'Namespace':'','PodUID':'" UID "','PodName':"
		    "'job-a','ContainerName':'main','Opts':{'Tail':10,"
		    "'Bytes':4096,'Timestamps':true,'Follow':false,"
		    "'Previous':true,'SinceSeconds':30,'SinceTime':"
		    "'1970-01-01T00:00:00Z'}}");
}

static void test_log_struct_decode(void **state)
{
	union any u;

	(void)state;
	decode(T_LOG, LOG_UNSET, &u);
	assert_string_equal(u.ls.namespace, "default");
	assert_string_equal(u.ls.pod_uid, UID);
	assert_string_equal(u.ls.pod_name, "job-a");
	assert_string_equal(u.ls.container_name, "main");
	assert_true(u.ls.opts.follow);
	assert_false(u.ls.opts.has_since_time);
	assert_json(wire_log_struct_encode(&u.ls), LOG_UNSET);
	done_any(T_LOG, &u);

	decode(T_LOG,
	       "{'namespace':'ns','opts':{'tail':5,'BYTES':100,"
	       "'sincetime':'2026-07-14T12:00:00.5+02:00','LimitBytes':7}}",
	       &u);
	assert_string_equal(u.ls.namespace, "ns");
	assert_string_equal(u.ls.pod_uid, "");
	assert_int_equal(u.ls.opts.tail, 5);
	assert_int_equal(u.ls.opts.bytes, 100);
	assert_true(u.ls.opts.has_since_time);
	assert_int_equal(u.ls.opts.since_time, T_10_00);
	assert_int_equal(u.ls.opts.since_time_nsec, 500000000);
	done_any(T_LOG, &u);
}

static void test_log_struct_since_time(void **state)
{
	static const char *const unset[] = {
		"{'Opts':{}}",
		"{'Opts':null}",
		"{'Opts':{'SinceTime':null}}",
		"{'Opts':{'SinceTime':''}}",
		"{'Opts':{'SinceTime':'0001-01-01T00:00:00Z'}}",
		"{'Opts':{'SinceTime':'0001-01-01T01:00:00+01:00'}}",
	};
	static const struct error_case bad[] = {
		{ "{'Opts':{'SinceTime':'2026-07-14'}}",
		  "Opts.SinceTime: expected an RFC 3339 time" },
		{ "{'Opts':{'SinceTime':'2026-07-14T10:00:00'}}",
		  "Opts.SinceTime: expected an RFC 3339 time" },
		{ "{'Opts':{'SinceTime':0}}",
		  "Opts.SinceTime: expected a string" },
		{ "{'Opts':{'Tail':'5'}}", "Opts.Tail: expected an integer" },
		{ "{'Opts':{'Follow':1}}", "Opts.Follow: expected a boolean" },
		{ "{'Opts':{'SinceSeconds':1e20}}",
		  "Opts.SinceSeconds: integer out of range" },
		{ "{'Opts':[]}", "Opts: expected an object" },
	};
	union any u;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(unset) / sizeof(unset[0]); i++) {
		decode(T_LOG, unset[i], &u);
		assert_false(u.ls.opts.has_since_time);
		assert_int_equal(u.ls.opts.since_time, 0);
		done_any(T_LOG, &u);
	}
	decode(T_LOG, "{'Opts':{'SinceTime':'1970-01-01T00:00:00Z'}}", &u);
	assert_true(u.ls.opts.has_since_time);
	assert_int_equal(u.ls.opts.since_time, 0);
	done_any(T_LOG, &u);
	decode_fails_all(T_LOG, bad, sizeof(bad) / sizeof(bad[0]));
}

/* ------------------------------------------------------------------ */
/* PingResponse */

static void test_ping_encode(void **state)
{
	struct wire_accelerator acc = { S("nvidia.com/gpu"), S("16") };
	struct wire_taint taint = { S("slurm.interlink/maintenance"),
				    S("scheduled"), S("NoSchedule") };
	struct wire_ping_response p = {
		.status = S("ok"),
		.cpu = S("512"),
		.memory = S("2048Gi"),
		.pods = S("1000"),
		.accelerators = &acc,
		.n_accelerators = 1,
		.has_taints = true,
		.taints = &taint,
		.n_taints = 1,
	};

	(void)state;
	assert_json(wire_ping_response_encode(&p), PING_FULL);
	assert_null(wire_ping_response_encode(NULL));
}

static void test_ping_encode_omissions(void **state)
{
	struct wire_accelerator acc = { S("amd.com/gpu"), S("2") };
	struct wire_ping_response p = { .status = S("ok") };

	(void)state;
	assert_json(wire_ping_response_encode(&p), "{'status':'ok'}");
	p.status = NULL;
	assert_json(wire_ping_response_encode(&p), "{}");
	/* has_taints with none: [] clears the node's taints */
	p.has_taints = true;
	assert_json(wire_ping_response_encode(&p), "{'taints':[]}");
	p.has_taints = false;
	p.cpu = S("0");
	assert_json(wire_ping_response_encode(&p),
		    "{'resources':{'cpu':'0'}}");
	p.cpu = NULL;
	p.memory = S("1Gi");
	p.accelerators = &acc;
	p.n_accelerators = 1;
	assert_json(wire_ping_response_encode(&p),
		    "{'resources':{'memory':'1Gi','accelerators':[{"
		    "'resourceType':'amd.com/gpu','available':'2'}]}}");
	p.memory = NULL;
	assert_json(wire_ping_response_encode(&p),
		    "{'resources':{'accelerators':[{'resourceType':"
		    "'amd.com/gpu','available':'2'}]}}");
}

static void test_ping_decode(void **state)
{
	union any u;

	(void)state;
	decode(T_PING, PING_FULL, &u);
	assert_string_equal(u.ping.status, "ok");
	assert_string_equal(u.ping.cpu, "512");
	assert_string_equal(u.ping.memory, "2048Gi");
	assert_string_equal(u.ping.pods, "1000");
	assert_int_equal(u.ping.n_accelerators, 1);
	assert_string_equal(u.ping.accelerators[0].available, "16");
	assert_true(u.ping.has_taints);
	assert_string_equal(u.ping.taints[0].effect, "NoSchedule");
	assert_json(wire_ping_response_encode(&u.ping), PING_FULL);
	done_any(T_PING, &u);

	decode(T_PING, "{'status':'ok','taints':null}", &u);
	assert_false(u.ping.has_taints);
	assert_null(u.ping.cpu);
	assert_json(wire_ping_response_encode(&u.ping), "{'status':'ok'}");
	done_any(T_PING, &u);

	/* older plugins sent numbers */
	decode(T_PING,
	       "{'Resources':{'CPU':64,'accelerators':[{'resourceType':'x',"
	       "'available':8}]},'taints':[]}",
	       &u);
	assert_null(u.ping.status);
	assert_string_equal(u.ping.cpu, "64");
	assert_string_equal(u.ping.accelerators[0].available, "8");
	assert_true(u.ping.has_taints);
	assert_int_equal(u.ping.n_taints, 0);
	assert_json(wire_ping_response_encode(&u.ping),
		    "{'resources':{'cpu':'64','accelerators':[{"
		    "'resourceType':'x','available':'8'}]},'taints':[]}");
	done_any(T_PING, &u);
	decode_fails(T_PING, "{'taints':[{'key':1}]}",
		     "taints[0].key: expected a string");
	decode_fails(T_PING, "{'resources':{'pods':[]}}",
		     "resources.pods: expected a string or a number");
}

/* ------------------------------------------------------------------ */
/* Times */

static void test_time_parse(void **state)
{
	static const struct {
		const char *s;
		int64_t sec;
		int32_t nsec;
	} ok[] = {
		{ "2026-07-14T10:00:00Z", T_10_00, 0 },
		{ "2026-07-14T12:00:00+02:00", T_10_00, 0 },
		{ "2026-07-14T04:30:00-05:30", T_10_00, 0 },
		{ "2026-07-14T10:00:00.1Z", T_10_00, 100000000 },
		{ "2026-07-14T10:00:00.000000001Z", T_10_00, 1 },
		{ "2026-07-14T10:00:00.999999999+00:00", T_10_00, 999999999 },
		{ "1970-01-01T00:00:00Z", 0, 0 },
		{ "1969-12-31T23:59:59Z", -1, 0 },
		{ "0001-01-01T00:00:00Z", -62135596800LL, 0 },
		{ "2024-02-29T12:00:00Z", 1709208000, 0 },
		{ "2000-03-01T00:00:00Z", 951868800, 0 },
		{ "9999-12-31T23:59:59Z", 253402300799LL, 0 },
	};
	static const char *const bad[] = {
		"",
		"2026-07-14",
		"2026-07-14T10:00:00",
		"2026-07-14 10:00:00Z",
		"2026-07-14t10:00:00Z",
		"2026-07-14T10:00:00z",
		"2026-7-14T10:00:00Z",
		"2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2025-02-29T00:00:00Z",
		"2100-02-29T00:00:00Z",
		"2026-04-31T00:00:00Z",
		"2026-07-14T24:00:00Z",
		"2026-07-14T10:60:00Z",
		"2026-07-14T10:00:60Z",
		"2026-07-14T10:00:00.Z",
		"2026-07-14T10:00:00.1234567890Z",
		"2026-07-14T10:00:00+0200",
		"2026-07-14T10:00:00+24:00",
		"2026-07-14T10:00:00+02:60",
		"2026-07-14T10:00:00Z ",
		"2026-07-14T10:00:00ZZ",
		"+026-07-14T10:00:00Z",
	};
	int64_t sec;
	int32_t nsec;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (wire_time_parse(ok[i].s, &sec, &nsec) ||
		    sec != ok[i].sec || nsec != ok[i].nsec)
			fail_msg("%s: not %lld.%09d", ok[i].s,
				 (long long)ok[i].sec, (int)ok[i].nsec);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (wire_time_parse(bad[i], &sec, &nsec) != -1)
			fail_msg("'%s' accepted", bad[i]);
	}
	assert_int_equal(wire_time_parse(NULL, &sec, &nsec), -1);
	assert_int_equal(wire_time_parse("2026-07-14T10:00:00Z", NULL, NULL),
			 0);
}

static void test_time_format(void **state)
{
	static const int64_t samples[] = {
		0,	    -1,		  T_10_00,	  1709208000,
		951868800,  -62135596800LL, 253402300799LL, 86399,
		-86400LL * 366,
	};
	char buf[32], small[5];
	int64_t sec;
	int32_t nsec;
	size_t i;

	(void)state;
	wire_time_format(T_10_00, buf, sizeof(buf));
	assert_string_equal(buf, "2026-07-14T10:00:00Z");
	wire_time_format(-62135596800LL, buf, sizeof(buf));
	assert_string_equal(buf, "0001-01-01T00:00:00Z");
	wire_time_format(-1, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-31T23:59:59Z");
	wire_time_format(1709208000, buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-29T12:00:00Z");
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		wire_time_format(samples[i], buf, sizeof(buf));
		assert_int_equal(wire_time_parse(buf, &sec, &nsec), 0);
		assert_int_equal(sec, samples[i]);
		assert_int_equal(nsec, 0);
	}
	wire_time_format(T_10_00, small, sizeof(small));
	assert_string_equal(small, "2026");
	wire_time_format(T_10_00, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* Base64 */

static void test_base64_vectors(void **state)
{
	static const char *const vec[][2] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	size_t i, len;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		s = wire_base64_encode(vec[i][0], strlen(vec[i][0]));
		assert_string_equal(s, vec[i][1]);
		free(s);
		assert_int_equal(wire_base64_decode(vec[i][1],
						    strlen(vec[i][1]), &s,
						    &len),
				 0);
		assert_int_equal(len, strlen(vec[i][0]));
		assert_string_equal(s, vec[i][0]);
		free(s);
	}
}

static void test_base64_binary_round_trip(void **state)
{
	unsigned char bin[300];
	size_t i, n, len;
	char *dec;

	(void)state;
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7 + 3);
	bin[5] = 0;
	for (n = 0; n <= sizeof(bin); n += 1 + n / 8) {
		char *enc = wire_base64_encode((const char *)bin, n);

		assert_non_null(enc);
		assert_int_equal(strlen(enc), (n + 2) / 3 * 4);
		assert_int_equal(wire_base64_decode(enc, strlen(enc), &dec,
						    &len),
				 0);
		assert_int_equal(len, n);
		assert_memory_equal(dec, bin, n);
		assert_int_equal(dec[len], '\0');
		free(enc);
		free(dec);
	}
	/* Go does not insist on zero trailing bits; neither do we */
	assert_int_equal(wire_base64_decode("Zh==", 4, &dec, &len), 0);
	assert_string_equal(dec, "f");
	free(dec);
}

static void test_base64_invalid(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
		{ "Zg=", 3 },  { "Zg", 2 },   { "Z===", 4 }, { "====", 4 },
		{ "=Zg=", 4 }, { "Zm 9", 4 }, { "Zm9-", 4 }, { "Zm9_", 4 },
		{ "Zm=v", 4 }, { "Zg\0=", 4 }, { "Zm9v\n", 5 },
		{ "Zg==Zg==", 8 },
	};
	char *out = NULL;
	size_t i, len = 99;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(wire_base64_decode(bad[i].s, bad[i].len, &out,
						    &len),
				 -1);
		assert_null(out);
	}
	/* a buffer without a NUL after inlen is fine */
	assert_int_equal(wire_base64_decode("Zm9vXXXX", 4, &out, &len), 0);
	assert_string_equal(out, "foo");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_not_nul_terminated),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_trailing_garbage),
		cmocka_unit_test(test_parse_control_characters),
		cmocka_unit_test(test_parse_escaped_nul),
		cmocka_unit_test(test_parse_deep_nesting),
		cmocka_unit_test(test_parse_depth_limit),
		cmocka_unit_test(test_parse_body_limit),
		cmocka_unit_test(test_pod_full),
		cmocka_unit_test(test_pod_case_insensitive_keys),
		cmocka_unit_test(test_pod_duplicate_key_last_wins),
		cmocka_unit_test(test_pod_unknown_keys_and_nulls),
		cmocka_unit_test(test_pod_empty_object_defaults),
		cmocka_unit_test(test_pod_unicode_escapes),
		cmocka_unit_test(test_pod_wrong_types),
		cmocka_unit_test(test_pod_probes_and_hooks),
		cmocka_unit_test(test_pod_map_key_in_path_is_sanitised),
		cmocka_unit_test(test_pod_integers),
		cmocka_unit_test(test_pod_resource_numbers),
		cmocka_unit_test(test_pod_volume_kinds),
		cmocka_unit_test(test_pod_list_limits),
		cmocka_unit_test(test_pod_string_limit),
		cmocka_unit_test(test_decode_small_error_buffer),
		cmocka_unit_test(test_config_map),
		cmocka_unit_test(test_secret_base64),
		cmocka_unit_test(test_secret_base64_invalid),
		cmocka_unit_test(test_retrieved_pod_data),
		cmocka_unit_test(test_retrieved_job_script_absent),
		cmocka_unit_test(test_retrieved_pvcs),
		cmocka_unit_test(test_pod_create_requests),
		cmocka_unit_test(test_pod_status_encode_example),
		cmocka_unit_test(test_pod_status_encode_states),
		cmocka_unit_test(test_pod_status_round_trip),
		cmocka_unit_test(test_pod_status_decode_lenient),
		cmocka_unit_test(test_create_struct),
		cmocka_unit_test(test_log_struct_encode),
		cmocka_unit_test(test_log_struct_decode),
		cmocka_unit_test(test_log_struct_since_time),
		cmocka_unit_test(test_ping_encode),
		cmocka_unit_test(test_ping_encode_omissions),
		cmocka_unit_test(test_ping_decode),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_base64_binary_round_trip),
		cmocka_unit_test(test_base64_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
