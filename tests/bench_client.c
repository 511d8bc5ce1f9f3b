/*
 * tests/bench_client.c - a small HTTP load client for `make bench`.
 *
 * Sends N requests over K threads.  Each thread owns one libcurl handle,
 * so its connection is kept alive from one request to the next, unless
 * --new-conn asks for a new connection (and, over TLS, a new handshake)
 * per request.  Request i (0-based, handed out in order to whichever
 * thread is free) carries body i mod M of the M bodies given, so a list
 * of bodies is sent round robin.
 *
 * Usage: bench_client [OPTIONS] URL
 *   -n, --requests N        requests in all (default 1)
 *   -c, --concurrency K     threads, one connection each (default 1)
 *   -X, --method M          request method (default GET)
 *   -d, --data TEXT|@FILE   the body of every request
 *   -B, --bodies LIST       LIST names one body file a line; round robin
 *   -H, --header H          an extra header (repeatable)
 *       --unix-socket PATH  connect to a unix socket instead
 *       --cert F --key F    client certificate and key (PEM)
 *       --cacert F          CA that signed the server's certificate
 *       --new-conn          a new connection per request
 *                           (also --new-conn-per-request)
 *       --no-tls-resume     no TLS session resumption on new connections
 *       --expect CODE       the status that counts as success (default 200)
 *       --timeout S         per-request limit in seconds (default 30)
 *       --label TEXT        first word of the output line (default bench)
 *
 * Output, one line on stdout, times in milliseconds:
 *   LABEL n=N ok=N err=N conns=N secs=S rps=R p50=MS p90=MS p99=MS max=MS
 *         connect=MS tls=MS cpu=MS
 * conns is the number of connections libcurl opened; connect and tls are
 * the mean time to open one (TCP, then the TLS handshake alone, as libcurl
 * times them; 0 for TCP-only), over the requests that opened one, or "-"
 * when none did; cpu is this client's own CPU time (user + system) per
 * request, to tell its share of the latency.  The first failure
 * is described on stderr.  Exit status: 0 when every request got the
 * expected status, 2 when some did not, 1 on bad usage or set-up errors.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <curl/curl.h>

#define MAX_THREADS 256
#define MAX_REQUESTS 10000000L
#define MAX_BODY_BYTES (16L << 20)
#define MAX_BODIES 100000
#define ERR_SNIPPET 200

struct body {
	char *data;
	size_t len;
};

static struct {
	const char *url;
	const char *method;
	const char *unix_socket;
	const char *cert;
	const char *key;
	const char *cacert;
	const char *label;
	long requests;
	long threads;
	long expect;
	long timeout_s;
	bool new_conn;
	bool no_tls_resume;
	struct curl_slist *headers;
	struct body *bodies;
	size_t n_bodies;
} opt = {
	.method = "GET",
	.label = "bench",
	.requests = 1,
	.threads = 1,
	.expect = 200,
	.timeout_s = 30,
};

/* Shared by the workers. */
static atomic_long next_req;
static double *latency_ms; /* [opt.requests] */
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;
static bool err_reported;

struct worker {
	pthread_t tid;
	CURL *h;
	long ok;
	long err;
	long conns;
	long connect_n;
	double connect_ms;
	double tls_ms;
	char snippet[ERR_SNIPPET + 1];
	size_t snippet_len;
	int setup_failed;
};

