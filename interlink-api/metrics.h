/*
 * interlink-api/metrics.h - Prometheus counters, gauges and histograms of
 * the gateway, and their text exposition (format 0.0.4).
 *
 * Every recording function is lock-free (relaxed atomics) and may be
 * called from any thread.  Label values come from fixed sets (the known
 * paths, HTTP codes 100..599), so a client cannot grow the series.
 */
#ifndef GATEWAY_METRICS_H
#define GATEWAY_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct metrics;

enum metrics_auth_failure {
	METRICS_AUTH_NO_TOKEN,   /* no or malformed Authorization */
	METRICS_AUTH_BAD_TOKEN,  /* a token not in BearerTokensFile */
	METRICS_AUTH_CLIENT_CERT, /* certificate not in AllowedClients */
	METRICS_AUTH_N
};

/* NULL on OOM; metrics_free is NULL-safe. */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* One request the gateway served (the httpd done hook). */
void metrics_request(struct metrics *m, const char *path, unsigned code,
		     double seconds);
/* One call to the sidecar: code -1 when there was no answer. */
void metrics_sidecar(struct metrics *m, const char *path, long code,
		     double seconds);
/* A follow-able log stream opened (+1) or closed (-1). */
void metrics_log_streams(struct metrics *m, int delta);
void metrics_auth_failure(struct metrics *m, enum metrics_auth_failure why);
/* One refresh of the status table: ok, and how many pods it asked about. */
void metrics_status_refresh(struct metrics *m, bool ok, size_t pods);

/*
 * Append the exposition text to out; pods_tracked is the status table's
 * size right now.  0 or a negative errno (out full).
 */
int metrics_render(struct metrics *m, size_t pods_tracked, struct buf *out);

#endif /* GATEWAY_METRICS_H */
