/*
 * Unit tests of the gateway's status table, authentication and metrics.
 *
 * Link-time seams: this file defines upstream_call (a fake sidecar that
 * counts calls and answers /status for any pod array) and the httpd request
 * accessors auth.c uses, so no server or network is involved.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "gconf.h"
#include "httpd.h"
#include "log.h"
#include "metrics.h"
#include "podjson.h"
#include "statustable.h"
#include "upstream.h"
#include "wire.h"

/* ---- the fake sidecar ------------------------------------------------ */

static struct {
	pthread_mutex_t lock;
	int status_calls;
	int pods_calls;
	size_t last_batch;
	bool down;               /* answer nothing */
	const char *pods_answer; /* GET /pods */
	int delay_ms;
} fake = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void fake_reset(void)
{
	pthread_mutex_lock(&fake.lock);
	fake.status_calls = fake.pods_calls = 0;
	fake.last_batch = 0;
	fake.down = false;
	fake.pods_answer = "[]";
	fake.delay_ms = 0;
	pthread_mutex_unlock(&fake.lock);
}

/* Each pod is running with JID "j-<uid>", except UIDs "unknown-*". */
static int fake_status(const char *body, size_t len, struct buf *resp)
{
	cJSON *j = NULL, *out = cJSON_CreateArray(), *e;
	char *s;

	if (wire_parse(body, len, &j, NULL, 0) < 0 || !cJSON_IsArray(j))
		return 400;
	cJSON_ArrayForEach(e, j)
	{
		const cJSON *md = cJSON_GetObjectItem(e, "metadata");
		const char *uid = cJSON_GetStringValue(
			cJSON_GetObjectItem(md, "uid"));
		char jid[128], st[512];

		snprintf(jid, sizeof(jid), "%s%s",
			 strncmp(uid, "unknown-", 8) ? "j-" : "",
			 strncmp(uid, "unknown-", 8) ? uid : "");
		snprintf(st, sizeof(st),
			 "{\"name\":\"n\",\"uid\":\"%s\",\"namespace\":\"d\","
			 "\"jid\":\"%s\",\"containers\":[{\"name\":\"c\","
			 "\"state\":{\"running\":{}}}]}",
			 uid, jid);
		cJSON_AddItemToArray(out, cJSON_Parse(st));
	}
	pthread_mutex_lock(&fake.lock);
	fake.last_batch = (size_t)cJSON_GetArraySize(j);
	pthread_mutex_unlock(&fake.lock);
	s = cJSON_PrintUnformatted(out);
	buf_puts(resp, s);
	cJSON_free(s);
	cJSON_Delete(out);
	cJSON_Delete(j);
	return 200;
}

long upstream_call(struct upstream *u, const char *method, const char *path,
		   const char *session, const char *body, size_t len,
		   struct buf *resp, char *err, size_t errlen)
{
	int delay;
	bool down;

	(void)u;
	(void)method;
	(void)session;
	pthread_mutex_lock(&fake.lock);
	down = fake.down;
	delay = fake.delay_ms;
	if (strcmp(path, "/status") == 0)
		fake.status_calls++;
	else
		fake.pods_calls++;
	pthread_mutex_unlock(&fake.lock);
	if (delay)
		usleep((useconds_t)delay * 1000);
	if (down) {
		snprintf(err, errlen, "connection refused");
		return -1;
	}
	if (strcmp(path, "/pods") == 0) {
		buf_puts(resp, fake.pods_answer);
		return 200;
	}
	return fake_status(body, len, resp);
}

/* ---- the fake httpd request ------------------------------------------- */

static const char *fake_auth_header;
static const char *fake_peer[4];
static size_t fake_n_peer;

const char *httpd_header(struct httpd_request *req, const char *name)
{
	(void)req;
	return strcasecmp(name, "Authorization") == 0 ? fake_auth_header :
							 NULL;
}

