/*
 * interlink-api/ilctl_get.c - ilctl get pods and describe pod, as a
 * kubectl user expects them: the saved pods (of the namespace, or all with
 * -A) and their live state from ONE batched GET /status, as the
 * virtual-kubelet's status loop sends it.
 */
#include "ilctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "ilctl_http.h"
#include "ilctl_pod.h"
#include "ilctl_state.h"
#include "ilctl_util.h"
#include "wire.h"

enum { OPT_OUTPUT = 1, OPT_ALL_NS };
enum output { OUT_TABLE, OUT_WIDE, OUT_JSON, OUT_YAML, OUT_NAME };

struct get_args {
	enum output out;
	bool all_ns;
	const char *ns; /* for messages */
};

static int on_opt(void *ctx, int id, const char *arg)
{
	struct get_args *a = ctx;

	if (id == OPT_ALL_NS) {
		a->all_ns = true;
		return 0;
	}
	if (strcmp(arg, "wide") == 0)
		a->out = OUT_WIDE;
	else if (strcmp(arg, "json") == 0)
		a->out = OUT_JSON;
	else if (strcmp(arg, "yaml") == 0)
		a->out = OUT_YAML;
	else if (strcmp(arg, "name") == 0)
		a->out = OUT_NAME;
	else
		return ilctl_usage_error("get", "-o takes wide, json, yaml or "
						"name, not '%s'", arg);
	return 0;
}

static const struct ilctl_optdef get_defs[] = {
	{"output", 'o', true, OPT_OUTPUT},
	{"all-namespaces", 'A', false, OPT_ALL_NS},
	{NULL, 0, false, 0},
};

static const char *meta(const cJSON *pod, const char *key)
{
	const char *v = ilctl_pod_meta(pod, key);

	return v ? v : "";
}

static const char *job_id(const cJSON *pod)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
	const cJSON *an = cJSON_GetObjectItemCaseSensitive(m, "annotations");
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(an, "JobID");

	return cJSON_IsString(j) ? j->valuestring : "";
}

/*
 * One GET /status with every pod of list (borrowed); *ret is the reply
 * array (caller frees).
 */
static int fetch(struct ilctl_opts *o, const char *cmd, cJSON *list,
		 cJSON **ret)
{
	struct ilctl_req rq = {.method = "GET", .path = "/status",
			       .op = "GetStatus"};
	struct ilctl_resp resp;
	char err[256];
	int r;

	*ret = NULL;
	r = ilctl_http_call_json(o, cmd, &rq, list, &resp);
	if (r == ILCTL_OK && resp.code != 200)
		r = ilctl_http_fail(cmd, &resp);
	if (r == ILCTL_OK &&
	    (wire_parse(buf_str(&resp.body), resp.body.len, ret, err,
			sizeof(err)) < 0 ||
	     (!cJSON_IsArray(*ret) && !cJSON_IsNull(*ret))))
		r = ilctl_fail(ILCTL_EFAIL, cmd, "the reply is not a JSON "
				"array of PodStatus");
	ilctl_resp_done(&resp);
	if (r) {
		cJSON_Delete(*ret);
		*ret = NULL;
	}
	return r;
}

/* The reply element for pod uid, or NULL. */
static const cJSON *status_of(const cJSON *reply, const char *uid)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, reply) {
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(e, "UID");

		if (cJSON_IsString(u) && strcmp(u->valuestring, uid) == 0)
			return e;
	}
	return NULL;
}

struct summary {
	char phase[64]; /* what kubectl shows as STATUS */
	int ready, total, restarts;
};

/* kubectl's STATUS column from the containers' states. */
static void summarise(const struct wire_pod_status *st, bool have,
		      struct summary *s)
{
	size_t term = 0, failed = 0, running = 0;
	const char *waiting = NULL;