static double now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time (user + system) of the whole process so far, in ms */
static double cpu_ms(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void usage(void)
{
	fputs("usage: bench_client [-n N] [-c K] [-X METHOD] [-d TEXT|@FILE]\n"
	      "         [-B LIST] [-H HEADER]... [--unix-socket PATH]\n"
	      "         [--cert F --key F] [--cacert F] [--new-conn]\n"
	      "         [--no-tls-resume] [--expect CODE] [--timeout S]\n"
	      "         [--label TEXT] URL\n",
	      stderr);
}

/* A whole number in [min, max]; -1 and a message when it is not. */
static int parse_long(const char *name, const char *s, long min, long max,
		      long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "bench_client: %s must be a number from %ld "
			"to %ld, not '%s'\n", name, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* Read a whole file (at most MAX_BODY_BYTES) into a new buffer. */
static int read_file(const char *path, struct body *b)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, len = 0;
	char *data;

	if (!f) {
		fprintf(stderr, "bench_client: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	data = malloc(cap);
	if (!data)
		goto nomem;
	for (;;) {
		size_t got;

		if (len == cap) {
			char *p;

			if (cap >= (size_t)MAX_BODY_BYTES) {
				fprintf(stderr, "bench_client: %s: larger "
					"than %ld bytes\n", path,
					MAX_BODY_BYTES);
				goto fail;
			}
			p = realloc(data, cap * 2);
			if (!p)
				goto nomem;
			data = p;
			cap *= 2;
		}
		got = fread(data + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "bench_client: %s: read error\n", path);
		goto fail;
	}
	if (fclose(f) != 0) {
		f = NULL;
		fprintf(stderr, "bench_client: %s: %s\n", path,
			strerror(errno));
		goto fail;
	}
	b->data = data;
	b->len = len;
	return 0;
nomem:
	fprintf(stderr, "bench_client: out of memory reading %s\n", path);
fail:
	free(data);
	if (f)
		(void)fclose(f);
	return -1;
}

static int add_body(struct body *b)
{
	struct body *p;

	if (opt.n_bodies >= MAX_BODIES) {
		fprintf(stderr, "bench_client: more than %d bodies\n",
			MAX_BODIES);
		return -1;
	}
	p = realloc(opt.bodies, (opt.n_bodies + 1) * sizeof(*p));
	if (!p) {
		fputs("bench_client: out of memory\n", stderr);
		return -1;
	}
	opt.bodies = p;
	opt.bodies[opt.n_bodies++] = *b;
	return 0;
}

/* -d TEXT or -d @FILE */
static int load_data(const char *arg)
{
	struct body b;

	if (arg[0] == '@') {
		if (read_file(arg + 1, &b) < 0)
			return -1;
	} else {
		b.len = strlen(arg);
		b.data = strdup(arg);
		if (!b.data) {
			fputs("bench_client: out of memory\n", stderr);
			return -1;
		}
	}
	if (add_body(&b) < 0) {
		free(b.data);
		return -1;
	}
	return 0;
}

/* -B LIST: one body file per line; empty lines are skipped. */
static int load_list(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int r = 0;

	if (!f) {
		fprintf(stderr, "bench_client: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		struct body b;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (read_file(line, &b) < 0 || add_body(&b) < 0) {
			r = -1;
			break;
		}
	}
	if (r == 0 && ferror(f)) {
		fprintf(stderr, "bench_client: %s: read error\n", path);
		r = -1;
	}
	free(line);
	if (fclose(f) != 0 && r == 0) {
		fprintf(stderr, "bench_client: %s: %s\n", path,
			strerror(errno));
		r = -1;
	}
	return r;
}

static int add_header(const char *h)
{
	struct curl_slist *l = curl_slist_append(opt.headers, h);

	if (!l) {
		fputs("bench_client: out of memory\n", stderr);
		return -1;
	}
	opt.headers = l;
	return 0;
}

enum {
	OPT_UNIX = 256,
	OPT_CERT,
	OPT_KEY,
	OPT_CACERT,
	OPT_NEW_CONN,
	OPT_NO_RESUME,
	OPT_EXPECT,
	OPT_TIMEOUT,
	OPT_LABEL,
};

static const struct option long_opts[] = {
	{ "requests", required_argument, NULL, 'n' },
	{ "concurrency", required_argument, NULL, 'c' },
	{ "method", required_argument, NULL, 'X' },
	{ "data", required_argument, NULL, 'd' },
	{ "bodies", required_argument, NULL, 'B' },
	{ "header", required_argument, NULL, 'H' },
	{ "unix-socket", required_argument, NULL, OPT_UNIX },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "new-conn", no_argument, NULL, OPT_NEW_CONN },
	{ "new-conn-per-request", no_argument, NULL, OPT_NEW_CONN },
	{ "no-tls-resume", no_argument, NULL, OPT_NO_RESUME },
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_args(int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "n:c:X:d:B:H:h", long_opts,
				NULL)) != -1) {
		int r = 0;

		switch (c) {
		case 'n':
			r = parse_long("--requests", optarg, 1, MAX_REQUESTS,
				       &opt.requests);
			break;
		case 'c':
			r = parse_long("--concurrency", optarg, 1,
				       MAX_THREADS, &opt.threads);
			break;
		case 'X':
			opt.method = optarg;
			break;
		case 'd':
			r = load_data(optarg);
			break;
		case 'B':
			r = load_list(optarg);
			break;
		case 'H':
			r = add_header(optarg);
			break;
		case OPT_UNIX:
			opt.unix_socket = optarg;
			break;
		case OPT_CERT:
			opt.cert = optarg;
			break;
		case OPT_KEY:
			opt.key = optarg;
			break;
		case OPT_CACERT:
			opt.cacert = optarg;
			break;
		case OPT_NEW_CONN:
			opt.new_conn = true;
			break;
		case OPT_NO_RESUME:
			opt.no_tls_resume = true;
			break;
		case OPT_EXPECT:
			r = parse_long("--expect", optarg, 100, 599,
				       &opt.expect);
			break;
		case OPT_TIMEOUT:
			r = parse_long("--timeout", optarg, 1, 3600,
				       &opt.timeout_s);
			break;
		case OPT_LABEL:
			opt.label = optarg;
			break;
		case 'h':
			usage();
			exit(0);
		default:
			usage();
			return -1;
		}
		if (r < 0)
			return -1;
	}
	if (optind != argc - 1) {
		usage();
		return -1;
	}
	opt.url = argv[optind];
	/* no "Expect: 100-continue" round trip before a body */
	return add_header("Expect:");
}

