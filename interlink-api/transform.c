/* interlink-api/transform.c - see transform.h */
#include "transform.h"

#include "wire.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *str_at(const cJSON *obj, const char *key)
{
	const cJSON *v = wire_get(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The element of list whose metadata.name is name, or NULL. */
static const cJSON *by_name(const cJSON *list, const char *name)
{
	const cJSON *e;

	if (!name)
		return NULL;
	cJSON_ArrayForEach(e, list)
	{
		const char *n = str_at(wire_get(e, "metadata"),
				       "name");

		if (n && strcmp(n, name) == 0)
			return e;
	}
	return NULL;
}

/* Append a copy of item to obj[key], creating the list on first use. */
static int append_copy(cJSON *obj, const char *key, const cJSON *item)
{
	cJSON *list = cJSON_GetObjectItemCaseSensitive(obj, key);
	cJSON *copy = cJSON_Duplicate(item, true);

	if (!copy)
		return -1;
	if (cJSON_IsNull(list)) {
		cJSON *arr = cJSON_CreateArray();

		if (!arr || !cJSON_ReplaceItemInObjectCaseSensitive(obj, key,
								    arr)) {
			cJSON_Delete(arr);
			cJSON_Delete(copy);
			return -1;
		}
		list = arr;
	}
	cJSON_AddItemToArray(list, copy);
	return 0;
}

static cJSON *retrieved_container(const cJSON *ctr, const cJSON *volumes,
				  const cJSON *req)
{
	cJSON *rc = cJSON_CreateObject();
	const cJSON *m;
	const char *name = str_at(ctr, "name");

	if (!rc)
		return NULL;
	cJSON_AddStringToObject(rc, "name", name ? name : "");
	cJSON_AddNullToObject(rc, "configMaps");
	cJSON_AddNullToObject(rc, "projectedvolumemaps");
	cJSON_AddNullToObject(rc, "secrets");
	cJSON_AddNullToObject(rc, "emptyDirs");
	cJSON_ArrayForEach(m, wire_get(ctr, "volumeMounts"))
	{
		const cJSON *vol = NULL, *v, *src;
		const char *mname = str_at(m, "name");
		int r = 0;

		cJSON_ArrayForEach(v, volumes)
		{
			const char *vn = str_at(v, "name");

			if (mname && vn && strcmp(vn, mname) == 0) {
				vol = v;
				break;
			}
		}
		if (!vol)
			continue;
		if ((src = wire_get(vol, "configMap")) &&
		    cJSON_IsObject(src)) {
			const cJSON *cm = by_name(
				wire_get(req, "configmaps"),
				str_at(src, "name"));

			if (cm)
				r = append_copy(rc, "configMaps", cm);
		} else if ((src = wire_get(vol, "secret")) &&
			   cJSON_IsObject(src)) {
			const cJSON *s = by_name(
				wire_get(req, "secrets"),
				str_at(src, "secretName"));

			if (s)
				r = append_copy(rc, "secrets", s);
		} else if (cJSON_IsObject(wire_get(vol,
							      "projected")) ||
			   cJSON_IsObject(wire_get(vol,
							      "downwardAPI"))) {
			const cJSON *p = by_name(
				wire_get(req,
						    "projectedvolumesmaps"),
				mname);

			if (p)
				r = append_copy(rc, "projectedvolumemaps", p);
		}
		/* emptyDir, hostPath, others: the plugin reads pod.spec */
		if (r < 0) {
			cJSON_Delete(rc);
			return NULL;
		}
	}
	return rc;
}

/* ScriptBuildConfig, zero-valued, as upstream always sends it. */
static cJSON *job_config(void)
{
	static const char zero[] =
		"{\"SingularityHubProxy\":{\"server\":\"\",\"master_token\":"
		"\"\",\"cache_validity_seconds\":0},\"ApptainerOptions\":{"
		"\"executable\":\"\",\"fakeroot\":false,\"containall\":false,"
		"\"fuseMode\":\"\",\"noInit\":false,\"noHome\":false,"
		"\"noPrivs\":false,\"nvidiaSupport\":false,\"cleanenv\":false,"
		"\"unsquash\":false},\"Volumes\":{\"scratch_area\":\"\","
		"\"apptainer_cachedir\":\"\",\"image_dir\":\"\","
		"\"additional_directories_in_path\":null,"
		"\"fuse_sleep_seconds\":0}}";

	return cJSON_Parse(zero);
}

cJSON *transform_create(const cJSON *req, char *err, size_t errlen)
{
	const cJSON *pod = wire_get(req, "pod");
	const cJSON *spec = wire_get(pod, "spec");
	const cJSON *volumes = wire_get(spec, "volumes");
	static const char *const lists[] = {"initContainers", "containers"};
	cJSON *out = cJSON_CreateObject(), *ctrs;

	if (!out)
		goto oom;
	if (!cJSON_AddItemToObject(out, "pod", cJSON_Duplicate(pod, true)))
		goto oom;
	ctrs = cJSON_AddArrayToObject(out, "container");
	if (!ctrs)
		goto oom;
	for (size_t i = 0; i < 2; i++) {
		const cJSON *c;

		cJSON_ArrayForEach(c, wire_get(spec, lists[i]))
		{
			cJSON *rc = retrieved_container(c, volumes, req);

			if (!rc)
				goto oom;
			cJSON_AddItemToArray(ctrs, rc);
		}
	}
	if (!cJSON_AddItemToObject(out, "jobConfig", job_config()))
		goto oom;
	return out;
oom:
	snprintf(err, errlen, "out of memory");
	cJSON_Delete(out);
	return NULL;
}
