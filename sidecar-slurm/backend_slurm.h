/*
 * sidecar-slurm/backend_slurm.h - the built-in Slurm backend.
 *
 * Written against proto/ilk_plugin.h exactly like a third-party backend:
 * the sidecar reaches it through backend_slurm_entry() instead of dlsym()
 * of ILK_PLUGIN_ENTRY_V1, and then uses only the returned ops table.
 *
 * Each job is one Slurm batch job, submitted, watched and cancelled
 * through libslurm (never sbatch/squeue/scancel).  The pod UID given as
 * the spec's tag is stored as the job's comment and reported back by
 * poll and query.
 *
 * Configuration read through host->config_get at init:
 *   Partition   partition for jobs whose spec names none; unset: Slurm's
 *               default partition.  init fails when slurmctld answers
 *               that it does not exist.
 * Environment read at init: SLURM_CONF (libslurm's configuration file),
 * MUNGE_SOCKET (munged's socket for ping's check when slurm.conf's
 * AuthInfo names none).
 *
 * Ops may run concurrently (flags 0): libslurm's RPCs are thread-safe and
 * the backend's own state is read-only after init.
 *
 * Blocking: every op is one to three libslurm RPCs, a few milliseconds
 * each.  When slurmctld is down, libslurm retries each RPC for about
 * MessageTimeout - 1 seconds (9 s with the default 10) before the op
 * returns ILK_ERR_UNAVAILABLE; when munged is down, about 2 s.  Do not
 * call ops from an event-loop thread.
 */
#ifndef SIDECAR_SLURM_BACKEND_SLURM_H
#define SIDECAR_SLURM_BACKEND_SLURM_H

#include <stdint.h>

#include "ilk_plugin.h"

/*
 * backend_slurm_entry - the backend's entry point, with the signature of
 * ilk_plugin_entry_v1_fn.
 *
 * host_abi_major/minor: the host's ILK_PLUGIN_ABI_MAJOR/MINOR.  host: the
 * host's service table, borrowed; it must stay valid until fini returns.
 *
 * Returns a pointer to a static, immutable ops table (never freed), or
 * NULL when the host's ABI major differs from this backend's or host is
 * NULL or too small to carry abi_major.
 */
const struct ilk_backend_ops *backend_slurm_entry(uint32_t host_abi_major,
						  uint32_t host_abi_minor,
						  const struct ilk_host *host);

#endif /* SIDECAR_SLURM_BACKEND_SLURM_H */