/* Keep the start of each answer, for the error message. */
static size_t on_data(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct worker *w = ctx;
	size_t len = size * nmemb;
	size_t room = ERR_SNIPPET - w->snippet_len;
	size_t take = len < room ? len : room;

	memcpy(w->snippet + w->snippet_len, p, take);
	w->snippet_len += take;
	w->snippet[w->snippet_len] = '\0';
	return len;
}

#define SETOPT(h, o, v)                                                  \
	do {                                                             \
		CURLcode c_ = curl_easy_setopt((h), (o), (v));           \
		if (c_ != CURLE_OK) {                                    \
			fprintf(stderr, "bench_client: %s: %s\n", #o,    \
				curl_easy_strerror(c_));                 \
			return -1;                                       \
		}                                                        \
	} while (0)

/* Options every request of a handle shares. */
static int setup_handle(struct worker *w)
{
	CURL *h = w->h;

	SETOPT(h, CURLOPT_URL, opt.url);
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h, CURLOPT_TIMEOUT, opt.timeout_s);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT, opt.timeout_s);
	SETOPT(h, CURLOPT_HTTPHEADER, opt.headers);
	SETOPT(h, CURLOPT_WRITEFUNCTION, on_data);
	SETOPT(h, CURLOPT_WRITEDATA, w);
	SETOPT(h, CURLOPT_TCP_NODELAY, 1L);
	if (opt.unix_socket)
		SETOPT(h, CURLOPT_UNIX_SOCKET_PATH, opt.unix_socket);
	if (opt.cert)
		SETOPT(h, CURLOPT_SSLCERT, opt.cert);
	if (opt.key)
		SETOPT(h, CURLOPT_SSLKEY, opt.key);
	if (opt.cacert)
		SETOPT(h, CURLOPT_CAINFO, opt.cacert);
	if (opt.new_conn) {
		SETOPT(h, CURLOPT_FRESH_CONNECT, 1L);
		SETOPT(h, CURLOPT_FORBID_REUSE, 1L);
	}
	if (opt.no_tls_resume)
		SETOPT(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	if (opt.n_bodies == 0 && strcmp(opt.method, "GET") == 0) {
		SETOPT(h, CURLOPT_HTTPGET, 1L);
	} else if (opt.n_bodies == 0) {
		/* an empty body: Content-Length: 0, as Go sends it */
		SETOPT(h, CURLOPT_POSTFIELDS, "");
		SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
		SETOPT(h, CURLOPT_CUSTOMREQUEST, opt.method);
	} else {
		SETOPT(h, CURLOPT_CUSTOMREQUEST, opt.method);
	}
	return 0;
}

