/* interlink-api/metrics.c - see metrics.h */
#include "metrics.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ilk_plugin.h"
#include "procmetrics.h"

#define CODE_MIN 100
#define CODE_MAX 599
#define N_CODES (CODE_MAX - CODE_MIN + 1)
#define N_BUCKETS 15

static const double bucket_le[N_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
	0.5,   1,      2.5,   5,    10,    30,   120,
};

/* The gateway's own paths; anything else is "other". */
static const char *const gw_paths[] = {
	"/create",   "/status",  "/delete",  "/getLogs", "/pinglink",
	"/updateCache", "/healthz", "/readyz", "/metrics", "other",
};
#define N_GW (sizeof(gw_paths) / sizeof(gw_paths[0]))

/* The sidecar's paths the gateway calls. */
static const char *const sc_paths[] = {
	"/create", "/status", "/delete", "/getLogs", "/pods", "/healthz",
	"other",
};
#define N_SC (sizeof(sc_paths) / sizeof(sc_paths[0]))

static const char *const auth_reasons[METRICS_AUTH_N] = {
	"no_token", "bad_token", "client_cert",
};

struct histogram {
	uint64_t bucket[N_BUCKETS + 1]; /* the last one is +Inf */
	uint64_t count;
	uint64_t sum_ns;
};

struct metrics {
	int64_t start; /* process_start_time_seconds */
	uint64_t gw_codes[N_GW][N_CODES];
	struct histogram gw_latency[N_GW];
	uint64_t sc_codes[N_SC][N_CODES + 1]; /* the last: no answer */
	uint64_t sc_errors[N_SC];
	struct histogram sc_latency[N_SC];
	int64_t log_streams;
	uint64_t auth_failures[METRICS_AUTH_N];
	uint64_t refreshes, refresh_errors, refresh_pods;
};

static void add(uint64_t *v, uint64_t n)
{
	__atomic_fetch_add(v, n, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static size_t index_of(const char *const *v, size_t n, const char *path)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (path && strcmp(v[i], path) == 0)
			return i;
	return n - 1;
}

static void observe(struct histogram *h, double seconds)
{
	size_t b = 0;

	if (seconds < 0)
		seconds = 0;
	while (b < N_BUCKETS && seconds > bucket_le[b])
		b++;
	add(&h->bucket[b], 1);
	add(&h->count, 1);
	add(&h->sum_ns, (uint64_t)(seconds * 1e9));
}

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(struct metrics));

	if (m)
		m->start = procmetrics_start_time();
	return m;
}

void metrics_free(struct metrics *m)
{
	free(m);
}

void metrics_request(struct metrics *m, const char *path, unsigned code,
		     double seconds)
{
	size_t i;

	if (!m || code < CODE_MIN || code > CODE_MAX)
		return;
	i = index_of(gw_paths, N_GW, path);
	add(&m->gw_codes[i][code - CODE_MIN], 1);
	observe(&m->gw_latency[i], seconds);
}

void metrics_sidecar(struct metrics *m, const char *path, long code,
		     double seconds)
{
	size_t i;

	if (!m)
		return;
	i = index_of(sc_paths, N_SC, path);
	if (code >= CODE_MIN && code <= CODE_MAX)
		add(&m->sc_codes[i][code - CODE_MIN], 1);
	else
		add(&m->sc_codes[i][N_CODES], 1);
	if (code < CODE_MIN || code > CODE_MAX || code >= 500)
		add(&m->sc_errors[i], 1);
	observe(&m->sc_latency[i], seconds);
}

void metrics_log_streams(struct metrics *m, int delta)
{
	if (m)
		__atomic_fetch_add(&m->log_streams, delta, __ATOMIC_RELAXED);
}

void metrics_auth_failure(struct metrics *m, enum metrics_auth_failure why)
{
	if (m && why < METRICS_AUTH_N)
		add(&m->auth_failures[why], 1);
}

void metrics_status_refresh(struct metrics *m, bool ok, size_t pods)
{
	if (!m)
		return;
	add(&m->refreshes, 1);
	if (!ok)
		add(&m->refresh_errors, 1);
	add(&m->refresh_pods, pods);
}

static int header(struct buf *out, const char *name, const char *type,
		  const char *help)
{
	return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
			  name, type);
}

static int histogram(struct buf *out, const char *name, const char *label,
		     const struct histogram *h)
{
	uint64_t cum = 0;
	int r = 0;

	for (size_t b = 0; r == 0 && b < N_BUCKETS; b++) {
		cum += get(&h->bucket[b]);
		r = buf_printf(out, "%s_bucket{path=\"%s\",le=\"%g\"} %llu\n",
			       name, label, bucket_le[b],
			       (unsigned long long)cum);
	}
	cum += get(&h->bucket[N_BUCKETS]);
	if (r == 0)
		r = buf_printf(out,
			       "%s_bucket{path=\"%s\",le=\"+Inf\"} %llu\n"
			       "%s_sum{path=\"%s\"} %.6f\n"
			       "%s_count{path=\"%s\"} %llu\n",
			       name, label, (unsigned long long)cum, name,
			       label, (double)get(&h->sum_ns) / 1e9, name,
			       label, (unsigned long long)get(&h->count));
	return r;
}

