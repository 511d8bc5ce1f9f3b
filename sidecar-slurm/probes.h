/*
 * sidecar-slurm/probes.h - startup, readiness and liveness probes and the
 * postStart and preStop lifecycle hooks, in the job script (EnableProbes).
 *
 * The design, the files and the shell functions are described at the top
 * of probes.c.  jobscript.c asks this module for the shell text; /create
 * validates with it and writes the first state files; /status reads the
 * state back with probes_read().
 */
#ifndef SIDECAR_PROBES_H
#define SIDECAR_PROBES_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "wire.h"

/* Kubernetes' terminationGracePeriodSeconds default, and our ceiling */
#define PROBES_DEFAULT_GRACE_S 30
#define PROBES_MAX_GRACE_S 3600
/* A postStart hook that runs longer fails (upstream's bound) */
#define PROBES_POSTSTART_TIMEOUT_S 30
/* Per container, bound as the container's /tmp and its hooks' and exec
 * probes' (<dir>/hook-tmp/<name>) */
#define PROBES_TMP_DIR "hook-tmp"

/* Does ct have a probe or a lifecycle hook (regular containers only)? */
bool probes_container_uses(const struct wire_container *ct);

/* Is there anything to run for pod: enabled and a container uses it. */
bool probes_pod_uses(const struct wire_pod *pod, bool enabled);

/*
 * Check what the script needs: one supported action per probe or hook,
 * ports that are numbers or name one of the container's ports, paths,
 * hosts and headers that fit an HTTP request, sane numbers.  Nothing is
 * checked when !enabled (probes and hooks are then ignored, as upstream
 * does).  Returns 0, or -1 with a message for the user in err.
 */
int probes_validate(const struct wire_pod *pod, bool enabled, char *err,
		    size_t errlen);

/*
 * Does ct get <dir>/hook-tmp/<name> bound at /tmp, so that its exec hooks
 * and exec probes see the files it writes there (and it sees theirs)?
 * True when an exec hook or an exec probe exists and no volume is
 * mounted at /tmp.
 */
bool probes_shared_tmp(const struct wire_container *ct);

/* The pod's grace period for stopping, clamped to [1, PROBES_MAX_GRACE_S]. */
int probes_grace(const struct wire_pod *pod);

/*
 * Seconds the job may take to stop by itself after a graceful stop request
 * (preStop hooks, TERM, then KILL), or 0 when no container of the pod has a
 * preStop hook (or !enabled): the job can be cancelled outright.
 */
int probes_stop_grace(const struct wire_pod *pod, bool enabled);

/*
 * The shell functions of a pod that uses probes or hooks, appended after
 * jobscript's own: they replace its ilk_stop (preStop hooks, then TERM,
 * then KILL after the grace period).  runtime is the runtime's path
 * (SingularityPath).
 */
int probes_prelude(const struct wire_pod *pod, const char *runtime,
		   struct buf *out);

/*
 * The functions of regular container ct (number idx in run order): its
 * hooks, its probes' checks and the supervisor that runs them.  exec_words
 * runs a command in the container's environment: the runtime, "exec", the
 * container's options, binds (the shared /tmp included) and image, all
 * quoted.  dir is the pod's folder.  The container line is then
 * "ilk_runp NAME SUPERVISOR CMD... &" with the supervisor of
 * probes_supervisor().
 */
int probes_container(const struct wire_container *ct, size_t idx,
		     const char *dir, const char *exec_words, struct buf *out);

/* The supervisor's name for the container line ("-" when it has none). */
void probes_supervisor(const struct wire_container *ct, size_t idx,
		       char *out, size_t outlen);

/*
 * Write the first state files ("pending") of pod's probes and postStart
 * hooks into dir, before the job can start, so that /status never reports
 * a container ready before its probes had a say.  No-op when !enabled.
 * Returns 0 or a negative errno.
 */
int probes_write_initial(const struct wire_pod *pod, bool enabled,
			 const char *dir);

/* ---- reading back, for /status --------------------------------------- */

enum probes_state {
	PROBES_NONE = 0, /* no such probe or hook */
	PROBES_PENDING,
	PROBES_OK,
	PROBES_FAIL
};

struct probes_view {
	enum probes_state post_start;
	enum probes_state startup;
	enum probes_state readiness;
	enum probes_state liveness;
};

/* The states of container name's probes and postStart hook in dir. */
void probes_read(const char *dir, const char *name, struct probes_view *v);

/*
 * Why the job script stopped container name (run-<name>.reason: a reason
 * such as "LivenessProbeFailed" and a message).  Returns 0, or -ENOENT
 * when it did not.
 */
int probes_read_reason(const char *dir, const char *name, char *reason,
		       size_t rlen, char *message, size_t mlen);

#endif /* SIDECAR_PROBES_H */