size_t httpd_peer_names(const struct httpd_request *req, const char **ret,
			size_t max)
{
	size_t n = 0;

	(void)req;
	for (; n < fake_n_peer && n < max; n++)
		ret[n] = fake_peer[n];
	return n;
}

/* ---- helpers ---------------------------------------------------------- */

static struct gconf conf;

static void conf_init(void)
{
	memset(&conf, 0, sizeof(conf));
	conf.status_refresh_ms = 100;
	conf.sidecar_timeout_s = 2;
	conf.allow_empty_token_on_ping = true;
}

static struct wire_pod pod_of(const char *uid)
{
	struct wire_pod p = {0};

	p.name = (char *)"n";
	p.namespace = (char *)"d";
	p.uid = (char *)uid;
	return p;
}

static unsigned query1(struct statustable *t, const char *uid,
		       struct buf *out)
{
	struct wire_pod p = pod_of(uid);
	char err[256];

	buf_reset(out);
	return statustable_query(t, &p, 1, out, err, sizeof(err));
}

static int calls(void)
{
	int n;

	pthread_mutex_lock(&fake.lock);
	n = fake.status_calls;
	pthread_mutex_unlock(&fake.lock);
	return n;
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- status table ----------------------------------------------------- */

static void test_min_pod(void **state)
{
	struct wire_container c[2] = {{.name = (char *)"a"},
				      {.name = (char *)"b"}};
	struct wire_pod p = pod_of("u1");
	char *s;

	(void)state;
	p.containers = c;
	p.n_containers = 2;
	s = podjson_min_pod(&p);
	assert_string_equal(s, "{\"metadata\":{\"name\":\"n\",\"namespace\":"
			    "\"d\",\"uid\":\"u1\"},\"spec\":{\"containers\":"
			    "[{\"name\":\"a\"},{\"name\":\"b\"}],"
			    "\"initContainers\":[]}}");
	free(s);
}

static void test_podjson(void **state)
{
	const char *answer =
		"[{\"name\":\"a\",\"uid\":\"u1\",\"jid\":\"7\","
		"\"containers\":[{\"name\":\"c\",\"state\":{}}]},"
		"{\"name\":\"no uid\"},7,"
		"{\"Name\":\"b\",\"UID\":\"u2\",\"JID\":\"\"}]";
	struct podjson_status *v = NULL;
	char err[128], *s;
	size_t n = 0;
	cJSON *item;

	(void)state;
	assert_int_equal(podjson_parse_statuses(answer, strlen(answer), &v,
						&n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].uid, "u1");
	assert_false(v[0].unknown);
	assert_non_null(strstr(v[0].status, "\"UID\":\"u1\",\"namespace\""));
	assert_string_equal(v[1].uid, "u2");
	assert_true(v[1].unknown);
	podjson_statuses_free(v, n);
	assert_int_equal(podjson_parse_statuses("{}", 2, &v, &n, err,
						sizeof(err)),
			 -1);
	item = cJSON_Parse("{\"name\":\"p\",\"namespace\":\"d\",\"uid\":"
			   "\"u3\",\"containers\":[\"a\"],"
			   "\"initContainers\":null}");
	s = podjson_min_pod_listed(item);
	assert_string_equal(s, "{\"metadata\":{\"name\":\"p\",\"namespace\":"
			    "\"d\",\"uid\":\"u3\"},\"spec\":{\"containers\":"
			    "[{\"name\":\"a\"}],\"initContainers\":[]}}");
	free(s);
	cJSON_Delete(item);
}

/* 200 pods, polled 5 times each: one sidecar call per interval. */
static void test_batching(void **state)
{
	struct statustable *t;
	struct buf out;
	char uid[64], err[256];
	int before, after;
	double t0;

	(void)state;
	fake_reset();
	conf_init();
	buf_init(&out, 1 << 20);
	t = statustable_new(&conf, NULL, NULL);
	for (int i = 0; i < 200; i++) {
		struct wire_pod p;

		snprintf(uid, sizeof(uid), "pod-%d", i);
		p = pod_of(uid);
		assert_int_equal(statustable_add(t, &p), 0);
	}
	assert_int_equal(statustable_start(t, err, sizeof(err)), 0);
	usleep(250 * 1000); /* the first refreshes */
	pthread_mutex_lock(&fake.lock);
	assert_int_equal(fake.last_batch, 200);
	pthread_mutex_unlock(&fake.lock);
	before = calls();
	t0 = mono_ms();
	for (int round = 0; round < 5; round++)
		for (int i = 0; i < 200; i++) {
			snprintf(uid, sizeof(uid), "pod-%d", i);
			assert_int_equal(query1(t, uid, &out), 200);
			assert_non_null(strstr(buf_str(&out), uid));
		}
	usleep(500 * 1000);
	after = calls();
	/* one call per 100 ms interval (and one in flight), never 1000 */
	assert_true(after - before <= (int)((mono_ms() - t0) / 100) + 2);
	assert_int_equal(statustable_count(t), 200);
	statustable_remove(t, "pod-7");
	assert_int_equal(statustable_count(t), 199);
	statustable_free(t);
	buf_done(&out);
}

static pthread_barrier_t start_line;

struct waiter {
	struct statustable *t;
	char uid[64];
	unsigned code;
	bool right;
};

static void *ask(void *arg)
{
	struct waiter *w = arg;
	struct buf out;

	buf_init(&out, 1 << 16);
	pthread_barrier_wait(&start_line);
	w->code = query1(w->t, w->uid, &out);
	w->right = strstr(buf_str(&out), w->uid) != NULL;
	buf_done(&out);
	return NULL;
}

/* Unknown UIDs asked at once share an on-demand refresh. */
static void test_on_demand(void **state)
{
	struct waiter w[20];
	pthread_t th[20];
	struct statustable *t;
	struct buf out;
	char err[256];
	int before;

	(void)state;
	fake_reset();
	conf_init();
	conf.status_refresh_ms = 60000; /* only on-demand refreshes */
	t = statustable_new(&conf, NULL, NULL);
	assert_int_equal(statustable_start(t, err, sizeof(err)), 0);
	usleep(100 * 1000);
	before = calls();
	pthread_mutex_lock(&fake.lock);
	fake.delay_ms = 200; /* the callers all arrive during one call */
	pthread_mutex_unlock(&fake.lock);
	pthread_barrier_init(&start_line, NULL, 20);
	for (int i = 0; i < 20; i++) {
		w[i].t = t;
		snprintf(w[i].uid, sizeof(w[i].uid), "new-%d", i);
		assert_int_equal(pthread_create(&th[i], NULL, ask, &w[i]), 0);
	}
	for (int i = 0; i < 20; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].code, 200);
		assert_true(w[i].right);
	}
	pthread_barrier_destroy(&start_line);
	/* 20 new pods: one or two shared refreshes, not 20 */
	assert_true(calls() - before <= 4);
	assert_int_equal(statustable_count(t), 20);
	/* known now: answered without a call */
	pthread_mutex_lock(&fake.lock);
	fake.delay_ms = 0;
	pthread_mutex_unlock(&fake.lock);
	before = calls();
	buf_init(&out, 1 << 16);
	assert_int_equal(query1(t, "new-3", &out), 200);
	assert_int_equal(calls(), before);
	/* a pod the sidecar does not know: its answer, JID empty */
	assert_int_equal(query1(t, "unknown-1", &out), 200);
	assert_non_null(strstr(buf_str(&out), "\"JID\":\"\""));
	/* every status at once for [] */
	{
		char err2[64];

		buf_reset(&out);
		assert_int_equal(statustable_query(t, NULL, 0, &out, err2,
						   sizeof(err2)),
				 200);
		assert_non_null(strstr(buf_str(&out), "new-19"));
	}
	buf_done(&out);
	statustable_free(t);
}

