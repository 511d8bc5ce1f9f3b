/*
 * backends/drmaa/backend_drmaa.c - a DRMAA 1.0 backend (verified with Son
 * of Grid Engine 8.1.9), loaded by the sidecar as `Backend: /path/to/
 * backend-drmaa.so`.  The .so does not link libdrmaa: every DRMAA call is
 * made by its helper program, ilk-drmaa-helper (drmaa_helper.c), either a
 * one-shot "submit" run as the tenant or the long-lived "agent" run as the
 * sidecar's user, spoken to over a socket pair (see drmaa_helper.c for
 * why and for the agent's line protocol).
 *
 * What DRMAA gives and what it does not, and how the gaps are filled:
 *   submit  DRMAA submits as the calling uid; the sidecar is root and acts
 *           for many tenants.  So each submit forks and runs the helper
 *           ilk-drmaa-helper submit as the job's uid/gid (drmaa_spawn.c); the job
 *           is the tenant's, exactly as if the tenant had run qsub.
 *   state   drmaa_job_ps, in the agent's DRMAA session (root is a Grid
 *           Engine manager: it sees and controls every job).  A dead or
 *           stuck agent (10 s) is killed and started again on the next op.
 *   exit    drmaa_wait reaps only jobs of its own session, and a job gone
 *           from the qmaster is unknown to drmaa_job_ps; the exit status
 *           comes from the scheduler's accounting file (accounting(5)),
 *           read from the file's size at submit onwards, so lines of
 *           earlier jobs with a recycled number are never taken.
 *   list    DRMAA cannot list jobs: poll walks the backend's own table of
 *           the jobs it submitted (and the ones query was asked about).
 *           With DrmaaJobTable set, the table (job id + pod tag) survives
 *           restarts in a root-owned file, so start-up reconciliation
 *           still adopts and finds jobs.
 *   cancel  drmaa_control(DRMAA_CONTROL_TERMINATE).
 *   capacity  DRMAA has none; qhost's NCPU and MEMTOT summed (cached 30 s).
 *
 * Threads: the backend's own lock guards the table and every DRMAA call,
 * so it is safe whether or not the host serialises the ops.
 *
 * Configuration (top-level keys of the sidecar's file):
 *   Partition                 the default queue (-q)
 *   DrmaaParallelEnvironment  a PE for pods asking more than one CPU
 *   DrmaaMemoryResource       e.g. h_vmem: memory requested as -l NAME=xM
 *   DrmaaHelper               default: ilk-drmaa-helper next to this .so
 *   DrmaaAccountingFile       default: $SGE_ROOT/$SGE_CELL/common/accounting
 *   DrmaaQhost                default: /usr/lib/gridengine/qhost
 *   DrmaaJobTable             a file for the job table (optional)
 * and SGE_ROOT, SGE_CELL, SGE_QMASTER_PORT, SGE_EXECD_PORT from the
 * sidecar's environment.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drmaa_acct.h"
#include "drmaa_req.h"
#include "drmaa_spawn.h"
#include "drmaa_table.h"

#define NAME "backend/drmaa"
#define ACCT_WINDOW (64u << 20)   /* bytes of accounting read per lookup */
#define ACCT_GIVE_UP_SEC 600      /* stop looking for a gone job's record */
#define SUBMIT_TIMEOUT_MS 60000
#define HELPER_NAME "ilk-drmaa-helper"
#define AGENT_TIMEOUT_MS 10000

struct state {
	const struct ilk_host *host;
	pthread_mutex_t lock;
	struct drmaa_table tab;
	struct drmaa_site site;
	char queue[256], pe[256], memres[256];
	char helper[PATH_MAX], acct[PATH_MAX], qhost[PATH_MAX];
	char table[PATH_MAX];
	char *env[8];
	char envbuf[8][PATH_MAX + 32];
	struct ilk_capacity cap_cache;
	time_t cap_time;
	int agent_fd;
	pid_t agent_pid;
};


static const char *conf(struct state *st, const char *key)
{
	const char *v = st->host && st->host->config_get ?
				st->host->config_get(key) : NULL;

	return v && *v ? v : NULL;
}

