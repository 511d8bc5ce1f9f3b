/* sidecar-slurm/route_pods.c - GET /pods: every pod this sidecar tracks,
 * so a restarted gateway (or a second replica) can relearn them. */
#include "sidecar.h"

#include <stdlib.h>

#include <cjson/cJSON.h>

static cJSON *pod_json(const struct pod_record *r)
{
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	if (!cJSON_AddStringToObject(j, "name", r->name) ||
	    !cJSON_AddStringToObject(j, "UID", r->uid) ||
	    !cJSON_AddStringToObject(j, "namespace", r->namespace) ||
	    !cJSON_AddStringToObject(j, "JID", r->job_id) ||
	    !cJSON_AddItemToObject(j, "containers",
				   cJSON_CreateStringArray(
					   (const char *const *)r->names,
					   (int)r->n_names)) ||
	    !cJSON_AddItemToObject(j, "initContainers",
				   cJSON_CreateStringArray(
					   (const char *const *)r->init_names,
					   (int)r->n_init)) ||
	    !cJSON_AddBoolToObject(j, "deleting", r->deleting)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

int sidecar_route_pods(void *ctx, struct httpd_request *req)
{
	struct sidecar *sc = ctx;
	struct pod_record *v = NULL;
	size_t n = 0;
	cJSON *out = cJSON_CreateArray();
	int rc;

	if (!out || podstore_list(sc->store, &v, &n) < 0) {
		cJSON_Delete(out);
		return httpd_reply_text(req, 503, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *one = pod_json(&v[i]);

		if (!one) {
			podstore_free_list(v, n);
			cJSON_Delete(out);
			return httpd_reply_text(req, 503, "out of memory");
		}
		cJSON_AddItemToArray(out, one);
	}
	podstore_free_list(v, n);
	rc = httpd_reply_json(req, 200, out);
	cJSON_Delete(out);
	return rc;
}
