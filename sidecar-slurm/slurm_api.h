/*
 * sidecar-slurm/slurm_api.h - the sidecar's narrow view of libslurm.
 *
 * slurm_api.c is the only file of the project that includes
 * <slurm/slurm.h>.  This header exposes no Slurm type: jobs go in as a
 * struct ilk_job_spec and come out as a struct ilk_job_info, results are
 * enum ilk_err values, so that a libslurm release that changes its structs
 * (the soname changes with every Slurm release) touches one file, and a
 * unit test can link a fake in its place.
 *
 * Every function that talks to slurmctld makes exactly one RPC unless its
 * comment says otherwise.  They block for as long as libslurm does: a few
 * milliseconds normally, up to Slurm's MessageTimeout when slurmctld does
 * not answer.
 *
 * Errors: every function returns an enum ilk_err and, on failure, writes
 * a sentence for the Kubernetes user into err (errlen bytes, always NUL
 * terminated; err may be NULL when errlen is 0).  The mapping is:
 *   ILK_ERR_UNAVAILABLE  slurmctld cannot be reached, does not answer, or
 *                        authentication (munge) failed: "slurmctld
 *                        unreachable: <Slurm's text>"; or Slurm says
 *                        "not now" (standby, submissions disabled, "Job
 *                        can not be altered now"): retry later;
 *   ILK_ERR_REJECTED     Slurm refused the request (unknown partition,
 *                        resources that no node has, limits, access);
 *   ILK_ERR_NOT_FOUND    slurmctld does not know the job (never existed,
 *                        or its record was purged MinJobAge after the end);
 *   ILK_ERR_INVALID      the arguments are unusable (script without "#!",
 *                        empty environment, a job id that is no number);
 *   ILK_ERR_NOMEM        an allocation failed;
 *   ILK_ERR_INTERNAL     everything else.
 *
 * Job states (struct ilk_job_info, filled from job_state's base state and
 * flag bits, never from text):
 *   phase PENDING  base PENDING ("PENDING"); RUNNING with the CONFIGURING
 *                  flag, nodes still booting ("CONFIGURING"); a job being
 *                  requeued or requeued and held ("REQUEUED",
 *                  "REQUEUE_HOLD", "SPECIAL_EXIT").  reason: Slurm's,
 *                  e.g. "Priority", "Resources", "JobHeldUser".
 *   phase RUNNING  base RUNNING ("RUNNING", "COMPLETING", "STOPPED",
 *                  "RESIZING") or SUSPENDED ("SUSPENDED").
 *   phase DONE     any terminal base, also while the COMPLETING flag is
 *                  still set: "COMPLETED", "FAILED", "CANCELLED",
 *                  "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL",
 *                  "DEADLINE", "OUT_OF_MEMORY".  reason: "" for
 *                  COMPLETED, Slurm's for FAILED ("NonZeroExitCode",
 *                  "JobLaunchFailure", ...), else "Cancelled",
 *                  "TimeLimit", "NodeFail", "Preempted", "BootFail",
 *                  "Deadline", "OutOfMemory".
 * exit_code (DONE only, else -1): WEXITSTATUS, or 128+N after signal N;
 * -1 when Slurm has no status: a job cancelled while pending, a node
 * failure, and a killed job for the first few tens of milliseconds after
 * the kill, before slurmd reports the script's end (then 143 for
 * SIGTERM, 137 after KillWait's SIGKILL).  start_time is 0 while pending
 * and for a job that never ran; end_time is 0 until DONE (Slurm's own
 * value is a forecast before that).  tag is the job's comment, user_id
 * the job's Unix user.
 *
 * Threads: slurm_api_init() and slurm_api_fini() must not run concurrently
 * with anything else.  All other functions may be called from several
 * threads at once: libslurm builds a new connection and new buffers for
 * every RPC, and the error code it leaves in errno is thread-local.
 */
#ifndef SIDECAR_SLURM_SLURM_API_H
#define SIDECAR_SLURM_SLURM_API_H

#include <stddef.h>
#include <stdint.h>

#include "ilk_plugin.h"

#define SLURM_API_PATH_MAX 4096

/* How this host's libslurm authenticates (slurm_api_local_auth). */
struct slurm_api_auth {
	/* AuthType, e.g. "auth/munge"; "" when the file does not say
	 * (Slurm's default, auth/munge, applies) */
	char auth_type[64];
	/* AuthInfo's "socket=" value, the munged socket libslurm uses; ""
	 * when AuthInfo names none (libmunge's default socket applies) */
	char munge_socket[SLURM_API_PATH_MAX];
};