	memset(s, 0, sizeof(*s));
	s->total = (int)st->n_containers;
	if (!have || st->n_containers + st->n_init_containers == 0) {
		snprintf(s->phase, sizeof(s->phase), "Pending");
		return;
	}
	for (size_t i = 0; i < st->n_init_containers; i++) {
		const struct wire_container_state *c =
			&st->init_containers[i].state;

		if (c->kind == WIRE_STATE_TERMINATED && c->exit_code != 0) {
			snprintf(s->phase, sizeof(s->phase),
				 "Init:Error");
			return;
		}
		if (c->kind != WIRE_STATE_TERMINATED) {
			snprintf(s->phase, sizeof(s->phase), "Init:%zu/%zu",
				 i, st->n_init_containers);
			return;
		}
	}
	for (size_t i = 0; i < st->n_containers; i++) {
		const struct wire_container_status *c = &st->containers[i];

		s->ready += c->ready;
		s->restarts += c->restart_count;
		if (c->state.kind == WIRE_STATE_TERMINATED) {
			term++;
			failed += c->state.exit_code != 0;
		} else if (c->state.kind == WIRE_STATE_RUNNING) {
			running++;
		} else if (c->state.reason && *c->state.reason && !waiting) {
			waiting = c->state.reason;
		}
	}
	if (st->n_containers && term == st->n_containers)
		snprintf(s->phase, sizeof(s->phase), "%s",
			 failed ? "Error" : "Completed");
	else if (waiting)
		snprintf(s->phase, sizeof(s->phase), "%.60s", waiting);
	else if (running)
		snprintf(s->phase, sizeof(s->phase), "Running");
	else
		snprintf(s->phase, sizeof(s->phase), "Pending");
}

/* kubectl's AGE: 45s, 12m, 5h, 3d. */
static void age(const char *created, char *buf, size_t len)
{
	int64_t t, d;
	int32_t ns;

	if (!*created || wire_time_parse(created, &t, &ns) < 0) {
		snprintf(buf, len, "<unknown>");
		return;
	}
	d = (int64_t)time(NULL) - t;
	if (d < 0)
		d = 0;
	if (d < 120)
		snprintf(buf, len, "%llds", (long long)d);
	else if (d < 7200)
		snprintf(buf, len, "%lldm", (long long)(d / 60));
	else if (d < 172800)
		snprintf(buf, len, "%lldh", (long long)(d / 3600));
	else
		snprintf(buf, len, "%lldd", (long long)(d / 86400));
}

/* ---- YAML output of a JSON tree ---------------------------------------- */

static void yaml_scalar(FILE *f, const cJSON *v)
{
	char *s;

	if (cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v) ||
	    cJSON_IsNull(v)) {
		s = cJSON_PrintUnformatted(v); /* JSON scalars are YAML */
		(void)fputs(s ? s : "null", f);
		free(s);
	}
}

static bool is_empty_coll(const cJSON *v)
{
	return (cJSON_IsObject(v) || cJSON_IsArray(v)) && !v->child;
}

static void yaml_node(FILE *f, const cJSON *v, int indent);

static void yaml_key(FILE *f, const char *k)
{
	cJSON *tmp = cJSON_CreateString(k);

	yaml_scalar(f, tmp);
	cJSON_Delete(tmp);
}

static void yaml_child(FILE *f, const cJSON *c, int indent)
{
	if (is_empty_coll(c)) {
		(void)fputs(cJSON_IsArray(c) ? " []\n" : " {}\n", f);
	} else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
		(void)fputc('\n', f);
		yaml_node(f, c, indent + 2);
	} else {
		(void)fputc(' ', f);
		yaml_scalar(f, c);
		(void)fputc('\n', f);
	}
}

static void yaml_node(FILE *f, const cJSON *v, int indent)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, v) {
		(void)fprintf(f, "%*s", indent, "");
		if (cJSON_IsObject(v)) {
			yaml_key(f, c->string);
			(void)fputc(':', f);
		} else {
			(void)fputc('-', f);
		}
		yaml_child(f, c, indent);
	}
}

/* ---- get pods ------------------------------------------------------------ */

/* The pod as kubectl -o json shows it: the saved pod, status from the
 * reply (phase, containerStatuses, initContainerStatuses). */
static cJSON *with_status(const cJSON *pod, const cJSON *st,
			  const struct summary *s)
{
	cJSON *p = cJSON_Duplicate(pod, true), *status;
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(st, "containers");
	const cJSON *is = cJSON_GetObjectItemCaseSensitive(st,
							  "initContainers");
	const char *phase = strcmp(s->phase, "Completed") == 0 ? "Succeeded"
			    : strcmp(s->phase, "Error") == 0   ? "Failed"
			    : strcmp(s->phase, "Running") == 0 ? "Running"
							       : "Pending";

	if (!p)
		return NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(p, "status");
	status = cJSON_AddObjectToObject(p, "status");
	if (!status || !cJSON_AddStringToObject(status, "phase", phase)) {
		cJSON_Delete(p);
		return NULL;
	}
	if (cJSON_IsArray(cs))
		cJSON_AddItemToObject(status, "containerStatuses",
				      cJSON_Duplicate(cs, true));
	if (cJSON_IsArray(is) && is->child)
		cJSON_AddItemToObject(status, "initContainerStatuses",
				      cJSON_Duplicate(is, true));
	return p;
}