static int render_requests(struct metrics *m, struct buf *out)
{
	const char *n = "interlink_api_http_requests_total";
	const char *l = "interlink_api_http_request_duration_seconds";
	int r = header(out, n, "counter",
		       "Requests served, by path and HTTP status.");

	for (size_t i = 0; r == 0 && i < N_GW; i++)
		for (size_t c = 0; r == 0 && c < N_CODES; c++) {
			uint64_t v = get(&m->gw_codes[i][c]);

			if (v)
				r = buf_printf(out, "%s{path=\"%s\","
					       "code=\"%zu\"} %llu\n", n,
					       gw_paths[i], c + CODE_MIN,
					       (unsigned long long)v);
		}
	if (r == 0)
		r = header(out, l, "histogram",
			   "Time from a request's first byte to the end of "
			   "its answer (log streams: the whole stream).");
	for (size_t i = 0; r == 0 && i < N_GW; i++)
		if (get(&m->gw_latency[i].count))
			r = histogram(out, l, gw_paths[i], &m->gw_latency[i]);
	return r;
}

static int render_sidecar(struct metrics *m, struct buf *out)
{
	const char *n = "interlink_api_sidecar_requests_total";
	const char *e = "interlink_api_sidecar_errors_total";
	const char *l = "interlink_api_sidecar_request_duration_seconds";
	int r = header(out, n, "counter",
		       "Round trips to the sidecar, by path and HTTP status "
		       "(\"none\": no answer).");

	for (size_t i = 0; r == 0 && i < N_SC; i++)
		for (size_t c = 0; r == 0 && c <= N_CODES; c++) {
			uint64_t v = get(&m->sc_codes[i][c]);
			char code[8] = "none";

			if (!v)
				continue;
			if (c < N_CODES)
				(void)snprintf(code, sizeof(code), "%zu",
					       c + CODE_MIN);
			r = buf_printf(out, "%s{path=\"%s\",code=\"%s\"} "
				       "%llu\n", n, sc_paths[i], code,
				       (unsigned long long)v);
		}
	if (r == 0)
		r = header(out, e, "counter",
			   "Sidecar calls without an answer or with a 5xx.");
	for (size_t i = 0; r == 0 && i < N_SC; i++)
		r = buf_printf(out, "%s{path=\"%s\"} %llu\n", e, sc_paths[i],
			       (unsigned long long)get(&m->sc_errors[i]));
	if (r == 0)
		r = header(out, l, "histogram",
			   "Time until the sidecar's answer (headers, for "
			   "log streams).");
	for (size_t i = 0; r == 0 && i < N_SC; i++)
		if (get(&m->sc_latency[i].count))
			r = histogram(out, l, sc_paths[i], &m->sc_latency[i]);
	return r;
}

int metrics_render(struct metrics *m, size_t pods_tracked, struct buf *out)
{
	int r = render_requests(m, out);

	if (r == 0)
		r = render_sidecar(m, out);
	if (r == 0)
		r = header(out, "interlink_api_auth_failures_total", "counter",
			   "Requests refused by authentication, by reason.");
	for (size_t i = 0; r == 0 && i < METRICS_AUTH_N; i++)
		r = buf_printf(out, "interlink_api_auth_failures_total"
			       "{reason=\"%s\"} %llu\n", auth_reasons[i],
			       (unsigned long long)get(&m->auth_failures[i]));
	if (r == 0)
		r = header(out, "interlink_api_status_refreshes_total",
			   "counter", "Batched /status calls of the status "
			   "table.");
	if (r == 0)
		r = buf_printf(out, "interlink_api_status_refreshes_total "
			       "%llu\n",
			       (unsigned long long)get(&m->refreshes));
	if (r == 0)
		r = header(out, "interlink_api_status_refresh_errors_total",
			   "counter", "Status table refreshes that failed.");
	if (r == 0)
		r = buf_printf(out, "interlink_api_status_refresh_errors_total "
			       "%llu\n",
			       (unsigned long long)get(&m->refresh_errors));
	if (r == 0)
		r = header(out, "interlink_api_status_refresh_pods_total",
			   "counter", "Pods asked about by status table "
			   "refreshes.");
	if (r == 0)
		r = buf_printf(out, "interlink_api_status_refresh_pods_total "
			       "%llu\n",
			       (unsigned long long)get(&m->refresh_pods));
	if (r == 0)
		r = header(out, "interlink_api_pods_tracked", "gauge",
			   "Pods in the status table.");
	if (r == 0)
		r = buf_printf(out, "interlink_api_pods_tracked %zu\n",
			       pods_tracked);
	if (r == 0)
		r = header(out, "interlink_api_log_streams_open", "gauge",
			   "Log streams being relayed from the sidecar.");
	if (r == 0)
		r = buf_printf(out, "interlink_api_log_streams_open %lld\n",
			       (long long)__atomic_load_n(&m->log_streams,
							  __ATOMIC_RELAXED));
	if (r == 0)
		r = procmetrics_render(out, "interlink_api", ILK_VERSION,
				       m->start);
	return r < 0 ? r : 0;
}
