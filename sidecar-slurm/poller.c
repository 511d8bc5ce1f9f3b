/* sidecar-slurm/poller.c - see poller.h */
#include "poller.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "strmap.h"

struct snapshot {
	struct ilk_job_info *v;
	size_t n, cap;
	struct strmap by_id; /* job id -> entry of v: O(1) lookups */
	bool oom; /* a job could not be stored: the snapshot is short */
};

/*
 * After a failed poll the last good snapshot still answers for this long:
 * one lost RPC must not flip every running pod to "unknown".
 */
#define STALE_OK_SEC 120

/*
 * A poll that found every job as the last one did keeps the last snapshot
 * and skips the after-poll housekeeping, unless the poller was kicked
 * since (a delete) or the housekeeping last ran this long ago (it retries
 * cancels Slurm refused).
 */
#define AFTER_EVERY_SEC 5

struct poller {
	const struct ilk_backend_ops *ops;
	void *bstate;
	int64_t interval_ms;
	poller_need_fn need;
	poller_after_fn after;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	bool kicked;
	bool ok;            /* the last poll succeeded */
	char error[256];    /* why it failed */
	struct snapshot cur;
	time_t cur_time;    /* when cur was taken (monotonic seconds) */
	uint64_t generation;
	uint64_t started;   /* polls begun */
	uint64_t kicks, kicks_seen; /* kicks, and those the last after saw */
	time_t after_time;  /* when after last ran (monotonic seconds) */
	/* jobs submitted since the poll that will first see them began */
	struct recent {
		char job_id[ILK_JOB_ID_MAX];
		uint64_t seq;   /* polls begun when it was noted */
		int64_t submit_time;
	} *recent;
	size_t n_recent, cap_recent;
};

void ilk_job_info_copy(struct ilk_job_info *dst,
		       const struct ilk_job_info *job)
{
	size_t n = job->struct_size < sizeof(*dst) ? job->struct_size :
						     sizeof(*dst);

	memset(dst, 0, sizeof(*dst));
	dst->user_id = -1;
	if (n > sizeof(size_t))
		memcpy((char *)dst + sizeof(size_t),
		       (const char *)job + sizeof(size_t),
		       n - sizeof(size_t));
	if (n < offsetof(struct ilk_job_info, user_id) + sizeof(dst->user_id))
		dst->user_id = -1;
	dst->struct_size = sizeof(*dst);
	dst->job_id[sizeof(dst->job_id) - 1] = '\0';
	dst->tag[sizeof(dst->tag) - 1] = '\0';
	dst->state[sizeof(dst->state) - 1] = '\0';
	dst->reason[sizeof(dst->reason) - 1] = '\0';
}

static void visit(void *ctx, const struct ilk_job_info *job)
{
	struct snapshot *s = ctx;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct ilk_job_info *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv) {
			s->oom = true; /* short: not a snapshot to trust */
			return;
		}
		s->v = nv;
		s->cap = cap;
	}
	ilk_job_info_copy(&s->v[s->n], job);
	s->n++;
}

static void snapshot_done(struct snapshot *s)
{
	free(s->v);
	strmap_done(&s->by_id);
}

/* Index the collected jobs; the array does not move after this. */
static int snapshot_index(struct snapshot *s)
{
	strmap_init(&s->by_id);
	for (size_t i = 0; i < s->n; i++)
		if (strmap_put(&s->by_id, s->v[i].job_id, &s->v[i]) < 0)
			return -1;
	return 0;
}

static time_t now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void poll_once(struct poller *p)
{
	struct snapshot s = {0};
	char err[256] = "";
	uint64_t seq;
	bool same, run_after;
	int r;

	if (!p->ops->poll) /* the backend cannot list jobs: query each */
		return;
	pthread_mutex_lock(&p->lock);
	seq = ++p->started;
	pthread_mutex_unlock(&p->lock);
	r = p->ops->poll(p->bstate, visit, &s, err, sizeof(err));
	/* (the poll thread alone writes cur: reading it unlocked is safe) */
	same = r == ILK_OK && !s.oom && p->ok && s.n == p->cur.n &&
	       (s.n == 0 || memcmp(s.v, p->cur.v, s.n * sizeof(*s.v)) == 0);
	if (r == ILK_OK && !s.oom && !same && snapshot_index(&s) < 0)
		s.oom = true;
	if (r == ILK_OK && s.oom) {
		r = ILK_ERR_NOMEM;
		snprintf(err, sizeof(err), "out of memory storing the jobs");
	}
	pthread_mutex_lock(&p->lock);
	if (r != ILK_OK) {
		if (p->ok || strcmp(p->error, err) != 0)
			log_error("status poll failed: %s", err);
		p->ok = false;
		snprintf(p->error, sizeof(p->error), "%s", err);
		pthread_mutex_unlock(&p->lock);
		snapshot_done(&s);
		return;
	}
	if (!p->ok && p->generation)
		log_notice("status poll works again");
	if (same) {
		free(s.v); /* never indexed */
	} else {
		snapshot_done(&p->cur);
		p->cur = s;
	}
	p->cur_time = now_sec();
	p->ok = true;
	p->error[0] = '\0';
	p->generation++;
	/* this snapshot is the truth on every job noted before it began */
	{
		size_t k = 0;

		for (size_t i = 0; i < p->n_recent; i++)
			if (p->recent[i].seq >= seq)
				p->recent[k++] = p->recent[i];
		p->n_recent = k;
	}
	run_after = !same || p->kicks != p->kicks_seen ||
		    p->cur_time - p->after_time >= AFTER_EVERY_SEC;
	if (run_after) {
		p->kicks_seen = p->kicks;
		p->after_time = p->cur_time;
	}
	pthread_mutex_unlock(&p->lock);
	if (p->after && run_after)
		p->after(p->ctx, p);
}

