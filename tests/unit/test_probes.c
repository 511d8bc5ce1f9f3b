/*
 * tests/unit/test_probes.c - sidecar-slurm/probes.c: validation, the grace
 * periods, the script text jobscript.c emits with EnableProbes, and --
 * most important -- what that script does when a real bash runs it: probes
 * that gate and flip readiness, liveness and startup failures that stop a
 * container (and say why), postStart whose output lands in the container's
 * log, preStop before the containers get TERM, httpGet and tcpSocket
 * against a server in this process, and nothing left running afterwards.
 *
 * Pods are JSON with ' for ", decoded by wire_pod_decode as the sidecar
 * does.  The container runtime is a stand-in (a bash script that skips the
 * runtime's words up to the image and execs the rest in the pod's folder;
 * a "--bind HOST:/tmp:rw" becomes $ST_TMP=HOST, so that a container and
 * its hooks can show they share it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "jobscript.h"
#include "probes.h"
#include "wire.h"

#define BASH "/bin/bash"

/* ---- pods ------------------------------------------------------------- */

/* s with ' turned into " (no fixture needs a real apostrophe... except
 * where written as \u0027) */
static char *q(const char *s)
{
	char *p = strdup(s);

	assert_non_null(p);
	for (char *c = p; *c; c++)
		if (*c == '\'')
			*c = '"';
	return p;
}

static void decode_pod(const char *json_q, struct wire_pod *pod)
{
	char *json = q(json_q), err[256];
	cJSON *j = NULL;

	if (wire_parse(json, strlen(json), &j, err, sizeof(err)) < 0)
		fail_msg("wire_parse: %s in %s", err, json);
	if (wire_pod_decode(j, pod, err, sizeof(err)) < 0)
		fail_msg("wire_pod_decode: %s", err);
	cJSON_Delete(j);
	free(json);
}

/* A pod around containers (a JSON list, with '), grace when >= 0 */
static void make_pod(struct wire_pod *pod, const char *containers,
		     int grace)
{
	char *s = NULL;

	if (grace >= 0)
		assert_true(asprintf(&s, "{'metadata':{'name':'p','namespace':"
				     "'ns','uid':'u-1'},'spec':{"
				     "'terminationGracePeriodSeconds':%d,"
				     "'containers':%s}}",
				     grace, containers) > 0);
	else
		assert_true(asprintf(&s, "{'metadata':{'name':'p','namespace':"
				     "'ns','uid':'u-1'},'spec':{"
				     "'containers':%s}}", containers) > 0);
	decode_pod(s, pod);
	free(s);
}

/* ---- validation ------------------------------------------------------- */

static int validate(const char *containers, bool enabled, char *err,
		    size_t errlen)
{
	struct wire_pod pod;
	int r;

	make_pod(&pod, containers, -1);
	err[0] = '\0';
	r = probes_validate(&pod, enabled, err, errlen);
	wire_pod_done(&pod);
	return r;
}

