/* interlink-api/statustable.c - see statustable.h */
#include "statustable.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "memtrim.h"
#include "podjson.h"
#include "text.h"

#define GONE_TTL 10.0          /* s an unknown pod's answer is kept */
#define MAX_ANSWER (64u << 20) /* the sidecar's answer to one batch */
#define ERRLEN 512

struct entry {
	struct entry *next; /* hash chain */
	char *uid;
	char *pod;          /* minimal pod JSON */
	char *status;       /* canonical PodStatus JSON, NULL until known */
	uint64_t serial;    /* changes when the entry is replaced */
	double updated;     /* when status was last set */
	double gone_at;     /* > 0: the sidecar does not know the pod */
};

struct statustable {
	const struct gconf *conf;
	struct upstream *up;
	struct metrics *metrics;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the refresher: a kick or stop */
	pthread_cond_t done; /* waiters: a refresh finished */
	struct entry **buckets;
	size_t n_buckets, count;
	uint64_t serial;
	uint64_t started, finished; /* refresh generations */
	bool kicked, stop, relearned;
	/* the outcome of the last refresh */
	bool last_ok;
	unsigned last_code;
	char last_err[ERRLEN];
	double interval;
	pthread_t thread;
	bool running;
	size_t trim_mark; /* pods held at most since the last trim */
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct timespec abs_time(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	return ts;
}

/* ---- the hash table (called with the lock held) ------------------------ */

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

static struct entry **slot(struct statustable *t, const char *uid)
{
	struct entry **p = &t->buckets[hash(uid) & (t->n_buckets - 1)];

	while (*p && strcmp((*p)->uid, uid) != 0)
		p = &(*p)->next;
	return p;
}

static struct entry *find(struct statustable *t, const char *uid)
{
	return *slot(t, uid);
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	free(e->uid);
	free(e->pod);
	free(e->status);
	free(e);
}

static void grow(struct statustable *t)
{
	size_t n = t->n_buckets * 2;
	struct entry **b = calloc(n, sizeof(*b));

	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct entry *e = t->buckets[i], *next;

		for (; e; e = next) {
			size_t k = hash(e->uid) & (n - 1);

			next = e->next;
			e->next = b[k];
			b[k] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->n_buckets = n;
}

/* Insert or replace uid with pod (taken over); NULL on OOM or full. */
static struct entry *put(struct statustable *t, const char *uid, char *pod)
{
	struct entry **p = slot(t, uid), *e = *p;

	if (e) {
		free(e->pod);
		free(e->status);
		e->pod = pod;
		e->status = NULL;
		e->gone_at = 0;
		e->updated = 0;
		e->serial = ++t->serial;
		return e;
	}
	if (t->count >= STATUSTABLE_MAX)
		goto fail;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->uid = strdup(uid)))
		goto fail;
	e->pod = pod;
	e->serial = ++t->serial;
	*p = e;
	if (++t->count > t->n_buckets)
		grow(t);
	return e;
fail:
	if (e)
		free(e);
	free(pod);
	return NULL;
}

static void drop(struct statustable *t, const char *uid)
{
	struct entry **p = slot(t, uid), *e = *p;

	if (!e)
		return;
	*p = e->next;
	entry_free(e);
	t->count--;
}

/* ---- the refresher ----------------------------------------------------- */

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * Learn the pods the sidecar tracks (GET /pods): after a restart, or for a
 * second replica.  0 when done (also when the sidecar has no /pods).
 */
static int relearn(struct statustable *t)
{
	struct buf resp;
	char err[ERRLEN];
	cJSON *j = NULL;
	const cJSON *it;
	size_t added = 0;
	long code;
	int r = -1;

	buf_init(&resp, MAX_ANSWER);
	code = upstream_call(t->up, "GET", "/pods", "RelearnPods#0", "", 0,
			     &resp, err, sizeof(err));
	if (code == 404) {
		log_notice("the sidecar has no GET /pods: pods are learned "
			   "when the virtual-kubelet asks about them");
		pthread_mutex_lock(&t->lock);
		t->relearned = true;
		pthread_mutex_unlock(&t->lock);
		r = 0;
		goto out;
	}
	if (code != 200 || wire_parse(resp.data, resp.len, &j, err,
				      sizeof(err)) < 0 ||
	    !cJSON_IsArray(j)) {
		if (code == 200 && j)
			snprintf(err, sizeof(err), "not a JSON array");
		else if (code > 0 && code != 200)
			snprintf(err, sizeof(err), "answer %ld: %.200s", code,
				 buf_str(&resp));
		log_warn("cannot relearn pods from the sidecar (%s); "
			 "retrying", err);
		goto out;
	}
	pthread_mutex_lock(&t->lock);
	cJSON_ArrayForEach(it, j)
	{
		const char *uid = str_of(it, "UID");
		const cJSON *del = cJSON_GetObjectItem(it, "deleting");
		char *pod;

		if (!text_is_uid(uid) || cJSON_IsTrue(del) || find(t, uid))
			continue;
		pod = podjson_min_pod_listed(it);
		if (pod && put(t, uid, pod))
			added++;
	}
	t->relearned = true;
	pthread_mutex_unlock(&t->lock);
	log_notice("relearned %zu pods from the sidecar", added);
	r = 0;
out:
	cJSON_Delete(j);
	buf_done(&resp);
	return r;
}

