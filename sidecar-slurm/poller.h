/*
 * sidecar-slurm/poller.h - one background thread asks the backend for every
 * job once per interval (Slurm: one slurm_load_jobs call) and keeps the
 * answer as a table indexed by job id.  /status reads the table; it never
 * talks to the batch system itself.
 */
#ifndef SIDECAR_POLLER_H
#define SIDECAR_POLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ilk_plugin.h"

struct poller;

/* Called by the poller thread after each successful poll. */
typedef void (*poller_after_fn)(void *ctx, struct poller *p);

/* Is there anything to poll for?  false skips the batch system's call. */
typedef bool (*poller_need_fn)(void *ctx);

struct poller *poller_start(const struct ilk_backend_ops *ops, void *bstate,
			    int64_t interval_ms, poller_need_fn need,
			    poller_after_fn after, void *ctx);
void poller_stop(struct poller *p);
/*
 * Poll again soon instead of waiting for the interval.  Kicks coalesce:
 * any number of them before the next poll begins cause one, and a kicked
 * poll starts no sooner than POLLER_KICK_GAP_MS after the last one ended.
 */
#define POLLER_KICK_GAP_MS 100
void poller_kick(struct poller *p);

/*
 * A job was just submitted: until a poll that began after this call has
 * answered, poller_lookup reports it PENDING (what a new job is) instead
 * of -ENOENT, so a create needs no poll of its own and /status no query.
 * At most POLLER_RECENT_MAX such jobs are kept; beyond, lookups of the
 * newest answer -ENOENT until the next poll, as without this call.
 */
#define POLLER_RECENT_MAX 4096
void poller_note_submitted(struct poller *p, const char *job_id);
/*
 * Copy the job's info from the latest good snapshot: 0; -ENOENT when the
 * batch system did not report the job; -EAGAIN when there is no good
 * snapshot (none yet, or the polls have failed for over two minutes: err
 * says why).  A snapshot older than the last failed poll still answers
 * until then, so one lost RPC does not change any pod's state.
 */
int poller_lookup(struct poller *p, const char *job_id,
		  struct ilk_job_info *ret, char *err, size_t errlen);
/* Number of polls done so far (tests and metrics). */
uint64_t poller_generation(struct poller *p);

/*
 * Copy what a backend's job struct covers (job->struct_size) into a whole
 * struct of this ABI; fields it lacks read as unknown (user_id -1).
 */
void ilk_job_info_copy(struct ilk_job_info *dst,
		       const struct ilk_job_info *job);

#endif /* SIDECAR_POLLER_H */
