/* interlink-api/podjson.c - see podjson.h */
#include "podjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* [{"name":...}] for containers c[0..n) */
static cJSON *name_list(const struct wire_container *c, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		const char *name = c[i].name ? c[i].name : "";

		if (!o || !cJSON_AddStringToObject(o, "name", name) ||
		    !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

/* [{"name":...}] for a JSON list of names (null: empty) */
static cJSON *names_to_objects(const cJSON *names)
{
	cJSON *a = cJSON_CreateArray();
	const cJSON *n;

	if (a && names && !cJSON_IsArray(names) && !cJSON_IsNull(names)) {
		cJSON_Delete(a);
		return NULL;
	}
	cJSON_ArrayForEach(n, names)
	{
		cJSON *o = cJSON_CreateObject();

		if (!a || !o || !cJSON_IsString(n) ||
		    !cJSON_AddStringToObject(o, "name", n->valuestring) ||
		    !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

/* The minimal pod from its parts; takes containers and init over. */
static char *min_pod(const char *name, const char *ns, const char *uid,
		     cJSON *containers, cJSON *init)
{
	cJSON *pod = cJSON_CreateObject(), *md = cJSON_CreateObject(),
	      *spec = cJSON_CreateObject();
	char *s = NULL;

	if (!pod || !md || !spec || !containers || !init)
		goto out;
	if (!cJSON_AddStringToObject(md, "name", name ? name : "") ||
	    !cJSON_AddStringToObject(md, "namespace", ns ? ns : "") ||
	    !cJSON_AddStringToObject(md, "uid", uid ? uid : ""))
		goto out;
	/* each part belongs to its parent once added */
	if (!cJSON_AddItemToObject(spec, "containers", containers))
		goto out;
	containers = NULL;
	if (!cJSON_AddItemToObject(spec, "initContainers", init))
		goto out;
	init = NULL;
	if (!cJSON_AddItemToObject(pod, "metadata", md))
		goto out;
	md = NULL;
	if (!cJSON_AddItemToObject(pod, "spec", spec))
		goto out;
	spec = NULL;
	s = cJSON_PrintUnformatted(pod);
out:
	cJSON_Delete(containers);
	cJSON_Delete(init);
	cJSON_Delete(md);
	cJSON_Delete(spec);
	cJSON_Delete(pod);
	return s;
}

char *podjson_min_pod(const struct wire_pod *p)
{
	return min_pod(p->name, p->namespace, p->uid,
		       name_list(p->containers, p->n_containers),
		       name_list(p->init_containers, p->n_init_containers));
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

char *podjson_min_pod_listed(const cJSON *item)
{
	if (!cJSON_IsObject(item) || !str_of(item, "UID"))
		return NULL;
	return min_pod(str_of(item, "name"), str_of(item, "namespace"),
		       str_of(item, "UID"),
		       names_to_objects(cJSON_GetObjectItem(item,
							    "containers")),
		       names_to_objects(cJSON_GetObjectItem(item,
							    "initContainers")));
}

void podjson_statuses_free(struct podjson_status *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].uid);
		free(v[i].status);
	}
	free(v);
}

int podjson_parse_statuses(const char *body, size_t len,
			   struct podjson_status **ret, size_t *ret_n,
			   char *err, size_t errlen)
{
	struct podjson_status *v = NULL;
	size_t n = 0, skipped = 0;
	cJSON *j = NULL;
	const cJSON *e;
	int r = -1;

	if (wire_parse(body, len, &j, err, errlen) < 0)
		goto out;
	if (!cJSON_IsArray(j)) {
		snprintf(err, errlen, "the sidecar's /status answer is not "
			 "a JSON array");
		goto out;
	}
	v = calloc((size_t)cJSON_GetArraySize(j) + 1, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(e, j)
	{
		struct wire_pod_status ps = {0};
		char why[256];
		cJSON *c;

		if (wire_pod_status_decode(e, &ps, why, sizeof(why)) < 0 ||
		    !ps.uid || !*ps.uid) {
			wire_pod_status_done(&ps);
			skipped++;
			continue;
		}
		c = wire_pod_status_encode(&ps);
		v[n].status = c ? cJSON_PrintUnformatted(c) : NULL;
		v[n].uid = strdup(ps.uid);
		v[n].unknown = !ps.jid || !*ps.jid;
		cJSON_Delete(c);
		wire_pod_status_done(&ps);
		n++;
		if (!v[n - 1].status || !v[n - 1].uid) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	if (skipped)
		log_debug("skipped %zu entries of the sidecar's /status answer "
			  "that are not a PodStatus with a UID", skipped);
	*ret = v;
	*ret_n = n;
	v = NULL;
	r = 0;
out:
	podjson_statuses_free(v, n);
	cJSON_Delete(j);
	return r;
}
