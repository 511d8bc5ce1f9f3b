/*
 * tests/unit/test_upstream.c - bounded work in the gateway: the /create
 * transform copies each ConfigMap once per container and stops at its
 * budget; a sidecar answer larger than the caller's buffer fails at once
 * (a real libmicrohttpd server on a unix socket plays the sidecar).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "gconf.h"
#include "httpd.h"
#include "log.h"
#include "transform.h"
#include "upstream.h"
#include "wire.h"

/* A PodCreateRequests: ctrs containers, each mounting ConfigMap "big"
 * (size bytes of data) through mounts volumeMounts of one volume. */
static cJSON *amplifier(int ctrs, int mounts, size_t size)
{
	cJSON *req = cJSON_CreateObject(), *pod, *spec, *list, *vols, *cms;
	char *data = malloc(size + 1);

	assert_non_null(data);
	memset(data, 'x', size);
	data[size] = '\0';
	pod = cJSON_AddObjectToObject(req, "pod");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(pod, "metadata"),
				"uid", "11111111-2222-4333-8444-555555555555");
	spec = cJSON_AddObjectToObject(pod, "spec");
	list = cJSON_AddArrayToObject(spec, "containers");
	for (int i = 0; i < ctrs; i++) {
		cJSON *c = cJSON_CreateObject(), *vm;
		char name[16];

		snprintf(name, sizeof(name), "c%d", i);
		cJSON_AddStringToObject(c, "name", name);
		vm = cJSON_AddArrayToObject(c, "volumeMounts");
		for (int j = 0; j < mounts; j++) {
			cJSON *m = cJSON_CreateObject();
			char path[32];

			snprintf(path, sizeof(path), "/m%d", j);
			cJSON_AddStringToObject(m, "name", "cfg");
			cJSON_AddStringToObject(m, "mountPath", path);
			cJSON_AddItemToArray(vm, m);
		}
		cJSON_AddItemToArray(list, c);
	}
	vols = cJSON_AddArrayToObject(spec, "volumes");
	{
		cJSON *v = cJSON_CreateObject();

		cJSON_AddStringToObject(v, "name", "cfg");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(v, "configMap"),
					"name", "big");
		cJSON_AddItemToArray(vols, v);
	}
	cms = cJSON_AddArrayToObject(req, "configmaps");
	{
		cJSON *cm = cJSON_CreateObject();

		cJSON_AddStringToObject(cJSON_AddObjectToObject(cm, "metadata"),
					"name", "big");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(cm, "data"),
					"k", data);
		cJSON_AddItemToArray(cms, cm);
	}
	free(data);
	return req;
}

static void test_transform_once_per_container(void **state)
{
	cJSON *req = amplifier(2, 400, 1u << 20), *out;
	const cJSON *c;
	bool too_large = true;
	char err[256] = "";
	char *body;

	(void)state;
	out = transform_create(req, 16u << 20, &too_large, err, sizeof(err));
	assert_non_null(out);
	assert_false(too_large);
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(out, "container"))
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(
					 c, "configMaps")), 1);
	body = cJSON_PrintUnformatted(out);
	assert_non_null(body);
	/* two copies of 1 MiB and the pod, not 800 */
	assert_in_range(strlen(body), 2u << 20, 3u << 20);
	cJSON_free(body);
	cJSON_Delete(out);
	cJSON_Delete(req);
}

static void test_transform_budget(void **state)
{
	cJSON *req = amplifier(40, 2, 1u << 20), *out;
	bool too_large = false;
	char err[256] = "";

	(void)state;
	/* 40 containers x 1 MiB: over a 16 MiB limit, refused */
	out = transform_create(req, 16u << 20, &too_large, err, sizeof(err));
	assert_null(out);
	assert_true(too_large);
	assert_non_null(strstr(err, "MaxBodyBytes"));
	/* within a larger one */
	out = transform_create(req, 64u << 20, &too_large, err, sizeof(err));
	assert_non_null(out);
	assert_false(too_large);
	cJSON_Delete(out);
	cJSON_Delete(req);
}

/* ---- a sidecar that answers too much ------------------------------------ */

#define BIG (2u << 20)

static char *big_body;

static int big_plain(void *ctx, struct httpd_request *req)
{
	(void)ctx;
	return httpd_reply(req, 200, "text/plain", big_body, BIG);
}

struct chunks {
	size_t sent;
};

static ssize_t chunk_fn(void *ctx, char *out, size_t max)
{
	struct chunks *c = ctx;
	size_t n = BIG - c->sent < max ? BIG - c->sent : max;

	if (n == 0)
		return -1;
	memset(out, 'y', n);
	c->sent += n;
	return (ssize_t)n;
}

static int big_chunked(void *ctx, struct httpd_request *req)
{
	struct chunks *c = calloc(1, sizeof(*c));

	(void)ctx;
	if (!c)
		return -1;
	return httpd_reply_stream(req, 200, "text/plain", chunk_fn, c, free);
}

static const struct httpd_route routes[] = {
	{"/plain", big_plain},
	{"/chunked", big_chunked},
	{NULL, NULL},
};

static void test_answer_too_large(void **state)
{
	char dir[] = "/tmp/test_upstream.XXXXXX", sock[128], url[160];
	char err[256];
	struct httpd_conf hc = {0};
	struct gconf gc = {0};
	struct httpd *h;
	struct upstream *u;
	struct buf resp;
	long code;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	snprintf(url, sizeof(url), "unix://%s", sock);
	big_body = malloc(BIG);
	assert_non_null(big_body);
	memset(big_body, 'z', BIG);
	hc.name = "fake sidecar";
	hc.unix_socket = true;
	hc.unix_path = sock;
	hc.max_body = 4096;
	h = httpd_start(&hc, routes, NULL, err, sizeof(err));
	assert_non_null(h);
	gc.sidecar_url = url;
	/* a stall would end in a timeout, with another message */
	gc.sidecar_timeout_s = 20;
	u = upstream_new(&gc, err, sizeof(err));
	assert_non_null(u);
	for (int i = 0; i < 2; i++) {
		const char *path = i ? "/chunked" : "/plain";

		buf_init(&resp, 1u << 20);
		err[0] = '\0';
		code = upstream_call(u, "GET", path, "-", "", 0, &resp, err,
				     sizeof(err));
		assert_int_equal(code, -1);
		assert_non_null(strstr(err, "larger than 1048576 bytes"));
		buf_done(&resp);
		/* the same call with room for it succeeds */
		buf_init(&resp, 4u << 20);
		code = upstream_call(u, "GET", path, "-", "", 0, &resp, err,
				     sizeof(err));
		assert_int_equal(code, 200);
		assert_int_equal(resp.len, BIG);
		buf_done(&resp);
	}
	upstream_free(u);
	httpd_stop(h);
	free(big_body);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transform_once_per_container),
		cmocka_unit_test(test_transform_budget),
		cmocka_unit_test(test_answer_too_large),
	};

	log_set_level(LOG_LVL_ERR);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