static void test_relearn_and_down(void **state)
{
	struct statustable *t;
	struct buf out;
	char err[256];
	struct wire_pod p = pod_of("late");

	(void)state;
	fake_reset();
	conf_init();
	fake.pods_answer = "[{\"name\":\"a\",\"UID\":\"r-1\",\"namespace\":"
			   "\"d\",\"JID\":\"1\",\"containers\":[\"c\"],"
			   "\"initContainers\":[]},{\"name\":\"b\",\"UID\":"
			   "\"r-2\",\"namespace\":\"d\",\"JID\":\"2\","
			   "\"containers\":[\"c\"],\"deleting\":true}]";
	t = statustable_new(&conf, NULL, NULL);
	assert_int_equal(statustable_start(t, err, sizeof(err)), 0);
	usleep(250 * 1000);
	/* r-2 is being deleted: not relearned */
	assert_int_equal(statustable_count(t), 1);
	buf_init(&out, 1 << 16);
	assert_int_equal(query1(t, "r-1", &out), 200);
	assert_non_null(strstr(buf_str(&out), "\"JID\":\"j-r-1\""));
	/* the sidecar goes away: a new pod gets 503 with the reason */
	pthread_mutex_lock(&fake.lock);
	fake.down = true;
	pthread_mutex_unlock(&fake.lock);
	assert_int_equal(statustable_query(t, &p, 1, &out, err, sizeof(err)),
			 503);
	assert_non_null(strstr(err, "cannot reach the sidecar"));
	/* a known pod is still answered (fresh enough) */
	assert_int_equal(query1(t, "r-1", &out), 200);
	statustable_stop(t);
	/* after stop, a pod without status gets 503 at once */
	assert_int_equal(query1(t, "other", &out), 503);
	buf_done(&out);
	statustable_free(t);
}

