/*
 * tests/integration/slurm_backend_check.c - the Slurm backend against a
 * real cluster.
 *
 * Loads backend/slurm through backend_slurm_entry() with a small host
 * table, like the sidecar does, and runs real jobs on the cluster named
 * by $SLURM_CONF.  Prints TAP.
 *
 * Usage: slurm_backend_check [OUTDIR]
 *   OUTDIR receives the jobs' output files; it must exist and be
 *   writable by the user running the test.  Default: a new directory
 *   under $IL_TMP, else under /tmp.
 *
 * The cluster must be the single-node kind tests/slurm-cluster.sh makes
 * (one job takes every CPU ping reports, so that a second one pends),
 * idle, with its scheduler warm.  The test cancels every job it submitted
 * before exiting.  The TAP plan comes last.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend_slurm.h"
#include "ilk_plugin.h"
#include "slurm_api.h"

#define MAX_JOBS 256
#define N_POLL_JOBS 50
#define N_THREADS 4
#define N_PER_THREAD 10

static int test_no;
static int test_failed;

/* Every job submitted, so the end can cancel what is left. */
static char submitted[MAX_JOBS][ILK_JOB_ID_MAX];
static int n_submitted;

static const char *arg_partition; /* what config_get("Partition") says */

static void ok(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	test_no++;
	if (!cond)
		test_failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	(void)fflush(stdout);
}

static void skip(const char *desc, const char *why)
{
	test_no++;
	printf("ok %d - %s # SKIP %s\n", test_no, desc, why);
	(void)fflush(stdout);
}

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void diag(const char *fmt, ...)
{
	va_list ap;

	(void)fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	(void)fflush(stdout);
}

static double now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- the host table ---- */

static void host_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void host_log(int level, const char *fmt, ...)
{
	va_list ap;

	printf("# log<%d> ", level);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	(void)fflush(stdout);
}

static const char *host_config_get(const char *key)
{
	if (strcmp(key, "Partition") == 0)
		return arg_partition;
	return NULL;
}

static const struct ilk_host host = {
	.abi_major = ILK_PLUGIN_ABI_MAJOR,
	.abi_minor = ILK_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct ilk_host),
	.log = host_log,
	.config_get = host_config_get,
};

/* ---- helpers around the ops ---- */

static const struct ilk_backend_ops *ops;
static void *state;
static const char *outdir;

static const char *const job_env[] = { "PATH=/usr/bin:/bin", "SBC_TEST=1",
				       NULL };

static void spec_init(struct ilk_job_spec *s, const char *name,
		      const char *tag, const char *script, char *out,
		      size_t outlen)
{
	memset(s, 0, sizeof(*s));
	s->struct_size = sizeof(*s);
	s->name = name;
	s->tag = tag;
	s->script = script;
	s->work_dir = outdir;
	(void)snprintf(out, outlen, "%s/%s.out", outdir, name);
	s->stdout_path = out;
	s->env = job_env;
	s->uid = (uint32_t)getuid();
	s->gid = (uint32_t)getgid();
}

static int submit(const struct ilk_job_spec *s, char id[ILK_JOB_ID_MAX],
		  char *err, size_t errlen)
{
	int rc;

	id[0] = '\0';
	rc = ops->submit(state, s, id, err, errlen);
	if (rc == ILK_OK && n_submitted < MAX_JOBS)
		(void)snprintf(submitted[n_submitted++], ILK_JOB_ID_MAX, "%s",
			       id);
	return rc;
}

struct find_ctx {
	const char *job_id;
	bool found;
	struct ilk_job_info info;
	unsigned int count;
};

static void find_visit(void *ctx, const struct ilk_job_info *job)
{
	struct find_ctx *f = ctx;

	f->count++;
	if (f->job_id && strcmp(job->job_id, f->job_id) == 0) {
		f->found = true;
		f->info = *job;
	}
}

