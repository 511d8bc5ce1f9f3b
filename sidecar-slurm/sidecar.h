/*
 * sidecar-slurm/sidecar.h - the daemon's context (its only mutable state)
 * and the plugin-API handlers.
 */
#ifndef SIDECAR_SIDECAR_H
#define SIDECAR_SIDECAR_H

#include <stddef.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "httpd.h"
#include "ilk_plugin.h"
#include "jobscript.h"
#include "podstore.h"
#include "poller.h"
#include "sconf.h"
#include "wire.h"

struct sidecar {
	struct sconf conf;
	const struct ilk_backend_ops *ops;
	void *bstate;
	bool serial;               /* ILK_BACKEND_SERIAL */
	pthread_mutex_t backend_lock;
	/* creates and deletes of one UID one at a time (idempotence); other
	 * pods' are not held up */
	pthread_mutex_t create_locks[64];
	struct podstore *store;
	struct poller *poller;
	struct jobscript_conf js;
	size_t trim_mark; /* pods tracked at most since the last trim */
	struct smetrics *metrics; /* smetrics.c */
	atomic_int log_watches;   /* logs.c: follows on inotify */
};

/* The plugin API: /create, /status, /delete, /getLogs, plus /pods (the
 * tracked pods, for gateways) and /healthz. */
extern const struct httpd_route sidecar_routes[];

/* The handlers, one file each (route_*.c). */
int sidecar_route_create(void *ctx, struct httpd_request *req);
int sidecar_route_status(void *ctx, struct httpd_request *req);
int sidecar_route_delete(void *ctx, struct httpd_request *req);
int sidecar_route_logs(void *ctx, struct httpd_request *req);
int sidecar_route_pods(void *ctx, struct httpd_request *req);

/* Shared by the handlers (sidecar_util.c). */
/* The HTTP status for an enum ilk_err. */
unsigned sidecar_http_code(int ilk);
/* Serialise backend ops when the backend asks for it. */
void sidecar_backend_lock(struct sidecar *sc);
void sidecar_backend_unlock(struct sidecar *sc);
/* The body as JSON, or NULL after replying 400 (owned: cJSON_Delete). */
cJSON *sidecar_parse_body(struct httpd_request *req);
/* metadata.uid, namespace and name are present and safe in paths. */
int sidecar_check_pod_identity(const struct wire_pod *pod, char *err,
			       size_t errlen);

/* The create/delete lock of uid. */
pthread_mutex_t *sidecar_create_lock(struct sidecar *sc, const char *uid);

/* Cancel rec's job (serialised as the backend asks) once
 * sidecar_check_job says it is the pod's; an enum ilk_err
 * (ILK_ERR_NOT_FOUND also when it is not the pod's). */
int sidecar_cancel_job(struct sidecar *sc, const struct pod_record *rec,
		       char *err, size_t errlen);

/*
 * A deleted pod's job that was asked to stop by itself (its preStop hooks
 * run) and still has time to: not to be cancelled yet (route_delete.c).
 */
#define SIDECAR_STOP_SLACK_S 10
bool sidecar_stop_pending(const struct pod_record *rec, int64_t now);

/* Jobs of pods carry "interlink-pod=<uid>" as their tag (Slurm comment). */
#define SIDECAR_TAG_PREFIX "interlink-pod="

/* Ownership of jobs (ownership.c). */
/* tag is exactly "interlink-pod=<uid>". */
bool sidecar_tag_is(const char *tag, const char *uid);
/* user is a Unix user pods of namespace ns may run as. */
bool sidecar_user_of_ns(struct sidecar *sc, const char *ns, int64_t user);
/* ... of any namespace (the sidecar's own user without Tenants). */
bool sidecar_user_of_any_ns(struct sidecar *sc, int64_t user);
/* 0 when info is rec's pod's job (tag and user), else -1 and why. */
int sidecar_job_owned(struct sidecar *sc, const struct pod_record *rec,
		      const struct ilk_job_info *info, char *why,
		      size_t whylen);
/*
 * Ask the backend about rec's job before acting on it (what: "cancel",
 * "signal"): ILK_OK when it is the pod's; ILK_ERR_REJECTED when it is not
 * (logged with both jobs' owners; the record forgets the job id and the
 * pod reads as terminated), or the query's error (ILK_ERR_NOT_FOUND...).
 */
int sidecar_check_job(struct sidecar *sc, const struct pod_record *rec,
		      const char *what, char *err, size_t errlen);

/*
 * Start-up: match the pod records with the batch system's jobs.  A record
 * whose job id was never written adopts the job tagged with its UID, or is
 * dropped (it was never submitted); a tagged job without a record is
 * reported, and cancelled when cancel_orphans.  Returns 0, or -1 when the
 * batch system could not be asked (then nothing is changed).
 */
int sidecar_reconcile(struct sidecar *sc, bool cancel_orphans);

/* Size of the error buffers handed to the backend and the codecs. */
#define ERRLEN 512

/* Does any pod need the poller (poller_need_fn)? */
bool sidecar_need_poll(void *ctx);

/* Housekeeping after each status poll (final states, deletions). */
void sidecar_after_poll(void *ctx, struct poller *p);

#endif /* SIDECAR_SIDECAR_H */
