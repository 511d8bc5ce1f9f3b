/*
 * sidecar-slurm/slurm_api.c - libslurm behind a Slurm-free interface.
 *
 * The only file of the project that includes <slurm/slurm.h>.  Builds
 * against Slurm 22.05 and 24.11 (tested: Debian 12 and 13) and the
 * releases between them; what differs between releases is confined to the
 * blocks marked "Release differences" below and to the guarded entries of
 * slurm_api_reasons.h.  Facts this code relies on (verified against Slurm
 * 22.05.8 and 24.11.5, see shared/slurm-test-cluster.md section 4):
 *  - slurm_init() reads the configuration and calls exit() when there is
 *    none; it contacts no daemon.
 *  - Every RPC returns SLURM_SUCCESS or SLURM_ERROR with the reason in
 *    errno, which is thread-local.
 *  - A job environment must not be empty and a script must start with
 *    "#!"; libslurm checks neither.
 *  - A pending job can only be killed with SIGKILL.
 *  - job_state is a base state (JOB_STATE_BASE) plus flag bits;
 *    CANCELLED|COMPLETING is normal right after a kill.
 *  - Every struct field read or written here (job_desc_msg_t,
 *    slurm_job_info_t, node_info_t, partition_info_t, slurm_conf_t's
 *    max_job_cnt and the message wrappers) has the same name, type and
 *    meaning in 22.05 and 24.11, except two that 24.11 widened from
 *    uint16_t to uint32_t: slurm_job_info_t.state_reason and
 *    partition_info_t.flags; both are only read into wider types here.
 *    The job state bits used are the same (24.11 dropped JOB_UPDATE_DB,
 *    which is not used); 24.11's new node flag NODE_STATE_BLOCKED (held
 *    by an exclusive-topology job) is a temporary state of a usable node.
 */
#include "slurm_api.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <slurm/slurm_version.h>

#include "slurm_api_reasons.h"

/*
 * Release differences (1 of 3): the error API.
 *  - 24.11 removed slurm_get_errno(); it always returned errno.
 *  - 23.02 removed three SLURM_PROTOCOL_SOCKET_IMPL_* codes (5000-5002);
 *    older releases can still report them for a broken connection.
 */
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(24, 11, 0)
#define slurm_get_errno() (errno)
#endif
#if SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(23, 2, 0)
#define OLD_SOCKET_ERRORS 1
#endif

#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define SLURM_API_ASAN 1
#elif defined(__has_feature) /* clang */
#if __has_feature(address_sanitizer)
#define SLURM_API_ASAN 1
#endif
#endif

#ifdef SLURM_API_ASAN
/*
 * Known leaks inside libslurm, for LeakSanitizer builds only:
 * slurm_submit_batch_job() (22.05) does not free the RESPONSE_SLURM_RC
 * message of a rejected submit (20 bytes per rejection).  LSan calls this
 * hook of the program; if another file of the same program ever needs its
 * own suppressions, merge them here (there can be only one definition).
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:slurm_submit_batch_job\n";
}
#endif

/*
 * The one piece of process-wide state: libslurm's configuration is global
 * to the process (slurm_init/slurm_fini), so several users of this module
 * share it through a reference count.  Only touched by slurm_api_init and
 * slurm_api_fini, which the contract confines to single-threaded context.
 */
static unsigned int slurm_api_refs;
/* slurm_init() has run in this process (see slurm_api_fini) */
static bool slurm_api_loaded;

/* Where libslurm 22.05 looks for slurm.conf when $SLURM_CONF is unset. */
static const char *const default_conf_paths[] = {
	"/etc/slurm/slurm.conf",
	"/run/slurm/conf/slurm.conf", /* slurmd's configless cache */
};

/* State names, indexed by job_state & JOB_STATE_BASE. */
static const char *const base_state_names[] = {
	[JOB_PENDING] = "PENDING",     [JOB_RUNNING] = "RUNNING",
	[JOB_SUSPENDED] = "SUSPENDED", [JOB_COMPLETE] = "COMPLETED",
	[JOB_CANCELLED] = "CANCELLED", [JOB_FAILED] = "FAILED",
	[JOB_TIMEOUT] = "TIMEOUT",     [JOB_NODE_FAIL] = "NODE_FAIL",
	[JOB_PREEMPTED] = "PREEMPTED", [JOB_BOOT_FAIL] = "BOOT_FAIL",
	[JOB_DEADLINE] = "DEADLINE",   [JOB_OOM] = "OUT_OF_MEMORY",
};

/*
 * Why a job ended, indexed by base state; NULL for the non-terminal ones
 * and COMPLETED.  For FAILED, only when Slurm gives no reason of its own.
 */