#define MAX_COLS 8

static int print_rows(const struct get_args *a, cJSON *pods,
		      const cJSON *reply)
{
	static const char *const head[] = {"NAMESPACE", "NAME", "READY",
					   "STATUS", "RESTARTS", "AGE",
					   "JOB-ID", "UID"};
	size_t n = (size_t)cJSON_GetArraySize(pods), cols = 0, first;
	bool wide = a->out == OUT_WIDE;
	const char **cells;
	char **owned;
	cJSON *list = NULL, *items = NULL;
	const cJSON *pod;
	size_t row = 1;
	int r = ILCTL_OK;

	first = a->all_ns ? 0 : 1;
	cols = (wide ? 8 : 6) - first;
	if (a->out == OUT_JSON || a->out == OUT_YAML) {
		list = cJSON_CreateObject();
		if (!list || !cJSON_AddStringToObject(list, "apiVersion", "v1") ||
		    !cJSON_AddStringToObject(list, "kind", "List") ||
		    !(items = cJSON_AddArrayToObject(list, "items"))) {
			cJSON_Delete(list);
			return ilctl_fail(ILCTL_EFAIL, "get", "out of memory");
		}
	}
	cells = calloc((n + 1) * MAX_COLS, sizeof(*cells));
	owned = calloc((n + 1) * MAX_COLS, sizeof(*owned));
	if (!cells || !owned) {
		r = ilctl_fail(ILCTL_EFAIL, "get", "out of memory");
		goto out;
	}
	for (size_t c = 0; c < cols; c++)
		cells[c] = head[first + c];
	cJSON_ArrayForEach(pod, pods) {
		struct wire_pod_status st = {0};
		const cJSON *e = status_of(reply, meta(pod, "uid"));
		struct summary s;
		char buf[MAX_COLS][128], err[128];
		bool have = e && wire_pod_status_decode(e, &st, err,
							sizeof(err)) == 0;

		summarise(&st, have, &s);
		if (list) {
			cJSON *p = with_status(pod, e, &s);

			if (p)
				cJSON_AddItemToArray(items, p);
		} else if (a->out == OUT_NAME) {
			char *nm = ilctl_printable(meta(pod, "name"));

			(void)printf("pod/%s\n", nm ? nm : "");
			free(nm);
		} else {
			snprintf(buf[0], sizeof(buf[0]), "%s", meta(pod, "namespace"));
			snprintf(buf[1], sizeof(buf[1]), "%s", meta(pod, "name"));
			snprintf(buf[2], sizeof(buf[2]), "%d/%d", s.ready, s.total);
			snprintf(buf[3], sizeof(buf[3]), "%s", s.phase);
			snprintf(buf[4], sizeof(buf[4]), "%d", s.restarts);
			age(meta(pod, "creationTimestamp"), buf[5], sizeof(buf[5]));
			snprintf(buf[6], sizeof(buf[6]), "%s",
				 *job_id(pod) ? job_id(pod) : "<none>");
			snprintf(buf[7], sizeof(buf[7]), "%s", meta(pod, "uid"));
			for (size_t c = 0; c < cols; c++) {
				owned[row * MAX_COLS + c] =
					ilctl_printable(buf[first + c]);
				cells[row * cols + c] =
					owned[row * MAX_COLS + c]
						? owned[row * MAX_COLS + c]
						: "?";
			}
			row++;
		}
		if (have)
			wire_pod_status_done(&st);
	}
	if (a->out == OUT_JSON) {
		char *s = cJSON_Print(list);

		(void)printf("%s\n", s ? s : "");
		free(s);
	} else if (a->out == OUT_YAML) {
		yaml_node(stdout, list, 0);
	} else if (a->out != OUT_NAME) {
		if (n == 0)
			(void)fprintf(stderr, "No resources found%s%s.\n",
				      a->all_ns ? "" : " in namespace ",
				      a->all_ns ? "" : a->ns);
		else
			ilctl_print_table(stdout, cells, row, cols);
	}
out:
	if (owned)
		for (size_t i = 0; i < (n + 1) * MAX_COLS; i++)
			free(owned[i]);
	free(owned);
	free(cells);
	cJSON_Delete(list);
	return r;
}

