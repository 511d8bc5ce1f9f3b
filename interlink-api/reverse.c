/* interlink-api/reverse.c - see reverse.h */
#include "reverse.h"

#include <arpa/inet.h>
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

struct greverse {
	int lfd;       /* the sidecar dials in here */
	uint16_t port;
	int local_fd;  /* libcurl connects here (loopback), see open_local */
	uint16_t local_port;
	int relays;    /* running relay threads */
	size_t max_idle;
	long wait_ms;
	int keepalive_s;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int *idle; /* FIFO of accepted sockets */
	size_t n_idle;
	bool stop;
	struct curl_slist *connect_to;
	char connect_to_text[64];
};

struct relay_arg {
	struct greverse *r;
	int fd;
};

static int listen_on(const char *spec, uint16_t *ret_port, char *err,
		     size_t errlen)
{
	char host[256], url[300];
	bool tls, unx;
	uint16_t port = 0;
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	int fd, on = 1;

	snprintf(url, sizeof(url), "https://%s", spec);
	if (httpd_parse_url(url, &tls, &unx, host, sizeof(host), &port, err,
			    errlen) < 0)
		return -1;
	if (strchr(host, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			goto bad;
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			goto bad;
		sl = sizeof(*a);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
		snprintf(err, errlen, "SidecarReverseListen %s: %s", spec,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*ret_port = ntohs(ss.ss_family == AF_INET6 ?
				  ((struct sockaddr_in6 *)&ss)->sin6_port :
				  ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
bad:
	snprintf(err, errlen, "SidecarReverseListen: '%s' must be "
		 "ADDRESS:PORT with a numeric address", spec);
	return -1;
}

static void keep_idle(struct greverse *r, int fd)
{
	dialer_keepalive(fd, r->keepalive_s);
	pthread_mutex_lock(&r->lock);
	if (r->n_idle == r->max_idle) {
		/* bounded: the oldest goes (a flood cannot grow us) */
		close(r->idle[0]);
		memmove(r->idle, r->idle + 1,
			(r->n_idle - 1) * sizeof(*r->idle));
		r->n_idle--;
	}
	r->idle[r->n_idle++] = fd;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static void *relay_main(void *arg);

static void *accept_main(void *arg)
{
	struct greverse *r = arg;

	for (;;) {
		struct pollfd p[2] = {{.fd = r->lfd, .events = POLLIN},
				      {.fd = r->local_fd, .events = POLLIN}};
		int n = poll(p, 2, TICK_MS), fd;
		bool stop;

		pthread_mutex_lock(&r->lock);
		stop = r->stop;
		pthread_mutex_unlock(&r->lock);
		if (stop)
			return NULL;
		if (n <= 0)
			continue;
		if (p[0].revents) {
			fd = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				keep_idle(r, fd);
		}
		if (p[1].revents) {
			struct relay_arg *ra = malloc(sizeof(*ra));
			pthread_t t;
			pthread_attr_t at;

			fd = accept4(r->local_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0 || !ra) {
				if (fd >= 0)
					close(fd);
				free(ra);
				continue;
			}
			ra->r = r;
			ra->fd = fd;
			pthread_mutex_lock(&r->lock);
			r->relays++;
			pthread_mutex_unlock(&r->lock);
			pthread_attr_init(&at);
			pthread_attr_setdetachstate(&at,
						    PTHREAD_CREATE_DETACHED);
			if (pthread_create(&t, &at, relay_main, ra) != 0) {
				close(fd);
				free(ra);
				pthread_mutex_lock(&r->lock);
				r->relays--;
				pthread_mutex_unlock(&r->lock);
			}
			pthread_attr_destroy(&at);
		}
	}
}

/* Ended while idle?  The sidecar never speaks first: readable = gone. */
static bool dead(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};

	return poll(&p, 1, 0) != 0;
}

/* An idle connection, waiting up to wait_ms; -1 when none came. */
static int take_idle(struct greverse *r)
{
	struct timespec until;
	int fd = -1;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += r->wait_ms / 1000;
	until.tv_nsec += (r->wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	while (fd < 0 && !r->stop) {
		if (r->n_idle == 0) {
			if (pthread_cond_timedwait(&r->cond, &r->lock,
						   &until) == ETIMEDOUT &&
			    r->n_idle == 0)
				break;
			continue;
		}
		/* the newest: the oldest are likelier to have died */
		fd = r->idle[--r->n_idle];
		if (dead(fd)) {
			close(fd);
			fd = -1;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return fd;
}

static int stop_cb(void *arg)
{
	struct greverse *r = arg;
	int s;

	pthread_mutex_lock(&r->lock);
	s = r->stop;
	pthread_mutex_unlock(&r->lock);
	return s;
}

/*
 * One libcurl connection: joined to one of the sidecar's connections.
 * (libcurl 7.88 cannot take a connected socket from
 * CURLOPT_OPENSOCKETFUNCTION: CURL_SOCKOPT_ALREADY_CONNECTED is broken
 * there, curl/curl#10626; so libcurl connects to this loopback relay.)
 */
static void *relay_main(void *arg)
{
	struct relay_arg *ra = arg;
	struct greverse *r = ra->r;
	int fd = take_idle(r);

	if (fd >= 0) {
		dialer_pump(ra->fd, fd, stop_cb, r);
		close(fd);
	} else {
		log_warn("no connection from the sidecar within %ld s",
			 r->wait_ms / 1000);
	}
	close(ra->fd);
	free(ra);
	pthread_mutex_lock(&r->lock);
	r->relays--;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

void greverse_curl_setup(struct greverse *r, CURL *e)
{
	if (!r)
		return;
	/* whatever SidecarURL names: the loopback relay; the name stays
	 * the one checked in the sidecar's certificate */
	curl_easy_setopt(e, CURLOPT_CONNECT_TO, r->connect_to);
}

size_t greverse_idle(struct greverse *r)
{
	size_t n;

	pthread_mutex_lock(&r->lock);
	n = r->n_idle;
	pthread_mutex_unlock(&r->lock);
	return n;
}

struct greverse *greverse_start(const struct gconf *c, char *err,
				size_t errlen)
{
	struct greverse *r;

	err[0] = '\0';
	if (!c->reverse_listen || !*c->reverse_listen)
		return NULL;
	if (strncmp(c->sidecar_url, "https://", 8) != 0) {
		snprintf(err, errlen, "SidecarReverseListen needs an https:// "
			 "SidecarURL (its name is checked in the sidecar's "
			 "certificate)");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->max_idle = (size_t)c->reverse_max_idle;
	r->wait_ms = (long)c->reverse_wait_s * 1000L;
	r->keepalive_s = (int)c->reverse_keepalive_s;
	r->idle = calloc(r->max_idle, sizeof(*r->idle));
	r->local_fd = -1;
	r->lfd = listen_on(c->reverse_listen, &r->port, err, errlen);
	if (r->lfd >= 0)
		r->local_fd = listen_on("127.0.0.1:0", &r->local_port, err,
					errlen);
	snprintf(r->connect_to_text, sizeof(r->connect_to_text),
		 "::127.0.0.1:%u", r->local_port);
	r->connect_to = curl_slist_append(NULL, r->connect_to_text);
	if (!r->idle || !r->connect_to || r->lfd < 0 || r->local_fd < 0) {
		if (!err[0])
			snprintf(err, errlen, "out of memory");
		if (r->lfd >= 0)
			close(r->lfd);
		if (r->local_fd >= 0)
			close(r->local_fd);
		curl_slist_free_all(r->connect_to);
		free(r->idle);
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (pthread_create(&r->thread, NULL, accept_main, r) != 0) {
		snprintf(err, errlen, "cannot start a thread");
		close(r->lfd);
		close(r->local_fd);
		curl_slist_free_all(r->connect_to);
		free(r->idle);
		free(r);
		return NULL;
	}
	log_notice("reverse connections accepted on port %u (%s)", r->port,
		   c->reverse_listen);
	return r;
}

void greverse_stop(struct greverse *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_mutex_lock(&r->lock);
	while (r->relays > 0)
		pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);
	close(r->lfd);
	close(r->local_fd);
	for (size_t i = 0; i < r->n_idle; i++)
		close(r->idle[i]);
	curl_slist_free_all(r->connect_to);
	free(r->idle);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