static const char *const base_end_reasons[] = {
	[JOB_CANCELLED] = "Cancelled", [JOB_FAILED] = "NonZeroExitCode",
	[JOB_TIMEOUT] = "TimeLimit",   [JOB_NODE_FAIL] = "NodeFail",
	[JOB_PREEMPTED] = "Preempted", [JOB_BOOT_FAIL] = "BootFail",
	[JOB_DEADLINE] = "Deadline",   [JOB_OOM] = "OutOfMemory",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Flags that mean "this job will run again": it is being requeued (base
 * state still terminal, COMPLETING set) or waits requeued and held.
 */
#define REQUEUE_FLAGS                                                          \
	(JOB_REQUEUE | JOB_REQUEUE_FED | JOB_REQUEUE_HOLD | JOB_SPECIAL_EXIT)

/* Node states that cannot take new work. */
#define NODE_UNUSABLE_FLAGS                                                    \
	(NODE_STATE_DRAIN | NODE_STATE_FAIL | NODE_STATE_INVALID_REG)

/*
 * libslurm's descriptor fields are "char *" although it never writes
 * through them.  Dropping const through an integer keeps -Wcast-qual
 * quiet in this one audited place.
 */
static char *unconst(const char *s)
{
	return (char *)(uintptr_t)s;
}

static char **unconst_env(const char *const *env)
{
	return (char **)(uintptr_t)env;
}

/* snprintf into err when there is room; always NUL terminated. */
static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	/* Truncation is fine: the text is for humans. */
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Copy src (NULL: "") into a fixed-size field, truncating. */
static void copy_field(char *dst, size_t dstlen, const char *src)
{
	size_t n;

	if (dstlen == 0)
		return;
	if (!src)
		src = "";
	n = strnlen(src, dstlen - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool errno_is_connection(int e)
{
	switch (e) {
	case SLURM_COMMUNICATIONS_CONNECTION_ERROR:
	case SLURM_COMMUNICATIONS_SEND_ERROR:
	case SLURM_COMMUNICATIONS_RECEIVE_ERROR:
	case SLURM_COMMUNICATIONS_SHUTDOWN_ERROR:
	case SLURM_COMMUNICATIONS_MISSING_SOCKET_ERROR:
	case SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR:
	case SLURMCTLD_COMMUNICATIONS_SEND_ERROR:
	case SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR:
	case SLURMCTLD_COMMUNICATIONS_SHUTDOWN_ERROR:
#ifdef OLD_SOCKET_ERRORS
	case SLURM_PROTOCOL_SOCKET_IMPL_ZERO_RECV_LENGTH:
	case SLURM_PROTOCOL_SOCKET_IMPL_NEGATIVE_RECV_LENGTH:
	case SLURM_PROTOCOL_SOCKET_IMPL_NOT_ALL_DATA_SENT:
#endif
	case ESLURM_PROTOCOL_INCOMPLETE_PACKET:
	case SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT:
	case SLURM_PROTOCOL_SOCKET_ZERO_BYTES_SENT:
	case ECONNREFUSED:
	case ECONNRESET:
	case ECONNABORTED:
	case ETIMEDOUT:
	case EHOSTUNREACH:
	case EHOSTDOWN:
	case ENETUNREACH:
	case ENETDOWN:
	case EPIPE:
	case ENOTCONN:
		return true;
	default:
		return false;
	}
}

/* The auth plugins' block, 6000 up to the database block (24.11 added
 * ESLURM_AUTH_EXPIRED and ..._UNABLE_TO_GENERATE_TOKEN to it). */
static bool errno_is_auth(int e)
{
	return e == SLURM_PROTOCOL_AUTHENTICATION_ERROR ||
	       (e >= ESLURM_AUTH_CRED_INVALID && e < ESLURM_DB_CONNECTION);
}

/* Errors that say "not now", where a retry later is the right answer. */
static bool errno_is_busy(int e)
{
	switch (e) {
	case ESLURM_IN_STANDBY_MODE:
	case ESLURM_IN_STANDBY_USE_BACKUP:
	case ESLURM_TRANSITION_STATE_NO_UPDATE:
	case ESLURM_SUBMISSIONS_DISABLED:
	case ESLURM_DB_CONNECTION:
	case EAGAIN:
	case EINTR:
		return true;
	default:
		return false;
	}
}

/*
 * Errors in slurmctld's own range (2000-2999) and the job_submit plugin
 * range that are about the request, not about Slurm being broken.
 */
static bool errno_is_rejection(int e)
{
	switch (e) {
	case ESLURM_ERROR_ON_DESC_TO_RECORD_COPY:
	case ESLURM_WRITING_TO_FILE:
	case ESLURM_INTERNAL:
	case ESLURM_NOT_SUPPORTED:
		return false;
	default:
		break;
	}
	if (e >= ESLURM_INVALID_PARTITION_NAME && e < ESPANK_ERROR)
		return true;
	return e >= ESLURM_MISSING_TIME_LIMIT && e <= ESLURM_PLUGIN_INCOMPLETE;
}

static bool errno_names_partition(int e)
{
	switch (e) {
	case ESLURM_INVALID_PARTITION_NAME:
	case ESLURM_DEFAULT_PARTITION_NOT_SET:
	case ESLURM_JOB_MISSING_REQUIRED_PARTITION_GROUP:
	case ESLURM_REQUESTED_PART_CONFIG_UNAVAILABLE:
	case ESLURM_PARTITION_NOT_AVAIL:
	case ESLURM_PARTITION_DOWN:
	case ESLURM_PARTITION_ASSOC:
		return true;
	default:
		return false;
	}
}

/*
 * Turn a Slurm errno into an ilk_err and a message.  what says what was
 * being done ("cannot submit the job"); it prefixes the message for the
 * errors that are not obviously about the cluster as a whole.
 */
static int fail_errno(int e, const char *what, char *err, size_t errlen)
{
	const char *text = slurm_strerror(e);

	if (!text)
		text = "unknown error";
	if (e == ENOMEM) {
		set_err(err, errlen, "%s: out of memory", what);
		return ILK_ERR_NOMEM;
	}
	if (errno_is_connection(e)) {
		set_err(err, errlen, "slurmctld unreachable: %s", text);
		return ILK_ERR_UNAVAILABLE;
	}
	if (errno_is_auth(e)) {
		set_err(err, errlen,
			"slurmctld unreachable: authentication failed, "
			"is munged running? (%s)",
			text);
		return ILK_ERR_UNAVAILABLE;
	}
	if (errno_is_busy(e)) {
		set_err(err, errlen, "%s: Slurm is busy, try again later (%s)",
			what, text);
		return ILK_ERR_UNAVAILABLE;
	}
	if (errno_is_rejection(e)) {
		set_err(err, errlen, "%s: %s", what, text);
		return ILK_ERR_REJECTED;
	}
	set_err(err, errlen, "%s: %s (Slurm error %d)", what, text, e);
	return ILK_ERR_INTERNAL;
}

/*
 * Parse a decimal Slurm job id: digits only, no sign or blanks, and not
 * 0, NO_VAL or INFINITE (which Slurm reserves).
 */
static int parse_job_id(const char *s, uint32_t *ret, char *err,
			size_t errlen)
{
	unsigned long long v = 0;
	const char *p;

	if (!s || !*s)
		goto bad;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v >= NO_VAL)
			goto bad;
	}
	if (v == 0)
		goto bad;
	*ret = (uint32_t)v;
	return ILK_OK;
bad:
	set_err(err, errlen, "'%.32s' is not a Slurm job id", s ? s : "");
	return ILK_ERR_INVALID;
}

/*
 * The slurm.conf libslurm reads: $SLURM_CONF, else the first readable
 * default.  Single-threaded context only (getenv).
 */
static int local_conf_path(const char **ret, char *err, size_t errlen)
{
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): single-threaded by contract */
	const char *conf = getenv("SLURM_CONF");
	size_t i;

	if (conf && *conf) {
		if (access(conf, R_OK) != 0) {
			set_err(err, errlen,
				"cannot read the Slurm configuration '%s' "
				"named by SLURM_CONF: %m",
				conf);
			return ILK_ERR_UNAVAILABLE;
		}
		*ret = conf;
		return ILK_OK;
	}
	for (i = 0; i < ARRAY_SIZE(default_conf_paths); i++) {
		if (access(default_conf_paths[i], R_OK) == 0) {
			*ret = default_conf_paths[i];
			return ILK_OK;
		}
	}
	set_err(err, errlen,
		"no readable Slurm configuration: set SLURM_CONF or install "
		"%s",
		default_conf_paths[0]);
	return ILK_ERR_UNAVAILABLE;
}

