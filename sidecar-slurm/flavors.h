/*
 * sidecar-slurm/flavors.h - upstream's Flavors: named presets of sbatch
 * flags and default CPU and memory, in SlurmConfig.yaml:
 *
 *   Flavors:
 *     small: {CPUDefault: 1, MemoryDefault: 2G, SlurmFlags: ["-p short"]}
 *     gpu:   {CPUDefault: 8, MemoryDefault: 32G,
 *             SlurmFlags: ["-p gpu", "--gres=gpu:1"]}
 *   DefaultFlavor: small
 *
 * A pod's flavor is the one its slurm-job.vk.io/flavor annotation names;
 * else, for a pod with GPU limits, the flavor whose flags request exactly
 * that many GPUs (--gres=gpu:N), else the first flavor by name with a GPU
 * flag; else DefaultFlavor; else none.  Unlike upstream the choice never
 * depends on map order.  The pod's own annotation flags win over the
 * flavor's, field by field; the flavor's defaults replace DefaultCPUs and
 * DefaultMemoryMB.  (Upstream's per-flavor UID is not used: Tenants says
 * who a job runs as.)
 */
#ifndef SIDECAR_FLAVORS_H
#define SIDECAR_FLAVORS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sbatch_flags.h"
#include "wire.h"

#define FLAVOR_ANNOTATION "slurm-job.vk.io/flavor"

struct flavor {
	char name[64];          /* "" when none applies */
	struct sbatch_flags flags;
	uint32_t cpu_default;   /* 0: unset */
	uint64_t mem_default_mb;
};

/* Check Flavors and DefaultFlavor at start-up; 0 or -1 with err. */
int flavors_check(const cJSON *raw, char *err, size_t errlen);

/*
 * Choose pod's flavor (gpus: the GPUs its containers ask for) into *ret;
 * release with flavor_done.  Returns 0 (ret->name may be ""), or -1 with
 * err when the configuration cannot be read.
 */
int flavors_select(const cJSON *raw, const struct wire_pod *pod,
		   uint64_t gpus, struct flavor *ret, char *err,
		   size_t errlen);
void flavor_done(struct flavor *f);

#endif /* SIDECAR_FLAVORS_H */
