/*
 * interlink-api/ilctl_logs.c - ilctl logs: GET /getLogs with a LogStruct
 * body, the reply streamed to stdout as it arrives.
 */
#include "ilctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "ilctl_http.h"
#include "ilctl_pod.h"
#include "ilctl_util.h"
#include "wire.h"

enum {
	OPT_CONTAINER = 1,
	OPT_FOLLOW,
	OPT_TAIL,
	OPT_LIMIT_BYTES,
	OPT_SINCE,
	OPT_SINCE_TIME,
	OPT_TIMESTAMPS,
	OPT_PREVIOUS,
	OPT_INIT
};

struct logs_args {
	const char *container;
	bool init;
	struct wire_log_opts opts;
};

static const struct ilctl_optdef logs_defs[] = {
	{"container", 'c', true, OPT_CONTAINER},
	{"follow", 'f', false, OPT_FOLLOW},
	{"tail", 0, true, OPT_TAIL},
	{"limit-bytes", 0, true, OPT_LIMIT_BYTES},
	{"since", 0, true, OPT_SINCE},
	{"since-time", 0, true, OPT_SINCE_TIME},
	{"timestamps", 0, false, OPT_TIMESTAMPS},
	{"previous", 'p', false, OPT_PREVIOUS},
	{"init", 0, false, OPT_INIT},
	{NULL, 0, false, 0},
};

static int on_opt(void *ctx, int id, const char *arg)
{
	struct logs_args *a = ctx;
	long v;

	switch (id) {
	case OPT_CONTAINER:
		a->container = arg;
		break;
	case OPT_FOLLOW:
		a->opts.follow = true;
		break;
	case OPT_TAIL:
	case OPT_LIMIT_BYTES:
		if (ilctl_parse_long("logs", id == OPT_TAIL ? "--tail"
							    : "--limit-bytes",
				     arg, 2147483647L, &v))
			return ILCTL_EUSAGE;
		if (id == OPT_TAIL)
			a->opts.tail = v;
		else
			a->opts.bytes = v;
		break;
	case OPT_SINCE:
		if (ilctl_parse_duration(arg, &a->opts.since_seconds) < 0)
			return ilctl_usage_error("logs",
						 "--since '%s': expected a "
						 "duration like 10s, 5m, 1h",
						 arg);
		break;
	case OPT_SINCE_TIME:
		if (wire_time_parse(arg, &a->opts.since_time,
				    &a->opts.since_time_nsec) < 0)
			return ilctl_usage_error("logs",
						 "--since-time '%s': expected "
						 "an RFC 3339 time",
						 arg);
		a->opts.has_since_time = true;
		break;
	case OPT_TIMESTAMPS:
		a->opts.timestamps = true;
		break;
	case OPT_PREVIOUS:
		a->opts.previous = true;
		break;
	case OPT_INIT:
		a->init = true;
		break;
	default:
		break;
	}
	return 0;
}

/* Is name a container (or init container) of the pod's spec? */
static bool has_container(const cJSON *list, const char *name)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, list) {
		const char *n = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(c, "name"));

		if (n && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

/* "a, b, c": the names of a container list, for messages. */
static void names_of(const cJSON *list, struct buf *b)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, list) {
		const char *n = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(c, "name"));

		if (b->len)
			(void)buf_puts(b, ", ");
		(void)buf_puts(b, n ? n : "?");
	}
}

/*
 * -c, or the only container of the list --init selects; NULL with the
 * reason printed when there is no single answer.
 */
static const char *pick_container(const cJSON *pod,
				  const struct logs_args *a)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
	const cJSON *ctrs =
		cJSON_GetObjectItemCaseSensitive(spec, "containers");
	const cJSON *init =
		cJSON_GetObjectItemCaseSensitive(spec, "initContainers");
	const cJSON *list = a->init ? init : ctrs;
	const char *name = ilctl_pod_meta(pod, "name"), *only = NULL;
	struct buf b;

	if (a->container && (has_container(ctrs, a->container) ||
			     has_container(init, a->container)))
		return a->container;
	/* the sidecar's log of the pod's tunnel client commands
	 * (sidecar-slurm/tunnels.h) */
	if (a->container && strcmp(a->container, "interlink-tunnels") == 0)
		return a->container;
	if (!a->container && cJSON_GetArraySize(list) == 1)
		only = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(list, 0), "name"));
	if (only)
		return only;
	if (!a->container && cJSON_GetArraySize(list) == 0) {
		(void)ilctl_fail(ILCTL_EFAIL, "logs",
				 "pod/%s has no %scontainers", name,
				 a->init ? "init " : "");
		return NULL;
	}
	buf_init(&b, 4096);
	if (a->container) {
		names_of(ctrs, &b);
		names_of(init, &b);
		(void)ilctl_fail(ILCTL_EFAIL, "logs",
				 "pod/%s has no container '%s' (it has: %s)",
				 name, a->container, buf_str(&b));
	} else {
		names_of(list, &b);
		(void)ilctl_fail(ILCTL_EFAIL, "logs",
				 "pod/%s has several %scontainers, choose "
				 "one with -c: %s",
				 name, a->init ? "init " : "", buf_str(&b));
	}
	buf_done(&b);
	return NULL;
}

static char *dup_meta(const cJSON *pod, const char *key)
{
	const char *s = ilctl_pod_meta(pod, key);

	return strdup(s ? s : "");
}

int ilctl_cmd_logs(struct ilctl_opts *o, int argc, char **argv)
{
	struct ilctl_req rq = {.method = "GET", .path = "/getLogs",
			       .op = "GetLogs", .stream = true};
	struct logs_args a = {0};
	struct wire_log_struct ls = {0};
	struct ilctl_resp resp;
	const char *name, *container = NULL;
	cJSON *pod, *body;
	int r;

	r = ilctl_parse_args(o, argc, argv, logs_defs, on_opt, &a, &name, 1,
			     1);
	if (r)
		return r;
	r = ilctl_load_pod(o, "logs", name, &pod, NULL);
	if (r)
		return r;
	container = pick_container(pod, &a);
	if (!container) {
		cJSON_Delete(pod);
		return ILCTL_EFAIL;
	}
	ls.namespace = dup_meta(pod, "namespace");
	ls.pod_uid = dup_meta(pod, "uid");
	ls.pod_name = dup_meta(pod, "name");
	ls.container_name = strdup(container);
	ls.opts = a.opts;
	body = NULL;
	if (ls.namespace && ls.pod_uid && ls.pod_name && ls.container_name)
		body = wire_log_struct_encode(&ls);
	wire_log_struct_done(&ls);
	if (!body) {
		cJSON_Delete(pod);
		return ilctl_fail(ILCTL_EFAIL, "logs", "out of memory");
	}
	r = ilctl_http_call_json(o, "logs", &rq, body, &resp);
	cJSON_Delete(body);
	cJSON_Delete(pod);
	if (r == ILCTL_OK && resp.code != 200)
		r = ilctl_http_fail("logs", &resp);
	ilctl_resp_done(&resp);
	/* Ctrl-C is how a followed log ends */
	return r == ILCTL_EINTR ? ILCTL_DONE : r;
}