/* The saved pods of namespace ns (all when NULL), optionally only names. */
static int select_pods(struct ilctl_opts *o, const char *cmd, const char *ns,
		       const char *const *names, size_t n_names,
		       cJSON **ret)
{
	const char *dir = ilctl_state_dir(o, cmd);
	cJSON *all = NULL, *sel, *p, *next;
	char err[512];

	*ret = NULL;
	if (!dir)
		return ILCTL_EFAIL;
	if (ilctl_state_list(dir, &all, err, sizeof(err)) < 0)
		return ilctl_fail(ILCTL_EFAIL, cmd, "%s", err);
	sel = cJSON_CreateArray();
	if (!sel) {
		cJSON_Delete(all);
		return ilctl_fail(ILCTL_EFAIL, cmd, "out of memory");
	}
	for (p = all ? all->child : NULL; p; p = next) {
		bool keep = !ns || strcmp(meta(p, "namespace"), ns) == 0;

		next = p->next;
		if (keep && n_names) {
			keep = false;
			for (size_t i = 0; i < n_names; i++)
				keep |= strcmp(meta(p, "name"), names[i]) == 0;
		}
		if (keep)
			cJSON_AddItemToArray(sel, cJSON_DetachItemViaPointer(all, p));
	}
	cJSON_Delete(all);
	*ret = sel;
	return ILCTL_OK;
}

#define MAX_NAMES 64

int ilctl_cmd_get(struct ilctl_opts *o, int argc, char **argv)
{
	struct get_args a = {OUT_TABLE, false, NULL};
	const char *pos[MAX_NAMES + 1];
	cJSON *pods = NULL, *reply = NULL;
	size_t n = 0;
	int r;

	r = ilctl_parse_args(o, argc, argv, get_defs, on_opt, &a, pos, 1,
			     MAX_NAMES + 1);
	if (r)
		return r;
	if (strcmp(pos[0], "pods") != 0 && strcmp(pos[0], "pod") != 0 &&
	    strcmp(pos[0], "po") != 0)
		return ilctl_usage_error("get", "only pods can be listed, not "
						"'%s'", pos[0]);
	while (n < MAX_NAMES && pos[n + 1])
		n++;
	a.ns = o->ns;
	r = select_pods(o, "get", a.all_ns ? NULL : o->ns, pos + 1, n, &pods);
	if (r)
		return r;
	if (cJSON_GetArraySize(pods) > 0)
		r = fetch(o, "get", pods, &reply);
	if (r == ILCTL_OK && n && cJSON_GetArraySize(pods) < (int)n)
		(void)fprintf(stderr, "ilctl: get: some of the pods named are "
			      "not known in namespace %s\n", o->ns);
	if (r == ILCTL_OK)
		r = print_rows(&a, pods, reply);
	cJSON_Delete(reply);
	cJSON_Delete(pods);
	return r;
}

/* ---- describe pod -------------------------------------------------------- */

static const char *kind_name(enum wire_state_kind k)
{
	return k == WIRE_STATE_RUNNING	  ? "Running"
	       : k == WIRE_STATE_TERMINATED ? "Terminated"
	       : k == WIRE_STATE_WAITING    ? "Waiting"
					    : "Unknown";
}

static void pr(const char *label, const char *value, int indent)
{
	char *v = ilctl_printable(value && *value ? value : "<none>");

	(void)printf("%*s%-16s%s\n", indent, "", label, v ? v : "?");
	free(v);
}

static void pr_time(const char *label, int64_t t, int indent)
{
	char buf[32];

	if (!t)
		return;
	wire_time_format(t, buf, sizeof(buf));
	pr(label, buf, indent);
}

static const cJSON *spec_container(const cJSON *pod, bool init,
				   const char *name)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(
		spec, init ? "initContainers" : "containers");
	const cJSON *c;

	cJSON_ArrayForEach(c, l) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");

		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return c;
	}
	return NULL;
}