/*
 * Release differences (2 of 3): which libslurm a build needs.  libslurm's
 * API number (slurm_api_version() >> 16, also its soname) is one per Slurm
 * release: 36 = 20.11, 37 = 21.08, 38 = 22.05, then since 23.02 one every
 * six months (39 = 23.02, 40 = 23.11, 41 = 24.05, 42 = 24.11, 43 = 25.05).
 * Structs and enums change with every release, so a program built against
 * one must run with the libslurm of that release.
 */
static long api_of_release(unsigned int major, unsigned int minor)
{
	if (major >= 23)
		return 39 + (long)(major - 23) * 2 + (minor >= 6 ? 1 : 0);
	if (major == 22)
		return 38;
	if (major == 21)
		return 37;
	if (major == 20 && minor >= 11)
		return 36;
	return -1;
}

/* "YY.MM" of the Slurm release of libslurm API number api, "?" if older. */
static void release_of_api(long api, char *dst, size_t dstlen)
{
	static const char *const old[] = { "20.11", "21.08", "22.05" };

	if (api >= 39) {
		long k = api - 39, yy = 23 + k / 2;
		int mm = k % 2 ? 11 : (yy == 23 ? 2 : 5);

		(void)snprintf(dst, dstlen, "%ld.%02d", yy, mm);
	} else if (api >= 36) {
		copy_field(dst, dstlen, old[api - 36]);
	} else {
		copy_field(dst, dstlen, "?");
	}
}

int slurm_api_version_check(long built, long running, char *err,
			    size_t errlen)
{
	long want = api_of_release((unsigned int)SLURM_VERSION_MAJOR(built),
				   (unsigned int)SLURM_VERSION_MINOR(built));
	long have = SLURM_VERSION_MAJOR(running);
	char rel[16];

	if (want < 0 || want == have)
		return ILK_OK;
	release_of_api(have, rel, sizeof(rel));
	set_err(err, errlen,
		"sidecar-slurm was built against Slurm %ld.%02ld (libslurm API "
		"%ld) but runs with libslurm API %ld (Slurm %s): rebuild it "
		"against the installed Slurm (a libslurm program must be "
		"rebuilt for every Slurm major release)",
		(long)SLURM_VERSION_MAJOR(built), (long)SLURM_VERSION_MINOR(built),
		want, have, rel);
	return ILK_ERR_UNAVAILABLE;
}

void slurm_api_version_text(char *buf, size_t buflen)
{
	long running = slurm_api_version();
	char rel[16];

	release_of_api(SLURM_VERSION_MAJOR(running), rel, sizeof(rel));
	set_err(buf, buflen,
		"built against Slurm %d.%02d.%d, running libslurm API "
		"%ld.%ld.%ld (Slurm %s)",
		SLURM_VERSION_MAJOR(SLURM_VERSION_NUMBER),
		SLURM_VERSION_MINOR(SLURM_VERSION_NUMBER),
		SLURM_VERSION_MICRO(SLURM_VERSION_NUMBER),
		(long)SLURM_VERSION_MAJOR(running),
		(long)SLURM_VERSION_MINOR(running),
		(long)SLURM_VERSION_MICRO(running), rel);
}

