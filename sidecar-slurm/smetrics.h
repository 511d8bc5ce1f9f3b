/*
 * sidecar-slurm/smetrics.h - the sidecar's Prometheus metrics and its
 * operations listener (MetricsAddress): /metrics, /healthz, /readyz.
 *
 * Requests are counted by route and status code with a latency histogram
 * per route (httpd's done hook); every backend call (submit, poll, query,
 * cancel, ping, terminate) by result with a latency histogram, through a
 * wrapper of the backend's ops table, so no backend knows about metrics;
 * jobs submitted, failed to submit and cancelled; the age of the last
 * successful poll; pods by phase (from the pod store, when scraped);
 * process_* and a build-info gauge.  /readyz asks the backend's ping:
 * 503 when slurmctld or munged cannot be reached.
 */
#ifndef SIDECAR_SMETRICS_H
#define SIDECAR_SMETRICS_H

#include <stdbool.h>

#include "httpd.h"
#include "ilk_plugin.h"

struct smetrics;
struct sidecar;

struct smetrics *smetrics_new(void);
/* NULL-safe; after the listeners and the poller stopped. */
void smetrics_free(struct smetrics *m);

/*
 * Route every op of (*ops, *state) through m: on return *ops and *state are
 * the wrapper's (valid until smetrics_free); the wrapper's fini calls the
 * backend's.  -1 on OOM (nothing changed).
 */
int smetrics_wrap(struct smetrics *m, const struct ilk_backend_ops **ops,
		  void **state);

/* httpd_conf.done for the plugin API listeners (ctx: struct sidecar). */
void smetrics_request_done(void *ctx, const struct httpd_request *req,
			   unsigned code, double seconds, bool completed);

/* The operations listener's routes (ctx: struct sidecar). */
extern const struct httpd_route smetrics_routes[];

#endif /* SIDECAR_SMETRICS_H */
