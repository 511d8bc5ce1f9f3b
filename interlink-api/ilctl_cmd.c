/*
 * interlink-api/ilctl_cmd.c - ilctl create, delete, ping and list: the
 * pod's life cycle as the virtual-kubelet drives it (execute.go).
 */
#include "ilctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ilctl_http.h"
#include "ilctl_pod.h"
#include "ilctl_state.h"
#include "ilctl_util.h"
#include "wire.h"
#include "yamljson.h"

enum { OPT_FILE = 1, OPT_FORCE };

struct cmd_args {
	const char *file;
	bool force;
};

static int on_opt(void *ctx, int id, const char *arg)
{
	struct cmd_args *a = ctx;

	if (id == OPT_FILE)
		a->file = arg;
	else if (id == OPT_FORCE)
		a->force = true;
	return 0;
}

static const struct ilctl_optdef create_defs[] = {
	{"filename", 'f', true, OPT_FILE},
	{"force", 0, false, OPT_FORCE},
	{NULL, 0, false, 0},
};

static const struct ilctl_optdef force_defs[] = {
	{"force", 0, false, OPT_FORCE},
	{NULL, 0, false, 0},
};

/* The manifest's documents (typed YAML), from a file or "-" for stdin. */
static int read_manifest(const char *file, cJSON **ret)
{
	char err[512], *data;
	size_t len;
	int r;

	if (strcmp(file, "-") == 0)
		r = ilctl_read_fd(STDIN_FILENO, ILCTL_MAX_BODY, &data, &len);
	else
		r = ilctl_read_file(file, ILCTL_MAX_BODY, &data, &len);
	if (r < 0)
		return ilctl_fail(ILCTL_EFAIL, "create", "%s: %s", file,
				  r == -E2BIG ? "larger than 16 MiB"
					      : ilctl_strerror(-r));
	r = yamljson_parse_all(data, len, YAMLJSON_TYPED, ret, err,
			       sizeof(err));
	free(data);
	if (r < 0)
		return ilctl_fail(ILCTL_EFAIL, "create", "%s: %s", file, err);
	return 0;
}

/* Record PodJID as the VK does: annotation JobID, when PodUID matches. */
static int record_job(cJSON *pod, const struct ilctl_resp *resp,
		      const char **ret_jid)
{
	struct wire_create_struct cs = {0};
	const char *uid = ilctl_pod_meta(pod, "uid");
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
	cJSON *ann, *body = NULL;
	char err[256];
	int r = ILCTL_EFAIL;

	*ret_jid = NULL;
	if (wire_parse(buf_str(&resp->body), resp->body.len, &body, err,
		       sizeof(err)) < 0 ||
	    wire_create_struct_decode(body, &cs, err, sizeof(err)) < 0) {
		char *shown = ilctl_printable(buf_str(&resp->body));

		(void)ilctl_fail(ILCTL_EFAIL, "create",
				 "HTTP 200 but the reply is not a "
				 "CreateStruct (%s): '%.200s'",
				 err, shown ? shown : "");
		free(shown);
		goto out;
	}
	if (!cs.pod_uid || strcmp(cs.pod_uid, uid) != 0) {
		(void)ilctl_fail(ILCTL_EFAIL, "create",
				 "the reply is for uid '%.64s', not '%s'; "
				 "no JobID recorded",
				 cs.pod_uid ? cs.pod_uid : "", uid);
		goto out;
	}
	ann = cJSON_GetObjectItemCaseSensitive(meta, "annotations");
	if (!cJSON_IsObject(ann)) {
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "annotations");
		ann = cJSON_AddObjectToObject(meta, "annotations");
	}
	if (ann)
		cJSON_DeleteItemFromObjectCaseSensitive(ann, "JobID");
	if (!ann || !cJSON_AddStringToObject(ann, "JobID",
					     cs.pod_jid ? cs.pod_jid : "")) {
		(void)ilctl_fail(ILCTL_EFAIL, "create", "out of memory");
		goto out;
	}
	*ret_jid = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(ann, "JobID"));
	r = ILCTL_OK;
out:
	wire_create_struct_done(&cs);
	cJSON_Delete(body);
	return r;
}

/*
 * create --force over a saved pod: delete the old one on the server first
 * (as kubectl replace --force does); a gateway that no longer knows it is
 * fine, a transport error stops the create.
 */
