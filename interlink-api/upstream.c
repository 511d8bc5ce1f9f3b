/* interlink-api/upstream.c - see upstream.h */
#include "upstream.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "httpd.h"
#include "log.h"
#include "reverse.h"

#define STREAM_BUFFER (1u << 20)
#define UPSTREAM_POOL_MAX 64

struct upstream {
	char base[512];         /* "https://name:port" or "http://unix" */
	char connect_to[600];   /* CURLOPT_CONNECT_TO entry, or "" */
	char *unix_path;
	bool tls;
	const struct gconf *conf;
	long timeout_s;
	char desc[1100];
	upstream_observer_fn observe;
	void *observe_ctx;
	CURLSH *share;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
	/*
	 * Idle easy handles, each with its own kept-alive connection: a
	 * request takes one, so concurrent requests reuse connections without
	 * sharing a connection cache across threads (which libcurl does not
	 * support).
	 */
	pthread_mutex_t pool_lock;
	CURL *pool[UPSTREAM_POOL_MAX];
	size_t n_pool;
	struct greverse *reverse; /* reverse.h, or NULL: dial the sidecar */
};

void upstream_set_reverse(struct upstream *u, struct greverse *r)
{
	u->reverse = r;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access a,
		       void *arg)
{
	struct upstream *u = arg;

	(void)h;
	(void)a;
	pthread_mutex_lock(&u->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	struct upstream *u = arg;

	(void)h;
	pthread_mutex_unlock(&u->locks[data]);
}

struct upstream *upstream_new(const struct gconf *c, char *err,
			      size_t errlen)
{
	struct upstream *u = calloc(1, sizeof(*u));
	char host[256];
	uint16_t port = 0;
	bool tls, unx;

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&u->locks[i], NULL);
	pthread_mutex_init(&u->pool_lock, NULL);
	u->conf = c;
	u->timeout_s = (long)c->sidecar_timeout_s;
	if (httpd_parse_url(c->sidecar_url, &tls, &unx, host, sizeof(host),
			    &port, err, errlen) < 0)
		goto fail;
	u->tls = tls;
	if (unx) {
		u->unix_path = strdup(host);
		snprintf(u->base, sizeof(u->base), "http://unix");
	} else {
		const char *p = c->sidecar_port && *c->sidecar_port ?
					c->sidecar_port : NULL;
		const char *name = c->sidecar_server_name &&
						   *c->sidecar_server_name ?
					   c->sidecar_server_name : host;
		char portstr[8];

		if (p)
			snprintf(portstr, sizeof(portstr), "%s", p);
		else
			snprintf(portstr, sizeof(portstr), "%u",
				 port ? port : (tls ? 443 : 80));
		snprintf(u->base, sizeof(u->base), "%s://%s%s%s:%s",
			 tls ? "https" : "http", strchr(name, ':') ? "[" : "",
			 name, strchr(name, ':') ? "]" : "", portstr);
		if (strcmp(name, host) != 0)
			snprintf(u->connect_to, sizeof(u->connect_to),
				 "%s:%s:%s:%s", name, portstr, host, portstr);
	}
	u->share = curl_share_init();
	if (!u->share) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	curl_share_setopt(u->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(u->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(u->share, CURLSHOPT_USERDATA, u);
	curl_share_setopt(u->share, CURLSHOPT_SHARE,
			  CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(u->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	snprintf(u->desc, sizeof(u->desc), "%s%s%s%s", u->base,
		 u->unix_path ? " (" : "", u->unix_path ? u->unix_path : "",
		 u->unix_path ? ")" : "");
	log_info("sidecar at %s", u->desc);
	return u;
fail:
	upstream_free(u);
	return NULL;
}

void upstream_free(struct upstream *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n_pool; i++)
		curl_easy_cleanup(u->pool[i]);
	pthread_mutex_destroy(&u->pool_lock);
	if (u->share)
		curl_share_cleanup(u->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&u->locks[i]);
	free(u->unix_path);
	free(u);
}

void upstream_set_observer(struct upstream *u, upstream_observer_fn fn,
			   void *ctx)
{
	u->observe = fn;
	u->observe_ctx = ctx;
}

const char *upstream_describe(const struct upstream *u)
{
	return u->desc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void observe(struct upstream *u, const char *path, long code,
		    double start)
{
	if (u->observe)
		u->observe(u->observe_ctx, path, code, now_s() - start);
}

struct xfer {
	struct upstream *u;
	CURL *easy;
	struct curl_slist *headers;
	struct curl_slist *connect_to;
	struct buf *out;
	char errbuf[CURL_ERROR_SIZE];
	bool overflow;
	bool paused;
	bool stream; /* a reader drains out: pause when it is full */
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	if (buf_append(x->out, p, len) < 0) {
		/* a whole answer that does not fit fails now: nobody would
		 * ever drain it, and the call would hang until its timeout */
		if (x->stream && x->out->len > 0 && len <= x->out->max) {
			/* streaming: the reader has not caught up yet */
			x->paused = true;
			return CURL_WRITEFUNC_PAUSE;
		}
		x->overflow = true;
		return 0;
	}
	return len;
}

static int xfer_init(struct upstream *u, struct xfer *x, const char *method,
		     const char *path, const char *session, const char *body,
		     size_t len, struct buf *out)
{
	char url[700], hdr[200];
	CURL *e;

	memset(x, 0, sizeof(*x));
	x->out = out;
	x->u = u;
	pthread_mutex_lock(&u->pool_lock);
	e = u->n_pool ? u->pool[--u->n_pool] : NULL;
	pthread_mutex_unlock(&u->pool_lock);
	if (e)
		curl_easy_reset(e); /* options go, the connection stays */
	else
		e = curl_easy_init();
	x->easy = e;
	if (!e)
		return -ENOMEM;
	snprintf(url, sizeof(url), "%s%s", u->base, path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_SHARE, u->share);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	/* a stalled sidecar: under 1 byte/s for the timeout */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, u->timeout_s);
	if (u->unix_path)
		curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, u->unix_path);
	if (u->tls) {
		const struct gconf *c = u->conf;

		curl_easy_setopt(e, CURLOPT_SSLCERT, c->sidecar_cert_file);
		curl_easy_setopt(e, CURLOPT_SSLKEY, c->sidecar_key_file);
		curl_easy_setopt(e, CURLOPT_CAINFO, c->sidecar_ca_file);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
		curl_easy_setopt(e, CURLOPT_SSLVERSION,
				 (long)CURL_SSLVERSION_TLSv1_2);
	}
	if (u->connect_to[0]) {
		/* libcurl keeps the list: it lives as long as the xfer */
		x->connect_to = curl_slist_append(NULL, u->connect_to);
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, x->connect_to);
	}
	snprintf(hdr, sizeof(hdr), "InterLink-Http-Session: %s",
		 session && *session ? session : "-");
	x->headers = curl_slist_append(x->headers, hdr);
	x->headers = curl_slist_append(x->headers,
				       "Content-Type: application/json");
	x->headers = curl_slist_append(x->headers, "Expect:");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	greverse_curl_setup(u->reverse, e);
	return 0;
}

static void xfer_done(struct xfer *x)
{
	struct upstream *u = x->u;

	if (x->easy) {
		pthread_mutex_lock(&u->pool_lock);
		if (u->n_pool < UPSTREAM_POOL_MAX) {
			u->pool[u->n_pool++] = x->easy;
			x->easy = NULL;
		}
		pthread_mutex_unlock(&u->pool_lock);
		curl_easy_cleanup(x->easy); /* NULL-safe: pool was full */
	}
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->connect_to);
	x->connect_to = NULL;
	x->easy = NULL;
	x->headers = NULL;
}