static void add_ms(struct timespec *ts, int64_t ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

static void *run(void *arg)
{
	struct poller *p = arg;

	for (;;) {
		struct timespec ts, gap;

		/* no pod with a live job: spare slurmctld the whole job list */
		if (!p->need || p->need(p->ctx) || !p->generation)
			poll_once(p);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		gap = ts;
		add_ms(&ts, p->interval_ms);
		add_ms(&gap, p->interval_ms < POLLER_KICK_GAP_MS ?
				     p->interval_ms : POLLER_KICK_GAP_MS);
		pthread_mutex_lock(&p->lock);
		/* a kick right after a poll waits for the gap: kicks coalesce */
		while (!p->stop && pthread_cond_timedwait(&p->cond, &p->lock,
							  &gap) != ETIMEDOUT)
			;
		while (!p->stop && !p->kicked)
			if (pthread_cond_timedwait(&p->cond, &p->lock, &ts) ==
			    ETIMEDOUT)
				break;
		p->kicked = false;
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		pthread_mutex_unlock(&p->lock);
	}
}

struct poller *poller_start(const struct ilk_backend_ops *ops, void *bstate,
			    int64_t interval_ms, poller_need_fn need,
			    poller_after_fn after, void *ctx)
{
	struct poller *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->ops = ops;
	p->bstate = bstate;
	p->interval_ms = interval_ms;
	p->need = need;
	p->after = after;
	p->ctx = ctx;
	snprintf(p->error, sizeof(p->error), "no status poll yet");
	pthread_mutex_init(&p->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&p->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (pthread_create(&p->thread, NULL, run, p) != 0) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->cond);
		free(p);
		return NULL;
	}
	return p;
}

void poller_stop(struct poller *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	snapshot_done(&p->cur);
	free(p->recent);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}

void poller_kick(struct poller *p)
{
	pthread_mutex_lock(&p->lock);
	p->kicked = true;
	p->kicks++;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void poller_note_submitted(struct poller *p, const char *job_id)
{
	struct recent *r;

	pthread_mutex_lock(&p->lock);
	if (p->n_recent == p->cap_recent && p->cap_recent < POLLER_RECENT_MAX) {
		size_t cap = p->cap_recent ? p->cap_recent * 2 : 64;
		struct recent *nv = realloc(p->recent, cap * sizeof(*nv));

		if (nv) {
			p->recent = nv;
			p->cap_recent = cap;
		}
	}
	if (p->n_recent < p->cap_recent) {
		r = &p->recent[p->n_recent++];
		snprintf(r->job_id, sizeof(r->job_id), "%s", job_id);
		r->seq = p->started;
		r->submit_time = (int64_t)time(NULL);
	}
	pthread_mutex_unlock(&p->lock);
}

/* A job noted by poller_note_submitted and not yet polled: PENDING. */
static bool recent_lookup(const struct poller *p, const char *job_id,
			  struct ilk_job_info *ret)
{
	for (size_t i = p->n_recent; i-- > 0;) {
		const struct recent *r = &p->recent[i];

		if (strcmp(r->job_id, job_id) != 0)
			continue;
		memset(ret, 0, sizeof(*ret));
		ret->struct_size = sizeof(*ret);
		snprintf(ret->job_id, sizeof(ret->job_id), "%s", r->job_id);
		ret->phase = ILK_JOB_PENDING;
		ret->exit_code = -1;
		ret->submit_time = r->submit_time;
		snprintf(ret->state, sizeof(ret->state), "PENDING");
		return true;
	}
	return false;
}

int poller_lookup(struct poller *p, const char *job_id,
		  struct ilk_job_info *ret, char *err, size_t errlen)
{
	const struct ilk_job_info *hit;
	int r;

	pthread_mutex_lock(&p->lock);
	if (!p->ok && (!p->generation ||
		       now_sec() - p->cur_time > STALE_OK_SEC)) {
		snprintf(err, errlen, "%s", p->error);
		r = -EAGAIN;
	} else {
		hit = strmap_get(&p->cur.by_id, job_id);
		if (hit)
			*ret = *hit;
		r = hit || recent_lookup(p, job_id, ret) ? 0 : -ENOENT;
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

uint64_t poller_generation(struct poller *p)
{
	uint64_t g;

	pthread_mutex_lock(&p->lock);
	g = p->generation;
	pthread_mutex_unlock(&p->lock);
	return g;
}