static int delete_old(struct ilctl_opts *o, const char *dir, const char *ns,
		      const char *name)
{
	struct ilctl_req rq = {.method = "DELETE", .path = "/delete",
			       .op = "DeletePod"};
	struct ilctl_resp resp;
	char err[512];
	cJSON *old = NULL;
	int r;

	if (ilctl_state_load(dir, ns, name, &old, err, sizeof(err)) < 0)
		return ilctl_fail(ILCTL_EFAIL, "create", "%s", err);
	r = ilctl_http_call_json(o, "create", &rq, old, &resp);
	cJSON_Delete(old);
	if (r)
		return r;
	if (resp.code == 200)
		(void)printf("pod/%s deleted (--force)\n", name);
	else
		(void)fprintf(stderr, "ilctl: create: the old pod/%s: the "
			      "gateway answered %ld to its delete; creating "
			      "anyway\n", name, resp.code);
	ilctl_resp_done(&resp);
	return ILCTL_OK;
}

static int create_pod(struct ilctl_opts *o, const char *dir, cJSON *req,
		      cJSON *pod, bool force)
{
	struct ilctl_req rq = {.method = "POST", .path = "/create",
			       .op = "CreatePod"};
	const char *name = ilctl_pod_meta(pod, "name");
	const char *ns = ilctl_pod_meta(pod, "namespace");
	struct ilctl_resp resp;
	const char *jid = NULL;
	char err[512];
	int r, saved;

	r = ilctl_state_exists(dir, ns, name, err, sizeof(err));
	if (r < 0)
		return ilctl_fail(ILCTL_EFAIL, "create", "%s", err);
	if (r > 0 && !force)
		return ilctl_fail(ILCTL_EFAIL, "create",
				  "pod/%s already exists in namespace '%s' "
				  "(delete it first, or use --force)",
				  name, ns);
	if (r > 0) {
		r = delete_old(o, dir, ns, name);
		if (r)
			return r;
	}
	r = ilctl_http_call_json(o, "create", &rq, req, &resp);
	if (r)
		return r;
	if (resp.code != 200) {
		r = ilctl_http_fail("create", &resp);
		ilctl_resp_done(&resp);
		return r;
	}
	r = record_job(pod, &resp, &jid);
	ilctl_resp_done(&resp);
	/* the VK keeps the pod even when the reply is odd: so do we */
	saved = ilctl_state_save(dir, pod, err, sizeof(err));
	if (saved < 0)
		return ilctl_fail(ILCTL_EFAIL, "create",
				  "created, but not saved: %s", err);
	if (r)
		return ilctl_fail(r, "create",
				  "pod/%s is saved anyway, as the "
				  "virtual-kubelet keeps it; 'ilctl delete %s' "
				  "removes it",
				  name, name);
	(void)printf("pod/%s created (uid %s, job %s)\n", name,
		     ilctl_pod_meta(pod, "uid"), jid && *jid ? jid : "?");
	return ILCTL_OK;
}

int ilctl_cmd_create(struct ilctl_opts *o, int argc, char **argv)
{
	struct cmd_args a = {0};
	cJSON *docs = NULL, *req = NULL, *pod = NULL;
	char uid[ILCTL_UUID_SIZE], err[512];
	const char *dir;
	int r;

	r = ilctl_parse_args(o, argc, argv, create_defs, on_opt, &a, NULL, 0,
			     0);
	if (r)
		return r;
	if (!a.file)
		return ilctl_usage_error("create", "-f FILE is required");
	dir = ilctl_state_dir(o, "create");
	if (!dir)
		return ILCTL_EFAIL;
	r = read_manifest(a.file, &docs);
	if (r)
		return r;
	r = ilctl_uuid4(uid);
	if (r < 0) {
		cJSON_Delete(docs);
		return ilctl_fail(ILCTL_EFAIL, "create", "/dev/urandom: %s",
				  ilctl_strerror(-r));
	}
	if (ilctl_pod_build(docs, o->ns, uid, (int64_t)time(NULL), &req, &pod,
			    err, sizeof(err)) < 0) {
		cJSON_Delete(docs);
		return ilctl_fail(ILCTL_EFAIL, "create", "%s: %s", a.file,
				  err);
	}
	cJSON_Delete(docs);
	r = create_pod(o, dir, req, pod, a.force);
	cJSON_Delete(req);
	cJSON_Delete(pod);
	return r;
}