static void test_validate_ok(void **state)
{
	static const char ok[] =
		"[{'name':'web','image':'i','ports':[{'name':'http',"
		"'containerPort':8080}],"
		"'startupProbe':{'tcpSocket':{'port':'http'}},"
		"'readinessProbe':{'httpGet':{'path':'/r?x=1','port':'http',"
		"'scheme':'https','host':'::1','httpHeaders':[{'name':'X-A',"
		"'value':'it\\u0027s $(x) \\\"q\\\"'}]},'periodSeconds':0},"
		"'livenessProbe':{'exec':{'command':['true']},"
		"'initialDelaySeconds':-1},"
		"'lifecycle':{'postStart':{'httpGet':{'port':80}},"
		"'preStop':{'sleep':{'seconds':0}}}},"
		"{'name':'plain','image':'i'}]";
	char err[256];

	(void)state;
	assert_int_equal(validate(ok, true, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	/* disabled: probes are ignored, whatever they say */
	assert_int_equal(validate("[{'name':'c','image':'i','livenessProbe':"
				  "{'grpc':{'port':1}}}]", false, err,
				  sizeof(err)),
			 0);
}

static void test_validate_errors(void **state)
{
	static const struct {
		const char *ctrs, *want;
	} cases[] = {
		{"[{'name':'c','readinessProbe':{'httpGet':{'port':'web'}}}]",
		 "container 'c': readinessProbe: port 'web' is neither a "
		 "number (1-65535) nor the name of one of the container's "
		 "ports"},
		{"[{'name':'c','readinessProbe':{'httpGet':{'path':'/'}}}]",
		 "readinessProbe: port '' is neither"},
		{"[{'name':'c','livenessProbe':{'tcpSocket':{'port':0}}}]",
		 "livenessProbe: port '0' is neither"},
		{"[{'name':'c','livenessProbe':{'tcpSocket':{'port':65536}}}]",
		 "port '65536' is neither"},
		{"[{'name':'c','ports':[{'name':'x','containerPort':0}],"
		 "'startupProbe':{'tcpSocket':{'port':'x'}}}]",
		 "startupProbe: port 'x' is neither"},
		{"[{'name':'c','livenessProbe':{'grpc':{'port':1}}}]",
		 "container 'c': livenessProbe: grpc is not supported"},
		{"[{'name':'c','livenessProbe':{}}]",
		 "livenessProbe: needs exactly one action (exec, httpGet, "
		 "tcpSocket)"},
		{"[{'name':'c','livenessProbe':{'exec':{'command':['a']},"
		 "'tcpSocket':{'port':1}}}]",
		 "livenessProbe: needs exactly one action"},
		{"[{'name':'c','startupProbe':{'exec':{'command':[]}}}]",
		 "startupProbe: exec.command is empty"},
		{"[{'name':'c','startupProbe':{'sleep':{'seconds':1}}}]",
		 "startupProbe: sleep is an action of lifecycle hooks only"},
		{"[{'name':'c','lifecycle':{'preStop':{'sleep':{}}}}]",
		 "lifecycle.preStop: sleep.seconds must be 0 or more"},
		{"[{'name':'c','lifecycle':{'postStart':{}}}]",
		 "lifecycle.postStart: needs exactly one action (exec, "
		 "httpGet, tcpSocket or sleep)"},
		{"[{'name':'c','readinessProbe':{'httpGet':{'port':1,"
		 "'scheme':'ftp'}}}]",
		 "httpGet.scheme 'ftp' is neither HTTP nor HTTPS"},
		{"[{'name':'c','readinessProbe':{'httpGet':{'port':1,"
		 "'path':'/a b'}}}]",
		 "httpGet.path must be URL-encoded"},
		{"[{'name':'c','readinessProbe':{'httpGet':{'port':1,"
		 "'path':'/\\u00e9'}}}]",
		 "httpGet.path must be URL-encoded"},
		{"[{'name':'c','readinessProbe':{'httpGet':{'port':1,"
		 "'host':'a;b'}}}]",
		 "httpGet.host 'a;b' is not a host name or address"},
		{"[{'name':'c','livenessProbe':{'tcpSocket':{'port':1,"
		 "'host':'$(x)'}}}]",
		 "tcpSocket.host '$(x)' is not a host name or address"},
		{"[{'name':'c','readinessProbe':{'httpGet':{'port':1,"
		 "'httpHeaders':[{'name':'A B','value':'v'}]}}}]",
		 "httpGet.httpHeaders[0]: not a valid HTTP header"},
		{"[{'name':'c','readinessProbe':{'httpGet':{'port':1,"
		 "'httpHeaders':[{'name':'A','value':'v\\r\\nX: y'}]}}}]",
		 "httpGet.httpHeaders[0]: not a valid HTTP header"},
		{"[{'name':'c','readinessProbe':{'exec':{'command':['a']},"
		 "'periodSeconds':-5}}]",
		 "readinessProbe: negative numbers are not allowed"},
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (validate(cases[i].ctrs, true, err, sizeof(err)) != -1)
			fail_msg("case %zu accepted: %s", i, cases[i].ctrs);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
				 cases[i].want);
	}
	{
		struct wire_pod pod;

		decode_pod("{'spec':{'terminationGracePeriodSeconds':-1,"
			   "'containers':[{'name':'c'}]}}", &pod);
		assert_int_equal(probes_validate(&pod, true, err,
						 sizeof(err)),
				 -1);
		assert_string_equal(err, "terminationGracePeriodSeconds must "
			"be 0 or more");
		wire_pod_done(&pod);
	}
}

static void test_grace_and_tmp(void **state)
{
	static const char pre[] =
		"[{'name':'a'},{'name':'b','lifecycle':{'preStop':{'exec':"
		"{'command':['x']}}}}]";
	static const struct {
		int grace, want;
	} g[] = {{-1, 30}, {0, 1}, {7, 7}, {100000, 3600}};
	struct wire_pod pod;

	(void)state;
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		make_pod(&pod, pre, g[i].grace);
		assert_int_equal(probes_grace(&pod), g[i].want);
		assert_int_equal(probes_stop_grace(&pod, true), g[i].want);
		assert_int_equal(probes_stop_grace(&pod, false), 0);
		assert_true(probes_pod_uses(&pod, true));
		assert_false(probes_pod_uses(&pod, false));
		assert_false(probes_shared_tmp(&pod.containers[0]));
		assert_true(probes_shared_tmp(&pod.containers[1]));
		wire_pod_done(&pod);
	}
	/* probes without preStop: cancelled at once */
	make_pod(&pod, "[{'name':'a','readinessProbe':{'exec':{'command':"
		 "['x']}}},{'name':'b','livenessProbe':{'httpGet':{'port':1}},"
		 "'volumeMounts':[{'name':'v','mountPath':'/tmp'}],"
		 "'lifecycle':{'postStart':{'exec':{'command':['x']}}}},"
		 "{'name':'c','startupProbe':{'tcpSocket':{'port':1}}}]", 5);
	assert_int_equal(probes_stop_grace(&pod, true), 0);
	assert_true(probes_shared_tmp(&pod.containers[0]));
	/* its own /tmp volume is the shared /tmp */
	assert_false(probes_shared_tmp(&pod.containers[1]));
	/* no exec action: nothing to share */
	assert_false(probes_shared_tmp(&pod.containers[2]));
	wire_pod_done(&pod);
	make_pod(&pod, "[{'name':'a'}]", 5);
	assert_false(probes_pod_uses(&pod, true));
	assert_int_equal(probes_stop_grace(&pod, true), 0);
	wire_pod_done(&pod);
}

