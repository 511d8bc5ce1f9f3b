/*
 * interlink-api/statustable.h - the status of every pod the gateway knows,
 * refreshed from the sidecar by one batched /status call per interval.
 *
 * The virtual-kubelet asks about each pod separately, about every 5 s; N
 * pods would mean N sidecar calls.  Instead a refresher thread sends the
 * sidecar one GET /status with a JSON array of every tracked pod each
 * StatusRefreshIntervalMs (in chunks of STATUSTABLE_BATCH pods), and
 * /status answers from the table.
 *
 * A pod enters the table when /create succeeds through this gateway, when
 * the refresher relearns the sidecar's pods (GET /pods, at start-up: the
 * table is never persisted, so replicas and restarts need nothing), or
 * when the VK asks about a UID the table lacks: that request then waits
 * for one extra refresh, which asks only about such new pods and which
 * concurrent requests share.  A pod the sidecar does not know (empty JID)
 * is answered as the sidecar answered it and dropped after a short while.
 * /delete removes the UID.
 *
 * The table holds for each pod only a minimal pod JSON
 * ({metadata{name,namespace,uid},spec{containers[{name}],
 * initContainers[{name}]}}) and the canonical PodStatus text, so an answer
 * is a lookup and a copy.
 *
 * Threads: every function may be called from any thread; one mutex guards
 * the table and is never held during a sidecar call.
 */
#ifndef GATEWAY_STATUSTABLE_H
#define GATEWAY_STATUSTABLE_H

#include <stddef.h>

#include "buf.h"
#include "gconf.h"
#include "metrics.h"
#include "upstream.h"
#include "wire.h"

#define STATUSTABLE_BATCH 1000    /* most pods in one sidecar call */
#define STATUSTABLE_MAX 100000    /* most pods tracked */

struct statustable;

/* Returns NULL on OOM.  m may be NULL.  Nothing runs until _start. */
struct statustable *statustable_new(const struct gconf *c,
				    struct upstream *u, struct metrics *m);
/* Start the refresher thread (it relearns the sidecar's pods first). */
int statustable_start(struct statustable *t, char *err, size_t errlen);
/*
 * Stop the refresher and wake every waiting request (they answer 503):
 * call it before stopping the listener, whose threads may be waiting.
 */
void statustable_stop(struct statustable *t);
/* Stop (when not yet done) and free everything.  NULL-safe. */
void statustable_free(struct statustable *t);

/* Track a pod /create just created (any older entry is replaced). */
int statustable_add(struct statustable *t, const struct wire_pod *pod);
/* Refresh the stored pod of a tracked pod (/updateCache); 0 or -ENOENT. */
int statustable_update(struct statustable *t, const struct wire_pod *pod);
/* Forget a pod (/delete). */
void statustable_remove(struct statustable *t, const char *uid);
size_t statustable_count(struct statustable *t);

/*
 * The VK's /status: append to out a JSON array with the status of each of
 * the n pods, in order (a pod the sidecar gave no answer for is left out).
 * Waits for one refresh when a pod has no status yet.  n == 0 gives every
 * status the table holds.  Returns 200, or an HTTP status (502, 503, 504
 * or the sidecar's own) with a one-line reason in err.
 */
unsigned statustable_query(struct statustable *t, const struct wire_pod *pods,
			   size_t n, struct buf *out, char *err,
			   size_t errlen);

#endif /* GATEWAY_STATUSTABLE_H */
