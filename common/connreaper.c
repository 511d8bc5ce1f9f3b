/*
 * connreaper: one thread per HTTP server that shuts down the sockets of
 * connections past their deadline (see connreaper.h for why).
 *
 * The list is short (at most the server's connection limit) and is walked
 * only when a deadline is due, so an idle server costs no wake-ups: the
 * thread sleeps until the earliest deadline, and a new deadline that is
 * earlier than the one it sleeps for wakes it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "connreaper.h"
#include "log.h"

struct connreaper {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	struct connreaper_entry *head;
	uint64_t sleeping_until; /* 0 = no deadline: sleeps until signalled */
	bool stop;
	char name[64];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Shut down what is due; return the earliest deadline left (0 = none). */
static uint64_t reap_due(struct connreaper *r, uint64_t now)
{
	uint64_t next = 0;

	for (struct connreaper_entry *e = r->head; e; e = e->next) {
		if (!e->deadline_ms)
			continue;
		if (e->deadline_ms <= now) {
			log_debug("%s: closing connection (fd %d) after %u s "
				  "without a request",
				  r->name, e->fd, e->timeout_s);
			(void)shutdown(e->fd, SHUT_RDWR);
			e->deadline_ms = 0; /* once: its thread closes it */
		} else if (!next || e->deadline_ms < next) {
			next = e->deadline_ms;
		}
	}
	return next;
}

static void *reaper_main(void *arg)
{
	struct connreaper *r = arg;

	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		uint64_t next = reap_due(r, now_ms());

		r->sleeping_until = next;
		if (!next) {
			pthread_cond_wait(&r->cond, &r->lock);
		} else {
			struct timespec ts = {
				.tv_sec = (time_t)(next / 1000u),
				.tv_nsec = (long)(next % 1000u) * 1000000L,
			};

			(void)pthread_cond_timedwait(&r->cond, &r->lock, &ts);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct connreaper *connreaper_new(const char *name, char *err, size_t errlen)
{
	struct connreaper *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;
	int e;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "http");
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	e = pthread_create(&r->thread, NULL, reaper_main, r);
	if (e) {
		snprintf(err, errlen, "cannot start the connection reaper: %s",
			 strerror(e));
		pthread_cond_destroy(&r->cond);
		pthread_mutex_destroy(&r->lock);
		free(r);
		return NULL;
	}
	return r;
}

void connreaper_free(struct connreaper *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* With the lock held: set e's deadline, waking the thread if it is due
 * before the one the thread sleeps for. */
static void set_locked(struct connreaper *r, struct connreaper_entry *e,
		       unsigned timeout_s)
{
	e->timeout_s = timeout_s;
	e->deadline_ms = timeout_s ? now_ms() + (uint64_t)timeout_s * 1000u : 0;
	if (e->deadline_ms &&
	    (!r->sleeping_until || e->deadline_ms < r->sleeping_until)) {
		r->sleeping_until = e->deadline_ms;
		pthread_cond_signal(&r->cond);
	}
}

void connreaper_add(struct connreaper *r, struct connreaper_entry *e, int fd,
		    unsigned timeout_s)
{
	if (!r || !e || fd < 0)
		return;
	pthread_mutex_lock(&r->lock);
	e->fd = fd;
	e->prev = NULL;
	e->next = r->head;
	if (r->head)
		r->head->prev = e;
	r->head = e;
	e->linked = 1;
	set_locked(r, e, timeout_s);
	pthread_mutex_unlock(&r->lock);
}

void connreaper_set(struct connreaper *r, struct connreaper_entry *e,
		    unsigned timeout_s)
{
	if (!r || !e)
		return;
	pthread_mutex_lock(&r->lock);
	if (e->linked)
		set_locked(r, e, timeout_s);
	pthread_mutex_unlock(&r->lock);
}

void connreaper_remove(struct connreaper *r, struct connreaper_entry *e)
{
	if (!r || !e)
		return;
	pthread_mutex_lock(&r->lock);
	if (e->linked) {
		if (e->prev)
			e->prev->next = e->next;
		else
			r->head = e->next;
		if (e->next)
			e->next->prev = e->prev;
		e->prev = e->next = NULL;
		e->linked = 0;
	}
	pthread_mutex_unlock(&r->lock);
}