/* ---- authentication ---------------------------------------------------- */

static char *token_file(const char *text, mode_t mode)
{
	static char path[] = "/tmp/test_gateway_tokens.XXXXXX";
	int fd;

	memcpy(path + strlen(path) - 6, "XXXXXX", 6);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void test_tokens(void **state)
{
	struct httpd_request req = {0};
	struct metrics *m = metrics_new();
	struct auth *a;
	char err[256], msg[256], *path;
	struct buf out;

	(void)state;
	assert_int_equal(auth_count_tokens(""), 0);
	assert_int_equal(auth_count_tokens("a\n\n# x\n  b \r\nc"), 3);
	conf_init();
	path = token_file("tok-1\n# c\n tok-2 \n", 0644);
	conf.bearer_tokens_file = path;
	assert_null(auth_new(&conf, m, err, sizeof(err)));
	assert_non_null(strstr(err, "group or others"));
	assert_int_equal(chmod(path, 0600), 0);
	a = auth_new(&conf, m, err, sizeof(err));
	assert_non_null(a);
	fake_auth_header = NULL;
	assert_int_equal(auth_check(a, &req, false, msg, sizeof(msg)), 401);
	fake_auth_header = "Bearer tok-1";
	assert_int_equal(auth_check(a, &req, false, msg, sizeof(msg)), 0);
	fake_auth_header = "bearer tok-2";
	assert_int_equal(auth_check(a, &req, false, msg, sizeof(msg)), 0);
	fake_auth_header = "Bearer tok-";
	assert_int_equal(auth_check(a, &req, false, msg, sizeof(msg)), 401);
	fake_auth_header = "Basic dG9rLTE=";
	assert_int_equal(auth_check(a, &req, false, msg, sizeof(msg)), 401);
	fake_auth_header = "Bearer ";
	assert_int_equal(auth_check(a, &req, false, msg, sizeof(msg)), 401);
	assert_int_equal(auth_check(a, &req, true, msg, sizeof(msg)), 0);
	conf.allow_empty_token_on_ping = false;
	assert_int_equal(auth_check(a, &req, true, msg, sizeof(msg)), 401);
	/* rotation: a new file content is picked up on the next call */
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs("tok-3 and more\n", f);
		fclose(f);
	}
	fake_auth_header = "Bearer tok-3 and more";
	assert_int_equal(auth_check(a, &req, false, msg, sizeof(msg)), 0);
	fake_auth_header = "Bearer tok-1";
	assert_int_equal(auth_check(a, &req, false, msg, sizeof(msg)), 401);
	auth_free(a);
	/* client certificate allow-list */
	{
		char *allowed[] = {(char *)"virtual-kubelet"};

		conf.bearer_tokens_file = NULL;
		conf.tls_allowed_clients.v = allowed;
		conf.tls_allowed_clients.n = 1;
		a = auth_new(&conf, m, err, sizeof(err));
		fake_n_peer = 2;
		fake_peer[0] = "other";
		fake_peer[1] = "virtual-kubelet";
		assert_int_equal(auth_check(a, &req, false, msg, sizeof(msg)),
				 0);
		fake_n_peer = 1;
		assert_int_equal(auth_check(a, &req, false, msg, sizeof(msg)),
				 403);
		assert_non_null(strstr(msg, "'other'"));
		auth_free(a);
		conf.tls_allowed_clients.n = 0;
	}
	buf_init(&out, 1 << 20);
	assert_int_equal(metrics_render(m, 0, &out), 0);
	assert_non_null(strstr(buf_str(&out), "interlink_api_auth_failures_"
				"total{reason=\"bad_token\"} 2"));
	assert_non_null(strstr(buf_str(&out), "{reason=\"client_cert\"} 1"));
	buf_done(&out);
	unlink(path);
	metrics_free(m);
}