static void describe_containers(const cJSON *pod, bool init,
				const struct wire_container_status *cs,
				size_t n)
{
	(void)printf("%s:\n", init ? "Init Containers" : "Containers");
	if (!n) {
		(void)printf("  <none reported>\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct wire_container_status *c = &cs[i];
		const cJSON *sc = spec_container(pod, init, c->name ? c->name : "");
		const cJSON *img = cJSON_GetObjectItemCaseSensitive(sc, "image");
		char num[32], *nm = ilctl_printable(c->name ? c->name : "");

		(void)printf("  %s:\n", nm ? nm : "?");
		free(nm);
		pr("Image:", cJSON_IsString(img) ? img->valuestring : c->image, 4);
		pr("State:", kind_name(c->state.kind), 4);
		if (c->state.reason && *c->state.reason)
			pr("  Reason:", c->state.reason, 4);
		if (c->state.message && *c->state.message)
			pr("  Message:", c->state.message, 4);
		if (c->state.kind == WIRE_STATE_TERMINATED) {
			snprintf(num, sizeof(num), "%d", c->state.exit_code);
			pr("  Exit Code:", num, 4);
		}
		pr_time("  Started:", c->state.started_at, 4);
		pr_time("  Finished:", c->state.finished_at, 4);
		pr("Ready:", c->ready ? "True" : "False", 4);
		snprintf(num, sizeof(num), "%d", c->restart_count);
		pr("Restart Count:", num, 4);
	}
}

/* What ilctl and the replies tell of the pod's history, in time order. */
static void describe_events(const cJSON *pod, const struct wire_pod_status *st)
{
	const char *created = meta(pod, "creationTimestamp");

	(void)printf("Events:\n");
	pr("Created", created, 2);
	if (*job_id(pod))
		pr("Submitted", job_id(pod), 2);
	for (size_t k = 0; k < 2; k++) {
		const struct wire_container_status *v =
			k ? st->containers : st->init_containers;
		size_t n = k ? st->n_containers : st->n_init_containers;

		for (size_t i = 0; i < n; i++) {
			char line[200], t[32];

			if (v[i].state.started_at) {
				wire_time_format(v[i].state.started_at, t, sizeof(t));
				snprintf(line, sizeof(line), "%s %s", t,
					 v[i].name ? v[i].name : "");
				pr("Started", line, 2);
			}
			if (v[i].state.finished_at) {
				wire_time_format(v[i].state.finished_at, t, sizeof(t));
				snprintf(line, sizeof(line), "%s %s (exit %d)", t,
					 v[i].name ? v[i].name : "",
					 v[i].state.exit_code);
				pr("Finished", line, 2);
			}
		}
	}
}

int ilctl_cmd_describe(struct ilctl_opts *o, int argc, char **argv)
{
	const char *pos[2];
	struct wire_pod_status st = {0};
	struct summary s;
	cJSON *pods = NULL, *reply = NULL;
	const cJSON *pod, *e;
	char err[256];
	bool have = false;
	int r;

	r = ilctl_parse_args(o, argc, argv, NULL, NULL, NULL, pos, 2, 2);
	if (r)
		return r;
	if (strcmp(pos[0], "pod") != 0 && strcmp(pos[0], "pods") != 0 &&
	    strcmp(pos[0], "po") != 0)
		return ilctl_usage_error("describe", "only pods can be "
						     "described, not '%s'",
					 pos[0]);
	r = select_pods(o, "describe", o->ns, pos + 1, 1, &pods);
	if (r)
		return r;
	pod = cJSON_GetArrayItem(pods, 0);
	if (!pod) {
		cJSON_Delete(pods);
		return ilctl_fail(ILCTL_EFAIL, "describe", "pod '%s' is not "
				  "known in namespace %s (ilctl get pods -A)",
				  pos[1], o->ns);
	}
	r = fetch(o, "describe", pods, &reply);
	if (r == ILCTL_OK) {
		e = status_of(reply, meta(pod, "uid"));
		have = e && wire_pod_status_decode(e, &st, err,
						   sizeof(err)) == 0;
		summarise(&st, have, &s);
		pr("Name:", meta(pod, "name"), 0);
		pr("Namespace:", meta(pod, "namespace"), 0);
		pr("UID:", meta(pod, "uid"), 0);
		pr("Job ID:", job_id(pod), 0);
		pr("Created:", meta(pod, "creationTimestamp"), 0);
		pr("Status:", s.phase, 0);
		if (st.n_init_containers)
			describe_containers(pod, true, st.init_containers,
					    st.n_init_containers);
		describe_containers(pod, false, st.containers, st.n_containers);
		describe_events(pod, &st);
	}
	if (have)
		wire_pod_status_done(&st);
	cJSON_Delete(reply);
	cJSON_Delete(pods);
	return r;
}
