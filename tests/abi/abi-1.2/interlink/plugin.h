/*
 * <interlink/plugin.h> - the public interface between the sidecar core and a
 * batch-system backend (Slurm, PBS, HTCondor, local processes, ...).
 *
 * The sidecar core owns everything that is the same for every batch system:
 * the HTTP/TLS server, the pod folders, the generated job script that runs
 * the pod's containers, per-container status files and logs.  A backend only
 * moves a ready-made job script through its batch system:
 *
 *     entry point  ilk_plugin_entry_v1(host ABI, host table) -> ops table
 *       |
 *       +-- init()             once, single-threaded, before any other op
 *       |     +-- submit()     hand one job script to the batch system
 *       |     +-- cancel()     stop one job (idempotent)
 *       |     +-- poll()       report every job the backend can see, at once
 *       |     +-- query()      report one job
 *       |     +-- ping()       is the batch system usable, and its capacity
 *       +-- fini()             once, single-threaded, after every other op
 *
 * Threads: init and fini run alone.  The other ops may be called
 * concurrently from several threads unless the backend sets
 * ILK_BACKEND_SERIAL in its flags; the host then serialises them.
 *
 * Ownership, the one rule: everything passed *in* to an op is borrowed for
 * the duration of the call and must not be freed or kept by the backend.
 * Everything passed *out* is written into storage the caller provides (fixed
 * size character arrays, caller-owned structs), so no pointer ever crosses
 * the boundary with two owners.
 *
 * Errors: every op returns an enum ilk_err value and, on failure, writes a
 * short human-readable reason into err (at most errlen bytes, always NUL
 * terminated).  That text reaches the Kubernetes user, so it says what went
 * wrong in their terms ("partition 'gpu' does not exist"), not where.
 *
 * Growth: structs start with struct_size; a minor ABI version only appends
 * fields.  A reader uses a field only when struct_size covers it.  A major
 * version break is a different entry point symbol.
 *
 * This header is plain C99, has no dependencies beyond <stddef.h> and
 * <stdint.h>, and compiles as C++.
 */
#ifndef ILK_PLUGIN_H
#define ILK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ILK_PLUGIN_ABI_MAJOR 1
#define ILK_PLUGIN_ABI_MINOR 2

#define ILK_VERSION_MAJOR 0
#define ILK_VERSION_MINOR 1
#define ILK_VERSION_PATCH 0
#define ILK_VERSION "0.1.0"
#define ILK_VERSION_NUM                                                        \
	((ILK_VERSION_MAJOR << 16) | (ILK_VERSION_MINOR << 8) |                \
	 ILK_VERSION_PATCH)
#define ILK_AT_LEAST_VERSION(x, y, z)                                          \
	(ILK_VERSION_NUM >= (((x) << 16) | ((y) << 8) | (z)))

#if defined(__GNUC__)
#define ILK_PLUGIN_EXPORT __attribute__((visibility("default")))
#define ILK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ILK_PLUGIN_EXPORT
#define ILK_PRINTF(f, a)
#endif

/*
 * Result codes.  Explicit values, append-only, never renumbered.  The
 * sidecar maps them to HTTP status codes in one table.
 */
enum ilk_err {
	ILK_OK = 0,
	ILK_ERR_INVALID = 1,       /* the request is malformed          (400) */
	ILK_ERR_REJECTED = 2,      /* the batch system refused the job  (422) */
	ILK_ERR_NOT_FOUND = 3,     /* no such job                       (404) */
	ILK_ERR_UNAVAILABLE = 4,   /* batch system unreachable          (503) */
	ILK_ERR_INTERNAL = 5,      /* a bug or an OS failure            (500) */
	ILK_ERR_NOT_SUPPORTED = 6, /* the backend lacks this op         (501) */
	ILK_ERR_NOMEM = 7          /* out of memory                     (503) */
};