/* ---- the script text -------------------------------------------------- */

static struct jobscript_conf conf_for(const char *runtime, bool enabled)
{
	static char *opts[] = {"--containall"};
	struct jobscript_conf c = {
		.runtime = runtime,
		.default_options = opts,
		.n_default_options = 1,
		.image_prefix = "docker://",
		.bash_path = BASH,
		.enable_probes = enabled,
	};

	return c;
}

static char *build(const struct wire_pod *pod, const char *runtime,
		   const char *dir, bool enabled)
{
	struct jobscript_conf c = conf_for(runtime, enabled);
	struct buf b;

	buf_init(&b, 1 << 22);
	assert_int_equal(jobscript_build(&c, pod, dir, NULL, &b), 0);
	return buf_steal(&b);
}

static void assert_has(const char *hay, const char *needle)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("'%s' not in the script:\n%s", needle,
			 hay ? hay : "(none)");
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_script_disabled_is_plain(void **state)
{
	struct wire_pod with, without;
	char *a, *b, *c;

	(void)state;
	make_pod(&with, "[{'name':'web','image':'i','command':['sleep','1'],"
		 "'readinessProbe':{'exec':{'command':['true']}},"
		 "'lifecycle':{'preStop':{'exec':{'command':['x']}}}}]", 9);
	make_pod(&without, "[{'name':'web','image':'i','command':['sleep',"
		 "'1']}]", 9);
	a = build(&with, "/rt", "/d", false);
	b = build(&without, "/rt", "/d", false);
	c = build(&without, "/rt", "/d", true);
	/* EnableProbes off: the probes change nothing */
	assert_string_equal(a, b);
	/* on, but a pod without probes or hooks: the plain script */
	assert_string_equal(b, c);
	assert_null(strstr(a, "ilk_runp"));
	free(a);
	free(b);
	free(c);
	wire_pod_done(&with);
	wire_pod_done(&without);
}

static void test_script_text(void **state)
{
	struct wire_pod pod;
	char *s;

	(void)state;
	make_pod(&pod,
		 "[{'name':'web','image':'img','command':['sh','-c','run'],"
		 "'workingDir':'/w','env':[{'name':'A','value':'1'}],"
		 "'readinessProbe':{'exec':{'command':['cat','/tmp/r']},"
		 "'timeoutSeconds':3,'periodSeconds':4,'failureThreshold':5,"
		 "'successThreshold':2,'initialDelaySeconds':6},"
		 "'livenessProbe':{'httpGet':{'path':'healthz','port':81},"
		 "'successThreshold':7},"
		 "'lifecycle':{'preStop':{'exec':{'command':['stop']}}}},"
		 "{'name':'side','image':'img','lifecycle':{'postStart':"
		 "{'httpGet':{'port':82,'host':'h.example'}}}}]",
		 12);
	s = build(&pod, "/opt/bin/apptainer", "/data/p d", true);
	/* the prelude: once, with the pod's grace and the runtime's name */
	assert_int_equal(count(s, "ilk_runp() {"), 1);
	assert_has(s, "ilk_grace=12\nilk_rt='apptainer'\n");
	assert_has(s, "ilk_prestops() { # preStop of the containers that "
		   "run\n\tilk_prestop 'web' ilk_h0_pre\n\t:\n}\n");
	assert_has(s, "ilk_state 'probe-readiness-web' pending\n");
	assert_has(s, "ilk_state 'probe-liveness-web' pending\n");
	assert_has(s, "ilk_state 'poststart-side' pending\n");
	assert_null(strstr(s, "probe-startup-web"));
	/* exec actions run in the container's environment, /tmp shared */
	assert_has(s, "mkdir -p -- '/data/p d/hook-tmp/web'\n");
	assert_has(s, "ilk_p0_readiness() { exec timeout -k 2 5 "
		   "'/opt/bin/apptainer' 'exec' '--containall' '--env-file' "
		   "'/data/p d/web_envfile.properties' '--bind' "
		   "'/data/p d/hook-tmp/web:/tmp:rw' '--pwd' '/w' "
		   "'docker://img' 'cat' '/tmp/r' </dev/null >"
		   " 'probe-readiness-web.out' 2>&1; }\n");
	/* hooks: the output into the log(s) by ilk_logrun, under timeout */
	assert_has(s, "ilk_h0_pre() { exec timeout -k 2 \"$ilk_grace\" "
		   "\"$BASH\" -c \"$ilk_hook_fn\" ilk 'prestop-web.out' "
		   "'run-web.out' -- '/opt/bin/apptainer' 'exec'");
	assert_has(s, "'docker://img' 'stop' </dev/null; }\n");
	/* httpGet: a path without '/' gets one */
	assert_has(s, "ilk_p0_liveness() { exec timeout -k 2 1 \"$BASH\" -c "
		   "\"$ilk_net_fn\" ilk ilk_http 'HTTP' '127.0.0.1' '81' "
		   "'/healthz' </dev/null > 'probe-liveness-web.out' 2>&1; }"
		   "\n");
	assert_has(s, "ilk_h1_post() { exec timeout -k 2 30 \"$BASH\" -c "
		   "\"$ilk_hook_fn\" ilk 'run-side.out' -- \"$BASH\" -c "
		   "\"$ilk_net_fn\" ilk ilk_http 'HTTP' 'h.example' '82' '/' "
		   "</dev/null; }\n");
	/* the supervisor: delay, period, success (1 for liveness),
	 * failure */
	assert_has(s, "\tilk_started 'web' || return 0\n"
		   "\tilk_probe readiness 'web' 6 4 2 5 ilk_p0_readiness &\n"
		   "\tilk_kids+=(\"$!\")\n"
		   "\tilk_probe liveness 'web' 0 10 1 3 ilk_p0_liveness &\n");
	assert_has(s, "\tilk_post 'side' ilk_h1_post || return 0\n");
	/* the containers: the shared /tmp in the container's own line */
	assert_has(s, "ilk_runp 'web' ilk_s0 '/opt/bin/apptainer' 'exec' "
		   "'--containall' '--env-file' "
		   "'/data/p d/web_envfile.properties' '--bind' "
		   "'/data/p d/hook-tmp/web:/tmp:rw' '--pwd' '/w' "
		   "'docker://img' 'sh' '-c' 'run' &\nilk_pids+=(\"$!\")\n"
		   "ilk_own+=(\"$!\")\n");
	/* no exec action: no shared /tmp; run mode kept */
	assert_has(s, "ilk_runp 'side' ilk_s1 '/opt/bin/apptainer' 'run' "
		   "'--containall' 'docker://img' &\n");
	assert_null(strstr(s, "hook-tmp/side"));
	free(s);
	wire_pod_done(&pod);
	/* init containers are never probed */
	decode_pod("{'metadata':{'name':'p','namespace':'ns','uid':'u'},"
		   "'spec':{'initContainers':[{'name':'i','image':'img',"
		   "'readinessProbe':{'exec':{'command':['x']}},'lifecycle':"
		   "{'preStop':{'exec':{'command':['x']}}}}],'containers':[{"
		   "'name':'c','image':'img'}]}}", &pod);
	s = build(&pod, "/rt", "/d", true);
	assert_null(strstr(s, "ilk_runp"));
	assert_has(s, "ilk_run init 'i' '/rt' 'run'");
	free(s);
	wire_pod_done(&pod);
}