static int copy_conf(struct state *st, const char *key, char *dst,
		     size_t len, const char *def)
{
	const char *v = conf(st, key);

	if (!v)
		v = def;
	if (!v) {
		dst[0] = '\0';
		return 0;
	}
	return (size_t)snprintf(dst, len, "%s", v) < len ? 0 : -1;
}

/* root or our own, a regular file nobody else may change */
static int safe_file(const char *path, int exec, char *err, size_t errlen)
{
	struct stat sb;

	if (path[0] != '/') {
		drmaa_set_err(err, errlen, "%s: '%s' is not an absolute path", NAME,
			path);
		return -1;
	}
	if (stat(path, &sb) < 0) {
		drmaa_set_err(err, errlen, "%s: '%s': %s", NAME, path,
			strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & (S_IWGRP | S_IWOTH)) ||
	    (sb.st_uid != 0 && sb.st_uid != getuid()) ||
	    (exec && !(sb.st_mode & S_IXOTH))) {
		drmaa_set_err(err, errlen, "%s: '%s' must be a regular file owned "
			"by root, writable by no one else%s", NAME, path,
			exec ? " and executable by all" : "");
		return -1;
	}
	return 0;
}

/*
 * Ask the agent "VERB ID" (or "ping"); out gets its answer line.  0, or
 * ILK_ERR_UNAVAILABLE with err when the agent cannot be run or answer
 * (it is stopped then, and started again by the next call).
 */
static int agent_ask(struct state *st, const char *verb, const char *id,
		     char *out, size_t outlen, char *err, size_t errlen)
{
	char *argv[] = {st->helper, "agent", NULL};
	char line[ILK_JOB_ID_MAX + 16];
	int r;

	if (st->agent_fd < 0) {
		r = drmaa_agent_start(argv, st->env, &st->agent_pid);
		if (r < 0) {
			drmaa_set_err(err, errlen, "cannot start %s agent: %s",
				st->helper, strerror(-r));
			return ILK_ERR_UNAVAILABLE;
		}
		st->agent_fd = r;
	}
	snprintf(line, sizeof(line), "%s%s%s\n", verb, id ? " " : "",
		 id ? id : "");
	r = drmaa_agent_call(st->agent_fd, line, AGENT_TIMEOUT_MS, out,
			     outlen);
	if (r < 0) {
		drmaa_set_err(err, errlen, "the DRMAA agent %s: %s",
			r == -ETIMEDOUT ? "did not answer" : "stopped",
			strerror(-r));
		drmaa_agent_stop(st->agent_fd, st->agent_pid);
		st->agent_fd = -1;
		st->agent_pid = 0;
		return ILK_ERR_UNAVAILABLE;
	}
	return ILK_OK;
}

/* ---- the job table (drmaa_table.c), kept in DrmaaJobTable ---- */

static void save(struct state *st)
{
	int r;

	if (!st->table[0])
		return;
	r = drmaa_table_save(&st->tab, st->table);
	if (r < 0)
		st->host->log(ILK_LOG_ERR, "%s: cannot write '%s': %s", NAME,
			      st->table, strerror(-r));
}

/* ---- state ---- */

/* the tail of the accounting file: enough for jobs of recent days */
static off_t acct_tail(struct state *st)
{
	off_t size = drmaa_acct_size(st->acct);

	return size > (off_t)ACCT_WINDOW ? size - (off_t)ACCT_WINDOW : 0;
}

static void fill_from_acct(struct state *st, struct drmaa_job *j)
{
	struct drmaa_acct a;
	off_t size = drmaa_acct_size(st->acct), from = j->acct_from;

	if (size - from > (off_t)ACCT_WINDOW)
		from = size - ACCT_WINDOW;
	if (drmaa_acct_find(st->acct, from, ACCT_WINDOW, j->id, &a) != 0)
		return;
	j->exit_known = 1;
	j->exit_code = a.exit_status;
	j->submit_time = a.submit_time;
	j->start_time = a.start_time;
	j->end_time = a.end_time;
	if (strcmp(j->state, "CANCELLED") == 0)
		return;
	snprintf(j->state, sizeof(j->state), "%s",
		 a.failed ? "FAILED" : a.exit_status ? "FAILED" : "COMPLETED");
	if (a.failed)
		snprintf(j->reason, sizeof(j->reason),
			 "Grid Engine failure code %d", a.failed);
}

