/*
 * examples/backend-skeleton/skeleton.c - the smallest backend that runs
 * pods: a "batch system" of local processes.  Built against the installed
 * <interlink/plugin.h> only (see the Makefile and README "Writing a
 * backend").  Not for production: no queue, no limits, no persistence.
 *
 *   submit     fork; the child starts a new session, drops to the job's
 *              uid/gid when the sidecar is root, sends its output to
 *              stdout_path, and executes the job script from a memfd
 *              (nothing is written to the tenant's folder)
 *   poll/query waitpid(WNOHANG) on every job of the table
 *   cancel     SIGTERM to every process of the job's session (the job
 *              runs in a session of its own; its containers run in process
 *              groups of their own inside it), SIGKILL to what is left of
 *              the session 10 s later (checked by poll)
 *   terminate  left NULL: the host then cancels a deleted pod's job at once
 *              (a real backend sends SIGTERM to the job script alone, so
 *              that it runs the pod's preStop hooks; see plugin.h)
 *   ping       the machine's CPUs and memory
 */
#include <interlink/plugin.h>

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_JOBS 4096

struct job {
	pid_t pid;
	char tag[ILK_TAG_MAX];
	int done, exit_code;
	int64_t submit_time, end_time;
	int64_t user_id; /* the uid the job runs as */
	time_t cancel_at; /* 0: not cancelled */
};

struct skel {
	const struct ilk_host *host;
	pthread_mutex_t lock; /* the table; ops may run concurrently */
	struct job jobs[MAX_JOBS];
	size_t n;
};

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int kill_session(pid_t sid, int sig);

static int sk_init(const struct ilk_host *host, void **ret_state, char *err,
		   size_t errlen)
{
	struct skel *s = calloc(1, sizeof(*s));

	if (!s) {
		say(err, errlen, "out of memory");
		return ILK_ERR_NOMEM;
	}
	s->host = host;
	pthread_mutex_init(&s->lock, NULL);
	if (host && host->log)
		host->log(ILK_LOG_INFO, "backend/skeleton: local processes");
	*ret_state = s;
	return ILK_OK;
}

static void sk_fini(void *state)
{
	struct skel *s = state;

	if (!s)
		return;
	/* its jobs are this process's children: they go with it */
	for (size_t i = 0; i < s->n; i++)
		kill_session(s->jobs[i].pid, SIGKILL);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* the child: only async-signal-safe calls, then exec */
static void run_child(const struct ilk_job_spec *spec, int script_fd)
{
	char *argv[] = {"job", NULL};
	int out;

	/* the script as fd 3, and none of the sidecar's descriptors */
	if (dup2(script_fd, 3) < 0 || close_range(4, ~0U, 0) < 0)
		_exit(126);
	setsid();
	if (getuid() == 0 && (spec->uid != 0 || spec->gid != 0)) {
		gid_t g = spec->gid;

		if (setgroups(1, &g) < 0 || setgid(spec->gid) < 0 ||
		    setuid(spec->uid) < 0)
			_exit(126);
	}
	if (chdir(spec->work_dir) < 0)
		_exit(126);
	out = open(spec->stdout_path,
		   O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0644);
	if (out < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	close(out);
	close(0);
	open("/dev/null", O_RDONLY);
	/* the interpreter opens /proc/self/fd/3: it must survive exec */
	execve("/proc/self/fd/3", argv, (char *const *)spec->env);
	_exit(127);
}

static int sk_submit(void *state, const struct ilk_job_spec *spec,
		     char ret_job_id[ILK_JOB_ID_MAX], char *err,
		     size_t errlen)
{
	struct skel *s = state;
	size_t len;
	pid_t pid;
	int fd;

	if (!spec->script || strncmp(spec->script, "#!", 2) != 0) {
		say(err, errlen, "the job script has no #! line");
		return ILK_ERR_INVALID;
	}
	if (spec->gpus || (spec->gres && *spec->gres)) {
		say(err, errlen, "GPUs are not supported by the skeleton "
		    "backend");
		return ILK_ERR_INVALID;
	}
	fd = memfd_create("ilk-job", 0); /* no CLOEXEC: see run_child */
	len = strlen(spec->script);
	if (fd < 0 || write(fd, spec->script, len) != (ssize_t)len) {
		say(err, errlen, "cannot hold the job script: %s",
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return ILK_ERR_INTERNAL;
	}
	pthread_mutex_lock(&s->lock);
	if (s->n == MAX_JOBS) {
		pthread_mutex_unlock(&s->lock);
		close(fd);
		say(err, errlen, "the skeleton backend runs at most %d jobs",
		    MAX_JOBS);
		return ILK_ERR_REJECTED;
	}
	pid = fork();
	if (pid == 0)
		run_child(spec, fd);
	close(fd);
	if (pid < 0) {
		pthread_mutex_unlock(&s->lock);
		say(err, errlen, "fork: %s", strerror(errno));
		return ILK_ERR_UNAVAILABLE;
	}
	s->jobs[s->n].pid = pid;
	snprintf(s->jobs[s->n].tag, ILK_TAG_MAX, "%s",
		 spec->tag ? spec->tag : "");
	s->jobs[s->n].done = 0;
	s->jobs[s->n].exit_code = -1;
	s->jobs[s->n].submit_time = time(NULL);
	s->jobs[s->n].user_id = getuid() == 0 ? (int64_t)spec->uid :
						(int64_t)getuid();
	s->n++;
	pthread_mutex_unlock(&s->lock);
	snprintf(ret_job_id, ILK_JOB_ID_MAX, "%ld", (long)pid);
	return ILK_OK;
}

/* signal every process whose session is sid; how many there were */
static int kill_session(pid_t sid, int sig)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		char path[64], buf[512], *p;
		long pid = strtol(e->d_name, &p, 10), sess = 0;
		ssize_t r;
		int fd;

		if (*p || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		/* pid (comm) state ppid pgrp session ...: comm may hold ')' */
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 1, " %*c %*d %*d %ld", &sess) != 1 ||
		    sess != (long)sid)
			continue;
		if (kill((pid_t)pid, sig) == 0)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static void reap(struct job *j)
{
	int status;

	if (j->cancel_at && time(NULL) - j->cancel_at >= 10 &&
	    kill_session(j->pid, SIGKILL) == 0 && j->done)
		j->cancel_at = 0; /* nothing left */
	if (j->done || waitpid(j->pid, &status, WNOHANG) != j->pid)
		return;
	j->done = 1;
	j->end_time = time(NULL);
	j->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) :
		       128 + WTERMSIG(status);
}

static void info(const struct job *j, struct ilk_job_info *r)
{
	memset(r, 0, sizeof(*r));
	r->struct_size = sizeof(*r);
	snprintf(r->job_id, sizeof(r->job_id), "%ld", (long)j->pid);
	snprintf(r->tag, sizeof(r->tag), "%s", j->tag);
	r->phase = j->done ? ILK_JOB_DONE : ILK_JOB_RUNNING;
	r->exit_code = j->done ? j->exit_code : -1;
	r->submit_time = j->submit_time;
	r->start_time = j->submit_time;
	r->end_time = j->end_time;
#if ILK_PLUGIN_ABI_MINOR >= 3 /* built against an older header: not known */
	r->user_id = j->user_id; /* the host checks it before a cancel */
#endif
	snprintf(r->state, sizeof(r->state), "%s",
		 !j->done ? "RUNNING" : j->exit_code ? "FAILED" : "COMPLETED");
}

static struct job *find(struct skel *s, const char *id)
{
	char *end;
	long pid = strtol(id, &end, 10);

	if (!*id || *end || pid <= 0)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (s->jobs[i].pid == (pid_t)pid)
			return &s->jobs[i];
	return NULL;
}

static int sk_poll(void *state, ilk_job_visit_fn visit, void *ctx,
		   char *err, size_t errlen)
{
	struct skel *s = state;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n; i++) {
		struct ilk_job_info r;

		reap(&s->jobs[i]);
		info(&s->jobs[i], &r);
		visit(ctx, &r);
	}
	pthread_mutex_unlock(&s->lock);
	return ILK_OK;
}