/*
 * The batch bodies: full, every pod still known; otherwise only the pods
 * without a status yet.  Drops answers of unknown pods that expired.
 * Called with the lock held.
 */
static int collect(struct statustable *t, bool full, struct buf **ret,
		   size_t *ret_chunks, size_t *ret_pods)
{
	struct buf *bodies = NULL;
	size_t chunks = 0, in_chunk = 0, pods = 0;
	double now = now_mono();
	int r = 0;

	for (size_t i = 0; r == 0 && i < t->n_buckets; i++) {
		struct entry *e = t->buckets[i], *next;

		for (; r == 0 && e; e = next) {
			next = e->next;
			if (e->gone_at > 0) {
				if (full && now - e->gone_at > GONE_TTL)
					drop(t, e->uid);
				continue;
			}
			if (!full && e->status)
				continue;
			if (!chunks || in_chunk == STATUSTABLE_BATCH) {
				struct buf *nb = realloc(
					bodies, (chunks + 1) * sizeof(*nb));

				if (!nb) {
					r = -ENOMEM;
					break;
				}
				bodies = nb;
				buf_init(&bodies[chunks++], MAX_ANSWER);
				in_chunk = 0;
			}
			r = buf_puts(&bodies[chunks - 1], in_chunk ? "," : "[");
			if (r == 0)
				r = buf_puts(&bodies[chunks - 1], e->pod);
			in_chunk++;
			pods++;
		}
	}
	for (size_t i = 0; r == 0 && i < chunks; i++)
		r = buf_puts(&bodies[i], "]");
	if (r < 0) {
		for (size_t i = 0; i < chunks; i++)
			buf_done(&bodies[i]);
		free(bodies);
		return r;
	}
	*ret = bodies;
	*ret_chunks = chunks;
	*ret_pods = pods;
	return 0;
}

/*
 * Store the answers; called with the lock held.  An entry added or
 * replaced after the batch was collected (serial > upto) keeps waiting for
 * an answer about itself.
 */
static void apply(struct statustable *t, struct podjson_status *v,
		  size_t n, uint64_t upto)
{
	double now = now_mono();

	for (size_t i = 0; i < n; i++) {
		struct entry *e = find(t, v[i].uid);

		if (!e || e->serial > upto) /* deleted or re-created */
			continue;
		free(e->status);
		e->status = v[i].status;
		v[i].status = NULL;
		e->updated = now;
		if (!v[i].unknown)
			e->gone_at = 0;
		else if (e->gone_at == 0)
			e->gone_at = now;
	}
}

/* One sidecar call for one chunk; returns 0 or -1 with code and err. */
static int refresh_chunk(struct statustable *t, const struct buf *body,
			 uint64_t gen, uint64_t upto, unsigned *ret_code,
			 char *err, size_t errlen)
{
	struct podjson_status *v = NULL;
	struct buf resp;
	char session[64], why[ERRLEN];
	size_t n = 0;
	long code;
	int r = -1;

	snprintf(session, sizeof(session), "StatusRefresh#%llu",
		 (unsigned long long)gen);
	buf_init(&resp, MAX_ANSWER);
	code = upstream_call(t->up, "GET", "/status", session, body->data,
			     body->len, &resp, why, sizeof(why));
	if (code < 0) {
		*ret_code = 503;
		snprintf(err, errlen, "interlink-api cannot reach the "
			 "sidecar: %s", why);
	} else if (code != 200) {
		char clean[300];

		text_sanitize(buf_str(&resp), clean, sizeof(clean));
		*ret_code = (unsigned)code;
		snprintf(err, errlen, "sidecar: %s", clean);
	} else if (podjson_parse_statuses(resp.data, resp.len, &v, &n, why,
					  sizeof(why)) < 0) {
		*ret_code = 502;
		snprintf(err, errlen, "interlink-api: bad /status answer "
			 "from the sidecar: %s", why);
	} else {
		pthread_mutex_lock(&t->lock);
		apply(t, v, n, upto);
		pthread_mutex_unlock(&t->lock);
		r = 0;
	}
	podjson_statuses_free(v, n);
	buf_done(&resp);
	return r;
}