static int set_body(struct worker *w, long i)
{
	const struct body *b;

	if (opt.n_bodies == 0)
		return 0;
	b = &opt.bodies[(size_t)i % opt.n_bodies];
	SETOPT(w->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
	SETOPT(w->h, CURLOPT_POSTFIELDS, b->data);
	return 0;
}

static void report_error(long i, const char *what, const struct worker *w)
{
	if (pthread_mutex_lock(&err_lock) != 0)
		return;
	if (!err_reported) {
		err_reported = true;
		fprintf(stderr, "bench_client: %s: request %ld: %s%s%.*s\n",
			opt.label, i, what, w->snippet_len ? ": " : "",
			(int)w->snippet_len, w->snippet);
	}
	(void)pthread_mutex_unlock(&err_lock);
}

/* The last request opened a connection: how long did that take? */
static void add_connect_times(struct worker *w)
{
	curl_off_t tcp = 0, app = 0;

	if (curl_easy_getinfo(w->h, CURLINFO_CONNECT_TIME_T, &tcp) !=
	    CURLE_OK ||
	    curl_easy_getinfo(w->h, CURLINFO_APPCONNECT_TIME_T, &app) !=
	    CURLE_OK)
		return;
	w->connect_n++;
	w->connect_ms += (double)tcp / 1e3;
	/* app is 0 without TLS; both count from the request's start */
	if (app > tcp)
		w->tls_ms += (double)(app - tcp) / 1e3;
}

static void *work(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		long i = atomic_fetch_add(&next_req, 1);
		long code = 0, conns = 0;
		char what[64];
		CURLcode rc;
		double t0;

		if (i >= opt.requests)
			break;
		w->snippet_len = 0;
		w->snippet[0] = '\0';
		if (set_body(w, i) < 0) {
			w->setup_failed = 1;
			break;
		}
		t0 = now_ms();
		rc = curl_easy_perform(w->h);
		latency_ms[i] = now_ms() - t0;
		if (curl_easy_getinfo(w->h, CURLINFO_NUM_CONNECTS, &conns) ==
		    CURLE_OK)
			w->conns += conns;
		if (conns > 0)
			add_connect_times(w);
		if (rc != CURLE_OK) {
			w->err++;
			report_error(i, curl_easy_strerror(rc), w);
			continue;
		}
		if (curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &code) !=
		    CURLE_OK)
			code = 0;
		if (code == opt.expect) {
			w->ok++;
			continue;
		}
		w->err++;
		(void)snprintf(what, sizeof(what), "status %ld", code);
		report_error(i, what, w);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of n sorted values. */
static double percentile(const double *v, long n, double p)
{
	long k = (long)ceil(p * (double)n);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

int main(int argc, char **argv)
{
	struct worker *w;
	long ok = 0, err = 0, conns = 0, started = 0, connect_n = 0;
	double connect_ms = 0, tls_ms = 0;
	char connect_s[32] = "-", tls_s[32] = "-";
	bool setup_failed = false;
	double t0, secs, cpu0, cpu;
	CURLcode cr;

	cr = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (cr != CURLE_OK) {
		fprintf(stderr, "bench_client: curl_global_init: %s\n",
			curl_easy_strerror(cr));
		return 1;
	}
	if (parse_args(argc, argv) < 0)
		return 1;
	if (opt.threads > opt.requests)
		opt.threads = opt.requests;
	latency_ms = calloc((size_t)opt.requests, sizeof(*latency_ms));
	w = calloc((size_t)opt.threads, sizeof(*w));
	if (!latency_ms || !w) {
		fputs("bench_client: out of memory\n", stderr);
		return 1;
	}
	for (long t = 0; t < opt.threads; t++) {
		w[t].h = curl_easy_init();
		if (!w[t].h) {
			fputs("bench_client: curl_easy_init failed\n", stderr);
			return 1;
		}
		if (setup_handle(&w[t]) < 0)
			return 1;
	}

	atomic_init(&next_req, 0);
	cpu0 = cpu_ms();
	t0 = now_ms();
	for (long t = 0; t < opt.threads; t++) {
		int r = pthread_create(&w[t].tid, NULL, work, &w[t]);

		if (r != 0) {
			fprintf(stderr, "bench_client: pthread_create: %s\n",
				strerror(r));
			break;
		}
		started++;
	}
	if (started == 0)
		return 1;
	for (long t = 0; t < started; t++) {
		int r = pthread_join(w[t].tid, NULL);

		if (r != 0) {
			fprintf(stderr, "bench_client: pthread_join: %s\n",
				strerror(r));
			return 1;
		}
		ok += w[t].ok;
		err += w[t].err;
		conns += w[t].conns;
		connect_n += w[t].connect_n;
		connect_ms += w[t].connect_ms;
		tls_ms += w[t].tls_ms;
		if (w[t].setup_failed)
			setup_failed = true;
		curl_easy_cleanup(w[t].h);
	}
	secs = (now_ms() - t0) / 1e3;
	cpu = cpu_ms() - cpu0;
	if (setup_failed || ok + err != opt.requests) {
		fprintf(stderr, "bench_client: %s: only %ld of %ld requests "
			"ran\n", opt.label, ok + err, opt.requests);
		return 1;
	}

	if (connect_n > 0) {
		(void)snprintf(connect_s, sizeof(connect_s), "%.3f",
			       connect_ms / (double)connect_n);
		(void)snprintf(tls_s, sizeof(tls_s), "%.3f",
			       tls_ms / (double)connect_n);
	}
	qsort(latency_ms, (size_t)opt.requests, sizeof(*latency_ms),
	      cmp_double);
	if (printf("%s n=%ld ok=%ld err=%ld conns=%ld secs=%.3f rps=%.1f "
		   "p50=%.3f p90=%.3f p99=%.3f max=%.3f connect=%s tls=%s "
		   "cpu=%.3f\n",
		   opt.label, opt.requests, ok, err, conns, secs,
		   secs > 0 ? (double)opt.requests / secs : 0.0,
		   percentile(latency_ms, opt.requests, 0.50),
		   percentile(latency_ms, opt.requests, 0.90),
		   percentile(latency_ms, opt.requests, 0.99),
		   latency_ms[opt.requests - 1], connect_s, tls_s,
		   cpu / (double)opt.requests) < 0 ||
	    fflush(stdout) != 0) {
		perror("bench_client: stdout");
		return 1;
	}

	for (size_t i = 0; i < opt.n_bodies; i++)
		free(opt.bodies[i].data);
	free(opt.bodies);
	curl_slist_free_all(opt.headers);
	free(latency_ms);
	free(w);
	curl_global_cleanup();
	return err ? 2 : 0;
}