/* Returns a static string naming err; never NULL. */
static inline const char *ilk_strerror(int err)
{
	switch (err) {
	case ILK_OK: return "success";
	case ILK_ERR_INVALID: return "invalid request";
	case ILK_ERR_REJECTED: return "rejected by the batch system";
	case ILK_ERR_NOT_FOUND: return "not found";
	case ILK_ERR_UNAVAILABLE: return "batch system unavailable";
	case ILK_ERR_INTERNAL: return "internal error";
	case ILK_ERR_NOT_SUPPORTED: return "not supported";
	case ILK_ERR_NOMEM: return "out of memory";
	default: return "unknown error";
	}
}

/* syslog-compatible levels for ilk_host.log */
enum ilk_log_level {
	ILK_LOG_ERR = 3,
	ILK_LOG_WARNING = 4,
	ILK_LOG_NOTICE = 5,
	ILK_LOG_INFO = 6,
	ILK_LOG_DEBUG = 7
};

/*
 * Services the host hands to the backend.  The backend never calls a
 * symbol of the sidecar directly; everything comes through this table.
 */
struct ilk_host {
	uint32_t abi_major;
	uint32_t abi_minor;
	size_t struct_size;
	/* Log one line through the host's logger.  Borrowed format. */
	void (*log)(int level, const char *fmt, ...) ILK_PRINTF(2, 3);
	/*
	 * The value of a top-level key of the sidecar's configuration file
	 * as text (e.g. "Partition"), or NULL when unset.  The returned
	 * string is owned by the host and valid until fini returns.
	 */
	const char *(*config_get)(const char *key);
};

#define ILK_JOB_ID_MAX 64
#define ILK_TAG_MAX 128
#define ILK_STATE_MAX 32
#define ILK_REASON_MAX 128

/* One job to submit.  Every pointer is borrowed for the call. */
struct ilk_job_spec {
	size_t struct_size;
	const char *name;        /* job name shown by the batch system */
	const char *tag;         /* the pod UID; kept with the job (Slurm:
	                          * the job comment) and reported by poll */
	const char *script;      /* the whole script, starting with "#!" */
	const char *work_dir;    /* absolute path; exists */
	const char *stdout_path; /* absolute; stderr goes to the same file */
	const char *const *env;  /* NULL-terminated "NAME=value" array: the
	                          * job's entire environment, never empty */
	uint32_t uid;            /* Unix user the job runs as */
	uint32_t gid;            /* Unix group the job runs as */
	uint32_t cpus;           /* CPUs for the job's one task; 0: default */
	uint64_t mem_mb;         /* memory per node in MiB; 0: default */
	uint32_t time_limit_min; /* minutes; 0: partition default */
	const char *partition;   /* NULL: the backend's default */
	/* ABI 1.1: placement, as sbatch's options of the same names */
	const char *account;     /* NULL: the user's default */
	const char *qos;
	const char *reservation;
	const char *constraint;  /* node features */
	const char *gres;        /* generic resources per node, "gpu:2" */
	uint32_t gpus;           /* GPUs for the whole job; 0: none */
	uint32_t nodes;          /* 0: 1 */
	uint32_t ntasks;         /* 0: 1 */
	uint64_t mem_per_cpu_mb; /* instead of mem_mb; 0: unset */
	uint32_t exclusive;      /* 1: whole nodes */
};

enum ilk_job_phase {
	ILK_JOB_UNKNOWN = 0,
	ILK_JOB_PENDING = 1, /* queued, configuring, requeued, held */
	ILK_JOB_RUNNING = 2, /* running or completing */
	ILK_JOB_DONE = 3     /* finished for good, in any way */
};