static void refresh(struct statustable *t, bool full, uint64_t gen)
{
	struct buf *bodies = NULL;
	size_t chunks = 0, pods = 0;
	char err[ERRLEN] = "";
	unsigned code = 0;
	double start = now_mono();
	uint64_t upto;
	bool ok = true;

	pthread_mutex_lock(&t->lock);
	upto = t->serial;
	if (collect(t, full, &bodies, &chunks, &pods) < 0) {
		ok = false;
		code = 503;
		snprintf(err, sizeof(err), "interlink-api: out of memory");
	}
	pthread_mutex_unlock(&t->lock);
	for (size_t i = 0; i < chunks; i++) {
		if (ok && refresh_chunk(t, &bodies[i], gen, upto, &code, err,
					sizeof(err)) < 0)
			ok = false;
		buf_done(&bodies[i]);
	}
	free(bodies);
	if (chunks)
		metrics_status_refresh(t->metrics, ok, pods);
	pthread_mutex_lock(&t->lock);
	if (!ok && t->last_ok)
		log_warn("status refresh failed: %s", err);
	else if (ok && !t->last_ok && t->finished)
		log_notice("status refresh works again");
	else if (chunks)
		log_debug("%s refresh: %zu pods in %zu calls, %.1f ms",
			  full ? "periodic" : "on-demand", pods, chunks,
			  (now_mono() - start) * 1e3);
	t->last_ok = ok;
	t->last_code = code;
	snprintf(t->last_err, sizeof(t->last_err), "%s", err);
	t->finished = gen;
	pods = t->count;
	pthread_cond_broadcast(&t->done);
	pthread_mutex_unlock(&t->lock);
	/* after many deletes, the freed entries' pages go back (this
	 * thread alone touches trim_mark) */
	(void)memtrim_after_drop(pods, &t->trim_mark);
}

static void *refresher(void *arg)
{
	struct statustable *t = arg;
	double next_full = 0;

	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		double now = now_mono();
		bool full;
		uint64_t gen;

		if (!t->kicked && now < next_full) {
			struct timespec ts = abs_time(next_full);

			pthread_cond_timedwait(&t->wake, &t->lock, &ts);
			continue;
		}
		full = now >= next_full;
		if (full)
			next_full = now + t->interval;
		t->kicked = false;
		gen = ++t->started;
		if (full && !t->relearned) {
			pthread_mutex_unlock(&t->lock);
			(void)relearn(t); /* retried at the next interval */
			pthread_mutex_lock(&t->lock);
		}
		pthread_mutex_unlock(&t->lock);
		refresh(t, full, gen);
		pthread_mutex_lock(&t->lock);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* ---- the API ------------------------------------------------------------ */

struct statustable *statustable_new(const struct gconf *c,
				    struct upstream *u, struct metrics *m)
{
	struct statustable *t = calloc(1, sizeof(*t));
	pthread_condattr_t ca;

	if (!t)
		return NULL;
	t->n_buckets = 1024;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->conf = c;
	t->up = u;
	t->metrics = m;
	t->interval = (double)c->status_refresh_ms / 1e3;
	t->last_ok = true;
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->wake, &ca);
	pthread_cond_init(&t->done, &ca);
	pthread_condattr_destroy(&ca);
	return t;
}

int statustable_start(struct statustable *t, char *err, size_t errlen)
{
	int r = pthread_create(&t->thread, NULL, refresher, t);

	if (r != 0) {
		snprintf(err, errlen, "cannot start the status refresher: %s",
			 strerror(r));
		return -1;
	}
	t->running = true;
	return 0;
}

void statustable_stop(struct statustable *t)
{
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_broadcast(&t->wake);
	pthread_cond_broadcast(&t->done);
	pthread_mutex_unlock(&t->lock);
	if (t->running)
		pthread_join(t->thread, NULL);
	t->running = false;
}

void statustable_free(struct statustable *t)
{
	if (!t)
		return;
	statustable_stop(t);
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct entry *e = t->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			entry_free(e);
		}
	}
	free(t->buckets);
	pthread_cond_destroy(&t->wake);
	pthread_cond_destroy(&t->done);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

int statustable_add(struct statustable *t, const struct wire_pod *pod)
{
	char *p = podjson_min_pod(pod);
	struct entry *e;

	if (!p)
		return -ENOMEM;
	pthread_mutex_lock(&t->lock);
	e = put(t, pod->uid, p);
	pthread_mutex_unlock(&t->lock);
	return e ? 0 : -ENOMEM;
}