static int sk_query(void *state, const char *job_id, struct ilk_job_info *ret,
		    char *err, size_t errlen)
{
	struct skel *s = state;
	struct job *j;
	int rc = ILK_OK;

	pthread_mutex_lock(&s->lock);
	j = find(s, job_id);
	if (j) {
		reap(j);
		info(j, ret);
	} else {
		say(err, errlen, "no job %s", job_id);
		rc = ILK_ERR_NOT_FOUND;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int sk_cancel(void *state, const char *job_id, char *err,
		     size_t errlen)
{
	struct skel *s = state;
	struct job *j;
	int rc = ILK_OK;

	pthread_mutex_lock(&s->lock);
	j = find(s, job_id);
	if (!j) {
		say(err, errlen, "no job %s", job_id);
		rc = ILK_ERR_NOT_FOUND;
	} else if (!j->done) {
		reap(j);
		kill_session(j->pid, SIGTERM);
		if (!j->cancel_at)
			j->cancel_at = time(NULL);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}


static int sk_ping(void *state, struct ilk_capacity *ret, char *err,
		   size_t errlen)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);

	(void)state;
	(void)err;
	(void)errlen;
	memset(ret, 0, sizeof(*ret));
	ret->struct_size = sizeof(*ret);
	ret->cpus = cpus > 0 ? (uint64_t)cpus : 0;
	ret->memory_mb = pages > 0 && psize > 0 ?
		(uint64_t)pages / 1024 * (uint64_t)psize / 1024 : 0;
	ret->pods = MAX_JOBS;
	return ILK_OK;
}

static const struct ilk_backend_ops ops = {
	ILK_PLUGIN_ABI_MAJOR, ILK_PLUGIN_ABI_MINOR,
	sizeof(struct ilk_backend_ops), "backend/skeleton", 0,
	sk_init, sk_fini, sk_submit, sk_cancel, sk_poll, sk_query, sk_ping,
	NULL, /* terminate */
};

ILK_PLUGIN_EXPORT const struct ilk_backend_ops *
ilk_plugin_entry_v1(uint32_t host_abi_major, uint32_t host_abi_minor,
		    const struct ilk_host *host)
{
	(void)host_abi_minor;
	(void)host;
	return host_abi_major == ILK_PLUGIN_ABI_MAJOR ? &ops : NULL;
}