int slurm_api_init(char *err, size_t errlen)
{
	const char *conf;
	int rc;

	if (slurm_api_refs > 0) {
		slurm_api_refs++;
		return ILK_OK;
	}
	rc = slurm_api_version_check(SLURM_VERSION_NUMBER, slurm_api_version(),
				     err, errlen);
	if (rc != ILK_OK)
		return rc;
	rc = local_conf_path(&conf, err, errlen);
	if (rc != ILK_OK)
		return rc;
	if (!slurm_api_loaded)
		slurm_init(NULL);
	slurm_api_loaded = true;
	slurm_api_refs = 1;
	return ILK_OK;
}

/*
 * Release differences (3 of 3): after slurm_fini(), libslurm 24.11 crashes in the
 * next slurm_init() (tested: 24.11.5; 22.05 initialises again fine).  So
 * the configuration is loaded once per process and, from 23.02 on (the
 * releases in between are untested), kept until exit when the last user
 * goes; a later slurm_api_init() reuses it.
 */
#if SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(23, 2, 0)
#define SLURM_FINI_THEN_INIT_OK 1
#endif

void slurm_api_fini(void)
{
	if (slurm_api_refs == 0)
		return;
	if (--slurm_api_refs > 0)
		return;
#ifdef SLURM_FINI_THEN_INIT_OK
	slurm_fini();
	slurm_api_loaded = false;
#endif
}

int slurm_api_submit(const struct ilk_job_spec *spec,
		     char ret_job_id[ILK_JOB_ID_MAX], char *err,
		     size_t errlen)
{
	job_desc_msg_t desc;
	char tres_node[300], tres_job[64];
	submit_response_msg_t *resp = NULL;
	size_t nenv = 0;
	int n;

	if (!spec || !spec->script || strncmp(spec->script, "#!", 2) != 0) {
		set_err(err, errlen,
			"the job script must start with \"#!\" "
			"(an interpreter line such as #!/bin/sh)");
		return ILK_ERR_INVALID;
	}
	if (spec->env)
		while (spec->env[nenv])
			nenv++;
	if (nenv == 0) {
		/* libslurm would answer with a misleading I/O error */
		set_err(err, errlen,
			"the job environment is empty; Slurm needs at least "
			"one variable");
		return ILK_ERR_INVALID;
	}
	if (nenv > UINT32_MAX - 1) {
		set_err(err, errlen, "the job environment is too large");
		return ILK_ERR_INVALID;
	}
	if (spec->cpus >= UINT16_MAX) {
		set_err(err, errlen, "%" PRIu32 " CPUs is more than Slurm "
			"accepts for one task", spec->cpus);
		return ILK_ERR_INVALID;
	}
	if (spec->mem_mb >= NO_VAL64 || (spec->mem_mb & MEM_PER_CPU)) {
		set_err(err, errlen, "memory request of %" PRIu64 " MiB is "
			"out of range", spec->mem_mb);
		return ILK_ERR_INVALID;
	}
	if (spec->time_limit_min >= NO_VAL) {
		set_err(err, errlen, "time limit of %" PRIu32 " minutes is "
			"out of range", spec->time_limit_min);
		return ILK_ERR_INVALID;
	}

	slurm_init_job_desc_msg(&desc);
	desc.name = unconst(spec->name);
	desc.comment = unconst(spec->tag);
	desc.script = unconst(spec->script);
	desc.work_dir = unconst(spec->work_dir);
	desc.std_out = unconst(spec->stdout_path);
	desc.std_err = unconst(spec->stdout_path);
	desc.environment = unconst_env(spec->env);
	desc.env_size = (uint32_t)nenv;
	desc.user_id = spec->uid;
	desc.group_id = spec->gid;
	desc.min_nodes = spec->nodes ? spec->nodes : 1;
	desc.max_nodes = desc.min_nodes;
	desc.num_tasks = spec->ntasks ? spec->ntasks : 1;
	desc.account = unconst(spec->account);
	desc.qos = unconst(spec->qos);
	desc.reservation = unconst(spec->reservation);
	desc.features = unconst(spec->constraint);
	if (spec->gres && *spec->gres) {
		snprintf(tres_node, sizeof(tres_node), "gres:%s", spec->gres);
		desc.tres_per_node = tres_node;
	}
	if (spec->gpus) {
		snprintf(tres_job, sizeof(tres_job), "gres:gpu:%u",
			 spec->gpus);
		desc.tres_per_job = tres_job;
	}
	if (spec->exclusive)
		desc.shared = JOB_SHARED_NONE;
	if (spec->cpus > 0) {
		desc.cpus_per_task = (uint16_t)spec->cpus;
		desc.min_cpus = spec->cpus;
		desc.bitflags |= JOB_CPUS_SET; /* as sbatch --cpus-per-task */
	}
	if (spec->mem_mb > 0)
		desc.pn_min_memory = spec->mem_mb; /* per node, like --mem */
	else if (spec->mem_per_cpu_mb > 0 &&
		 spec->mem_per_cpu_mb < (uint64_t)MEM_PER_CPU)
		desc.pn_min_memory = spec->mem_per_cpu_mb | MEM_PER_CPU;
	if (spec->time_limit_min > 0)
		desc.time_limit = spec->time_limit_min;
	desc.partition = unconst(spec->partition);

	if (slurm_submit_batch_job(&desc, &resp) != SLURM_SUCCESS) {
		int e = slurm_get_errno();

		if (spec->partition && errno_names_partition(e)) {
			char what[160];

			(void)snprintf(what, sizeof(what),
				       "Slurm rejected the job for partition "
				       "'%.64s'",
				       spec->partition);
			return fail_errno(e, what, err, errlen);
		}
		return fail_errno(e, "Slurm rejected the job", err, errlen);
	}
	if (!resp) {
		set_err(err, errlen, "Slurm accepted the job but sent no id");
		return ILK_ERR_INTERNAL;
	}
	n = snprintf(ret_job_id, ILK_JOB_ID_MAX, "%" PRIu32, resp->job_id);
	slurm_free_submit_response_response_msg(resp);
	if (n < 0 || n >= ILK_JOB_ID_MAX) {
		set_err(err, errlen, "cannot format the Slurm job id");
		return ILK_ERR_INTERNAL;
	}
	return ILK_OK;
}