int statustable_update(struct statustable *t, const struct wire_pod *pod)
{
	char *p = podjson_min_pod(pod);
	struct entry *e;

	if (!p)
		return -ENOMEM;
	pthread_mutex_lock(&t->lock);
	e = find(t, pod->uid);
	if (e) {
		free(e->pod);
		e->pod = p;
		p = NULL;
	}
	pthread_mutex_unlock(&t->lock);
	free(p);
	return e ? 0 : -ENOENT;
}

void statustable_remove(struct statustable *t, const char *uid)
{
	pthread_mutex_lock(&t->lock);
	drop(t, uid);
	pthread_mutex_unlock(&t->lock);
}

size_t statustable_count(struct statustable *t)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

/* Every status the table holds; called with the lock held. */
static int append_all(struct statustable *t, struct buf *out)
{
	bool first = true;
	int r = buf_puts(out, "[");

	for (size_t i = 0; r == 0 && i < t->n_buckets; i++)
		for (struct entry *e = t->buckets[i]; r == 0 && e;
		     e = e->next) {
			if (!e->status || e->gone_at > 0)
				continue;
			r = buf_puts(out, first ? "" : ",");
			if (r == 0)
				r = buf_puts(out, e->status);
			first = false;
		}
	return r == 0 ? buf_puts(out, "]") : r;
}

/*
 * Make sure each pod has an entry; returns the refresh generation to wait
 * for (0: every pod has a status).  Called with the lock held.
 */
static uint64_t enter_pods(struct statustable *t, const struct wire_pod *pods,
			   size_t n, int *ret_err)
{
	uint64_t need = 0;

	*ret_err = 0;
	for (size_t i = 0; i < n; i++) {
		struct entry *e = find(t, pods[i].uid);

		if (!e) {
			char *p = podjson_min_pod(&pods[i]);

			e = p ? put(t, pods[i].uid, p) : NULL;
			if (!e) {
				*ret_err = t->count >= STATUSTABLE_MAX ?
						   -ENOSPC : -ENOMEM;
				return 0;
			}
		}
		if (!e->status)
			need = t->started + 1;
	}
	return need;
}

unsigned statustable_query(struct statustable *t, const struct wire_pod *pods,
			   size_t n, struct buf *out, char *err,
			   size_t errlen)
{
	/* last states are kept as long as the sidecar keeps them through a
	 * Slurm outage (two minutes) */
	double stale = t->interval * 5 > 120 ? t->interval * 5 : 120;
	double deadline = now_mono() + t->interval +
			  (double)t->conf->sidecar_timeout_s + 1;
	unsigned code = 200;
	uint64_t need;
	bool first = true;
	int r = 0;

	pthread_mutex_lock(&t->lock);
	if (n == 0) {
		r = append_all(t, out);
		goto out;
	}
	need = enter_pods(t, pods, n, &r);
	if (r < 0)
		goto out;
	if (need) {
		t->kicked = true;
		pthread_cond_signal(&t->wake);
		while (!t->stop && t->finished < need &&
		       now_mono() < deadline) {
			struct timespec ts = abs_time(deadline);

			pthread_cond_timedwait(&t->done, &t->lock, &ts);
		}
	}
	r = buf_puts(out, "[");
	for (size_t i = 0; r == 0 && code == 200 && i < n; i++) {
		struct entry *e = find(t, pods[i].uid);

		if (e && e->status &&
		    (t->last_ok || now_mono() - e->updated < stale)) {
			r = buf_puts(out, first ? "" : ",");
			if (r == 0)
				r = buf_puts(out, e->status);
			first = false;
		} else if (t->stop) {
			code = 503;
			snprintf(err, errlen, "interlink-api is shutting "
				 "down");
		} else if (!t->last_ok) {
			code = t->last_code ? t->last_code : 502;
			snprintf(err, errlen, "%s", t->last_err);
		} else if (need && t->finished < need) {
			code = 504;
			snprintf(err, errlen, "interlink-api: no status from "
				 "the sidecar within %.0f s",
				 t->interval +
					 (double)t->conf->sidecar_timeout_s);
		}
		/* else: the sidecar said nothing about the pod; leave it out */
	}
	if (r == 0)
		r = buf_puts(out, "]");
out:
	pthread_mutex_unlock(&t->lock);
	if (r == -ENOSPC) {
		snprintf(err, errlen, "interlink-api: the status table is "
			 "full (%u pods)", STATUSTABLE_MAX);
		return 503;
	}
	if (r < 0 && code == 200) {
		snprintf(err, errlen, "interlink-api: out of memory");
		return 503;
	}
	return code;
}
