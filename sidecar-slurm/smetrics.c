/* sidecar-slurm/smetrics.c - see smetrics.h */
#include "smetrics.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "podstore.h"
#include "procmetrics.h"
#include "sidecar.h"

#define N_BUCKETS 11
static const double buckets[N_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1,
					  0.25, 0.5, 1, 2.5, 5, 10};

struct hist {
	uint64_t le[N_BUCKETS]; /* non-cumulative; summed when rendered */
	uint64_t count;
	double sum;
};

static const char *const routes[] = {"/create", "/status", "/delete",
				     "/getLogs", "/pods", "/healthz", "other"};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))
static const unsigned codes[] = {200, 201, 204, 400, 401, 403, 404, 405,
				 409, 413, 422, 500, 501, 502, 503, 504, 0};
#define N_CODES (sizeof(codes) / sizeof(codes[0])) /* 0: any other */

enum op { OP_SUBMIT, OP_POLL, OP_QUERY, OP_CANCEL, OP_PING, OP_TERMINATE,
	  N_OPS };
static const char *const op_names[N_OPS] = {"submit", "poll", "query",
					    "cancel", "ping", "terminate"};

struct smetrics {
	pthread_mutex_t lock;
	int64_t start;
	uint64_t requests[N_ROUTES][N_CODES];
	struct hist latency[N_ROUTES];
	uint64_t calls[N_OPS][2]; /* [op][0 ok, 1 error] */
	struct hist call_latency[N_OPS];
	uint64_t submitted, submit_failed, cancelled;
	struct timespec last_poll; /* 0: none yet */
	/* the backend wrapper */
	struct ilk_backend_ops ops;
	const struct ilk_backend_ops *inner;
	void *inner_state;
};

static double now_mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void observe(struct hist *h, double s)
{
	size_t i = 0;

	while (i < N_BUCKETS && s > buckets[i])
		i++;
	if (i < N_BUCKETS)
		h->le[i]++;
	h->count++;
	h->sum += s;
}

struct smetrics *smetrics_new(void)
{
	struct smetrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->start = procmetrics_start_time();
	return m;
}

void smetrics_free(struct smetrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void smetrics_request_done(void *ctx, const struct httpd_request *req,
			   unsigned code, double seconds, bool completed)
{
	struct sidecar *sc = ctx;
	struct smetrics *m = sc->metrics;
	size_t r = N_ROUTES - 1, c = N_CODES - 1;

	(void)completed;
	if (!m)
		return;
	for (size_t i = 0; i + 1 < N_ROUTES; i++)
		if (req->path && strcmp(req->path, routes[i]) == 0)
			r = i;
	for (size_t i = 0; i + 1 < N_CODES; i++)
		if (codes[i] == code)
			c = i;
	pthread_mutex_lock(&m->lock);
	m->requests[r][c]++;
	observe(&m->latency[r], seconds);
	pthread_mutex_unlock(&m->lock);
}

/* ---- the backend wrapper -------------------------------------------------- */

static void count(struct smetrics *m, enum op op, int rc, double t0)
{
	double s = now_mono() - t0;

	pthread_mutex_lock(&m->lock);
	m->calls[op][rc != ILK_OK]++;
	observe(&m->call_latency[op], s);
	if (op == OP_SUBMIT) {
		if (rc == ILK_OK)
			m->submitted++;
		else
			m->submit_failed++;
	} else if (op == OP_CANCEL && rc == ILK_OK) {
		m->cancelled++;
	} else if (op == OP_POLL && rc == ILK_OK) {
		clock_gettime(CLOCK_MONOTONIC, &m->last_poll);
	}
	pthread_mutex_unlock(&m->lock);
}

static void w_fini(void *state)
{
	struct smetrics *m = state;

	if (m->inner->fini)
		m->inner->fini(m->inner_state);
}

static int w_submit(void *state, const struct ilk_job_spec *spec,
		    char ret_job_id[ILK_JOB_ID_MAX], char *err, size_t errlen)
{
	struct smetrics *m = state;
	double t0 = now_mono();
	int rc = m->inner->submit(m->inner_state, spec, ret_job_id, err,
				  errlen);

	count(m, OP_SUBMIT, rc, t0);
	return rc;
}

static int w_cancel(void *state, const char *job_id, char *err,
		    size_t errlen)
{
	struct smetrics *m = state;
	double t0 = now_mono();
	int rc = m->inner->cancel(m->inner_state, job_id, err, errlen);

	count(m, OP_CANCEL, rc, t0);
	return rc;
}

static int w_poll(void *state, ilk_job_visit_fn visit, void *ctx, char *err,
		  size_t errlen)
{
	struct smetrics *m = state;
	double t0 = now_mono();
	int rc = m->inner->poll(m->inner_state, visit, ctx, err, errlen);

	count(m, OP_POLL, rc, t0);
	return rc;
}

static int w_query(void *state, const char *job_id, struct ilk_job_info *ret,
		   char *err, size_t errlen)
{
	struct smetrics *m = state;
	double t0 = now_mono();
	int rc = m->inner->query(m->inner_state, job_id, ret, err, errlen);

	count(m, OP_QUERY, rc, t0);
	return rc;
}

static int w_ping(void *state, struct ilk_capacity *ret, char *err,
		  size_t errlen)
{
	struct smetrics *m = state;
	double t0 = now_mono();
	int rc = m->inner->ping(m->inner_state, ret, err, errlen);

	count(m, OP_PING, rc, t0);
	return rc;
}

static int w_terminate(void *state, const char *job_id, char *err,
		       size_t errlen)
{
	struct smetrics *m = state;
	double t0 = now_mono();
	int rc = m->inner->terminate(m->inner_state, job_id, err, errlen);

	count(m, OP_TERMINATE, rc, t0);
	return rc;
}

int smetrics_wrap(struct smetrics *m, const struct ilk_backend_ops **ops,
		  void **state)
{
	const struct ilk_backend_ops *in = *ops;
	struct ilk_backend_ops *w = &m->ops;

	m->inner = in;
	m->inner_state = *state;
	memcpy(w, in, in->struct_size < sizeof(*w) ? in->struct_size
						     : sizeof(*w));
	w->struct_size = in->struct_size < sizeof(*w) ? in->struct_size
						       : sizeof(*w);
	w->init = NULL; /* already done */
	w->fini = w_fini;
	w->submit = in->submit ? w_submit : NULL;
	w->cancel = in->cancel ? w_cancel : NULL;
	w->poll = in->poll ? w_poll : NULL;
	w->query = in->query ? w_query : NULL;
	w->ping = in->ping ? w_ping : NULL;
	if (w->struct_size >= offsetof(struct ilk_backend_ops, terminate) +
				      sizeof(w->terminate))
		w->terminate = in->terminate ? w_terminate : NULL;
	*ops = w;
	*state = m;
	return 0;
}

/* ---- rendering -------------------------------------------------------------- */

static int header(struct buf *o, const char *name, const char *type,
		  const char *help)
{
	return buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
			  type);
}