int slurm_api_cancel(const char *job_id, char *err, size_t errlen)
{
	uint32_t id;
	char what[64];
	int rc, e;

	rc = parse_job_id(job_id, &id, err, errlen);
	if (rc != ILK_OK)
		return rc;
	if (slurm_kill_job(id, SIGKILL, 0) == SLURM_SUCCESS)
		return ILK_OK;
	e = slurm_get_errno();
	if (e == ESLURM_ALREADY_DONE)
		return ILK_OK;
	if (e == ESLURM_INVALID_JOB_ID) {
		set_err(err, errlen, "Slurm job %" PRIu32 " does not exist",
			id);
		return ILK_ERR_NOT_FOUND;
	}
	(void)snprintf(what, sizeof(what), "cannot cancel Slurm job %" PRIu32,
		       id);
	return fail_errno(e, what, err, errlen);
}

int slurm_api_terminate(const char *job_id, char *err, size_t errlen)
{
	uint32_t id;
	char what[64];
	int rc;

	rc = parse_job_id(job_id, &id, err, errlen);
	if (rc != ILK_OK)
		return rc;
	if (slurm_kill_job(id, SIGTERM, KILL_JOB_BATCH) == SLURM_SUCCESS)
		return ILK_OK;
	(void)snprintf(what, sizeof(what),
		       "cannot signal the script of Slurm job %" PRIu32, id);
	return fail_errno(slurm_get_errno(), what, err, errlen);
}

/* 128+N after signal N, the exit status otherwise, -1 when unknown. */
static int decode_exit(uint32_t raw, uint32_t base)
{
	int status, code;

	if (raw == NO_VAL || raw == INFINITE)
		return -1;
	status = (int)raw;
	if (WIFSIGNALED(status))
		code = 128 + WTERMSIG(status);
	else if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	else
		return -1;
	/*
	 * A job that ended in any way but COMPLETED and still shows 0 never
	 * produced an exit status (cancelled while pending, node failure):
	 * 0 would claim a success.
	 */
	if (code == 0 && base != JOB_COMPLETE)
		return -1;
	return code;
}

const char *slurm_api_reason_name(unsigned int reason)
{
	if (reason >= ARRAY_SIZE(job_reason_names))
		return NULL;
	return job_reason_names[reason];
}

unsigned int slurm_api_reason_count(void)
{
	return (unsigned int)ARRAY_SIZE(job_reason_names);
}

/*
 * Slurm's reason text for a job, "" for WAIT_NO_REASON, "Reason<N>" for a
 * number this build does not know (buf holds it).
 */
static const char *reason_text(const slurm_job_info_t *j, char *buf,
			       size_t buflen)
{
	const char *s;

	if (j->state_reason == WAIT_NO_REASON)
		return "";
	s = slurm_api_reason_name(j->state_reason);
	if (s)
		return s;
	(void)snprintf(buf, buflen, "Reason%" PRIu32,
		       (uint32_t)j->state_reason);
	return buf;
}

/*
 * state_desc when Slurm set one (it is the longer form, e.g.
 * "ReqNodeNotAvail, UnavailableNodes:n1"), else the reason: what squeue
 * shows as REASON.
 */
static void format_reason(char *dst, size_t dstlen, const char *reason,
			  const char *desc)
{
	copy_field(dst, dstlen, desc && *desc ? desc : reason);
}

/*
 * The phase and state name of a job, from the base state and flag bits.
 * Slurm's own job_state_string() lets COMPLETING win over the base; here
 * a terminal base wins, so a just-cancelled job reads CANCELLED (and
 * DONE) while its processes are still being killed.
 */
static void map_state(uint32_t job_state, int *phase, const char **name)
{
	uint32_t base = job_state & JOB_STATE_BASE;
	bool terminal = base >= JOB_COMPLETE && base < JOB_END;

	if ((job_state & REQUEUE_FLAGS) &&
	    (!terminal || (job_state & JOB_COMPLETING))) {
		*phase = ILK_JOB_PENDING;
		if (job_state & JOB_REQUEUE_HOLD)
			*name = "REQUEUE_HOLD";
		else if (job_state & JOB_SPECIAL_EXIT)
			*name = "SPECIAL_EXIT";
		else
			*name = "REQUEUED";
		return;
	}
	if (terminal) {
		*phase = ILK_JOB_DONE;
		*name = base_state_names[base];
		return;
	}
	switch (base) {
	case JOB_PENDING:
		*phase = ILK_JOB_PENDING;
		*name = "PENDING";
		return;
	case JOB_RUNNING:
		if (job_state & JOB_CONFIGURING) {
			/* nodes are booting; the script has not started */
			*phase = ILK_JOB_PENDING;
			*name = "CONFIGURING";
			return;
		}
		*phase = ILK_JOB_RUNNING;
		if (job_state & JOB_COMPLETING)
			*name = "COMPLETING";
		else if (job_state & JOB_STOPPED)
			*name = "STOPPED";
		else if (job_state & JOB_RESIZING)
			*name = "RESIZING";
		else
			*name = "RUNNING";
		return;
	case JOB_SUSPENDED:
		*phase = ILK_JOB_RUNNING;
		*name = "SUSPENDED";
		return;
	default:
		*phase = ILK_JOB_UNKNOWN;
		*name = "UNKNOWN";
		return;
	}
}

