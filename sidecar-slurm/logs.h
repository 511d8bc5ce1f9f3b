/*
 * sidecar-slurm/logs.h - a container's log as Kubernetes defines it:
 * Tail (last N lines), Bytes (LimitBytes: at most N bytes of output), and
 * Follow (stream new bytes within about 200 ms until the container has
 * ended or the pod is gone).  Nothing is ever injected into the stream.
 */
#ifndef SIDECAR_LOGS_H
#define SIDECAR_LOGS_H

#include <stdatomic.h>
#include <stdbool.h>

#include "httpd.h"
#include "wire.h"

/* Is the pod still there?  Follow ends when this says no. */
typedef bool (*logs_alive_fn)(void *ctx);

/* Follows waiting on inotify at most at once (the others poll). */
#define LOGS_MAX_WATCHES 32

/*
 * Reply to req with the log at out_path.  status_path names the file
 * whose appearance means the container has ended; both are in the pod's
 * folder, which is opened once (O_NOFOLLOW) and everything below it
 * relative to it.  A log that is a hard link to a file of another user
 * than the folder's is refused.  watches counts the follows' inotify
 * instances (at most LOGS_MAX_WATCHES; NULL: poll only).  alive/ctx may
 * be NULL; ctx must stay valid until the stream ends (it is freed with
 * free_ctx).
 */
int logs_reply(struct httpd_request *req, const char *out_path,
	       const char *status_path, const struct wire_log_opts *opts,
	       atomic_int *watches, logs_alive_fn alive, void *ctx,
	       void (*free_ctx)(void *));

#endif /* SIDECAR_LOGS_H */