int ilctl_cmd_delete(struct ilctl_opts *o, int argc, char **argv)
{
	struct ilctl_req rq = {.method = "DELETE", .path = "/delete",
			       .op = "DeletePod"};
	struct cmd_args a = {0};
	struct ilctl_resp resp;
	const char *name, *dir;
	char err[512];
	cJSON *pod;
	int r;

	r = ilctl_parse_args(o, argc, argv, force_defs, on_opt, &a, &name, 1,
			     1);
	if (r)
		return r;
	r = ilctl_load_pod(o, "delete", name, &pod, &dir);
	if (r)
		return r;
	r = ilctl_http_call_json(o, "delete", &rq, pod, &resp);
	cJSON_Delete(pod);
	if (r == ILCTL_OK && resp.code != 200)
		r = ilctl_http_fail("delete", &resp);
	ilctl_resp_done(&resp);
	if (r != ILCTL_OK && (!a.force || r == ILCTL_EUSAGE ||
			      r == ILCTL_EINTR))
		return r;
	if (ilctl_state_remove(dir, o->ns, name, err, sizeof(err)) < 0)
		return ilctl_fail(ILCTL_EFAIL, "delete", "%s", err);
	(void)printf("pod/%s deleted%s\n", name,
		     r == ILCTL_OK ? "" : " (forgotten; the gateway refused)");
	return r;
}

int ilctl_cmd_ping(struct ilctl_opts *o, int argc, char **argv)
{
	struct ilctl_req rq = {.method = "POST", .path = "/pinglink",
			       .op = "PingInterLink", .ping = true};
	struct ilctl_resp resp;
	int r;

	r = ilctl_parse_args(o, argc, argv, NULL, NULL, NULL, NULL, 0, 0);
	if (r)
		return r;
	r = ilctl_http_call(o, "ping", &rq, &resp);
	if (r)
		return r;
	if (resp.code != 200) {
		r = ilctl_http_fail("ping", &resp);
	} else if (resp.body.len) {
		if (fwrite(resp.body.data, 1, resp.body.len, stdout) !=
			    resp.body.len ||
		    (resp.body.data[resp.body.len - 1] != '\n' &&
		     putchar('\n') == EOF))
			r = ilctl_fail(ILCTL_EFAIL, "ping", "stdout: write "
							    "failed");
	}
	ilctl_resp_done(&resp);
	return r;
}

int ilctl_cmd_list(struct ilctl_opts *o, int argc, char **argv)
{
	static const char *const header[] = {"NAME", "NAMESPACE", "UID",
					     "JOBID"};
	const char **cells;
	const char *dir;
	char err[512];
	cJSON *all, *pod;
	size_t n, i = 4;
	int r;

	r = ilctl_parse_args(o, argc, argv, NULL, NULL, NULL, NULL, 0, 0);
	if (r)
		return r;
	dir = ilctl_state_dir(o, "list");
	if (!dir)
		return ILCTL_EFAIL;
	if (ilctl_state_list(dir, &all, err, sizeof(err)) < 0)
		return ilctl_fail(ILCTL_EFAIL, "list", "%s", err);
	n = (size_t)cJSON_GetArraySize(all);
	if (n == 0) {
		cJSON_Delete(all);
		(void)fprintf(stderr, "No pods in %s.\n", dir);
		return ILCTL_OK;
	}
	cells = calloc((n + 1) * 4, sizeof(*cells));
	if (!cells) {
		cJSON_Delete(all);
		return ilctl_fail(ILCTL_EFAIL, "list", "out of memory");
	}
	memcpy(cells, header, sizeof(header));
	cJSON_ArrayForEach(pod, all) {
		const char *jid = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(
					cJSON_GetObjectItemCaseSensitive(
						pod, "metadata"),
					"annotations"),
				"JobID"));
		const char *v[4] = {ilctl_pod_meta(pod, "name"),
				    ilctl_pod_meta(pod, "namespace"),
				    ilctl_pod_meta(pod, "uid"), jid};

		for (size_t k = 0; k < 4; k++)
			cells[i++] = v[k] && *v[k] ? v[k] : "-";
	}
	ilctl_print_table(stdout, cells, n + 1, 4);
	free(cells);
	cJSON_Delete(all);
	return ILCTL_OK;
}