static void fill_info(const slurm_job_info_t *j, struct ilk_job_info *out)
{
	uint32_t base = j->job_state & JOB_STATE_BASE;
	const char *name = "UNKNOWN";
	const char *reason;
	char rbuf[32];

	memset(out, 0, sizeof(*out));
	out->struct_size = sizeof(*out);
	(void)snprintf(out->job_id, sizeof(out->job_id), "%" PRIu32,
		       j->job_id);
	copy_field(out->tag, sizeof(out->tag), j->comment);
	map_state(j->job_state, &out->phase, &name);
	copy_field(out->state, sizeof(out->state), name);
	out->exit_code = -1;
	out->submit_time = (int64_t)j->submit_time;
	out->user_id = (int64_t)j->user_id;
	out->settling = (j->job_state & JOB_COMPLETING) ? 1 : 0;

	switch (out->phase) {
	case ILK_JOB_PENDING:
	case ILK_JOB_UNKNOWN:
		/* start_time is the scheduler's estimate here */
		format_reason(out->reason, sizeof(out->reason), reason_text(j, rbuf, sizeof(rbuf)),
			      j->state_desc);
		break;
	case ILK_JOB_RUNNING:
		out->start_time = (int64_t)j->start_time;
		/* end_time is the expected end, not an event */
		break;
	case ILK_JOB_DONE:
		/*
		 * A job cancelled while pending gets start_time = end_time
		 * but was never placed on a node.
		 */
		if (j->batch_host && *j->batch_host)
			out->start_time = (int64_t)j->start_time;
		out->end_time = (int64_t)j->end_time;
		out->exit_code = decode_exit(j->exit_code, base);
		/*
		 * Only a FAILED job's state_reason says why it ended
		 * (NonZeroExitCode, JobLaunchFailure, ...); a job cancelled
		 * while pending keeps its stale waiting reason
		 * ("Resources"), so the other ends use the base state.
		 */
		reason = base == JOB_FAILED ? reason_text(j, rbuf, sizeof(rbuf))
					    : "";
		if (!*reason && base < ARRAY_SIZE(base_end_reasons) &&
		    base_end_reasons[base])
			reason = base_end_reasons[base];
		format_reason(out->reason, sizeof(out->reason), reason,
			      base == JOB_FAILED ? j->state_desc : NULL);
		break;
	default:
		break;
	}
}

int slurm_api_query(const char *job_id, struct ilk_job_info *ret, char *err,
		    size_t errlen)
{
	job_info_msg_t *msg = NULL;
	uint32_t id, i;
	int rc;

	rc = parse_job_id(job_id, &id, err, errlen);
	if (rc != ILK_OK)
		return rc;
	/*
	 * SHOW_LOCAL: without it libslurm first asks for the federation
	 * (a second RPC, and 2 x MessageTimeout when slurmctld is down),
	 * while slurm_load_jobs() for poll only looks at the local cluster.
	 */
	if (slurm_load_job(&msg, id, SHOW_ALL | SHOW_LOCAL) != SLURM_SUCCESS) {
		int e = slurm_get_errno();
		char what[64];

		if (e == ESLURM_INVALID_JOB_ID) {
			set_err(err, errlen,
				"Slurm job %" PRIu32 " does not exist", id);
			return ILK_ERR_NOT_FOUND;
		}
		(void)snprintf(what, sizeof(what),
			       "cannot read Slurm job %" PRIu32, id);
		return fail_errno(e, what, err, errlen);
	}
	rc = ILK_ERR_NOT_FOUND;
	/* a heterogeneous or array job answers with several records */
	for (i = 0; msg && i < msg->record_count; i++) {
		if (msg->job_array[i].job_id == id) {
			fill_info(&msg->job_array[i], ret);
			rc = ILK_OK;
			break;
		}
	}
	if (msg)
		slurm_free_job_info_msg(msg);
	if (rc != ILK_OK)
		set_err(err, errlen, "Slurm job %" PRIu32 " does not exist",
			id);
	return rc;
}

/*
 * The value of "socket=" in an AuthInfo string such as
 * "cred_expire=30,socket=/run/munge/munge.socket.2"; "" when absent.
 */
static void authinfo_socket(const char *authinfo, char *dst, size_t dstlen)
{
	const char *p = authinfo;
	size_t n;

	copy_field(dst, dstlen, "");
	while (p && *p) {
		if (strncmp(p, "socket=", 7) == 0) {
			p += 7;
			n = strcspn(p, ",");
			if (n < dstlen) {
				memcpy(dst, p, n);
				dst[n] = '\0';
			}
			return;
		}
		p = strchr(p, ',');
		if (p)
			p++;
	}
}

/*
 * If line (NUL terminated, comment already cut) holds "key=value" for
 * key (case-insensitive) as one of its blank-separated words, copy the
 * value into dst.  slurm.conf allows several pairs on one line.
 */
