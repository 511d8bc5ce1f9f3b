/*
 * interlink-api/ilctl_status.c - ilctl status and wait: GET /status with
 * a one-pod array, as the VK's status loop sends it, and the reply's
 * element [0] (the only one the VK reads).
 */
#include "ilctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "ilctl_http.h"
#include "ilctl_pod.h"
#include "ilctl_util.h"
#include "wire.h"

#define N_COLS 7

enum { OPT_OUTPUT = 1, OPT_FOR, OPT_WAIT_TIMEOUT, OPT_INTERVAL };

enum wait_for {
	WAIT_TERMINATED, /* every reported container terminated */
	WAIT_RUNNING     /* one running, or all of them finished */
};

struct status_args {
	bool json;
	enum wait_for wait_for;
	long timeout;
	long interval;
};

static int on_opt(void *ctx, int id, const char *arg)
{
	struct status_args *a = ctx;

	switch (id) {
	case OPT_OUTPUT:
		if (strcmp(arg, "json") != 0)
			return ilctl_usage_error("status", "-o takes 'json'");
		a->json = true;
		return 0;
	case OPT_FOR:
		if (strcmp(arg, "running") == 0)
			a->wait_for = WAIT_RUNNING;
		else if (strcmp(arg, "terminated") == 0)
			a->wait_for = WAIT_TERMINATED;
		else
			return ilctl_usage_error("wait", "--for takes "
							 "'running' or "
							 "'terminated'");
		return 0;
	case OPT_WAIT_TIMEOUT:
		return ilctl_parse_long("wait", "--timeout", arg, 31536000L,
					&a->timeout);
	case OPT_INTERVAL:
		if (ilctl_parse_long("wait", "--interval", arg, 3600L,
				     &a->interval))
			return ILCTL_EUSAGE;
		if (a->interval == 0)
			return ilctl_usage_error(
				"wait", "--interval must be at least 1");
		return 0;
	default:
		return 0;
	}
}

static const struct ilctl_optdef status_defs[] = {
	{"output", 'o', true, OPT_OUTPUT},
	{NULL, 0, false, 0},
};

static const struct ilctl_optdef wait_defs[] = {
	{"for", 0, true, OPT_FOR},
	{"timeout", 0, true, OPT_WAIT_TIMEOUT},
	{"interval", 0, true, OPT_INTERVAL},
	{NULL, 0, false, 0},
};

/*
 * One GET /status for the saved pod.  On ILCTL_OK *ret_body is the raw
 * reply (caller frees) and *ret the decoded element [0], zeroed when the
 * reply holds no status.
 */
static int fetch_status(struct ilctl_opts *o, const char *cmd,
			cJSON *pod, char **ret_body,
			struct wire_pod_status *ret)
{
	struct ilctl_req rq = {.method = "GET", .path = "/status",
			       .op = "GetStatus"};
	struct ilctl_resp resp;
	cJSON *list = cJSON_CreateArray(), *reply = NULL;
	char err[256];
	int r;

	memset(ret, 0, sizeof(*ret));
	*ret_body = NULL;
	if (!list || !cJSON_AddItemReferenceToArray(list, pod)) {
		cJSON_Delete(list);
		return ilctl_fail(ILCTL_EFAIL, cmd, "out of memory");
	}
	r = ilctl_http_call_json(o, cmd, &rq, list, &resp);
	cJSON_Delete(list);
	if (r == ILCTL_OK && resp.code != 200)
		r = ilctl_http_fail(cmd, &resp);
	if (r == ILCTL_OK &&
	    (wire_parse(buf_str(&resp.body), resp.body.len, &reply, err,
			sizeof(err)) < 0 ||
	     (!cJSON_IsArray(reply) && !cJSON_IsNull(reply))))
		r = ilctl_fail(ILCTL_EFAIL, cmd,
			       "the reply is not a JSON array of PodStatus%s%s",
			       reply ? "" : ": ", reply ? "" : err);
	if (r == ILCTL_OK && cJSON_GetArraySize(reply) > 0 &&
	    wire_pod_status_decode(cJSON_GetArrayItem(reply, 0), ret, err,
				   sizeof(err)) < 0)
		r = ilctl_fail(ILCTL_EFAIL, cmd, "bad PodStatus: %s", err);
	cJSON_Delete(reply);
	if (r == ILCTL_OK) {
		*ret_body = buf_steal(&resp.body);
		if (!*ret_body) {
			wire_pod_status_done(ret);
			r = ilctl_fail(ILCTL_EFAIL, cmd, "out of memory");
		}
	}
	ilctl_resp_done(&resp);
	return r;
}

static const char *state_name(enum wire_state_kind k)
{
	switch (k) {
	case WIRE_STATE_WAITING:
		return "waiting";
	case WIRE_STATE_RUNNING:
		return "running";
	case WIRE_STATE_TERMINATED:
		return "terminated";
	default:
		return "unknown";
	}
}

static char *fmt_time(int64_t t)
{
	char buf[32];

	if (t == 0)
		return strdup("-");
	wire_time_format(t, buf, sizeof(buf));
	return strdup(buf);
}