/* refresh one job; ILK_ERR_UNAVAILABLE when the qmaster cannot be asked */
static int refresh(struct state *st, struct drmaa_job *j, time_t now, char *err,
		   size_t errlen)
{
	static const struct {
		const char *word, *state;
		int phase;
	} map[] = {
		{"queued", "PENDING", ILK_JOB_PENDING},
		{"held", "HELD", ILK_JOB_PENDING},
		{"running", "RUNNING", ILK_JOB_RUNNING},
		{"suspended", "SUSPENDED", ILK_JOB_RUNNING},
		{"done", "COMPLETED", ILK_JOB_DONE},
		{"failed", "FAILED", ILK_JOB_DONE},
	};
	char ans[512];
	int r;

	if (j->phase == ILK_JOB_DONE) {
		if (!j->exit_known && now - j->gone_at < ACCT_GIVE_UP_SEC)
			fill_from_acct(st, j);
		return ILK_OK;
	}
	r = agent_ask(st, "ps", j->id, ans, sizeof(ans), err, errlen);
	if (r != ILK_OK)
		return r;
	if (strcmp(ans, "gone") == 0) {
		j->phase = ILK_JOB_DONE;
		j->gone_at = now;
		snprintf(j->state, sizeof(j->state), "COMPLETED");
		fill_from_acct(st, j);
		return ILK_OK;
	}
	if (strncmp(ans, "ok ", 3) != 0) {
		drmaa_set_err(err, errlen, "drmaa_job_ps(%s): %s", j->id,
			strncmp(ans, "err ", 4) == 0 ? ans + 4 : ans);
		return ILK_ERR_UNAVAILABLE;
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(ans + 3, map[i].word) != 0)
			continue;
		j->reason[0] = '\0';
		j->phase = map[i].phase;
		snprintf(j->state, sizeof(j->state), "%s", map[i].state);
		if (j->phase == ILK_JOB_PENDING && strcmp(map[i].word, "held") == 0)
			snprintf(j->reason, sizeof(j->reason),
				 "held (qstat -j %s)", j->id);
		if (j->phase == ILK_JOB_RUNNING && !j->start_time)
			j->start_time = now;
		if (j->phase == ILK_JOB_DONE) {
			j->gone_at = now;
			fill_from_acct(st, j);
		}
	}
	return ILK_OK; /* undetermined: keep what we knew */
}

static void to_info(const struct drmaa_job *j, struct ilk_job_info *ret)
{
	size_t size = ret->struct_size;
	struct ilk_job_info v = {.struct_size = sizeof(v)};

	snprintf(v.job_id, sizeof(v.job_id), "%s", j->id);
	snprintf(v.tag, sizeof(v.tag), "%s", j->tag);
	v.phase = j->phase;
	v.exit_code = j->phase == ILK_JOB_DONE ? j->exit_code : -1;
	v.submit_time = j->submit_time;
	v.start_time = j->start_time;
	v.end_time = j->end_time;
	snprintf(v.state, sizeof(v.state), "%s", j->state);
	snprintf(v.reason, sizeof(v.reason), "%s", j->reason);
	/* ABI 1.3: DRMAA does not say whose job it is (the host then checks
	 * the tag alone) */
	v.user_id = -1;
	memcpy(ret, &v, size && size < sizeof(v) ? size : sizeof(v));
	ret->struct_size = size && size < sizeof(v) ? size : sizeof(v);
}

/* ---- ops ---- */