/* ---- metrics ------------------------------------------------------------- */

static void test_metrics(void **state)
{
	struct metrics *m = metrics_new();
	struct buf out;
	const char *s;

	(void)state;
	metrics_request(m, "/status", 200, 0.0004);
	metrics_request(m, "/status", 200, 0.2);
	metrics_request(m, "/nope/x", 404, 0.001);
	metrics_sidecar(m, "/status", 200, 0.01);
	metrics_sidecar(m, "/create", -1, 10);
	metrics_log_streams(m, 1);
	metrics_status_refresh(m, true, 500);
	buf_init(&out, 1 << 20);
	assert_int_equal(metrics_render(m, 42, &out), 0);
	s = buf_str(&out);
	assert_non_null(strstr(s, "interlink_api_http_requests_total{path="
			       "\"/status\",code=\"200\"} 2\n"));
	assert_non_null(strstr(s, "{path=\"other\",code=\"404\"} 1\n"));
	assert_non_null(strstr(s, "interlink_api_http_request_duration_"
			       "seconds_bucket{path=\"/status\",le=\"0.001\"} "
			       "1\n"));
	assert_non_null(strstr(s, "interlink_api_http_request_duration_"
			       "seconds_bucket{path=\"/status\",le=\"+Inf\"} "
			       "2\n"));
	assert_non_null(strstr(s, "interlink_api_sidecar_requests_total{path="
			       "\"/create\",code=\"none\"} 1\n"));
	assert_non_null(strstr(s, "interlink_api_sidecar_errors_total{path="
			       "\"/create\"} 1\n"));
	assert_non_null(strstr(s, "interlink_api_pods_tracked 42\n"));
	assert_non_null(strstr(s, "interlink_api_log_streams_open 1\n"));
	assert_non_null(strstr(s, "interlink_api_status_refresh_pods_total "
			       "500\n"));
	buf_done(&out);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_min_pod),
		cmocka_unit_test(test_podjson),
		cmocka_unit_test(test_batching),
		cmocka_unit_test(test_on_demand),
		cmocka_unit_test(test_relearn_and_down),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_metrics),
	};

	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
