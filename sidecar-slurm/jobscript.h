/*
 * sidecar-slurm/jobscript.h - the job script that runs one pod.
 *
 * The script is backend-independent bash: init containers one after
 * another (the first failure ends the pod with its exit code; later ones
 * never start), then the regular containers in parallel; each container's
 * stdout and stderr go to <dir>/<init|run>-<name>.out, its exit code to
 * <dir>/<init|run>-<name>.status (written atomically), stdin is empty.
 * The job exits with the highest container exit code.
 *
 * Every value that comes from the pod is single-quoted, so no pod field
 * can inject shell.  The exceptions are the raw-shell annotations
 * (slurm-job.vk.io/pre-exec, singularity-options, singularity-mounts),
 * emitted only when the site allows them (allow_raw), the tunnel and mesh
 * annotations (tunnels.h, allow_tunnel), and the site's own CommandPrefix.
 */
#ifndef SIDECAR_JOBSCRIPT_H
#define SIDECAR_JOBSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "wire.h"

struct jobscript_conf {
	const char *runtime;               /* SingularityPath */
	char *const *default_options;      /* SingularityDefaultOptions */
	size_t n_default_options;
	const char *image_prefix;          /* ImagePrefix */
	const char *bash_path;             /* BashPath */
	const char *command_prefix;        /* CommandPrefix, or NULL */
	bool allow_raw;                    /* AllowRawShellAnnotations */
	bool allow_tunnel;                 /* AllowTunnelAnnotations */
	bool enable_probes;                /* EnableProbes (probes.h) */
};

/* One bind of a host path into a container. */
struct jobscript_mount {
	char *host;
	char *ctr;
	bool read_only;
};

struct jobscript_mounts {
	struct jobscript_mount *v;
	size_t n;
};

/*
 * Check what the script needs from the pod: container names are DNS
 * labels and unique, images present and not starting with '-' (nor the
 * image-root annotation), env names valid.
 * Returns 0 or -1 with a message for the user in err.
 */
int jobscript_validate(const struct wire_pod *pod, char *err, size_t errlen);

/*
 * Append the whole script for pod, whose folder is dir, to out.  mounts,
 * when not NULL, has one entry per container in run order (init first).
 * Returns 0, or a negative errno (-E2BIG: the script is too large).
 */
int jobscript_build(const struct jobscript_conf *c,
		    const struct wire_pod *pod, const char *dir,
		    const struct jobscript_mounts *mounts, struct buf *out);

/* Append the --env-file content for ct ("NAME='value'" lines). */
int jobscript_envfile(const struct wire_container *ct, struct buf *out);

/* The image reference as the runtime gets it (prefix rules applied). */
int jobscript_image(const struct jobscript_conf *c,
		    const struct wire_pod *pod, const char *image,
		    struct buf *out);

#endif /* SIDECAR_JOBSCRIPT_H */
