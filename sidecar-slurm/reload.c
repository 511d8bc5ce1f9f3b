/* sidecar-slurm/reload.c - see reload.h */
#include "reload.h"

#include <stdio.h>
#include <string.h>

#include "confdiff.h"
#include "log.h"
#include "podstore.h"
#include "sconf.h"
#include "sconfcheck.h"

struct seen {
	size_t live, restart;
};

static void visit(void *ctx, const char *key)
{
	struct seen *s = ctx;

	if (strcmp(key, "VerboseLogging") == 0 ||
	    strcmp(key, "ErrorsOnlyLogging") == 0) {
		s->live++;
		log_notice("reload: %s changed; applied", key);
	} else {
		s->restart++;
		log_warn("reload: %s changed; it takes effect only after a "
			 "restart", key);
	}
}

void sidecar_reload(void *ctx)
{
	struct sidecar_reload *r = ctx;
	struct sconf nc;
	struct seen seen = {0, 0};
	char err[1024] = "";

	memset(&nc, 0, sizeof(nc));
	if (sconf_load(&nc, r->path, err, sizeof(err)) < 0) {
		log_error("reload: configuration: %s; keeping the running one",
			  err);
		sconf_free(&nc);
		return;
	}
	if (sconf_check(&nc, sconfcheck_path(r->path), err, sizeof(err)) < 0) {
		log_error("reload: configuration: %s; keeping the running one",
			  err);
		sconf_free(&nc);
		return;
	}
	(void)conf_diff(sconf_table, &r->sc->conf, &nc, r->sc->conf.raw,
			nc.raw, visit, &seen);
	log_apply_flags(nc.verbose || r->verbose, nc.errors_only);
	sconf_free(&nc);
	log_notice("reload: done (%zu key%s applied, %zu need%s a restart)",
		   seen.live, seen.live == 1 ? "" : "s", seen.restart,
		   seen.restart == 1 ? "s" : "");
}

void sidecar_status_line(void *ctx, char *buf, size_t len)
{
	struct sidecar_reload *r = ctx;
	struct pod_record *v = NULL;
	size_t n = 0, live = 0, ended = 0, deleting = 0;

	if (!r->sc->store || podstore_list(r->sc->store, &v, &n) < 0) {
		snprintf(buf, len, "serving");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].deleting)
			deleting++;
		else if (v[i].has_final)
			ended++;
		else if (v[i].job_id[0])
			live++;
	}
	podstore_free_list(v, n);
	snprintf(buf, len, "%zu pods: %zu with a live job, %zu ended, "
		 "%zu being deleted", n, live, ended, deleting);
}