static int bd_init(const struct ilk_host *host, void **ret_state, char *err,
		   size_t errlen)
{
	static const char *const pass[] = {"SGE_ROOT", "SGE_CELL",
					   "SGE_QMASTER_PORT",
					   "SGE_EXECD_PORT"};
	char dflt[PATH_MAX], ans[512];
	const char *root = getenv("SGE_ROOT"), *cell = getenv("SGE_CELL");
	struct state *st;
	Dl_info dl;
	size_t ne = 0;
	int r;

	if (!host || !host->log) {
		drmaa_set_err(err, errlen, "%s: no host table", NAME);
		return ILK_ERR_INVALID;
	}
	if (!root || root[0] != '/') {
		drmaa_set_err(err, errlen, "%s: SGE_ROOT is not set in the sidecar's "
			"environment", NAME);
		return ILK_ERR_INVALID;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return ILK_ERR_NOMEM;
	st->host = host;
	st->agent_fd = -1;
	pthread_mutex_init(&st->lock, NULL);
	snprintf(dflt, sizeof(dflt), "/usr/lib/gridengine-drmaa/%s",
		 HELPER_NAME);
	if (dladdr((void *)bd_init, &dl) && dl.dli_fname &&
	    strrchr(dl.dli_fname, '/'))
		snprintf(dflt, sizeof(dflt), "%.*s/%s",
			 (int)(strrchr(dl.dli_fname, '/') - dl.dli_fname),
			 dl.dli_fname, HELPER_NAME);
	r = copy_conf(st, "Partition", st->queue, sizeof(st->queue), NULL);
	r |= copy_conf(st, "DrmaaParallelEnvironment", st->pe,
		       sizeof(st->pe), NULL);
	r |= copy_conf(st, "DrmaaMemoryResource", st->memres,
		       sizeof(st->memres), NULL);
	r |= copy_conf(st, "DrmaaHelper", st->helper,
		       sizeof(st->helper), dflt);
	snprintf(dflt, sizeof(dflt), "%s/%s/common/accounting", root,
		 cell ? cell : "default");
	r |= copy_conf(st, "DrmaaAccountingFile", st->acct, sizeof(st->acct),
		       dflt);
	r |= copy_conf(st, "DrmaaQhost", st->qhost, sizeof(st->qhost),
		       "/usr/lib/gridengine/qhost");
	r |= copy_conf(st, "DrmaaJobTable", st->table, sizeof(st->table),
		       NULL);
	if (r) {
		drmaa_set_err(err, errlen, "%s: a Drmaa* setting is too long", NAME);
		goto fail;
	}
	st->site.queue = st->queue[0] ? st->queue : NULL;
	st->site.pe = st->pe[0] ? st->pe : NULL;
	st->site.mem_resource = st->memres[0] ? st->memres : NULL;
	if (safe_file(st->helper, 1, err, errlen) < 0)
		goto fail;
	if (st->table[0] && st->table[0] != '/') {
		drmaa_set_err(err, errlen, "%s: DrmaaJobTable must be an absolute "
			"path", NAME);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++) {
		const char *v = getenv(pass[i]);

		if (!v)
			continue;
		snprintf(st->envbuf[ne], sizeof(st->envbuf[ne]), "%s=%s",
			 pass[i], v);
		st->env[ne] = st->envbuf[ne];
		ne++;
	}
	snprintf(st->envbuf[ne], sizeof(st->envbuf[ne]), "PATH=/usr/bin:/bin");
	st->env[ne] = st->envbuf[ne];
	ne++;
	snprintf(st->envbuf[ne], sizeof(st->envbuf[ne]), "LANG=C");
	st->env[ne] = st->envbuf[ne];
	st->env[++ne] = NULL;
	r = agent_ask(st, "ping", NULL, ans, sizeof(ans), err, errlen);
	if (r == ILK_OK && strncmp(ans, "ok ", 3) != 0) {
		drmaa_set_err(err, errlen, "%s: DRMAA: %s", NAME, ans);
		r = ILK_ERR_UNAVAILABLE;
	}
	if (r != ILK_OK) {
		drmaa_agent_stop(st->agent_fd, st->agent_pid);
		pthread_mutex_destroy(&st->lock);
		free(st);
		return r;
	}
	if (st->table[0]) {
		r = drmaa_table_load(&st->tab, st->table);
		if (r < 0 && r != -ENOENT)
			host->log(ILK_LOG_ERR, "%s: cannot read '%s': %s",
				  NAME, st->table, strerror(-r));
	}
	host->log(ILK_LOG_INFO, "%s: DRMAA session up (%s), helper %s, "
		  "accounting %s, %zu job(s) from the job table", NAME,
		  ans + 3, st->helper, st->acct, st->tab.n);
	*ret_state = st;
	return ILK_OK;
fail:
	pthread_mutex_destroy(&st->lock);
	free(st);
	return ILK_ERR_INVALID;
}

static void bd_fini(void *state)
{
	struct state *st = state;

	if (!st)
		return;
	drmaa_agent_stop(st->agent_fd, st->agent_pid);
	pthread_mutex_destroy(&st->lock);
	drmaa_table_free(&st->tab);
	free(st);
}

/*
 * A Grid Engine job name: no leading digit, none of "/:@\\*?" or blanks
 * (sge_types(1)); others become '_', and a leading digit gets "pod-".
 */
static void job_name(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	if (!in || !*in)
		in = "pod";
	if (*in >= '0' && *in <= '9')
		n = (size_t)snprintf(out, outlen, "pod-");
	for (; *in && n + 1 < outlen; in++)
		out[n++] = (*in <= ' ' || *in == 0x7f ||
			    strchr("/:@\\*?\"'$`", *in)) ? '_' : *in;
	out[n] = '\0';
}

/* the helper's output: the last line is the job id, or the reason */
static void last_line(char *text)
{
	size_t n = strlen(text);
	char *p;

	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	p = strrchr(text, '\n');
	if (p)
		memmove(text, p + 1, strlen(p + 1) + 1);
}

static int bd_submit(void *state, const struct ilk_job_spec *spec,
		     char ret_job_id[ILK_JOB_ID_MAX], char *err,
		     size_t errlen)
{
	struct state *st = state;
	char native[DRMAA_NATIVE_MAX], out[1024], name[ILK_TAG_MAX];
	char *argv[] = {st ? st->helper : NULL, "submit", NULL};
	size_t len = 0, cap;
	struct drmaa_job *j;
	off_t acct_from;
	char *req;
	int r, ok = 0;

	if (!st || !spec || !spec->script || !spec->work_dir ||
	    !spec->stdout_path || !spec->env ||
	    spec->struct_size < offsetof(struct ilk_job_spec, partition)) {
		drmaa_set_err(err, errlen, "%s: incomplete job spec", NAME);
		return ILK_ERR_INVALID;
	}
	if (spec->uid == 0 || spec->gid == 0) {
		drmaa_set_err(err, errlen, "the DRMAA backend does not submit jobs "
			"as root (Grid Engine refuses them)");
		return ILK_ERR_REJECTED;
	}
	r = drmaa_native_spec(spec, &st->site, native, sizeof(native), err,
			      errlen);
	if (r != ILK_OK)
		return r;
	cap = strlen(spec->script) + 16384;
	for (size_t i = 0; spec->env[i]; i++)
		cap += strlen(spec->env[i]) + 24;
	if (cap > DRMAA_REQ_MAX) {
		drmaa_set_err(err, errlen, "the job script is too large");
		return ILK_ERR_INVALID;
	}
	req = malloc(cap);
	if (!req)
		return ILK_ERR_NOMEM;
	job_name(spec->name, name, sizeof(name));
	ok = drmaa_req_put(req, cap, &len, 'S', spec->script) == 0 &&
	     drmaa_req_put(req, cap, &len, 'W', spec->work_dir) == 0 &&
	     drmaa_req_put(req, cap, &len, 'O', spec->stdout_path) == 0 &&
	     drmaa_req_put(req, cap, &len, 'P', native) == 0 &&
	     drmaa_req_put(req, cap, &len, 'N', name) == 0;
	for (size_t i = 0; ok && spec->env[i]; i++)
		ok = i < DRMAA_REQ_ENV_MAX &&
		     drmaa_req_put(req, cap, &len, 'E', spec->env[i]) == 0;
	if (!ok) {
		free(req);
		drmaa_set_err(err, errlen, "%s: the job request does not fit", NAME);
		return ILK_ERR_INVALID;
	}
	acct_from = drmaa_acct_size(st->acct);
	/* no lock while the helper runs: it talks to the qmaster alone */
	r = drmaa_spawn(argv, st->env, spec->uid, spec->gid, req, len,
			SUBMIT_TIMEOUT_MS, out, sizeof(out));
	free(req);
	last_line(out);
	if (r != 0) {
		if (r == -ETIMEDOUT)
			drmaa_set_err(err, errlen, "Grid Engine did not accept the "
				"job within %d s", SUBMIT_TIMEOUT_MS / 1000);
		else if (r < 0)
			drmaa_set_err(err, errlen, "cannot run %s: %s", st->helper,
				strerror(-r));
		else if (r == 126 || r == 127)
			drmaa_set_err(err, errlen, "cannot run %s as uid %u (status "
				"%d)", st->helper, spec->uid, r);
		else
			drmaa_set_err(err, errlen, "Grid Engine: %s",
				out[0] ? out : "submission failed");
		return r == 2 ? ILK_ERR_REJECTED : r == 3 ? ILK_ERR_INVALID :
			r == 1 || r == -ETIMEDOUT ? ILK_ERR_UNAVAILABLE :
			ILK_ERR_INTERNAL;
	}
	if (!drmaa_valid_id(out)) {
		drmaa_set_err(err, errlen, "%s: the helper printed no job id", NAME);
		return ILK_ERR_INTERNAL;
	}
	pthread_mutex_lock(&st->lock);
	drmaa_table_prune(&st->tab, time(NULL));
	j = drmaa_table_find(&st->tab, out);
	if (!j)
		j = drmaa_table_add(&st->tab, out, spec->tag);
	if (j) {
		j->submit_time = time(NULL);
		j->acct_from = acct_from;
		save(st);
	} else
		st->host->log(ILK_LOG_ERR, "%s: the job table is full; job %s "
			      "is not watched", NAME, out);
	pthread_mutex_unlock(&st->lock);
	snprintf(ret_job_id, ILK_JOB_ID_MAX, "%s", out);
	return ILK_OK;
}

static int bd_cancel(void *state, const char *job_id, char *err,
		     size_t errlen)
{
	struct state *st = state;
	struct drmaa_acct a;
	struct drmaa_job *j;
	char ans[512];
	int rc;

	if (!st || !drmaa_valid_id(job_id)) {
		drmaa_set_err(err, errlen, "'%.64s' is not a Grid Engine job id",
			job_id ? job_id : "");
		return ILK_ERR_INVALID;
	}
	pthread_mutex_lock(&st->lock);
	j = drmaa_table_find(&st->tab, job_id);
	rc = agent_ask(st, "term", job_id, ans, sizeof(ans), err, errlen);
	if (rc != ILK_OK) {
		/* the agent's error is in err */
	} else if (strcmp(ans, "ok") == 0) {
		if (j && j->phase != ILK_JOB_DONE) {
			j->phase = ILK_JOB_DONE;
			j->gone_at = time(NULL);
			snprintf(j->state, sizeof(j->state), "CANCELLED");
			save(st);
		}
	} else if (strcmp(ans, "gone") == 0) {
		/* already gone: fine if it ever was */
		if (!j && drmaa_acct_find(st->acct, acct_tail(st), ACCT_WINDOW,
					  job_id, &a) != 0) {
			drmaa_set_err(err, errlen, "Grid Engine does not know job %s",
				job_id);
			rc = ILK_ERR_NOT_FOUND;
		}
	} else {
		drmaa_set_err(err, errlen, "drmaa_control(%s): %s", job_id,
			strncmp(ans, "err ", 4) == 0 ? ans + 4 : ans);
		rc = ILK_ERR_REJECTED;
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int bd_poll(void *state, ilk_job_visit_fn visit, void *ctx,
		   char *err, size_t errlen)
{
	struct state *st = state;
	time_t now = time(NULL);
	int rc = ILK_OK;

	if (!st || !visit) {
		drmaa_set_err(err, errlen, "%s: poll called without a visitor", NAME);
		return ILK_ERR_INVALID;
	}
	pthread_mutex_lock(&st->lock);
	drmaa_table_prune(&st->tab, now);
	for (size_t i = 0; i < st->tab.n && rc == ILK_OK; i++)
		rc = refresh(st, &st->tab.v[i], now, err, errlen);
	for (size_t i = 0; i < st->tab.n && rc == ILK_OK; i++) {
		struct ilk_job_info info = {.struct_size = sizeof(info)};

		to_info(&st->tab.v[i], &info);
		visit(ctx, &info);
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int bd_query(void *state, const char *job_id, struct ilk_job_info *ret,
		    char *err, size_t errlen)
{
	struct state *st = state;
	time_t now = time(NULL);
	struct drmaa_job *j;
	int rc, added = 0;

	if (!st || !ret || !drmaa_valid_id(job_id)) {
		drmaa_set_err(err, errlen, "'%.64s' is not a Grid Engine job id",
			job_id ? job_id : "");
		return ILK_ERR_INVALID;
	}
	pthread_mutex_lock(&st->lock);
	j = drmaa_table_find(&st->tab, job_id);
	if (!j) {
		/* not ours (yet): learn it, from the qmaster or accounting */
		j = drmaa_table_add(&st->tab, job_id, "");
		if (!j) {
			pthread_mutex_unlock(&st->lock);
			return ILK_ERR_NOMEM;
		}
		snprintf(j->state, sizeof(j->state), "UNKNOWN");
		j->acct_from = acct_tail(st);
		added = 1;
	}
	rc = refresh(st, j, now, err, errlen);
	if (rc != ILK_OK && added)
		drmaa_table_pop(&st->tab);
	if (rc == ILK_OK && added && !j->exit_known &&
	    j->phase == ILK_JOB_DONE) {
		/* neither the qmaster nor the accounting knows it */
		drmaa_set_err(err, errlen, "Grid Engine does not know job %s",
			job_id);
		drmaa_table_pop(&st->tab);
		rc = ILK_ERR_NOT_FOUND;
	} else if (rc == ILK_OK)
		to_info(j, ret);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int bd_ping(void *state, struct ilk_capacity *ret, char *err,
		   size_t errlen)
{
	struct state *st = state;
	char *argv[] = {st ? st->qhost : NULL, NULL};
	char out[65536];
	struct ilk_capacity c = {.struct_size = sizeof(c)};
	size_t size;
	time_t now = time(NULL);
	int r;

	if (!st || !ret) {
		drmaa_set_err(err, errlen, "%s: ping without a result", NAME);
		return ILK_ERR_INVALID;
	}
	size = ret->struct_size && ret->struct_size < sizeof(c) ?
		       ret->struct_size : sizeof(c);
	pthread_mutex_lock(&st->lock);
	if (st->cap_time && now - st->cap_time < 30) {
		c = st->cap_cache;
		pthread_mutex_unlock(&st->lock);
		memcpy(ret, &c, size);
		ret->struct_size = size;
		return ILK_OK;
	}
	pthread_mutex_unlock(&st->lock);
	r = drmaa_run_tool(argv, st->env, 10000, out, sizeof(out));
	if (r != 0 || drmaa_qhost_parse(out, &c) < 0) {
		last_line(out);
		drmaa_set_err(err, errlen, "Grid Engine is not reachable: qhost: %s",
			r < 0 ? strerror(-r) : out[0] ? out : "no hosts");
		return ILK_ERR_UNAVAILABLE;
	}
	c.pods = c.cpus; /* one slot per CPU, as Grid Engine's default */
	pthread_mutex_lock(&st->lock);
	st->cap_cache = c;
	st->cap_time = now;
	pthread_mutex_unlock(&st->lock);
	memcpy(ret, &c, size);
	ret->struct_size = size;
	return ILK_OK;
}

static const struct ilk_backend_ops ops = {
	.abi_major = ILK_PLUGIN_ABI_MAJOR,
	.abi_minor = ILK_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct ilk_backend_ops),
	.name = NAME,
	.flags = 0,
	.init = bd_init,
	.fini = bd_fini,
	.submit = bd_submit,
	.cancel = bd_cancel,
	.poll = bd_poll,
	.query = bd_query,
	.ping = bd_ping,
	.terminate = NULL, /* Grid Engine signals the whole job */
};

ILK_PLUGIN_EXPORT const struct ilk_backend_ops *
ilk_plugin_entry_v1(uint32_t host_abi_major, uint32_t host_abi_minor,
		    const struct ilk_host *host)
{
	(void)host_abi_minor;
	(void)host;
	return host_abi_major == ILK_PLUGIN_ABI_MAJOR ? &ops : NULL;
}
