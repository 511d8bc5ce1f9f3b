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

/*
 * The length cJSON_PrintUnformatted would give j (numbers estimated), so
 * the copies can be counted before they are made.  The request was parsed
 * with wire_parse, which bounds its nesting.
 */
static size_t str_size(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 2;

	for (; p && *p; p++)
		n += (*p == '"' || *p == '\\' || *p == '\b' || *p == '\f' ||
		      *p == '\n' || *p == '\r' || *p == '\t') ? 2 :
		     *p < 0x20 ? 6 : 1;
	return n;
}

static size_t json_size(const cJSON *j)
{
	size_t n = j->string ? str_size(j->string) + 1 : 0;
	const cJSON *c;

	if (cJSON_IsString(j))
		return n + str_size(j->valuestring);
	if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
		n += 2;
		cJSON_ArrayForEach(c, j)
			n += json_size(c) + (c->next ? 1 : 0);
		return n;
	}
	if (cJSON_IsNumber(j)) {
		char num[32];
		int len = snprintf(num, sizeof(num), "%1.15g", j->valuedouble);

		return n + (len > 0 ? (size_t)len : 1);
	}
	return n + (cJSON_IsFalse(j) ? 5 : 4); /* true, null */
}

/* What a transform may still add to the body (MaxBodyBytes). */
struct budget {
	size_t left;
	bool exceeded;
};

static bool spend(struct budget *b, size_t n)
{
	if (n > b->left) {
		b->exceeded = true;
		return false;
	}
	b->left -= n;
	return true;
}

/*
 * Append a copy of item to obj[key], creating the list on first use; an
 * object already in the list (the same name, mounted twice) is not copied
 * again.  -1 when out of memory or over budget (b->exceeded).
 */
static int append_copy(cJSON *obj, const char *key, const cJSON *item,
		       struct budget *b)
{
	cJSON *list = cJSON_GetObjectItemCaseSensitive(obj, key);
	const char *name = str_at(wire_get(item, "metadata"), "name");
	cJSON *copy;

	if (name && by_name(list, name))
		return 0;
	if (!spend(b, json_size(item) + 1))
		return -1;
	copy = cJSON_Duplicate(item, true);
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
				  const cJSON *req, struct budget *b)
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
				r = append_copy(rc, "configMaps", cm, b);
		} else if ((src = wire_get(vol, "secret")) &&
			   cJSON_IsObject(src)) {
			const cJSON *s = by_name(
				wire_get(req, "secrets"),
				str_at(src, "secretName"));

			if (s)
				r = append_copy(rc, "secrets", s, b);
		} else if (cJSON_IsObject(wire_get(vol,
							      "projected")) ||
			   cJSON_IsObject(wire_get(vol,
							      "downwardAPI"))) {
			const cJSON *p = by_name(
				wire_get(req,
						    "projectedvolumesmaps"),
				mname);

			if (p)
				r = append_copy(rc, "projectedvolumemaps", p,
						b);
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

cJSON *transform_create(const cJSON *req, size_t max_bytes, bool *too_large,
			char *err, size_t errlen)
{
	const cJSON *pod = wire_get(req, "pod");
	const cJSON *spec = wire_get(pod, "spec");
	const cJSON *volumes = wire_get(spec, "volumes");
	static const char *const lists[] = {"initContainers", "containers"};
	struct budget b = {max_bytes, false};
	cJSON *out = NULL, *ctrs;

	*too_large = false;
	/* the pod itself, the jobConfig and the keys around them */
	if (!spend(&b, json_size(pod) + 1024))
		goto too_large;
	out = cJSON_CreateObject();
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
			cJSON *rc;

			if (!spend(&b, 128)) /* the container's own keys */
				goto too_large;
			rc = retrieved_container(c, volumes, req, &b);
			if (!rc && b.exceeded)
				goto too_large;
			if (!rc)
				goto oom;
			cJSON_AddItemToArray(ctrs, rc);
		}
	}
	if (!cJSON_AddItemToObject(out, "jobConfig", job_config()))
		goto oom;
	return out;
too_large:
	*too_large = true;
	snprintf(err, errlen, "the pod's ConfigMaps, Secrets and projected "
		 "volumes, copied into each container that mounts them, make "
		 "a body of more than %zu bytes (MaxBodyBytes)", max_bytes);
	cJSON_Delete(out);
	return NULL;
oom:
	snprintf(err, errlen, "out of memory");
	cJSON_Delete(out);
	return NULL;
}