/* The seven cells of one container row, each a new string. */
static int row_cells(const struct wire_container_status *c, bool init,
		     char **cells)
{
	const struct wire_container_state *s = &c->state;
	char code[24] = "-";

	if (s->kind == WIRE_STATE_TERMINATED)
		(void)snprintf(code, sizeof(code), "%d", s->exit_code);
	cells[0] = ilctl_printable(c->name ? c->name : "");
	cells[1] = strdup(init ? "init" : "main");
	cells[2] = strdup(state_name(s->kind));
	cells[3] = strdup(code);
	cells[4] = ilctl_printable(s->reason && *s->reason ? s->reason : "-");
	cells[5] = fmt_time(s->started_at);
	cells[6] = fmt_time(s->finished_at);
	for (size_t i = 0; i < N_COLS; i++)
		if (!cells[i])
			return -1;
	return 0;
}

static int print_table(const char *cmd, const char *name,
		       const struct wire_pod_status *st)
{
	static const char *const header[N_COLS] = {
		"CONTAINER", "KIND", "STATE", "EXIT", "REASON", "STARTED",
		"FINISHED"};
	size_t n = st->n_init_containers + st->n_containers;
	const char **cells;
	char **owned;
	int r = ILCTL_OK;

	if (n == 0) {
		(void)printf("pod/%s: no container status reported yet\n",
			     name);
		return ILCTL_OK;
	}
	cells = calloc((n + 1) * N_COLS, sizeof(*cells));
	owned = calloc(n * N_COLS, sizeof(*owned));
	if (!cells || !owned) {
		free(cells);
		free(owned);
		return ilctl_fail(ILCTL_EFAIL, cmd, "out of memory");
	}
	for (size_t i = 0; i < n && r == ILCTL_OK; i++) {
		bool init = i < st->n_init_containers;
		const struct wire_container_status *c =
			init ? &st->init_containers[i]
			     : &st->containers[i - st->n_init_containers];

		if (row_cells(c, init, owned + i * N_COLS) < 0)
			r = ilctl_fail(ILCTL_EFAIL, cmd, "out of memory");
	}
	if (r == ILCTL_OK) {
		memcpy(cells, header, sizeof(header));
		for (size_t i = 0; i < n * N_COLS; i++)
			cells[N_COLS + i] = owned[i];
		ilctl_print_table(stdout, cells, n + 1, N_COLS);
	}
	for (size_t i = 0; i < n * N_COLS; i++)
		free(owned[i]);
	free(owned);
	free(cells);
	return r;
}

int ilctl_cmd_status(struct ilctl_opts *o, int argc, char **argv)
{
	struct status_args a = {0};
	struct wire_pod_status st;
	const char *name;
	char *body;
	cJSON *pod;
	int r;

	r = ilctl_parse_args(o, argc, argv, status_defs, on_opt, &a, &name, 1,
			     1);
	if (r)
		return r;
	r = ilctl_load_pod(o, "status", name, &pod, NULL);
	if (r)
		return r;
	r = fetch_status(o, "status", pod, &body, &st);
	cJSON_Delete(pod);
	if (r)
		return r;
	if (a.json)
		(void)printf("%s%s", body,
			     *body && body[strlen(body) - 1] == '\n' ? ""
								     : "\n");
	else
		r = print_table("status", name, &st);
	free(body);
	wire_pod_status_done(&st);
	return r;
}

static bool reached(const struct wire_pod_status *st, enum wait_for f)
{
	size_t n = st->n_init_containers + st->n_containers, done = 0;
	bool running = false;

	for (size_t i = 0; i < n; i++) {
		const struct wire_container_status *c =
			i < st->n_init_containers
				? &st->init_containers[i]
				: &st->containers[i - st->n_init_containers];

		done += c->state.kind == WIRE_STATE_TERMINATED;
		running |= c->state.kind == WIRE_STATE_RUNNING;
	}
	if (n == 0)
		return false;
	if (f == WAIT_RUNNING)
		return running || done == n;
	return done == n;
}

static double now_mono(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep up to secs; ILCTL_EINTR when a signal asked us to stop. */
static int nap(double secs)
{
	struct timespec ts;

	if (secs <= 0)
		return got_sigint ? ILCTL_EINTR : ILCTL_OK;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		if (got_sigint)
			return ILCTL_EINTR;
	return got_sigint ? ILCTL_EINTR : ILCTL_OK;
}

int ilctl_cmd_wait(struct ilctl_opts *o, int argc, char **argv)
{
	struct status_args a = {.timeout = 120, .interval = 1};
	struct wire_pod_status st = {0};
	const char *name, *what;
	double deadline;
	char *body;
	cJSON *pod;
	int r;

	r = ilctl_parse_args(o, argc, argv, wait_defs, on_opt, &a, &name, 1,
			     1);
	if (r)
		return r;
	what = a.wait_for == WAIT_RUNNING ? "running" : "terminated";
	r = ilctl_load_pod(o, "wait", name, &pod, NULL);
	if (r)
		return r;
	deadline = now_mono() + (double)a.timeout;
	for (;;) {
		wire_pod_status_done(&st);
		r = fetch_status(o, "wait", pod, &body, &st);
		if (r)
			break;
		free(body);
		if (reached(&st, a.wait_for)) {
			(void)printf("pod/%s condition met (%s)\n", name, what);
			break;
		}
		if (now_mono() >= deadline) {
			(void)print_table("wait", name, &st);
			r = ilctl_fail(ILCTL_EFAIL, "wait",
				       "timed out after %ld s waiting for "
				       "pod/%s to be %s",
				       a.timeout, name, what);
			break;
		}
		r = nap(deadline - now_mono() < (double)a.interval
				? deadline - now_mono()
				: (double)a.interval);
		if (r)
			break;
	}
	wire_pod_status_done(&st);
	cJSON_Delete(pod);
	return r;
}
