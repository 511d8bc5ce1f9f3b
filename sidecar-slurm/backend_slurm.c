/*
 * sidecar-slurm/backend_slurm.c - the built-in Slurm backend.
 *
 * A thin adapter from the ilk ops table to slurm_api (libslurm) and
 * munge_check (libmunge).  Its own work is the ABI discipline: refusing a
 * foreign ABI major, reading only the fields an incoming struct's
 * struct_size covers and writing only those an outgoing one covers, and
 * keeping all state in the pointer init returns.
 */
#include "backend_slurm.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "munge_check.h"
#include "slurm_api.h"

#define BACKEND_NAME "backend/slurm"

/* Does the struct at p (with a struct_size member) cover field? */
#define COVERS(p, type, field)                                                 \
	((p)->struct_size >=                                                   \
	 offsetof(type, field) + sizeof(((type *)0)->field))

/*
 * A successful ping answers the pings of the next PING_CACHE_MS without
 * asking slurmctld or munged again (a failure is never kept): a VK, a
 * gateway and ilctl pinging at once cost one check.  A controller that
 * goes down is seen at most this much later.
 */
#define PING_CACHE_MS 1000

/* Set by init and read-only afterwards, but for the two caches. */
struct backend_slurm {
	const struct ilk_host *host; /* borrowed until fini */
	char *partition;             /* Partition from the config, or NULL */
	bool check_munge;            /* AuthType is auth/munge */
	/* munged's socket for ping: AuthInfo's, else $MUNGE_SOCKET, else ""
	 * (libmunge's default) */
	char munge_socket[SLURM_API_PATH_MAX];
	/* the last job list, for "changed since?" polls */
	pthread_mutex_t poll_lock;
	struct slurm_api_cache *poll_cache;
	/* the last ping's answers */
	pthread_mutex_t ping_lock;
	struct slurm_api_cache *ping_cache;
	struct ilk_capacity ping_cap;
	double ping_at; /* monotonic ms of ping_cap; 0: none */
};

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Log through the host when its table has a logger. */
static void bs_log(const struct ilk_host *host, int level, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

static void bs_log(const struct ilk_host *host, int level, const char *fmt,
		   ...)
{
	char line[512];
	va_list ap;

	if (!host || !COVERS(host, struct ilk_host, log) || !host->log)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	host->log(level, BACKEND_NAME ": %s", line);
}

static const char *host_config(const struct ilk_host *host, const char *key)
{
	if (!COVERS(host, struct ilk_host, config_get) || !host->config_get)
		return NULL;
	return host->config_get(key);
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static void state_free(struct backend_slurm *st)
{
	if (!st)
		return;
	free(st->partition);
	slurm_api_cache_free(st->poll_cache);
	slurm_api_cache_free(st->ping_cache);
	pthread_mutex_destroy(&st->poll_lock);
	pthread_mutex_destroy(&st->ping_lock);
	free(st);
}

/*
 * Which munged ping should check: the one libslurm uses (AuthInfo's
 * socket=), else $MUNGE_SOCKET, else libmunge's default.
 */
static int setup_munge(struct backend_slurm *st, char *err, size_t errlen)
{
	struct slurm_api_auth auth;
	const char *env;
	int rc;

	rc = slurm_api_local_auth(&auth, err, errlen);
	if (rc != ILK_OK)
		return rc;
	st->check_munge = !auth.auth_type[0] ||
			  strcmp(auth.auth_type, "auth/munge") == 0;
	/* init runs alone, so getenv is safe here */
	env = getenv("MUNGE_SOCKET"); /* NOLINT(concurrency-mt-unsafe) */
	if (auth.munge_socket[0])
		memcpy(st->munge_socket, auth.munge_socket,
		       sizeof(st->munge_socket));
	else if (env && strlen(env) < sizeof(st->munge_socket))
		memcpy(st->munge_socket, env, strlen(env) + 1);
	return ILK_OK;
}

static int bs_init(const struct ilk_host *host, void **ret_state, char *err,
		   size_t errlen)
{
	struct backend_slurm *st;
	const char *partition;
	char msg[512];
	int rc;

	if (!host || !ret_state ||
	    host->struct_size < offsetof(struct ilk_host, struct_size) +
					sizeof(host->struct_size) ||
	    host->abi_major != ILK_PLUGIN_ABI_MAJOR) {
		set_err(err, errlen,
			"%s: incompatible host (plugin ABI %d expected)",
			BACKEND_NAME, ILK_PLUGIN_ABI_MAJOR);
		return ILK_ERR_INVALID;
	}
	st = calloc(1, sizeof(*st));
	if (st) {
		pthread_mutex_init(&st->poll_lock, NULL);
		pthread_mutex_init(&st->ping_lock, NULL);
		st->poll_cache = slurm_api_cache_new();
		st->ping_cache = slurm_api_cache_new();
	}
	if (!st || !st->poll_cache || !st->ping_cache) {
		state_free(st);
		set_err(err, errlen, "%s: out of memory", BACKEND_NAME);
		return ILK_ERR_NOMEM;
	}
	st->host = host;
	partition = host_config(host, "Partition");
	st->partition = dup_or_null(partition);
	if (partition && *partition && !st->partition) {
		state_free(st);
		set_err(err, errlen, "%s: out of memory", BACKEND_NAME);
		return ILK_ERR_NOMEM;
	}
	rc = slurm_api_init(err, errlen);
	if (rc != ILK_OK)
		goto fail;
	slurm_api_version_text(msg, sizeof(msg));
	bs_log(host, ILK_LOG_NOTICE, "libslurm: %s", msg);
	rc = setup_munge(st, err, errlen);
	if (rc != ILK_OK)
		goto fail_slurm;

	/*
	 * With a Partition configured, ask slurmctld once, to catch a typo
	 * now rather than at every submit.  A controller that is down is not
	 * fatal: it may come back.  Without one, init makes no RPC at all.
	 */
	if (st->partition) {
		rc = slurm_api_partition_exists(st->partition, msg,
						sizeof(msg));
		if (rc == ILK_ERR_NOT_FOUND) {
			set_err(err, errlen,
				"configured Partition '%.64s' does not exist "
				"in Slurm",
				st->partition);
			rc = ILK_ERR_INVALID;
			goto fail_slurm;
		}
		if (rc != ILK_OK)
			bs_log(host, ILK_LOG_WARNING,
			       "cannot check Partition '%.64s' now (%s), "
			       "ignoring",
			       st->partition, msg);
	}
	bs_log(host, ILK_LOG_DEBUG, "initialised, default partition '%s'",
	       st->partition ? st->partition : "(Slurm's default)");
	*ret_state = st;
	return ILK_OK;

fail_slurm:
	slurm_api_fini();
fail:
	state_free(st);
	return rc;
}

static void bs_fini(void *state)
{
	struct backend_slurm *st = state;

	if (!st)
		return;
	slurm_api_fini();
	state_free(st);
}

static int bs_submit(void *state, const struct ilk_job_spec *spec,
		     char ret_job_id[ILK_JOB_ID_MAX], char *err, size_t errlen)
{
	struct backend_slurm *st = state;
	struct ilk_job_spec s;
	size_t n;
	int rc;

	if (!st || !spec || !ret_job_id) {
		set_err(err, errlen, "%s: submit called without a job",
			BACKEND_NAME);
		return ILK_ERR_INVALID;
	}
	/*
	 * Take what the caller's struct covers; the optional fields a
	 * shorter struct lacks (cpus and later) keep their "default" zero.
	 * Everything up to uid/gid is required: a job must never fall back
	 * to uid 0 because a field was missing.
	 */
	if (!COVERS(spec, struct ilk_job_spec, gid)) {
		set_err(err, errlen, "%s: job description too short (%zu "
			"bytes)", BACKEND_NAME, spec->struct_size);
		return ILK_ERR_INVALID;
	}
	memset(&s, 0, sizeof(s));
	n = spec->struct_size < sizeof(s) ? spec->struct_size : sizeof(s);
	memcpy(&s, spec, n);
	s.struct_size = sizeof(s);
	if (!COVERS(spec, struct ilk_job_spec, partition) || !s.partition ||
	    !*s.partition)
		s.partition = st->partition;

	rc = slurm_api_submit(&s, ret_job_id, err, errlen);
	if (rc == ILK_OK)
		bs_log(st->host, ILK_LOG_DEBUG,
		       "submitted job %s for '%.64s' to partition '%.64s'",
		       ret_job_id, s.tag ? s.tag : "",
		       s.partition ? s.partition : "(default)");
	return rc;
}

static int bs_cancel(void *state, const char *job_id, char *err,
		     size_t errlen)
{
	int rc;

	if (!state) {
		set_err(err, errlen, "%s: not initialised", BACKEND_NAME);
		return ILK_ERR_INVALID;
	}
	rc = slurm_api_cancel(job_id, err, errlen);
	if (rc == ILK_OK)
		bs_log(((struct backend_slurm *)state)->host, ILK_LOG_DEBUG,
		       "cancelled job %s", job_id);
	return rc;
}

static int bs_terminate(void *state, const char *job_id, char *err,
			size_t errlen)
{
	int rc;

	if (!state) {
		set_err(err, errlen, "%s: not initialised", BACKEND_NAME);
		return ILK_ERR_INVALID;
	}
	rc = slurm_api_terminate(job_id, err, errlen);
	if (rc == ILK_OK)
		bs_log(((struct backend_slurm *)state)->host, ILK_LOG_DEBUG,
		       "sent SIGTERM to the script of job %s", job_id);
	return rc;
}

/* cppcheck-suppress constParameter ; the ops signature fixes the type */
static int bs_poll(void *state, ilk_job_visit_fn visit, void *ctx,
		   char *err, size_t errlen)
{
	if (!state || !visit) {
		set_err(err, errlen, "%s: poll called without a visitor",
			BACKEND_NAME);
		return ILK_ERR_INVALID;
	}
	struct backend_slurm *st = state;
	int rc;

	pthread_mutex_lock(&st->poll_lock);
	rc = slurm_api_poll_since(st->poll_cache, visit, ctx, err, errlen);
	pthread_mutex_unlock(&st->poll_lock);
	return rc;
}

/*
 * Copy a whole struct that starts with "size_t struct_size" into the
 * caller's, limited to what the caller's struct_size covers, keeping the
 * caller's struct_size.
 */
static void copy_out(void *dst, size_t dst_size, const void *src,
		     size_t src_size)
{
	size_t n = dst_size < src_size ? dst_size : src_size;

	if (n > sizeof(size_t))
		memcpy((char *)dst + sizeof(size_t),
		       (const char *)src + sizeof(size_t), n - sizeof(size_t));
}

/* cppcheck-suppress constParameter ; the ops signature fixes the type */
static int bs_query(void *state, const char *job_id, struct ilk_job_info *ret,
		    char *err, size_t errlen)
{
	struct ilk_job_info info;
	int rc;

	if (!state || !ret || ret->struct_size < sizeof(size_t)) {
		set_err(err, errlen, "%s: query called without a result",
			BACKEND_NAME);
		return ILK_ERR_INVALID;
	}
	rc = slurm_api_query(job_id, &info, err, errlen);
	if (rc == ILK_OK)
		copy_out(ret, ret->struct_size, &info, sizeof(info));
	return rc;
}

static int bs_ping(void *state, struct ilk_capacity *ret, char *err,
		   size_t errlen)
{
	struct backend_slurm *st = state;
	struct ilk_capacity cap;
	double now;
	int rc = ILK_OK;

	if (!st || !ret || ret->struct_size < sizeof(size_t)) {
		set_err(err, errlen, "%s: ping called without a result",
			BACKEND_NAME);
		return ILK_ERR_INVALID;
	}
	pthread_mutex_lock(&st->ping_lock);
	now = mono_ms();
	if (st->ping_at > 0 && now - st->ping_at < PING_CACHE_MS) {
		cap = st->ping_cap;
		goto out;
	}
	st->ping_at = 0;
	/*
	 * munged first: it takes a millisecond and names the real cause,
	 * where libslurm would retry for 2 s and then only say "Protocol
	 * authentication error".
	 */
	if (st->check_munge &&
	    munge_check(st->munge_socket, err, errlen) != 0) {
		rc = ILK_ERR_UNAVAILABLE;
		goto out;
	}
	/* the configuration, partitions and nodes, each "changed since?";
	 * a capacity slurmctld cannot tell is 0, "unknown", and the
	 * sidecar then reports none */
	rc = slurm_api_capacity_since(st->ping_cache, st->partition, &cap,
				      err, errlen);
	if (rc != ILK_OK)
		goto out;
	/*
	 * MaxJobCount is the number of jobs slurmctld holds at once, the
	 * site's hard bound on pods; pending ones just queue.
	 */
	if (!cap.pods)
		cap.pods = cap.cpus;
	st->ping_cap = cap;
	st->ping_at = mono_ms();
out:
	pthread_mutex_unlock(&st->ping_lock);
	if (rc == ILK_OK)
		copy_out(ret, ret->struct_size, &cap, sizeof(cap));
	return rc;
}

static const struct ilk_backend_ops backend_slurm_ops = {
	.abi_major = ILK_PLUGIN_ABI_MAJOR,
	.abi_minor = ILK_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct ilk_backend_ops),
	.name = BACKEND_NAME,
	.flags = 0,
	.init = bs_init,
	.fini = bs_fini,
	.submit = bs_submit,
	.cancel = bs_cancel,
	.poll = bs_poll,
	.query = bs_query,
	.ping = bs_ping,
	.terminate = bs_terminate,
};

const struct ilk_backend_ops *backend_slurm_entry(uint32_t host_abi_major,
						  uint32_t host_abi_minor,
						  const struct ilk_host *host)
{
	(void)host_abi_minor; /* minors only append; any one will do */
	/*
	 * No logging on refusal: under another major the host table's
	 * layout is unknown, so not even host->log may be called.  The
	 * loader reports the NULL.
	 */
	if (host_abi_major != ILK_PLUGIN_ABI_MAJOR || !host ||
	    host->struct_size < offsetof(struct ilk_host, struct_size) +
					sizeof(host->struct_size) ||
	    host->abi_major != ILK_PLUGIN_ABI_MAJOR)
		return NULL;
	return &backend_slurm_ops;
}