/* bash -n PATH: 0 when the script parses */
static int bash_n(const char *path)
{
	static char *const envp[] = {"PATH=/usr/bin:/bin", NULL};
	char *argv[] = {BASH, "-n", (char *)path, NULL};
	int st = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		execve(BASH, argv, envp);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Hostile values are quoted and parse. */
static void test_script_quoting(void **state)
{
	struct wire_pod pod;
	char *s, *path;
	int rc;

	make_pod(&pod,
		 "[{'name':'web','image':'img','command':['true'],"
		 "'readinessProbe':{'exec':{'command':['$(touch INJECTED)',"
		 "'`touch INJECTED`','\\u0027; touch INJECTED; \\u0027']}},"
		 "'livenessProbe':{'httpGet':{'port':1,"
		 "'path':'/$(touch${IFS}INJECTED)','httpHeaders':[{'name':"
		 "'X','value':'\\u0027 $(touch INJECTED) `x` \\\"'}]}}}]",
		 -1);
	s = build(&pod, "/rt", *state, true);
	path = NULL;
	assert_true(asprintf(&path, "%s/job.slurm", (char *)*state) > 0);
	assert_int_equal(fs_write_atomic(path, s, strlen(s), 0755), 0);
	/* bash -n: the script parses */
	rc = bash_n(path);
	assert_int_equal(rc, 0);
	assert_has(s, "'$(touch INJECTED)' '`touch INJECTED`' "
		   "''\\''; touch INJECTED; '\\''' </dev/null");
	assert_has(s, "'/$(touch${IFS}INJECTED)' 'X' "
		   "''\\'' $(touch INJECTED) `x` \"' </dev/null");
	free(path);
	free(s);
	wire_pod_done(&pod);
}

/* ---- running the script ----------------------------------------------- */

static const char standin[] =
	"#!" BASH "\n"
	"case ${1-} in exec|run) shift ;; *) exit 120 ;; esac\n"
	"st_env=''\n"
	"while (($#)); do\n"
	"\tcase $1 in\n"
	"\t--containall) shift ;;\n"
	"\t--env-file) st_env=$2; shift 2 ;;\n"
	"\t--pwd) shift 2 ;;\n"
	"\t--bind) case $2 in *:/tmp:rw) export ST_TMP=${2%:/tmp:rw} ;; esac;"
	" shift 2 ;;\n"
	"\t-*) exit 121 ;;\n"
	"\t*) break ;;\n"
	"\tesac\n"
	"done\n"
	"shift # the image\n"
	"if [[ -n $st_env ]]; then set -a; . \"$st_env\" || exit 123;"
	" set +a; fi\n"
	"exec \"$@\"\n";

struct job {
	char *base, *dir;
	pid_t pid;
	int rc;
};

static int setup_tmp(void **state)
{
	char *dir = strdup("/tmp/test_probes.XXXXXX");

	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

/*
 * SIGKILL every process working in dir or below: what a test that failed
 * half-way through left running (a passing one leaves nothing, see
 * job_wait).
 */
static void kill_leftovers(const char *dir)
{
	char real[PATH_MAX], link[64], got[PATH_MAX];
	size_t n;
	DIR *d;
	struct dirent *e;

	if (!realpath(dir, real) || !(d = opendir("/proc")))
		return;
	n = strlen(real);
	while ((e = readdir(d))) {
		ssize_t len;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(link, sizeof(link), "/proc/%s/cwd", e->d_name);
		len = readlink(link, got, sizeof(got) - 1);
		if (len <= 0)
			continue;
		got[len] = '\0';
		if (strncmp(got, real, n) == 0 &&
		    (got[n] == '\0' || got[n] == '/'))
			kill((pid_t)strtol(e->d_name, NULL, 10), SIGKILL);
	}
	closedir(d);
}

static int teardown_tmp(void **state)
{
	char *dir = *state;
	int r;

	kill_leftovers(dir);
	/* TEST_PROBES_KEEP=1: leave the jobs' folders for a look */
	r = getenv("TEST_PROBES_KEEP") ? 0 : fs_rm_rf(dir);

	free(dir);
	return r;
}

/* Write pod's script into base/pod and start it with bash. */
static void job_start(struct job *j, const char *base, const char *ctrs,
		      int grace)
{
	static char *const envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
	struct wire_pod pod;
	char *rt = NULL, *script = NULL, *s, *out = NULL;
	struct buf b;
	int fd;

	memset(j, 0, sizeof(*j));
	j->base = strdup(base);
	assert_true(asprintf(&j->dir, "%s/pod 'q'", base) > 0);
	assert_true(asprintf(&rt, "%s/rt", base) > 0);
	assert_int_equal(fs_mkdir_p(j->dir, 0755), 0);
	assert_int_equal(fs_write_atomic(rt, standin, strlen(standin), 0755),
			 0);
	make_pod(&pod, ctrs, grace);
	buf_init(&b, 1 << 16);
	for (size_t i = 0; i < pod.n_containers; i++) {
		char name[128];

		if (!pod.containers[i].n_env)
			continue;
		buf_reset(&b);
		assert_int_equal(jobscript_envfile(&pod.containers[i], &b), 0);
		snprintf(name, sizeof(name), "%s/%s_envfile.properties",
			 j->dir, pod.containers[i].name);
		assert_int_equal(fs_write_atomic(name, buf_str(&b), b.len,
						 0600),
				 0);
	}
	buf_done(&b);
	assert_int_equal(probes_write_initial(&pod, true, j->dir), 0);
	s = build(&pod, rt, j->dir, true);
	assert_true(asprintf(&script, "%s/job.slurm", j->dir) > 0);
	assert_int_equal(fs_write_atomic(script, s, strlen(s), 0755), 0);
	assert_true(asprintf(&out, "%s/job.out", j->dir) > 0);
	j->pid = fork();
	assert_true(j->pid >= 0);
	if (j->pid == 0) {
		/* as slurmstepd runs it: the script itself (its name, not
		 * "bash", is the job shell's /proc comm) */
		char *argv[] = {script, NULL};

		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
		    chdir(base) < 0)
			_exit(126);
		execve(script, argv, envp);
		_exit(127);
	}
	free(s);
	free(rt);
	free(script);
	free(out);
	wire_pod_done(&pod);
}

static void job_touch(const struct job *j, const char *name)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", j->dir, name) > 0);
	assert_int_equal(fs_write_atomic(p, "", 0, 0644), 0);
	free(p);
}

