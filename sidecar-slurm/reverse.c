/* sidecar-slurm/reverse.c - see reverse.h */
#include "reverse.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dialer.h"
#include "httpd.h"
#include "log.h"

#define TICK_MS 500

struct slot {
	struct reverse *r;
	pthread_t thread;
	bool started;
};

struct reverse {
	char host[256];
	uint16_t port;
	uint16_t local_port;
	const char *proxy;
	int pool;    /* idle connections kept */
	int max;     /* connections at most */
	int backoff_max_ms;
	int keepalive_s;
	pthread_mutex_t lock;
	int idle;    /* dialed, waiting for the gateway's first byte */
	int active;  /* relaying */
	int threads; /* running slot threads */
	bool stop;
	bool warned;
	struct slot *slots;
};

static bool stopping(struct reverse *r)
{
	bool s;

	pthread_mutex_lock(&r->lock);
	s = r->stop;
	pthread_mutex_unlock(&r->lock);
	return s;
}

static void sleep_ms(struct reverse *r, int ms)
{
	while (ms > 0 && !stopping(r)) {
		int step = ms < TICK_MS ? ms : TICK_MS;
		struct timespec ts = {step / 1000, (step % 1000) * 1000000L};

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

static void spawn_locked(struct reverse *r);

/* Wait for the gateway's first byte: 1 ready, 0 closed or stopping. */
static int wait_first_byte(struct reverse *r, int fd)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, TICK_MS);
		char c;

		if (stopping(r))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 0;
		if (n == 0)
			continue;
		if (p.revents & (POLLERR | POLLNVAL))
			return 0;
		/* readable: data, or the end (peek tells which) */
		if (recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0)
			return 0;
		return 1;
	}
}

static int local_connect(struct reverse *r)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(r->local_port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int stop_cb(void *arg)
{
	return stopping(arg);
}

static void *slot_main(void *arg)
{
	struct slot *s = arg;
	struct reverse *r = s->r;
	int backoff = 500;

	for (;;) {
		char err[512] = "";
		int fd, lfd;

		pthread_mutex_lock(&r->lock);
		/* more idle than wanted (a burst ended): this one retires */
		if (r->stop || r->idle >= r->pool) {
			r->threads--;
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
		r->idle++;
		pthread_mutex_unlock(&r->lock);
		fd = dialer_connect(r->host, r->port, r->proxy, 10000, err,
				    sizeof(err));
		if (fd < 0) {
			pthread_mutex_lock(&r->lock);
			r->idle--;
			if (!r->warned)
				log_warn("reverse connection to %s:%u: %s "
					 "(retrying)", r->host, r->port, err);
			r->warned = true;
			pthread_mutex_unlock(&r->lock);
			sleep_ms(r, backoff);
			backoff = backoff * 2 > r->backoff_max_ms ?
					  r->backoff_max_ms : backoff * 2;
			continue;
		}
		dialer_keepalive(fd, r->keepalive_s);
		pthread_mutex_lock(&r->lock);
		if (r->warned)
			log_notice("reverse connection to %s:%u up", r->host,
				   r->port);
		r->warned = false;
		pthread_mutex_unlock(&r->lock);
		backoff = 500;
		if (!wait_first_byte(r, fd)) {
			close(fd);
			pthread_mutex_lock(&r->lock);
			r->idle--;
			pthread_mutex_unlock(&r->lock);
			/* the gateway closed it (restart) or the link died:
			 * not at once again, not in lock-step */
			sleep_ms(r, 200 + (int)(random() % 300));
			continue;
		}
		pthread_mutex_lock(&r->lock);
		r->idle--;
		r->active++;
		spawn_locked(r); /* keep the pool of idle ones full */
		pthread_mutex_unlock(&r->lock);
		lfd = local_connect(r);
		if (lfd < 0) {
			log_error("reverse connection: cannot reach the local "
				  "listener on port %u: %s", r->local_port,
				  strerror(errno));
		} else {
			dialer_pump(fd, lfd, stop_cb, r);
			close(lfd);
		}
		close(fd);
		pthread_mutex_lock(&r->lock);
		r->active--;
		pthread_mutex_unlock(&r->lock);
	}
}

/* Start slot threads until pool idle ones are (being) dialed. */
static void spawn_locked(struct reverse *r)
{
	int want = r->pool - r->idle;

	for (int i = 0; i < r->max && want > 0 && !r->stop; i++) {
		struct slot *s = &r->slots[i];

		if (s->started) {
			/* a retired thread's slot is reused once joined */
			if (pthread_tryjoin_np(s->thread, NULL) != 0)
				continue;
			s->started = false;
		}
		if (r->threads >= r->max)
			break;
		s->r = r;
		if (pthread_create(&s->thread, NULL, slot_main, s) != 0)
			break;
		s->started = true;
		r->threads++;
		/* it counts itself idle once it runs: count it now */
		want--;
	}
}

struct reverse *reverse_start(const struct sconf *c, uint16_t local_port,
			      char *err, size_t errlen)
{
	struct reverse *r;
	bool tls, unx;

	err[0] = '\0';
	if (!c->connect || !*c->connect)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (httpd_parse_url(c->connect, &tls, &unx, r->host, sizeof(r->host),
			    &r->port, err, errlen) < 0 ||
	    !tls || unx || !r->port) {
		if (!err[0] || tls)
			snprintf(err, errlen, "Connect: '%s' must be "
				 "https://host:port", c->connect);
		free(r);
		return NULL;
	}
	if (!c->tls_enabled || !local_port) {
		snprintf(err, errlen, "Connect needs the TLS listener "
			 "(TLS.Enabled and SidecarPort; it may stay on "
			 "127.0.0.1)");
		free(r);
		return NULL;
	}
	r->local_port = local_port;
	r->proxy = dialer_env_proxy(r->host);
	r->pool = (int)c->connect_pool;
	r->max = (int)c->connect_max < r->pool ? r->pool :
						 (int)c->connect_max;
	r->backoff_max_ms = (int)c->connect_backoff_max_s * 1000;
	r->keepalive_s = (int)c->connect_keepalive_s;
	r->slots = calloc((size_t)r->max, sizeof(*r->slots));
	if (!r->slots) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_lock(&r->lock);
	spawn_locked(r);
	pthread_mutex_unlock(&r->lock);
	log_notice("reverse connections to %s:%u%s%s (pool %d, at most %d)",
		   r->host, r->port, r->proxy ? " through proxy " : "",
		   r->proxy ? r->proxy : "", r->pool, r->max);
	return r;
}

void reverse_stop(struct reverse *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_mutex_unlock(&r->lock);
	for (int i = 0; i < r->max; i++)
		if (r->slots[i].started)
			pthread_join(r->slots[i].thread, NULL);
	pthread_mutex_destroy(&r->lock);
	free(r->slots);
	free(r);
}