/*
 * slurm_api_init - load the Slurm client configuration.
 *
 * Reads slurm.conf from $SLURM_CONF, else from libslurm's compiled-in path
 * (/etc/slurm/slurm.conf), else from slurmd's configless cache
 * (/run/slurm/conf/slurm.conf), and initialises libslurm for the whole
 * process.  It checks that one of these files is readable first, because
 * libslurm itself calls exit() when it finds no configuration; a file that
 * is present but malformed still makes libslurm exit with its own "fatal:"
 * line on stderr, which is acceptable only because this runs at start-up.
 * Contacts no daemon.
 *
 * Reference counted: every successful call must be paired with one
 * slurm_api_fini(); only the first initialises and only the last tears
 * down.  Single-threaded context only.
 *
 * Returns ILK_OK, or ILK_ERR_UNAVAILABLE when no configuration is readable.
 */
int slurm_api_init(char *err, size_t errlen);

/*
 * slurm_api_version_check - is a build against Slurm release `built` (a
 * SLURM_VERSION_NUMBER, 0xYYMMmm) usable with the libslurm whose
 * slurm_api_version() is `running` (API number << 16)?  libslurm's API
 * number changes with every Slurm major release (38 = 22.05 ... 42 =
 * 24.11, see slurm_api.c), and so do its structs.  ILK_OK when they agree
 * (or the build's release predates the known numbers); else
 * ILK_ERR_UNAVAILABLE and a sentence that says to rebuild.  Pure: no RPC,
 * no state.  slurm_api_init() calls it with the build's and the loaded
 * library's numbers before anything else.
 */
int slurm_api_version_check(long built, long running, char *err,
			    size_t errlen);

/*
 * slurm_api_version_text - one line for the log: the Slurm release this
 * file was built against and the libslurm API (and release) in use, e.g.
 * "built against Slurm 24.11.5, running libslurm API 42.0.0 (Slurm
 * 24.11)".  Always NUL terminated.
 */
void slurm_api_version_text(char *buf, size_t buflen);

/*
 * slurm_api_reason_name - Slurm's name of job state reason number reason
 * (enum job_state_reason of the release this file was built against), as
 * squeue prints it: "Priority", "Resources", "NonZeroExitCode"; NULL for a
 * number this build does not know.  slurm_api_reason_count() is one more
 * than the highest number in the table (entries may be NULL).  For the
 * unit test of the table; jobs report these names in ilk_job_info.reason.
 */
const char *slurm_api_reason_name(unsigned int reason);
unsigned int slurm_api_reason_count(void);

/*
 * slurm_api_fini - drop one reference taken by slurm_api_init(); the last
 * one releases libslurm's configuration with Slurm 22.05, while later
 * releases keep it until the process exits (libslurm 24.11 cannot be
 * initialised again after slurm_fini()).  Single-threaded context only.
 * Calling it without a matching successful init does nothing.
 */
void slurm_api_fini(void);

/*
 * slurm_api_local_auth - read AuthType and AuthInfo from the slurm.conf
 * that slurm_api_init() found (libslurm has no public accessor for its
 * parsed configuration).  Plain "Key=Value" lines are read, keys case-
 * insensitively, the last one winning; "Include" files are not followed.
 * Contacts no daemon.  Call between slurm_api_init() and any thread start
 * (reads the environment).
 *
 * Fills *ret on ILK_OK; ILK_ERR_UNAVAILABLE when the file cannot be read.
 */
int slurm_api_local_auth(struct slurm_api_auth *ret, char *err,
			 size_t errlen);

/*
 * slurm_api_submit - submit one batch job.
 *
 * spec must be a complete struct ilk_job_spec of this ABI version (its
 * struct_size is not consulted; the backend normalises older ones).  It is
 * borrowed for the call.  Required: script (must start with "#!": libslurm
 * accepts anything and the job then fails with "Exec format error"), env
 * with at least one entry (libslurm refuses an empty environment with a
 * misleading I/O error).  Optional (NULL or 0 for Slurm's default): name,
 * tag (kept as the job's comment), work_dir, stdout_path (stdout and stderr
 * both go there; its directory must exist), cpus, mem_mb, time_limit_min,
 * partition.  uid/gid are always used.
 *
 * On success writes the job id as a decimal string to ret_job_id.
 * A job Slurm accepts but holds (priority 0) is a success.
 */