static void conf_line_value(const char *line, const char *key, char *dst,
			    size_t dstlen)
{
	size_t klen = strlen(key);
	const char *p = line;

	while (*p) {
		size_t n;

		p += strspn(p, " \t\r\n");
		n = strcspn(p, " \t\r\n");
		if (n > klen && strncasecmp(p, key, klen) == 0 &&
		    p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t vlen = n - klen - 1;

			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			if (vlen < dstlen) {
				memcpy(dst, v, vlen);
				dst[vlen] = '\0';
			}
		}
		p += n;
	}
}

int slurm_api_local_auth(struct slurm_api_auth *ret, char *err,
			 size_t errlen)
{
	char line[8192], authinfo[SLURM_API_PATH_MAX + 256] = "";
	struct slurm_api_auth auth;
	const char *path;
	FILE *f;
	int rc;

	memset(&auth, 0, sizeof(auth));
	rc = local_conf_path(&path, err, errlen);
	if (rc != ILK_OK)
		return rc;
	f = fopen(path, "re");
	if (!f) {
		set_err(err, errlen, "cannot read the Slurm configuration "
			"'%s': %m", path);
		return ILK_ERR_UNAVAILABLE;
	}
	/* over-long lines are read in pieces; AuthType/AuthInfo are short */
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		conf_line_value(line, "AuthType", auth.auth_type,
				sizeof(auth.auth_type));
		conf_line_value(line, "AuthInfo", authinfo, sizeof(authinfo));
	}
	if (ferror(f)) {
		set_err(err, errlen, "cannot read the Slurm configuration "
			"'%s'", path);
		(void)fclose(f);
		return ILK_ERR_UNAVAILABLE;
	}
	(void)fclose(f);
	authinfo_socket(authinfo, auth.munge_socket,
			sizeof(auth.munge_socket));
	*ret = auth;
	return ILK_OK;
}

/* The partition called name, or the default one when name is NULL. */
static const partition_info_t *find_partition(const partition_info_msg_t *m,
					      const char *name)
{
	uint32_t i;

	for (i = 0; i < m->record_count; i++) {
		const partition_info_t *p = &m->partition_array[i];

		if (name ? (p->name && strcmp(p->name, name) == 0)
			 : (p->flags & PART_FLAG_DEFAULT) != 0)
			return p;
	}
	return NULL;
}

int slurm_api_partition_exists(const char *partition, char *err,
			       size_t errlen)
{
	partition_info_msg_t *parts = NULL;
	int rc = ILK_OK;

	if (slurm_load_partitions(0, &parts, SHOW_ALL) != SLURM_SUCCESS)
		return fail_errno(slurm_get_errno(),
				  "cannot read Slurm's partitions", err,
				  errlen);
	if (!parts || !find_partition(parts, partition)) {
		set_err(err, errlen, "Slurm partition '%.64s' does not exist",
			partition ? partition : "(default)");
		rc = ILK_ERR_NOT_FOUND;
	}
	if (parts)
		slurm_free_partition_info_msg(parts);
	return rc;
}

/*
 * Count of GPUs in a node's Gres string: "gpu:4", "gpu:a100:2(S:0-1)",
 * "gpu:2,mps:200", "gpu:a:1,gpu:b:1".  Entries of other names are
 * skipped; a bare "gpu" counts as one.
 */
static uint64_t gres_gpus(const char *gres)
{
	uint64_t total = 0;
	const char *p = gres;

	while (p && *p) {
		const char *end = p, *last_colon = NULL, *paren = NULL;
		int depth = 0;

		/* an entry ends at a comma outside parentheses */
		for (; *end && (depth > 0 || *end != ','); end++) {
			if (*end == '(') {
				if (!paren)
					paren = end;
				depth++;
			} else if (*end == ')' && depth > 0) {
				depth--;
			} else if (*end == ':' && depth == 0 && !paren) {
				last_colon = end;
			}
		}
		if (!paren)
			paren = end;
		if ((size_t)(paren - p) >= 3 && strncmp(p, "gpu", 3) == 0 &&
		    (p[3] == ':' || p + 3 == paren)) {
			uint64_t n = 0;
			const char *q = last_colon ? last_colon + 1 : paren;
			bool digits = q < paren;

			for (; q < paren; q++) {
				if (*q < '0' || *q > '9') {
					digits = false;
					break;
				}
				if (n < UINT64_MAX / 10)
					n = n * 10 + (uint64_t)(*q - '0');
			}
			/* "gpu" or "gpu:type" without a count: one */
			total += digits ? n : 1;
		}
		p = *end ? end + 1 : end;
	}
	return total;
}

static bool node_usable(const node_info_t *n)
{
	uint32_t base = n->node_state & NODE_STATE_BASE;

	if (base == NODE_STATE_DOWN || base == NODE_STATE_FUTURE)
		return false;
	return (n->node_state & NODE_UNUSABLE_FLAGS) == 0;
}

static void add_node(const node_info_t *n, struct ilk_capacity *cap)
{
	uint64_t cpus = n->cpus;

	/* cpus_efctv appeared in 22.05 (no release difference since) */
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(22, 5, 0)
	/* cpus minus the ones reserved by CoreSpecCount/CpuSpecList */
	if (n->cpus_efctv > 0)
		cpus = n->cpus_efctv;
#endif
	cap->cpus += cpus;
	if (n->real_memory > n->mem_spec_limit)
		cap->memory_mb += n->real_memory - n->mem_spec_limit;
	cap->gpus += gres_gpus(n->gres);
}

/* ---- answers kept between polls and pings ---------------------------- */

struct slurm_api_cache {
	/* the last job list, as ilk_job_info (slurmctld's own records are
	 * freed at once: they are several times larger) */
	struct ilk_job_info *jobs;
	size_t n_jobs;
	time_t jobs_time; /* slurmctld's stamp on that list; 0: none yet */
	slurm_conf_t *conf;
	partition_info_msg_t *parts;
	node_info_msg_t *nodes;
};

