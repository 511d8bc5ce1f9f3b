/*
 * sidecar-slurm/policy.h - what the site allows a pod to do, checked before
 * anything is written or submitted (403 when refused):
 *   - hostPath volumes only under HostPathPrefixes (none by default);
 *   - the raw-shell annotations slurm-job.vk.io/pre-exec,
 *     slurm-job.vk.io/singularity-options and -mounts only with
 *     AllowRawShellAnnotations: true;
 *   - upstream's tunnel client commands and mesh script only with
 *     AllowTunnelAnnotations: true (tunnels.h);
 *   - which Unix user the job runs as (tenancy.h); a sidecar running as
 *     root without a Tenants map runs nothing unless AllowRootJobs: true.
 */
#ifndef SIDECAR_POLICY_H
#define SIDECAR_POLICY_H

#include <stddef.h>

#include "sconf.h"
#include "tenancy.h"
#include "wire.h"

#define ANNOTATION_PRE_EXEC "slurm-job.vk.io/pre-exec"
#define ANNOTATION_RUNTIME_OPTIONS "slurm-job.vk.io/singularity-options"
#define ANNOTATION_RUNTIME_MOUNTS "slurm-job.vk.io/singularity-mounts"
#define ANNOTATION_POD_IP "interlink.eu/pod-ip"

/*
 * Check pod against the configuration and resolve its Unix identity.
 * Returns 0, or -1 with the reason in err (the create is forbidden).
 */
int policy_check(const struct sconf *c, const struct wire_pod *pod,
		 struct tenant_id *ret, char *err, size_t errlen);

#endif /* SIDECAR_POLICY_H */