static char *job_file(const struct job *j, const char *name)
{
	char *p = NULL, *data = NULL;
	int r;

	assert_true(asprintf(&p, "%s/%s", j->dir, name) > 0);
	r = fs_read_file(p, 1 << 20, &data, NULL);
	free(p);
	if (r == -ENOENT)
		return NULL;
	assert_int_equal(r, 0);
	return data;
}

/* Does dir/name hold a line equal to line (time stamps skipped)? */
static bool has_line(const struct job *j, const char *name, const char *line)
{
	char *data = job_file(j, name), *save = NULL;
	bool found = false;

	for (char *l = data ? strtok_r(data, "\n", &save) : NULL; l && !found;
	     l = strtok_r(NULL, "\n", &save)) {
		const char *sp = strchr(l, ' ');

		found = strcmp(sp && sp - l == 27 ? sp + 1 : l, line) == 0;
	}
	free(data);
	return found;
}

static bool file_is(const struct job *j, const char *name, const char *want)
{
	char *data = job_file(j, name);
	bool same = data && strcmp(data, want) == 0;

	free(data);
	return same;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Poll up to secs for dir/name to read want exactly. */
static bool wait_file(const struct job *j, const char *name,
		      const char *want, double secs)
{
	double end = now_s() + secs;

	do {
		if (file_is(j, name, want))
			return true;
		sleep_ms(50);
	} while (now_s() < end);
	return false;
}

/* The processes whose working directory is the pod's folder. */
static int in_folder(const struct job *j)
{
	char real[PATH_MAX], link[64], got[PATH_MAX];
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	assert_non_null(realpath(j->dir, real));
	assert_non_null(d);
	while ((e = readdir(d))) {
		ssize_t len;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(link, sizeof(link), "/proc/%s/cwd", e->d_name);
		len = readlink(link, got, sizeof(got) - 1);
		if (len <= 0)
			continue;
		got[len] = '\0';
		n += strcmp(got, real) == 0;
	}
	closedir(d);
	return n;
}

/* Wait for the script (at most secs); then nothing of it may be left. */
static void job_wait(struct job *j, double secs)
{
	double end = now_s() + secs;
	int st = 0;
	pid_t r;

	while ((r = waitpid(j->pid, &st, WNOHANG)) == 0 && now_s() < end)
		sleep_ms(50);
	if (r == 0) {
		kill(j->pid, SIGKILL);
		(void)waitpid(j->pid, &st, 0);
		fail_msg("the job script ran longer than %.0f s", secs);
	}
	assert_true(WIFEXITED(st));
	j->rc = WEXITSTATUS(st);
	/* probes, hooks and containers all end with the job */
	end = now_s() + 3;
	while (in_folder(j) && now_s() < end)
		sleep_ms(50);
	assert_int_equal(in_folder(j), 0);
}

static void job_done(struct job *j)
{
	char *log = job_file(j, "job.out");

	if (log && getenv("TEST_PROBES_VERBOSE"))
		print_message("job.out:\n%s\n", log);
	free(log);
	free(j->base);
	free(j->dir);
}

/* In the JSON fixtures: a double quote, and the shared /tmp quoted */
#define Q "\\\""
#define TMP Q "$ST_TMP" Q

/*
 * Readiness flips with a file the container keeps in the shared /tmp;
 * postStart's output is in the container's log and its file is seen by
 * the container; probe loops end with their container.
 */
static void test_run_readiness_poststart(void **state)
{
	struct job j;

	job_start(&j, *state,
		  "[{'name':'web','image':'i','command':['/bin/bash','-c',"
		  "'until [ -e " TMP "/hooked ]; do sleep 0.05; done; "
		  "echo saw $(cat " TMP "/hooked); touch " TMP "/ready; "
		  "until [ -e go-on ]; do sleep 0.05; done; rm " TMP "/ready; "
		  "until [ -e go-end ]; do sleep 0.05; done; echo bye'],"
		  "'env':[{'name':'V','value':'it\\u0027s'}],"
		  "'readinessProbe':{'exec':{'command':['/bin/sh','-c',"
		  "'test -e " TMP "/ready && test " Q "$V" Q " = "
		  Q "it\\u0027s" Q "']},"
		  "'periodSeconds':1,'failureThreshold':1},"
		  "'lifecycle':{'postStart':{'exec':{'command':['/bin/sh',"
		  "'-c','echo hook says hi; echo one > " TMP "/hooked']}}}}]",
		  -1);
	/* /create wrote the first states */
	assert_true(file_is(&j, "probe-readiness-web.state", "pending\n") ||
		    file_is(&j, "probe-readiness-web.state", "ok\n"));
	assert_true(wait_file(&j, "poststart-web.state", "ok\n", 10));
	assert_true(wait_file(&j, "probe-readiness-web.state", "ok\n", 10));
	job_touch(&j, "go-on");
	assert_true(wait_file(&j, "probe-readiness-web.state", "fail\n", 10));
	job_touch(&j, "go-end");
	job_wait(&j, 20);
	assert_int_equal(j.rc, 0);
	assert_true(file_is(&j, "run-web.status", "0\n"));
	assert_true(has_line(&j, "run-web.out", "hook says hi"));
	assert_true(has_line(&j, "run-web.out", "saw one"));
	assert_true(has_line(&j, "run-web.out", "bye"));
	assert_null(job_file(&j, "run-web.reason"));
	/* the hook and the container shared the container's /tmp */
	assert_true(file_is(&j, "hook-tmp/web/hooked", "one\n"));
	assert_null(job_file(&j, "hook-tmp/web/ready"));
	job_done(&j);
}

/* Liveness failing stops the container, which ends with a reason. */
static void test_run_liveness(void **state)
{
	struct job j;
	char reason[64], msg[128];

	job_start(&j, *state,
		  "[{'name':'web','image':'i','command':['sleep','60'],"
		  "'livenessProbe':{'exec':{'command':['false']},"
		  "'periodSeconds':1,'failureThreshold':2}},"
		  "{'name':'ok','image':'i','command':['true']}]",
		  5);
	job_wait(&j, 20);
	assert_int_equal(j.rc, 143);
	assert_true(file_is(&j, "run-web.status", "143\n"));
	assert_true(file_is(&j, "run-ok.status", "0\n"));
	assert_true(file_is(&j, "probe-liveness-web.state", "fail\n"));
	assert_int_equal(probes_read_reason(j.dir, "web", reason,
					    sizeof(reason), msg, sizeof(msg)),
			 0);
	assert_string_equal(reason, "LivenessProbeFailed");
	assert_string_equal(msg, "liveness probe failed 2 time(s)");
	assert_int_equal(probes_read_reason(j.dir, "ok", reason,
					    sizeof(reason), msg, sizeof(msg)),
			 -ENOENT);
	job_done(&j);
}

/* The startup probe gates the others; its failure stops the container;
 * a failing postStart hook stops its container. */
static void test_run_startup_and_poststart_failures(void **state)
{
	struct job j;
	struct probes_view v;
	char reason[64], msg[128];

	job_start(&j, *state,
		  "[{'name':'web','image':'i','command':['sleep','60'],"
		  "'startupProbe':{'exec':{'command':['false']},"
		  "'periodSeconds':1,'failureThreshold':2},"
		  "'readinessProbe':{'exec':{'command':['true']}}},"
		  "{'name':'hooked','image':'i','command':['sleep','60'],"
		  "'lifecycle':{'postStart':{'exec':{'command':['/bin/sh',"
		  "'-c','echo failing; exit 3']}}}}]",
		  2);
	job_wait(&j, 20);
	assert_int_equal(j.rc, 143);
	assert_true(file_is(&j, "run-web.status", "143\n"));
	probes_read(j.dir, "web", &v);
	assert_int_equal(v.startup, PROBES_FAIL);
	/* gated: readiness never ran */
	assert_int_equal(v.readiness, PROBES_PENDING);
	assert_int_equal(v.liveness, PROBES_NONE);
	assert_int_equal(v.post_start, PROBES_NONE);
	assert_int_equal(probes_read_reason(j.dir, "web", reason,
					    sizeof(reason), msg, sizeof(msg)),
			 0);
	assert_string_equal(reason, "StartupProbeFailed");

	assert_true(file_is(&j, "run-hooked.status", "143\n"));
	probes_read(j.dir, "hooked", &v);
	assert_int_equal(v.post_start, PROBES_FAIL);
	assert_int_equal(probes_read_reason(j.dir, "hooked", reason,
					    sizeof(reason), msg, sizeof(msg)),
			 0);
	assert_string_equal(reason, "FailedPostStartHook");
	assert_string_equal(msg, "the postStart hook failed (exit code 3)");
	assert_true(has_line(&j, "run-hooked.out", "failing"));
	job_done(&j);
}

/*
 * TERM to the script alone (what /delete asks Slurm for): preStop hooks
 * first, then TERM to the containers, KILL after the grace period.
 */
static void test_run_prestop(void **state)
{
	struct job j;
	double t0, t;

	job_start(&j, *state,
		  "[{'name':'web','image':'i','command':['/bin/bash','-c',"
		  "'trap \\u0027if [ -e " TMP "/pre-done ]; then echo TERM "
		  "after preStop; else echo TERM before preStop; fi; "
		  "exit 0\\u0027 TERM; "
		  "echo up; while :; do sleep 0.05; done'],"
		  "'lifecycle':{'preStop':{'exec':{'command':['/bin/sh','-c',"
		  "'echo stopping; sleep 1; touch " TMP "/pre-done; "
		  "echo stopped']}}}},"
		  "{'name':'stubborn','image':'i','command':['/bin/bash','-c',"
		  "'trap \\u0027\\u0027 TERM; echo up; while :; do sleep 0.05;"
		  " done'],"
		  "'lifecycle':{'preStop':{'sleep':{'seconds':1}}}},"
		  "{'name':'plain','image':'i','command':['sleep','60']}]",
		  3);
	for (t = now_s() + 10; now_s() < t;) {
		if (has_line(&j, "run-web.out", "up") &&
		    has_line(&j, "run-stubborn.out", "up"))
			break;
		sleep_ms(50);
	}
	t0 = now_s();
	assert_int_equal(kill(j.pid, SIGTERM), 0);
	job_wait(&j, 20);
	t = now_s() - t0;
	assert_int_equal(j.rc, 143);
	/* the hook's output: its own file, and the container's log */
	assert_true(has_line(&j, "prestop-web.out", "stopping"));
	assert_true(has_line(&j, "prestop-web.out", "stopped"));
	assert_true(has_line(&j, "run-web.out", "stopping"));
	assert_true(has_line(&j, "run-web.out", "stopped"));
	assert_true(has_line(&j, "run-web.out", "TERM after preStop"));
	/* its wrapper survives the TERM and reports the exit code */
	assert_true(file_is(&j, "run-web.status", "0\n"));
	/* hook 1 s, then at least 2 s of grace for the stubborn one */
	if (t < 2.5 || t > 8)
		fail_msg("stopped in %.1f s", t);
	job_done(&j);
}

/* ---- httpGet and tcpSocket against a server in this process ----------- */

struct server {
	int fd;
	int port;
	pthread_t thread;
	pthread_mutex_t lock;
	struct buf requests; /* every request's head, in order */
};

static void *serve(void *arg)
{
	struct server *s = arg;
	int c;

	while ((c = accept(s->fd, NULL, NULL)) >= 0) {
		char req[4096];
		size_t len = 0;
		ssize_t n;
		const char *reply;

		while (len < sizeof(req) - 1 &&
		       (n = read(c, req + len, sizeof(req) - 1 - len)) > 0) {
			len += (size_t)n;
			req[len] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[len] = '\0';
		if (len == 0) { /* a tcpSocket probe */
			close(c);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		(void)buf_append(&s->requests, req, len);
		pthread_mutex_unlock(&s->lock);
		reply = strncmp(req, "GET /ok", 7) == 0 ?
				"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
				"Connection: close\r\n\r\nok\n" :
				"HTTP/1.0 503 No\r\n\r\n";
		(void)!write(c, reply, strlen(reply));
		close(c);
	}
	return NULL;
}

static void server_start(struct server *s)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	buf_init(&s->requests, 1 << 20);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 16), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	pthread_join(s->thread, NULL);
	buf_done(&s->requests);
	pthread_mutex_destroy(&s->lock);
}

static void test_run_http(void **state)
{
	struct server srv;
	struct job j;
	char *ctrs = NULL, *want = NULL;
	const char *reqs;

	server_start(&srv);
	assert_true(asprintf(&ctrs,
		"[{'name':'web','image':'i','command':['sleep','60'],"
		"'ports':[{'name':'http','containerPort':%d}],"
		"'startupProbe':{'tcpSocket':{'port':'http'},"
		"'periodSeconds':1},"
		"'readinessProbe':{'httpGet':{'path':'/ok?a=1&b=$x','port':"
		"'http','httpHeaders':[{'name':'X-Test','value':"
		"'it\\u0027s $(touch INJECTED) \\\"q\\\" `x`'}]},"
		"'periodSeconds':1},"
		"'livenessProbe':{'httpGet':{'path':'/bad','port':%d,"
		"'httpHeaders':[{'name':'host','value':'svc.local'}]},"
		"'periodSeconds':1,'failureThreshold':2}}]",
		srv.port, srv.port) > 0);
	job_start(&j, *state, ctrs, 2);
	job_wait(&j, 20);
	/* /bad answers 503: liveness stops it, after readiness went ok */
	assert_int_equal(j.rc, 143);
	assert_true(file_is(&j, "probe-startup-web.state", "ok\n"));
	assert_true(file_is(&j, "probe-readiness-web.state", "ok\n"));
	assert_true(file_is(&j, "probe-liveness-web.state", "fail\n"));
	pthread_mutex_lock(&srv.lock);
	reqs = buf_str(&srv.requests);
	assert_true(asprintf(&want,
		"GET /ok?a=1&b=$x HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		"User-Agent: kube-probe/interlink\r\nAccept: */*\r\n"
		"Connection: close\r\nX-Test: it's $(touch INJECTED) \"q\" "
		"`x`\r\n\r\n", srv.port) > 0);
	assert_has(reqs, want);
	/* a Host header of the pod's replaces ours */
	assert_has(reqs, "GET /bad HTTP/1.1\r\nUser-Agent: kube-probe/"
		   "interlink\r\nAccept: */*\r\nConnection: close\r\n"
		   "host: svc.local\r\n\r\n");
	pthread_mutex_unlock(&srv.lock);
	assert_true(has_line(&j, "probe-liveness-web.out",
			     "HTTP probe failed with status code 503"));
	server_stop(&srv);
	assert_null(job_file(&j, "../INJECTED"));
	assert_null(job_file(&j, "INJECTED"));
	free(ctrs);
	free(want);
	job_done(&j);
}

/* ---- reading states back ---------------------------------------------- */

static void test_read_states(void **state)
{
	const char *dir = *state;
	struct probes_view v;
	char path[PATH_MAX], reason[8], msg[16];

	probes_read(dir, "c", &v);
	assert_int_equal(v.post_start, PROBES_NONE);
	assert_int_equal(v.readiness, PROBES_NONE);
	snprintf(path, sizeof(path), "%s/probe-readiness-c.state", dir);
	assert_int_equal(fs_write_atomic(path, "ok\n", 3, 0644), 0);
	snprintf(path, sizeof(path), "%s/probe-startup-c.state", dir);
	assert_int_equal(fs_write_atomic(path, "fail", 4, 0644), 0);
	snprintf(path, sizeof(path), "%s/poststart-c.state", dir);
	assert_int_equal(fs_write_atomic(path, "junk\n", 5, 0644), 0);
	probes_read(dir, "c", &v);
	assert_int_equal(v.readiness, PROBES_OK);
	assert_int_equal(v.startup, PROBES_FAIL);
	assert_int_equal(v.post_start, PROBES_PENDING);
	assert_int_equal(v.liveness, PROBES_NONE);
	/* a reason: sanitised, cut to the buffers */
	snprintf(path, sizeof(path), "%s/run-c.reason", dir);
	assert_int_equal(fs_write_atomic(path, "LongReason\x01\nmessage "
					 "text\x1b[m\nmore\n", 33, 0644),
			 0);
	assert_int_equal(probes_read_reason(dir, "c", reason, sizeof(reason),
					    msg, sizeof(msg)),
			 0);
	assert_int_equal(strlen(reason), sizeof(reason) - 1);
	assert_null(strchr(msg, '\x1b'));
	assert_int_equal(strncmp(msg, "message", 7), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_ok),
		cmocka_unit_test(test_validate_errors),
		cmocka_unit_test(test_grace_and_tmp),
		cmocka_unit_test(test_script_disabled_is_plain),
		cmocka_unit_test(test_script_text),
		cmocka_unit_test_setup_teardown(test_script_quoting, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_run_readiness_poststart,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_run_liveness, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(
			test_run_startup_and_poststart_failures, setup_tmp,
			teardown_tmp),
		cmocka_unit_test_setup_teardown(test_run_prestop, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_run_http, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_read_states, setup_tmp,
						teardown_tmp),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