static int hist(struct buf *o, const char *name, const char *label,
		const char *value, const struct hist *h)
{
	uint64_t cum = 0;
	int r = 0;

	for (size_t i = 0; r == 0 && i < N_BUCKETS; i++) {
		cum += h->le[i];
		r = buf_printf(o, "%s_bucket{%s=\"%s\",le=\"%g\"} %llu\n", name,
			       label, value, buckets[i],
			       (unsigned long long)cum);
	}
	if (r == 0)
		r = buf_printf(o, "%s_bucket{%s=\"%s\",le=\"+Inf\"} %llu\n"
			       "%s_sum{%s=\"%s\"} %.6f\n"
			       "%s_count{%s=\"%s\"} %llu\n",
			       name, label, value,
			       (unsigned long long)h->count, name, label, value,
			       h->sum, name, label, value,
			       (unsigned long long)h->count);
	return r;
}

static int render_pods(struct sidecar *sc, struct buf *o)
{
	struct pod_record *v = NULL;
	size_t n = 0, ph[4] = {0, 0, 0, 0};
	static const char *const names[4] = {"submitting", "live", "ended",
					     "deleting"};
	int r;

	if (sc->store && podstore_list(sc->store, &v, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			ph[v[i].deleting    ? 3
			   : v[i].has_final ? 2
			   : v[i].job_id[0] ? 1
					    : 0]++;
		podstore_free_list(v, n);
	}
	r = header(o, "interlink_sidecar_pods", "gauge",
		   "Pods this sidecar tracks, by phase of their job.");
	for (size_t i = 0; r == 0 && i < 4; i++)
		r = buf_printf(o, "interlink_sidecar_pods{phase=\"%s\"} %zu\n",
			       names[i], ph[i]);
	return r;
}

static int render(struct sidecar *sc, struct buf *o)
{
	struct smetrics *m = sc->metrics, s;
	struct timespec now;
	int r;

	pthread_mutex_lock(&m->lock);
	memcpy(&s, m, sizeof(s));
	pthread_mutex_unlock(&m->lock);
	r = header(o, "interlink_sidecar_requests_total", "counter",
		   "Plugin API requests by route and status code.");
	for (size_t i = 0; r == 0 && i < N_ROUTES; i++)
		for (size_t j = 0; r == 0 && j < N_CODES; j++)
			if (s.requests[i][j]) {
				char code[8];

				snprintf(code, sizeof(code), "%u", codes[j]);
				r = buf_printf(o, "interlink_sidecar_requests_"
					       "total{route=\"%s\",code=\"%s\"}"
					       " %llu\n", routes[i],
					       codes[j] ? code : "other",
					       (unsigned long long)
						       s.requests[i][j]);
			}
	if (r == 0)
		r = header(o, "interlink_sidecar_request_duration_seconds",
			   "histogram", "Plugin API request latency by route.");
	for (size_t i = 0; r == 0 && i < N_ROUTES; i++)
		r = hist(o, "interlink_sidecar_request_duration_seconds",
			 "route", routes[i], &s.latency[i]);
	if (r == 0)
		r = header(o, "interlink_sidecar_backend_calls_total",
			   "counter", "Backend (Slurm) calls by op and result.");
	for (size_t i = 0; r == 0 && i < N_OPS; i++)
		r = buf_printf(o, "interlink_sidecar_backend_calls_total{op=\"%s\","
			       "result=\"ok\"} %llu\n"
			       "interlink_sidecar_backend_calls_total{op=\"%s\","
			       "result=\"error\"} %llu\n", op_names[i],
			       (unsigned long long)s.calls[i][0], op_names[i],
			       (unsigned long long)s.calls[i][1]);
	if (r == 0)
		r = header(o, "interlink_sidecar_backend_call_duration_seconds",
			   "histogram", "Backend (Slurm) call latency by op.");
	for (size_t i = 0; r == 0 && i < N_OPS; i++)
		r = hist(o, "interlink_sidecar_backend_call_duration_seconds",
			 "op", op_names[i], &s.call_latency[i]);
	if (r == 0)
		r = buf_printf(o,
			"# HELP interlink_sidecar_jobs_submitted_total Jobs submitted.\n"
			"# TYPE interlink_sidecar_jobs_submitted_total counter\n"
			"interlink_sidecar_jobs_submitted_total %llu\n"
			"# HELP interlink_sidecar_jobs_submit_failed_total Submissions the batch system refused or failed.\n"
			"# TYPE interlink_sidecar_jobs_submit_failed_total counter\n"
			"interlink_sidecar_jobs_submit_failed_total %llu\n"
			"# HELP interlink_sidecar_jobs_cancelled_total Jobs cancelled.\n"
			"# TYPE interlink_sidecar_jobs_cancelled_total counter\n"
			"interlink_sidecar_jobs_cancelled_total %llu\n",
			(unsigned long long)s.submitted,
			(unsigned long long)s.submit_failed,
			(unsigned long long)s.cancelled);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (r == 0)
		r = header(o, "interlink_sidecar_poll_age_seconds", "gauge",
			   "Seconds since the last successful poll of every job "
			   "(-1: none yet).");
	if (r == 0)
		r = buf_printf(o, "interlink_sidecar_poll_age_seconds %.3f\n",
			       s.last_poll.tv_sec
				       ? (double)(now.tv_sec - s.last_poll.tv_sec) +
						 (now.tv_nsec - s.last_poll.tv_nsec) / 1e9
				       : -1.0);
	if (r == 0)
		r = render_pods(sc, o);
	if (r == 0)
		r = procmetrics_render(o, "interlink_sidecar", ILK_VERSION,
				       s.start);
	return r;
}

static int route_metrics(void *ctx, struct httpd_request *req)
{
	struct buf out;
	int r;

	buf_init(&out, 8u << 20);
	if (render(ctx, &out) < 0)
		r = httpd_reply_text(req, 503, "sidecar-slurm: out of memory");
	else
		r = httpd_reply(req, 200, "text/plain; version=0.0.4; "
				"charset=utf-8", buf_str(&out), out.len);
	buf_done(&out);
	return r;
}

static int route_healthz(void *ctx, struct httpd_request *req)
{
	(void)ctx;
	return httpd_reply_text(req, 200, "ok");
}

/* Ready when the backend's ping succeeds (slurmctld and munged answer). */
static int route_readyz(void *ctx, struct httpd_request *req)
{
	struct sidecar *sc = ctx;
	struct ilk_capacity cap = {.struct_size = sizeof(cap)};
	char err[256] = "";
	int rc;

	if (!sc->ops->ping)
		return httpd_reply_text(req, 200, "ready: the backend cannot "
					"be pinged");
	sidecar_backend_lock(sc);
	rc = sc->ops->ping(sc->bstate, &cap, err, sizeof(err));
	sidecar_backend_unlock(sc);
	if (rc != ILK_OK)
		return httpd_reply_text(req, 503, "not ready: %s: %s",
					ilk_strerror(rc), err);
	return httpd_reply_text(req, 200, "ready: %s answers",
				sc->ops->name ? sc->ops->name : "the backend");
}

const struct httpd_route smetrics_routes[] = {
	{"/metrics", route_metrics},
	{"/healthz", route_healthz},
	{"/readyz", route_readyz},
	{NULL, NULL},
};