struct slurm_api_cache *slurm_api_cache_new(void)
{
	return calloc(1, sizeof(struct slurm_api_cache));
}

void slurm_api_cache_free(struct slurm_api_cache *c)
{
	if (!c)
		return;
	free(c->jobs);
	if (c->conf)
		slurm_free_ctl_conf(c->conf);
	if (c->parts)
		slurm_free_partition_info_msg(c->parts);
	if (c->nodes)
		slurm_free_node_info_msg(c->nodes);
	free(c);
}

/* The time to send with a "since" load: a second before the last stamp. */
static time_t since(time_t stamp)
{
	return stamp > 1 ? stamp - 1 : 0;
}

int slurm_api_poll_since(struct slurm_api_cache *c, ilk_job_visit_fn visit,
			 void *ctx, char *err, size_t errlen)
{
	job_info_msg_t *msg = NULL;
	struct ilk_job_info *v;
	uint32_t i;

	if (slurm_load_jobs(since(c->jobs_time), &msg, SHOW_ALL) !=
	    SLURM_SUCCESS) {
		int e = slurm_get_errno();

		if (e == SLURM_NO_CHANGE_IN_DATA && c->jobs_time) {
			for (size_t k = 0; k < c->n_jobs; k++)
				visit(ctx, &c->jobs[k]);
			return ILK_OK;
		}
		return fail_errno(e, "cannot read Slurm's job list", err,
				  errlen);
	}
	if (!msg) {
		set_err(err, errlen, "Slurm sent no job list");
		return ILK_ERR_INTERNAL;
	}
	v = msg->record_count ? malloc(msg->record_count * sizeof(*v)) : NULL;
	if (msg->record_count && !v) {
		slurm_free_job_info_msg(msg);
		set_err(err, errlen, "out of memory keeping the job list");
		return ILK_ERR_NOMEM;
	}
	for (i = 0; i < msg->record_count; i++) {
		fill_info(&msg->job_array[i], &v[i]);
		visit(ctx, &v[i]);
	}
	free(c->jobs);
	c->jobs = v;
	c->n_jobs = msg->record_count;
	c->jobs_time = msg->last_update;
	slurm_free_job_info_msg(msg);
	return ILK_OK;
}

/* Sum what partition (NULL: the default, or all nodes) can run. */
static void sum_capacity(const node_info_msg_t *nodes,
			 const partition_info_t *part,
			 struct ilk_capacity *cap)
{
	uint32_t i;

	if (part && part->node_inx) {
		/* pairs of first, last index into the node table, then -1 */
		const int32_t *inx = part->node_inx;

		for (i = 0; inx[i] >= 0 && inx[i + 1] >= 0; i += 2) {
			int32_t k;

			for (k = inx[i]; k <= inx[i + 1]; k++)
				if ((uint32_t)k < nodes->record_count &&
				    node_usable(&nodes->node_array[k]))
					add_node(&nodes->node_array[k], cap);
		}
	} else if (!part) {
		for (i = 0; i < nodes->record_count; i++)
			if (node_usable(&nodes->node_array[i]))
				add_node(&nodes->node_array[i], cap);
	}
	if (cap->gpus > 0)
		copy_field(cap->gpu_type, sizeof(cap->gpu_type),
			   "nvidia.com/gpu");
}

int slurm_api_capacity_since(struct slurm_api_cache *c,
			     const char *partition, struct ilk_capacity *ret,
			     char *err, size_t errlen)
{
	slurm_conf_t *conf = NULL;
	partition_info_msg_t *parts = NULL;
	node_info_msg_t *nodes = NULL;
	const partition_info_t *part;
	struct ilk_capacity cap;

	memset(&cap, 0, sizeof(cap));
	cap.struct_size = sizeof(cap);
	/* the configuration first: the liveness and authentication check */
	if (slurm_load_ctl_conf(c->conf ? since(c->conf->last_update) : 0,
				&conf) == SLURM_SUCCESS && conf) {
		if (c->conf)
			slurm_free_ctl_conf(c->conf);
		c->conf = conf;
	} else if (!c->conf || slurm_get_errno() != SLURM_NO_CHANGE_IN_DATA) {
		return fail_errno(slurm_get_errno(),
				  "cannot read slurmctld's configuration", err,
				  errlen);
	}
	cap.pods = c->conf->max_job_cnt;
	/* slurmctld answered: a capacity it cannot tell is 0, "unknown" */
	if (slurm_load_partitions(c->parts ? since(c->parts->last_update) : 0,
				  &parts, SHOW_ALL) == SLURM_SUCCESS && parts) {
		if (c->parts)
			slurm_free_partition_info_msg(c->parts);
		c->parts = parts;
	} else if (!c->parts || slurm_get_errno() != SLURM_NO_CHANGE_IN_DATA) {
		goto out;
	}
	if (slurm_load_node(c->nodes ? since(c->nodes->last_update) : 0,
			    &nodes, SHOW_ALL) == SLURM_SUCCESS && nodes) {
		if (c->nodes)
			slurm_free_node_info_msg(c->nodes);
		c->nodes = nodes;
	} else if (!c->nodes || slurm_get_errno() != SLURM_NO_CHANGE_IN_DATA) {
		goto out;
	}
	part = find_partition(c->parts, partition);
	if (!partition || part)
		sum_capacity(c->nodes, part, &cap);
out:
	*ret = cap;
	return ILK_OK;
}