/* What the backend knows of one job.  Filled by the backend. */
struct ilk_job_info {
	size_t struct_size;
	char job_id[ILK_JOB_ID_MAX];
	char tag[ILK_TAG_MAX];       /* as given to submit, "" if none */
	int phase;                   /* enum ilk_job_phase */
	int exit_code;               /* when DONE: the exit status, 128+N
	                              * after signal N, -1 when unknown;
	                              * it may become known a little after
	                              * the job is DONE (Slurm, on cancel) */
	int64_t submit_time;         /* Unix seconds; 0 when not known */
	int64_t start_time;          /* 0 when not started */
	int64_t end_time;            /* 0 when not ended */
	char state[ILK_STATE_MAX];   /* the backend's own name, "COMPLETED" */
	char reason[ILK_REASON_MAX]; /* why it waits or why it ended, or "" */
};

/* Called by poll once per job; job is borrowed for the call only. */
typedef void (*ilk_job_visit_fn)(void *ctx, const struct ilk_job_info *job);

/* Capacity of the batch system, for the virtual node.  0 = unknown. */
struct ilk_capacity {
	size_t struct_size;
	uint64_t cpus;      /* schedulable CPUs */
	uint64_t memory_mb; /* schedulable memory in MiB */
	uint64_t pods;      /* how many pods (jobs) the site allows */
	uint64_t gpus;      /* GPUs of gpu_type */
	char gpu_type[64];  /* e.g. "nvidia.com/gpu", "" when none */
};

/* Backend flags */
#define ILK_BACKEND_SERIAL 0x1u /* the host must serialise all ops */

/*
 * The backend's operations.  A NULL op means "not supported": the sidecar
 * answers 501 for what needs it.  Fields are never reordered or removed.
 */
struct ilk_backend_ops {
	uint32_t abi_major;
	uint32_t abi_minor;
	size_t struct_size;
	const char *name; /* "backend/slurm" */
	uint32_t flags;   /* ILK_BACKEND_* */

	/* Set up; *ret_state is passed back to every other op. */
	int (*init)(const struct ilk_host *host, void **ret_state, char *err,
		    size_t errlen);
	/* Tear down; state may be NULL. */
	void (*fini)(void *state);
	/* Submit; on success writes the job id (NUL terminated). */
	int (*submit)(void *state, const struct ilk_job_spec *spec,
		      char ret_job_id[ILK_JOB_ID_MAX], char *err,
		      size_t errlen);
	/*
	 * Stop a job and make it DONE.  ILK_OK also when it had already
	 * ended; ILK_ERR_NOT_FOUND when the batch system does not know it.
	 */
	int (*cancel)(void *state, const char *job_id, char *err,
		      size_t errlen);
	/* Call visit once for every job the backend can see. */
	int (*poll)(void *state, ilk_job_visit_fn visit, void *ctx, char *err,
		    size_t errlen);
	/* Describe one job; ILK_ERR_NOT_FOUND when unknown. */
	int (*query)(void *state, const char *job_id, struct ilk_job_info *ret,
		     char *err, size_t errlen);
	/* Is the batch system usable?  Fills its capacity. */
	int (*ping)(void *state, struct ilk_capacity *ret, char *err,
		    size_t errlen);
	/*
	 * (ABI 1.2; the host checks struct_size, and NULL is "not
	 * supported".)  Ask a running job to stop by itself: SIGTERM to the
	 * job script alone, not to the processes it started, so that it
	 * stops them in its own order (a pod's preStop hooks first).  The
	 * job should then end by itself; the host cancels it when it has
	 * not after the pod's grace period.  ILK_OK when the signal was
	 * delivered; anything else: the host cancels at once.
	 */
	int (*terminate)(void *state, const char *job_id, char *err,
			 size_t errlen);
};

/*
 * The one symbol a backend exports.  host_abi_major/minor tell the
 * backend which host it is loaded into; return NULL to refuse it.
 */
typedef const struct ilk_backend_ops *(*ilk_plugin_entry_v1_fn)(
	uint32_t host_abi_major, uint32_t host_abi_minor,
	const struct ilk_host *host);
#define ILK_PLUGIN_ENTRY_V1 "ilk_plugin_entry_v1"

#ifdef __cplusplus
}
#endif

#endif /* ILK_PLUGIN_H */