/* One poll; true when job_id was among the jobs seen. */
static bool poll_find(const char *job_id, struct ilk_job_info *ret)
{
	struct find_ctx f = { .job_id = job_id };
	char err[256] = "";

	if (ops->poll(state, find_visit, &f, err, sizeof(err)) != ILK_OK) {
		diag("poll failed: %s", err);
		return false;
	}
	if (f.found && ret)
		*ret = f.info;
	return f.found;
}

/* Poll every 100 ms until the job reaches phase; false on timeout. */
static bool wait_phase(const char *job_id, int phase, int timeout_ms,
		       struct ilk_job_info *ret)
{
	double end = now_ms() + timeout_ms;

	do {
		if (poll_find(job_id, ret) && ret->phase >= phase)
			return ret->phase == phase;
		sleep_ms(100);
	} while (now_ms() < end);
	return false;
}

static bool file_contains(const char *path, const char *needle)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	(void)fclose(f);
	return strstr(buf, needle) != NULL;
}

/*
 * slurmctld's count of REQUEST_JOB_INFO RPCs so far, from sdiag; -1 when
 * sdiag cannot be run.  fork/exec with an argv: no shell.
 */
static long rpc_count(const char *rpc)
{
	char buf[16384], *p, *q;
	size_t len = 0;
	int fds[2], status;
	ssize_t n;
	pid_t pid;
	long count = -1;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		(void)close(fds[0]);
		(void)close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		char arg0[] = "sdiag";
		char *const argv[] = { arg0, NULL };

		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	(void)close(fds[1]);
	while (len < sizeof(buf) - 1 &&
	       (n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	(void)close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	/* "\tREQUEST_JOB_INFO     ( 2003) count:12 ..." */
	for (p = buf; (p = strstr(p, rpc)) != NULL; p++) {
		if (p[strlen(rpc)] != ' ')
			continue; /* REQUEST_JOB_INFO_SINGLE */
		q = strstr(p, "count:");
		if (q) {
			char *end;

			errno = 0;
			count = strtol(q + 6, &end, 10);
			if (errno || end == q + 6)
				count = -1;
		}
		break;
	}
	if (!p)
		count = 0; /* never called yet */
	return count;
}

static bool make_outdir(char *buf, size_t len)
{
	const char *tmp = getenv("IL_TMP"); /* NOLINT: before any thread */

	if (tmp && *tmp) {
		(void)snprintf(buf, len, "%s/slurm_backend_check.%ld", tmp,
			       (long)getpid());
		return mkdir(buf, 0755) == 0;
	}
	(void)snprintf(buf, len, "/tmp/slurm_backend_check.XXXXXX");
	if (!mkdtemp(buf))
		return false;
	return chmod(buf, 0755) == 0;
}

/* ---- the checks ---- */

static void check_entry(void)
{
	struct ilk_host bad = host;

	ok(backend_slurm_entry(ILK_PLUGIN_ABI_MAJOR + 1, 0, &host) == NULL,
	   "entry refuses a host with another ABI major");
	bad.abi_major = ILK_PLUGIN_ABI_MAJOR + 1;
	ok(backend_slurm_entry(ILK_PLUGIN_ABI_MAJOR, 0, &bad) == NULL,
	   "entry refuses a host table of another ABI major");
	ops = backend_slurm_entry(ILK_PLUGIN_ABI_MAJOR, ILK_PLUGIN_ABI_MINOR,
				  &host);
	ok(ops && ops->abi_major == ILK_PLUGIN_ABI_MAJOR &&
		   ops->struct_size == sizeof(*ops) && ops->name &&
		   strcmp(ops->name, "backend/slurm") == 0 && ops->flags == 0,
	   "entry returns the backend/slurm ops table");
}

static void check_bad_partition_config(void)
{
	void *st = NULL;
	char err[256] = "";
	int rc;

	arg_partition = "no-such-partition";
	rc = ops->init(&host, &st, err, sizeof(err));
	ok(rc == ILK_ERR_INVALID && strstr(err, "no-such-partition"),
	   "init refuses a configured Partition Slurm lacks (rc %d: %s)", rc,
	   err);
	if (rc == ILK_OK)
		ops->fini(st);
	arg_partition = NULL;
}

static void check_ping(struct ilk_capacity *cap)
{
	char err[256] = "";
	double t0 = now_ms();
	int rc;

	memset(cap, 0, sizeof(*cap));
	cap->struct_size = sizeof(*cap);
	rc = ops->ping(state, cap, err, sizeof(err));
	diag("ping took %.1f ms: cpus %llu memory_mb %llu pods %llu "
	     "gpus %llu '%s'",
	     now_ms() - t0, (unsigned long long)cap->cpus,
	     (unsigned long long)cap->memory_mb,
	     (unsigned long long)cap->pods, (unsigned long long)cap->gpus,
	     cap->gpu_type);
	ok(rc == ILK_OK && cap->cpus > 0 && cap->memory_mb > 0 &&
		   cap->pods > 0,
	   "ping: OK with cpus, memory and pods (rc %d %s)", rc, err);
}

/* Submit, see it in poll with its tag, wait for DONE; returns the id. */
static bool run_to_done(const char *name, const char *script,
			char id[ILK_JOB_ID_MAX], struct ilk_job_info *info,
			char *out, size_t outlen)
{
	struct ilk_job_spec s;
	char err[256] = "", tag[64];
	double t0, t_done;
	bool seen, done;
	int rc;

	(void)snprintf(tag, sizeof(tag), "uid-%s-%ld", name, (long)getpid());
	spec_init(&s, name, tag, script, out, outlen);
	t0 = now_ms();
	rc = submit(&s, id, err, sizeof(err));
	diag("submit of '%s' took %.1f ms", name, now_ms() - t0);
	ok(rc == ILK_OK && id[0], "%s: submit OK, job %s (%s)", name, id, err);
	if (rc != ILK_OK)
		return false;
	/* (results first: argument evaluation order is unspecified) */
	seen = poll_find(id, info);
	ok(seen && strcmp(info->tag, tag) == 0,
	   "%s: poll sees job %s with tag '%s'", name, id, info->tag);
	done = wait_phase(id, ILK_JOB_DONE, 60000, info);
	t_done = now_ms() - t0;
	ok(done, "%s: job reaches DONE (seen %.0f ms after submit)", name,
	   t_done);
	diag("%s: state %s exit %d reason '%s' submit %lld start %lld end "
	     "%lld",
	     name, info->state, info->exit_code, info->reason,
	     (long long)info->submit_time, (long long)info->start_time,
	     (long long)info->end_time);
	return true;
}

static void check_hello(char hello_id[ILK_JOB_ID_MAX])
{
	struct ilk_job_info info;
	char out[4096];

	memset(&info, 0, sizeof(info));
	if (!run_to_done("hello", "#!/bin/bash\necho hello\n", hello_id, &info,
			 out, sizeof(out)))
		return;
	ok(info.exit_code == 0 && strcmp(info.state, "COMPLETED") == 0,
	   "hello: exit 0, state COMPLETED (got %d %s)", info.exit_code,
	   info.state);
	ok(info.submit_time > 0 && info.start_time >= info.submit_time &&
		   info.end_time >= info.start_time,
	   "hello: submit, start and end times set and ordered");
	ok(file_contains(out, "hello"), "hello: output file has 'hello'");
}

static void check_exit3(void)
{
	struct ilk_job_info info;
	char id[ILK_JOB_ID_MAX], out[4096];

	memset(&info, 0, sizeof(info));
	if (!run_to_done("exit3", "#!/bin/bash\nexit 3\n", id, &info, out,
			 sizeof(out)))
		return;
	ok(info.exit_code == 3 && strcmp(info.state, "FAILED") == 0,
	   "exit3: exit 3, state FAILED (got %d %s, reason '%s')",
	   info.exit_code, info.state, info.reason);
}

static void check_kill9(void)
{
	struct ilk_job_info info;
	char id[ILK_JOB_ID_MAX], out[4096];

	memset(&info, 0, sizeof(info));
	if (!run_to_done("kill9", "#!/bin/bash\nkill -9 $$\n", id, &info, out,
			 sizeof(out)))
		return;
	ok(info.exit_code == 137,
	   "kill9: exit 137 after SIGKILL (got %d %s, reason '%s')",
	   info.exit_code, info.state, info.reason);
	/*
	 * Slurm 23.02 added FAIL_SIGNAL: 24.11 says "RaisedSignal:9(Killed)"
	 * where 22.05 said "JobLaunchFailure".
	 */
	{
		char v[256];
		int major = 0, minor = 0;
		const char *want;

		slurm_api_version_text(v, sizeof(v));
		(void)sscanf(v, "built against Slurm %d.%d", &major, &minor);
		want = major * 100 + minor >= 2302 ? "RaisedSignal:9"
						   : "JobLaunchFailure";
		ok(strcmp(info.state, "FAILED") == 0 &&
			   strncmp(info.reason, want, strlen(want)) == 0,
		   "kill9: FAILED, reason '%s...' on Slurm %d.%02d (got %s, "
		   "'%s')",
		   want, major, minor, info.state, info.reason);
	}
}

/*
 * A sleep job that holds every CPU of the node, a second job that must
 * pend behind it, then cancel both.
 */
static void check_running_pending_cancel(const struct ilk_capacity *cap)
{
	struct ilk_job_spec s;
	struct ilk_job_info info, pinfo;
	char id[ILK_JOB_ID_MAX], pend_id[ILK_JOB_ID_MAX];
	char out[4096], pout[4096];
	char err[256] = "";
	double t0, t1, t_run;
	bool done;
	int rc, last_exit;

	spec_init(&s, "sleeper", "uid-sleeper", "#!/bin/bash\nsleep 300\n",
		  out, sizeof(out));
	/* the whole (single) node, so that the next job has to wait */
	s.cpus = cap->cpus < 64 ? (uint32_t)cap->cpus : 1;
	s.mem_mb = 100;
	s.time_limit_min = 10;
	rc = submit(&s, id, err, sizeof(err));
	ok(rc == ILK_OK, "sleeper: submit OK, job %s (%s)", id, err);
	if (rc != ILK_OK)
		return;
	t0 = now_ms();
	memset(&info, 0, sizeof(info));
	done = wait_phase(id, ILK_JOB_RUNNING, 30000, &info);
	t_run = now_ms() - t0;
	ok(done && strcmp(info.state, "RUNNING") == 0 && info.start_time > 0 &&
		   info.end_time == 0 && info.exit_code == -1,
	   "sleeper: RUNNING after %.0f ms, start set, no end, exit -1 "
	   "(%s %lld %lld %d)",
	   t_run, info.state, (long long)info.start_time,
	   (long long)info.end_time, info.exit_code);

	spec_init(&s, "pender", "uid-pender", "#!/bin/bash\ntrue\n", pout,
		  sizeof(pout));
	s.cpus = 1;
	rc = submit(&s, pend_id, err, sizeof(err));
	ok(rc == ILK_OK, "pender: submit OK, job %s (%s)", pend_id, err);
	if (rc == ILK_OK) {
		sleep_ms(1500); /* a scheduler pass or two */
		memset(&pinfo, 0, sizeof(pinfo));
		if (cap->cpus >= 64) {
			skip("pender: PENDING behind the sleeper",
			     "node too large to fill");
		} else {
			bool seen = poll_find(pend_id, &pinfo);

			ok(seen && pinfo.phase == ILK_JOB_PENDING &&
				   strcmp(pinfo.state, "PENDING") == 0 &&
				   pinfo.start_time == 0,
			   "pender: PENDING, no start time (%s, reason '%s')",
			   pinfo.state, pinfo.reason);
		}
		rc = ops->cancel(state, pend_id, err, sizeof(err));
		ok(rc == ILK_OK, "pender: cancel of a pending job OK (%s)",
		   err);
		done = wait_phase(pend_id, ILK_JOB_DONE, 2000, &pinfo);
		ok(done && strcmp(pinfo.state, "CANCELLED") == 0 &&
			   pinfo.exit_code == -1 && pinfo.start_time == 0 &&
			   pinfo.end_time > 0,
		   "pender: DONE CANCELLED, exit -1, never started (%s %d "
		   "start %lld, reason '%s')",
		   pinfo.state, pinfo.exit_code, (long long)pinfo.start_time,
		   pinfo.reason);
	}

	t0 = now_ms();
	rc = ops->cancel(state, id, err, sizeof(err));
	t1 = now_ms();
	ok(rc == ILK_OK, "sleeper: cancel OK in %.1f ms (%s)", t1 - t0, err);
	done = wait_phase(id, ILK_JOB_DONE, 2000, &info);
	t1 = now_ms() - t0;
	ok(done && strcmp(info.state, "CANCELLED") == 0,
	   "sleeper: DONE CANCELLED %.0f ms after cancel (%s exit %d, "
	   "reason '%s', end %lld)",
	   t1, info.state, info.exit_code, info.reason,
	   (long long)info.end_time);
	/* the exit status arrives once slurmd reports the killed script */
	last_exit = info.exit_code;
	while (last_exit == -1 && now_ms() - t0 < 5000) {
		sleep_ms(20);
		if (poll_find(id, &info))
			last_exit = info.exit_code;
	}
	diag("sleeper: exit code %d known %.0f ms after cancel (state %s, "
	     "reason '%s')",
	     last_exit, now_ms() - t0, info.state, info.reason);
	rc = ops->cancel(state, id, err, sizeof(err));
	ok(rc == ILK_OK, "sleeper: second cancel is OK too (rc %d %s)", rc,
	   err);
}

static void check_errors(void)
{
	struct ilk_job_spec s;
	char id[ILK_JOB_ID_MAX], out[4096], err[256];
	const char *const empty_env[] = { NULL };
	int rc;

	err[0] = '\0';
	rc = ops->cancel(state, "99999999", err, sizeof(err));
	ok(rc == ILK_ERR_NOT_FOUND, "cancel of unknown job 99999999: "
	   "NOT_FOUND (rc %d: %s)", rc, err);

	err[0] = '\0';
	rc = ops->cancel(state, "12abc", err, sizeof(err));
	ok(rc == ILK_ERR_INVALID, "cancel of '12abc': INVALID (rc %d: %s)", rc,
	   err);

	spec_init(&s, "nopart", "uid-nopart", "#!/bin/bash\ntrue\n", out,
		  sizeof(out));
	s.partition = "nosuch";
	err[0] = '\0';
	rc = submit(&s, id, err, sizeof(err));
	ok(rc == ILK_ERR_REJECTED && strcasestr(err, "partition") &&
		   strstr(err, "nosuch"),
	   "unknown partition: REJECTED naming it (rc %d: %s)", rc, err);

	spec_init(&s, "noshebang", "uid-noshebang", "echo hi\n", out,
		  sizeof(out));
	err[0] = '\0';
	rc = submit(&s, id, err, sizeof(err));
	ok(rc == ILK_ERR_INVALID, "script without #!: INVALID (rc %d: %s)", rc,
	   err);

	spec_init(&s, "noenv", "uid-noenv", "#!/bin/bash\ntrue\n", out,
		  sizeof(out));
	s.env = empty_env;
	err[0] = '\0';
	rc = submit(&s, id, err, sizeof(err));
	ok(rc == ILK_ERR_INVALID, "empty environment: INVALID (rc %d: %s)", rc,
	   err);

	spec_init(&s, "toobig", "uid-toobig", "#!/bin/bash\ntrue\n", out,
		  sizeof(out));
	s.mem_mb = 100000000; /* 95 TiB */
	err[0] = '\0';
	rc = submit(&s, id, err, sizeof(err));
	ok(rc == ILK_ERR_REJECTED,
	   "memory no node has: REJECTED (rc %d: %s)", rc, err);
}

static void check_query(const char *hello_id)
{
	struct ilk_job_info info;
	unsigned char buf[sizeof(struct ilk_job_info) + 16];
	struct ilk_job_info *small = (struct ilk_job_info *)(void *)buf;
	size_t cut = offsetof(struct ilk_job_info, exit_code);
	char err[256] = "";
	bool untouched = true;
	size_t i;
	int rc;

	memset(&info, 0, sizeof(info));
	info.struct_size = sizeof(info);
	rc = ops->query(state, hello_id, &info, err, sizeof(err));
	ok(rc == ILK_OK && info.phase == ILK_JOB_DONE &&
		   info.exit_code == 0 &&
		   strcmp(info.state, "COMPLETED") == 0 &&
		   strncmp(info.tag, "uid-hello-", 10) == 0 &&
		   strcmp(info.job_id, hello_id) == 0,
	   "query of finished job %s: DONE COMPLETED exit 0, tag '%s' "
	   "(rc %d %s)",
	   hello_id, info.tag, rc, err);

	rc = ops->query(state, "99999999", &info, err, sizeof(err));
	ok(rc == ILK_ERR_NOT_FOUND, "query of unknown job: NOT_FOUND (%s)",
	   err);

	/* an older, shorter struct: nothing past its struct_size written */
	memset(buf, 0xa5, sizeof(buf));
	small->struct_size = cut;
	rc = ops->query(state, hello_id, small, err, sizeof(err));
	for (i = cut; i < sizeof(buf); i++)
		if (buf[i] != 0xa5)
			untouched = false;
	ok(rc == ILK_OK && small->struct_size == cut && untouched &&
		   strcmp(small->job_id, hello_id) == 0 &&
		   small->phase == ILK_JOB_DONE,
	   "query honours a short struct_size (%zu of %zu bytes)", cut,
	   sizeof(info));
}

static void check_short_spec(void)
{
	struct ilk_job_spec s;
	char id[ILK_JOB_ID_MAX], out[4096], err[256] = "";
	struct ilk_job_info info;
	int rc;

	/* a spec that ends before uid is refused: no silent uid 0 */
	spec_init(&s, "tooshort", "uid-tooshort", "#!/bin/bash\ntrue\n", out,
		  sizeof(out));
	s.struct_size = offsetof(struct ilk_job_spec, uid);
	rc = submit(&s, id, err, sizeof(err));
	ok(rc == ILK_ERR_INVALID, "a job spec without uid/gid: INVALID (rc %d "
	   "%s)", rc, err);

	/* a spec that ends after gid: cpus, memory, ... take defaults */
	spec_init(&s, "shortspec", "uid-shortspec", "#!/bin/bash\ntrue\n", out,
		  sizeof(out));
	s.struct_size = offsetof(struct ilk_job_spec, cpus);
	s.cpus = 100000; /* would be refused if read */
	s.partition = "must-be-ignored";
	err[0] = '\0';
	rc = submit(&s, id, err, sizeof(err));
	ok(rc == ILK_OK, "a short job spec (up to gid) is accepted (rc %d %s)",
	   rc, err);
	if (rc == ILK_OK) {
		bool done;

		memset(&info, 0, sizeof(info));
		done = wait_phase(id, ILK_JOB_DONE, 30000, &info);
		ok(done && info.exit_code == 0,
		   "short spec job completes (%s %d)", info.state,
		   info.exit_code);
	}
}

static void check_poll_many(void)
{
	struct ilk_job_spec s;
	struct find_ctx f;
	char id[ILK_JOB_ID_MAX], out[4096], name[32], err[256] = "";
	long rpc0, rpc1, fed0, fed1;
	double t0, t_submit, t_poll;
	int i, rc, n_ok = 0;

	t0 = now_ms();
	for (i = 0; i < N_POLL_JOBS; i++) {
		(void)snprintf(name, sizeof(name), "many%02d", i);
		spec_init(&s, name, name, "#!/bin/sh\ntrue\n", out,
			  sizeof(out));
		rc = submit(&s, id, err, sizeof(err));
		if (rc == ILK_OK)
			n_ok++;
		else
			diag("submit %s: %s", name, err);
	}
	t_submit = now_ms() - t0;
	ok(n_ok == N_POLL_JOBS, "submitted %d jobs", n_ok);
	diag("submit of %d jobs took %.0f ms (%.2f ms each)", N_POLL_JOBS,
	     t_submit, t_submit / N_POLL_JOBS);

	rpc0 = rpc_count("REQUEST_JOB_INFO");
	fed0 = rpc_count("REQUEST_FED_INFO");
	memset(&f, 0, sizeof(f));
	t0 = now_ms();
	rc = ops->poll(state, find_visit, &f, err, sizeof(err));
	t_poll = now_ms() - t0;
	rpc1 = rpc_count("REQUEST_JOB_INFO");
	fed1 = rpc_count("REQUEST_FED_INFO");
	diag("poll of %u jobs took %.2f ms", f.count, t_poll);
	ok(rc == ILK_OK && f.count >= N_POLL_JOBS,
	   "poll sees all %u jobs (rc %d %s)", f.count, rc, err);
	if (rpc0 < 0 || rpc1 < 0) {
		skip("poll is one job-list RPC", "sdiag not usable");
	} else {
		diag("slurmctld counted %ld REQUEST_JOB_INFO and %ld "
		     "REQUEST_FED_INFO for that poll",
		     rpc1 - rpc0, fed1 - fed0);
		/* others may poll this cluster too; 50 would be per-job */
		ok(rpc1 - rpc0 >= 1 && rpc1 - rpc0 <= 3,
		   "poll of %u jobs is one job-list RPC (%ld counted)",
		   f.count, rpc1 - rpc0);
	}
	/*
	 * Polls ask "changed since the last list?"; slurmctld compares
	 * whole seconds, so after two quiet seconds it answers "no change"
	 * and the kept list answers: the same jobs, in a fraction of the
	 * time (printed, not asserted).
	 */
	{
		struct find_ctx f2;
		double t_again;

		(void)sleep(2);
		memset(&f2, 0, sizeof(f2));
		t0 = now_ms();
		rc = ops->poll(state, find_visit, &f2, err, sizeof(err));
		t_again = now_ms() - t0;
		diag("an unchanged poll of %u jobs took %.2f ms", f2.count,
		     t_again);
		ok(rc == ILK_OK && f2.count == f.count,
		   "a poll with nothing changed reports the same %u jobs "
		   "(%u, rc %d %s)", f.count, f2.count, rc, err);
	}
}

/*
 * A second instance with Partition set, alive next to the first one: the
 * process-wide libslurm setup is shared, and fini of one must not break
 * the other.
 */
static void check_second_instance(const struct ilk_capacity *cap)
{
	struct ilk_capacity cap2;
	void *st2 = NULL;
	char err[256] = "";
	int rc;

	arg_partition = "debug";
	rc = ops->init(&host, &st2, err, sizeof(err));
	arg_partition = NULL;
	ok(rc == ILK_OK, "second instance with Partition 'debug': init OK "
	   "(%s)", err);
	if (rc != ILK_OK)
		return;
	memset(&cap2, 0, sizeof(cap2));
	cap2.struct_size = sizeof(cap2);
	rc = ops->ping(st2, &cap2, err, sizeof(err));
	ok(rc == ILK_OK && cap2.cpus == cap->cpus &&
		   cap2.memory_mb == cap->memory_mb,
	   "second instance: ping counts partition 'debug' (cpus %llu, rc "
	   "%d %s)",
	   (unsigned long long)cap2.cpus, rc, err);
	ops->fini(st2);
	memset(&cap2, 0, sizeof(cap2));
	cap2.struct_size = sizeof(cap2);
	rc = ops->ping(state, &cap2, err, sizeof(err));
	ok(rc == ILK_OK, "first instance still works after the second's fini "
	   "(rc %d %s)", rc, err);
}

struct worker {
	int index;
	int errors;
	char ids[N_PER_THREAD][ILK_JOB_ID_MAX];
	char msg[320]; /* "cancel: " + err */
};

/* submit + query + poll + cancel, N_PER_THREAD times, in parallel */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct ilk_job_spec s;
	struct ilk_job_info info;
	struct find_ctx f;
	char out[4096], name[32], err[256];
	int i;

	for (i = 0; i < N_PER_THREAD; i++) {
		(void)snprintf(name, sizeof(name), "mt%d-%d", w->index, i);
		spec_init(&s, name, name, "#!/bin/sh\nsleep 30\n", out,
			  sizeof(out));
		if (ops->submit(state, &s, w->ids[i], err, sizeof(err)) !=
		    ILK_OK) {
			w->errors++;
			(void)snprintf(w->msg, sizeof(w->msg), "submit: %s",
				       err);
			continue;
		}
		memset(&info, 0, sizeof(info));
		info.struct_size = sizeof(info);
		if (ops->query(state, w->ids[i], &info, err, sizeof(err)) !=
			    ILK_OK ||
		    strcmp(info.tag, name) != 0) {
			w->errors++;
			(void)snprintf(w->msg, sizeof(w->msg), "query: %s",
				       err);
		}
		memset(&f, 0, sizeof(f));
		f.job_id = w->ids[i];
		if (ops->poll(state, find_visit, &f, err, sizeof(err)) !=
			    ILK_OK ||
		    !f.found) {
			w->errors++;
			(void)snprintf(w->msg, sizeof(w->msg), "poll: %s",
				       err);
		}
		if (ops->cancel(state, w->ids[i], err, sizeof(err)) !=
		    ILK_OK) {
			w->errors++;
			(void)snprintf(w->msg, sizeof(w->msg), "cancel: %s",
				       err);
		}
	}
	return NULL;
}

static void check_threads(void)
{
	struct worker w[N_THREADS];
	pthread_t th[N_THREADS];
	int i, j, started = 0, errors = 0;
	double t0 = now_ms();

	memset(w, 0, sizeof(w));
	for (i = 0; i < N_THREADS; i++) {
		w[i].index = i;
		if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++) {
		(void)pthread_join(th[i], NULL);
		errors += w[i].errors;
		if (w[i].errors)
			diag("thread %d: %d errors, last: %s", i, w[i].errors,
			     w[i].msg);
		for (j = 0; j < N_PER_THREAD; j++)
			if (w[i].ids[j][0] && n_submitted < MAX_JOBS)
				(void)snprintf(submitted[n_submitted++],
					       ILK_JOB_ID_MAX, "%s",
					       w[i].ids[j]);
	}
	ok(started == N_THREADS && errors == 0,
	   "%d threads x %d (submit + query + poll + cancel) at once: %d "
	   "errors in %.0f ms",
	   started, N_PER_THREAD, errors, now_ms() - t0);
}

static void cleanup(void)
{
	char err[256];
	int i;

	for (i = 0; i < n_submitted; i++)
		(void)ops->cancel(state, submitted[i], err, sizeof(err));
}

int main(int argc, char **argv)
{
	struct ilk_capacity cap;
	char hello_id[ILK_JOB_ID_MAX] = "";
	char dirbuf[4096], err[256] = "";
	int rc;

	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	if (!getenv("SLURM_CONF")) { /* NOLINT: before any thread */
		printf("1..0 # SKIP SLURM_CONF is not set\n");
		return 0;
	}
	if (argc > 1) {
		outdir = argv[1];
	} else {
		if (!make_outdir(dirbuf, sizeof(dirbuf))) {
			printf("Bail out! cannot create an output directory: "
			       "%m\n");
			return 1;
		}
		outdir = dirbuf;
	}
	diag("job output in %s", outdir);

	check_entry();
	if (!ops) {
		printf("Bail out! no ops table\n");
		return 1;
	}
	check_bad_partition_config();
	rc = ops->init(&host, &state, err, sizeof(err));
	ok(rc == ILK_OK, "init OK (%s)", err);
	if (rc != ILK_OK) {
		printf("Bail out! init failed: %s\n", err);
		return 1;
	}
	check_ping(&cap);
	check_hello(hello_id);
	check_exit3();
	check_kill9();
	check_running_pending_cancel(&cap);
	check_errors();
	if (hello_id[0])
		check_query(hello_id);
	check_short_spec();
	check_second_instance(&cap);
	check_threads();
	check_poll_many();

	cleanup();
	ops->fini(state);
	printf("1..%d\n", test_no);
	if (test_failed)
		diag("%d of %d failed", test_failed, test_no);
	return test_failed ? 1 : 0;
}
