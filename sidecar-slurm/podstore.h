/*
 * sidecar-slurm/podstore.h - the pods this sidecar runs: an in-memory
 * table keyed by pod UID, persisted in each pod's folder
 * (<DataRootFolder>/<namespace>-<uid>/pod.json, plus upstream's JobID.jid,
 * PodUID.uid and PodNamespace.ns) so a restart loses nothing.
 * Thread-safe; lookups hand out copies.
 */
#ifndef SIDECAR_PODSTORE_H
#define SIDECAR_PODSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ilk_plugin.h"

struct podstore;

struct pod_record {
	char uid[65];
	char namespace[64];
	char name[254];
	char dir[4096];
	char job_id[ILK_JOB_ID_MAX]; /* "" until submitted */
	char **init_names;
	size_t n_init;
	char **names; /* regular containers */
	size_t n_names;
	int64_t created;
	bool deleting;
	int64_t deleted_at; /* when deleting was set */
	/* > 0: a delete first asks the job to stop by itself (preStop hooks)
	 * and cancels it only this many seconds later; 0: at once */
	int stop_grace;
	/* the job's last state once it ended (answers after a purge) */
	bool has_final;
	struct ilk_job_info final;
};

/* Open the store rooted at data_root, loading every pod folder in it. */
struct podstore *podstore_open(const char *data_root, char *err,
			       size_t errlen);
void podstore_close(struct podstore *ps);

/* The folder of a pod; writes into out (PATH_MAX). */
int podstore_dir(const struct podstore *ps, const char *ns, const char *uid,
		 char *out, size_t outlen);

/*
 * Persist rec (pod.json and the upstream files) and insert or replace it
 * in the table.  Returns 0 or a negative errno.
 */
int podstore_put(struct podstore *ps, const struct pod_record *rec);

/* Copy the record of uid into *ret (free with pod_record_done); -ENOENT. */
int podstore_get(struct podstore *ps, const char *uid,
		 struct pod_record *ret);

/* Mark uid as being deleted (persisted). -ENOENT when unknown. */
int podstore_mark_deleting(struct podstore *ps, const char *uid);
/* Record the final state of uid's job (persisted; replaced only while
 * its exit code is still unknown). */
int podstore_set_final(struct podstore *ps, const char *uid,
		       const struct ilk_job_info *info);
/* Forget uid and remove its folder. */
int podstore_remove(struct podstore *ps, const char *uid);

/*
 * Is any pod's job still to be watched: submitted and not known to have
 * ended (or ended without a known exit code), or being deleted?
 */
bool podstore_has_live(struct podstore *ps);

/* Copies of every record (free with podstore_free_list). */
int podstore_list(struct podstore *ps, struct pod_record **ret,
		  size_t *ret_n);
void podstore_free_list(struct pod_record *v, size_t n);

/* Deep copy and release of one record. */
int pod_record_copy(struct pod_record *dst, const struct pod_record *src);
void pod_record_done(struct pod_record *r);

#endif /* SIDECAR_PODSTORE_H */