int slurm_api_submit(const struct ilk_job_spec *spec,
		     char ret_job_id[ILK_JOB_ID_MAX], char *err,
		     size_t errlen);

/*
 * slurm_api_cancel - kill a job in any state with SIGKILL.
 *
 * Slurm turns this into SIGCONT + SIGTERM for the running job's processes
 * and SIGKILL after KillWait; the job is CANCELLED (and DONE for
 * slurm_api_query) as soon as this returns.  A pending job can only be
 * killed this way (any other signal fails with "Job can not be altered
 * now").  job_id is borrowed.
 *
 * Returns ILK_OK also when the job had already ended; ILK_ERR_NOT_FOUND
 * when slurmctld does not know it; ILK_ERR_INVALID when job_id is not a
 * Slurm job id.
 */
int slurm_api_cancel(const char *job_id, char *err, size_t errlen);

/*
 * slurm_api_terminate - SIGTERM to a running job's batch script only.
 *
 * slurm_kill_job(id, SIGTERM, KILL_JOB_BATCH): slurmstepd signals the
 * batch shell alone (not its children, unlike a cancel), so the script's
 * TERM trap decides how its processes stop.  The job is not cancelled.
 * Fails (ILK_ERR_*) for a job that is not running, e.g. pending.
 */
int slurm_api_terminate(const char *job_id, char *err, size_t errlen);

/*
 * slurm_api_query - describe one job (one slurm_load_job() RPC; like
 * poll, it asks the local cluster only, not the federation).
 *
 * Fills the whole of *ret (ret->struct_size is set to sizeof(*ret); the
 * caller copies out what its own struct covers).  ret is untouched on
 * failure.  Returns ILK_ERR_NOT_FOUND for a job slurmctld does not know,
 * ILK_ERR_INVALID when job_id is not a Slurm job id.
 */
int slurm_api_query(const char *job_id, struct ilk_job_info *ret, char *err,
		    size_t errlen);

/*
 * slurm_api_partition_exists - one RPC; ILK_OK when slurmctld has a
 * partition of that name, ILK_ERR_NOT_FOUND when not (err says so), or
 * the RPC's error.
 */
int slurm_api_partition_exists(const char *partition, char *err,
			       size_t errlen);

/*
 * The answers of the last poll and ping, kept so that the next ones can
 * ask slurmctld "anything changed since?" (the update_time argument of
 * slurm_load_jobs, slurm_load_partitions, slurm_load_node and
 * slurm_load_ctl_conf): an unchanged controller answers
 * SLURM_NO_CHANGE_IN_DATA, a few bytes instead of every record, and the
 * kept copy answers.  One cache per backend instance; not thread-safe
 * (the caller serialises polls, and pings, on one cache).
 */
struct slurm_api_cache;

struct slurm_api_cache *slurm_api_cache_new(void);

void slurm_api_cache_free(struct slurm_api_cache *c);

/*
 * slurm_api_poll_since - report every job slurmctld knows (SHOW_ALL,
 * visit(ctx, info) once per job, info borrowed for the callback), with one
 * RPC that carries the time of the last job list; when slurmctld says
 * nothing changed, the kept jobs are visited again.  The time sent is one second before
 * the one slurmctld stamped on its last list, so a change in that same
 * second is not missed (slurmctld compares whole seconds).
 */
int slurm_api_poll_since(struct slurm_api_cache *c, ilk_job_visit_fn visit,
			 void *ctx, char *err, size_t errlen);

/*
 * slurm_api_capacity_since - what a partition can run (NULL: the default
 * one, or every node) and how many jobs slurmctld keeps, in three RPCs
 * (configuration, partitions, nodes), each answered "no change" by a
 * controller where nothing changed.  Counts usable nodes' CPUs, memory
 * (RealMemory minus MemSpecLimit) and "gpu" GRES; ret->pods is MaxJobCount
 * (0 unknown).  ILK_ERR_REJECTED when the partition does not exist.
 * A controller that answers but cannot tell its capacity still returns
 * ILK_OK with cpus, memory and gpus 0.
 */
int slurm_api_capacity_since(struct slurm_api_cache *c,
			     const char *partition, struct ilk_capacity *ret,
			     char *err, size_t errlen);

#endif /* SIDECAR_SLURM_SLURM_API_H */