static void describe(struct xfer *x, CURLcode rc, char *err, size_t errlen)
{
	snprintf(err, errlen, "sidecar unreachable: %s",
		 x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
}

long upstream_call_timeout(struct upstream *u, const char *method,
			   const char *path, const char *session,
			   const char *body, size_t len, long timeout_s,
			   struct buf *resp, char *err, size_t errlen)
{
	double start = now_s();
	struct xfer x;
	CURLcode rc;
	long code = -1;

	if (xfer_init(u, &x, method, path, session, body, len, resp) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	curl_easy_setopt(x.easy, CURLOPT_TIMEOUT, timeout_s);
	/* a Content-Length over the limit fails before the body is read */
	curl_easy_setopt(x.easy, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)resp->max);
	rc = curl_easy_perform(x.easy);
	if (rc == CURLE_OK)
		curl_easy_getinfo(x.easy, CURLINFO_RESPONSE_CODE, &code);
	else if (x.overflow || rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(err, errlen, "the sidecar's answer is larger than "
			 "%zu bytes", resp->max);
	else
		describe(&x, rc, err, errlen);
	xfer_done(&x);
	observe(u, path, code, start);
	return code;
}

long upstream_call(struct upstream *u, const char *method, const char *path,
		   const char *session, const char *body, size_t len,
		   struct buf *resp, char *err, size_t errlen)
{
	return upstream_call_timeout(u, method, path, session, body, len,
				     u->timeout_s, resp, err, errlen);
}

struct upstream_stream {
	struct xfer x;
	CURLM *multi;
	struct buf data;
	size_t off;   /* bytes of data already handed out */
	bool done;
	CURLcode result;
};

/*
 * Move the transfer on: what has arrived is taken at once; only when
 * nothing has, wait up to wait_ms for the socket and take what came
 * then.  (Waiting after data had arrived held every chunk back until
 * the next one, or the timeout.)
 */
static int stream_pump(struct upstream_stream *s, int wait_ms)
{
	int running = 0, n;
	CURLMsg *m;

	for (int round = 0; round < 2; round++) {
		size_t had = s->data.len;

		if (curl_multi_perform(s->multi, &running) != CURLM_OK)
			return -1;
		while ((m = curl_multi_info_read(s->multi, &n)))
			if (m->msg == CURLMSG_DONE) {
				s->done = true;
				s->result = m->data.result;
			}
		if (s->done || !running || wait_ms <= 0 ||
		    s->data.len > had || round == 1)
			break;
		curl_multi_poll(s->multi, NULL, 0, wait_ms, NULL);
	}
	return 0;
}

long upstream_stream_open(struct upstream *u, const char *method,
			  const char *path, const char *session,
			  const char *body, size_t len,
			  struct upstream_stream **ret, char *err,
			  size_t errlen)
{
	struct upstream_stream *s = calloc(1, sizeof(*s));
	long code = 0;
	time_t deadline = time(NULL) + u->timeout_s;
	double start = now_s();

	if (!s)
		goto oom;
	buf_init(&s->data, STREAM_BUFFER);
	if (xfer_init(u, &s->x, method, path, session, body, len,
		      &s->data) < 0)
		goto oom;
	s->x.stream = true;
	/* a follow stream may be quiet for long: no low-speed limit */
	curl_easy_setopt(s->x.easy, CURLOPT_LOW_SPEED_TIME, 0L);
	s->multi = curl_multi_init();
	if (!s->multi || curl_multi_add_handle(s->multi, s->x.easy))
		goto oom;
	while (!s->done && code == 0) {
		if (stream_pump(s, 200) < 0 || time(NULL) > deadline)
			break;
		curl_easy_getinfo(s->x.easy, CURLINFO_RESPONSE_CODE, &code);
	}
	if (code == 0 && s->done && s->result == CURLE_OK)
		curl_easy_getinfo(s->x.easy, CURLINFO_RESPONSE_CODE, &code);
	if (code == 0) {
		if (s->done)
			describe(&s->x, s->result, err, errlen);
		else
			snprintf(err, errlen, "the sidecar did not answer "
				 "within %ld s", u->timeout_s);
		upstream_stream_close(s);
		observe(u, path, -1, start);
		return -1;
	}
	observe(u, path, code, start);
	*ret = s;
	return code;
oom:
	snprintf(err, errlen, "out of memory");
	upstream_stream_close(s);
	return -1;
}

ssize_t upstream_stream_read(struct upstream_stream *s, char *out, size_t max)
{
	size_t avail;

	if (s->off == s->data.len) {
		buf_reset(&s->data);
		s->off = 0;
		if (s->x.paused) {
			s->x.paused = false;
			curl_easy_pause(s->x.easy, CURLPAUSE_CONT);
		}
		if (s->done)
			return s->result == CURLE_OK ? -1 : -2;
		if (stream_pump(s, 1000) < 0)
			return -2;
		if (s->data.len == 0)
			return s->done ? (s->result == CURLE_OK ? -1 : -2) : 0;
	}
	avail = s->data.len - s->off;
	if (avail > max)
		avail = max;
	memcpy(out, s->data.data + s->off, avail);
	s->off += avail;
	return (ssize_t)avail;
}

void upstream_stream_close(struct upstream_stream *s)
{
	if (!s)
		return;
	if (s->multi && s->x.easy)
		curl_multi_remove_handle(s->multi, s->x.easy);
	if (s->x.easy)
		xfer_done(&s->x);
	if (s->multi)
		curl_multi_cleanup(s->multi);
	buf_done(&s->data);
	free(s);
}
