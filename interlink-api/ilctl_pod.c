/* interlink-api/ilctl_pod.c - see ilctl_pod.h */
#include "ilctl_pod.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"
#include "wire.h"

/* Longest text we build from labels or annotations for the downward API. */
#define MAX_META_TEXT (1u << 20)

struct pod_ctx {
	const char *ns;      /* the pod's namespace */
	cJSON *pod;          /* the pod sent to /create, rewritten in place */
	cJSON *cms;          /* the manifest's ConfigMaps, normalised */
	cJSON *secrets;      /* the manifest's Secrets, normalised */
	cJSON *req_cms;      /* "configmaps" */
	cJSON *req_secrets;  /* "secrets" */
	cJSON *req_projected; /* "projectedvolumesmaps" */
	char *err;
	size_t errlen;
};

static int perr(struct pod_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int perr(struct pod_ctx *c, const char *fmt, ...)
{
	if (c->err && c->errlen) {
		va_list ap;

		va_start(ap, fmt);
		(void)vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int oom(struct pod_ctx *c)
{
	return perr(c, "out of memory");
}

static cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *get_str(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool get_true(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(get(o, key));
}

const char *ilctl_pod_meta(const cJSON *pod, const char *key)
{
	return get_str(get(pod, "metadata"), key);
}

/* Put v under key in o, replacing an older value; o owns v afterwards. */
static int put(struct pod_ctx *c, cJSON *o, const char *key, cJSON *v)
{
	if (!v)
		return oom(c);
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	if (!cJSON_AddItemToObject(o, key, v)) {
		cJSON_Delete(v);
		return oom(c);
	}
	return 0;
}

static int put_str(struct pod_ctx *c, cJSON *o, const char *key,
		   const char *s)
{
	return put(c, o, key, cJSON_CreateString(s));
}

static int append(struct pod_ctx *c, cJSON *arr, cJSON *v)
{
	if (!v)
		return oom(c);
	if (!cJSON_AddItemToArray(arr, v)) {
		cJSON_Delete(v);
		return oom(c);
	}
	return 0;
}

/* An optional member that must be an object (or array) when present. */
static int opt_member(struct pod_ctx *c, const cJSON *o, const char *key,
		      bool array, const char *where, const cJSON **ret)
{
	const cJSON *v = get(o, key);

	*ret = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (array ? !cJSON_IsArray(v) : !cJSON_IsObject(v))
		return perr(c, "%s: '%s' must be %s", where, key,
			    array ? "a list" : "a mapping");
	*ret = v;
	return 0;
}

/* A required string member. */
static int req_str(struct pod_ctx *c, const cJSON *o, const char *key,
		   const char *where, const char **ret)
{
	*ret = get_str(o, key);
	if (!*ret || !**ret)
		return perr(c, "%s: '%s' must be a non-empty string", where,
			    key);
	return 0;
}

/* Every value of a string map (data, labels...) must be a string. */
static int check_str_map(struct pod_ctx *c, const cJSON *map,
			 const char *where, const char *field)
{
	const cJSON *v;

	if (!map || cJSON_IsNull(map))
		return 0;
	if (!cJSON_IsObject(map))
		return perr(c, "%s: '%s' must be a mapping", where, field);
	cJSON_ArrayForEach(v, map)
		if (!cJSON_IsString(v))
			return perr(c,
				    "%s: %s.'%s' must be a string (quote "
				    "the value)",
				    where, field, v->string);
	return 0;
}

/* ---- manifest objects ---- */

/*
 * Check metadata.name, fill metadata.namespace when absent.  what names
 * the object in messages ("configmap", "pod").
 */
static int normalise_meta(struct pod_ctx *c, cJSON *obj, const char *what,
			  const char *ns)
{
	cJSON *meta = get(obj, "metadata");
	const char *name, *objns;

	if (!cJSON_IsObject(meta))
		return perr(c, "a %s has no metadata", what);
	name = get_str(meta, "name");
	if (!name)
		return perr(c, "a %s has no metadata.name", what);
	if (!text_is_dns_subdomain(name))
		return perr(c, "%s name '%.253s' is not a valid DNS subdomain",
			    what, name);
	objns = get_str(meta, "namespace");
	if (!objns) {
		const cJSON *v = get(meta, "namespace");

		if (v && !cJSON_IsNull(v))
			return perr(c, "%s '%s': metadata.namespace must be "
				    "a string", what, name);
		return put_str(c, meta, "namespace", ns);
	}
	if (!text_is_dns_label(objns))
		return perr(c, "%s '%s': namespace '%.63s' is not a valid DNS "
			    "label", what, name, objns);
	return 0;
}

static const char *obj_name(const cJSON *obj)
{
	return ilctl_pod_meta(obj, "name");
}

/* The object called name in the pod's namespace, or NULL. */
static const cJSON *find_named(const struct pod_ctx *c, const cJSON *list,
			       const char *name)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, list) {
		if (strcmp(obj_name(o), name) == 0 &&
		    strcmp(ilctl_pod_meta(o, "namespace"), c->ns) == 0)
			return o;
	}
	return NULL;
}

/* Secret stringData becomes base64 data, as the API server does. */
static int merge_string_data(struct pod_ctx *c, cJSON *secret,
			     const char *where)
{
	cJSON *sd = get(secret, "stringData"), *data = get(secret, "data");
	const cJSON *v;

	if (check_str_map(c, data, where, "data") < 0 ||
	    check_str_map(c, sd, where, "stringData") < 0)
		return -1;
	cJSON_ArrayForEach(v, data) {
		char *bin;
		size_t len;

		if (wire_base64_decode(v->valuestring,
				       strlen(v->valuestring), &bin,
				       &len) < 0)
			return perr(c, "%s: data.'%s' is not valid base64",
				    where, v->string);
		free(bin);
	}
	if (!sd || cJSON_IsNull(sd)) {
		cJSON_DeleteItemFromObjectCaseSensitive(secret, "stringData");
		return 0;
	}
	if (!cJSON_IsObject(data)) {
		if (put(c, secret, "data", cJSON_CreateObject()) < 0)
			return -1;
		data = get(secret, "data");
	}
	cJSON_ArrayForEach(v, sd) {
		char *b64 = wire_base64_encode(v->valuestring,
					       strlen(v->valuestring));
		int r;

		if (!b64)
			return oom(c);
		r = put_str(c, data, v->string, b64);
		free(b64);
		if (r < 0)
			return -1;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(secret, "stringData");
	return 0;
}

/* Copy a ConfigMap or Secret of the manifest into c->cms / c->secrets. */
static int add_config_object(struct pod_ctx *c, const cJSON *doc,
			     bool is_secret, int docno)
{
	const char *what = is_secret ? "secret" : "configmap";
	cJSON *list = is_secret ? c->secrets : c->cms;
	cJSON *o = cJSON_Duplicate(doc, true);
	char where[320];

	if (!o)
		return oom(c);
	if (append(c, list, o) < 0)
		return -1;
	if (normalise_meta(c, o, what, c->ns) < 0)
		return -1;
	(void)snprintf(where, sizeof(where), "%s '%s' (document %d)", what,
		       obj_name(o), docno);
	if (is_secret)
		return merge_string_data(c, o, where);
	return check_str_map(c, get(o, "data"), where, "data");
}

/* ---- the pod ---- */

/*
 * What the API server and the VK fill in: namespace, uid,
 * creationTimestamp, status.  From here on c->ns is the pod's namespace,
 * where ConfigMaps and Secrets are looked up.
 */
static int fill_pod(struct pod_ctx *c, cJSON *pod, const char *uid,
		    int64_t now)
{
	cJSON *meta, *status, *spec;
	const char *ip, *name;
	const cJSON *containers;
	char ts[32], where[300];
	int r;

	if (normalise_meta(c, pod, "pod", c->ns) < 0)
		return -1;
	meta = get(pod, "metadata");
	name = get_str(meta, "name");
	c->ns = get_str(meta, "namespace");
	(void)snprintf(where, sizeof(where), "pod '%s'", name);
	r = check_str_map(c, get(meta, "labels"), where, "metadata.labels");
	if (r == 0)
		r = check_str_map(c, get(meta, "annotations"), where,
				  "metadata.annotations");
	if (r < 0)
		return -1;
	if (!get(meta, "uid") || cJSON_IsNull(get(meta, "uid"))) {
		if (put_str(c, meta, "uid", uid) < 0)
			return -1;
	} else if (!get_str(meta, "uid") || !*get_str(meta, "uid")) {
		return perr(c, "%s: metadata.uid must be a non-empty string",
			    where);
	}
	wire_time_format(now, ts, sizeof(ts));
	if (put_str(c, meta, "creationTimestamp", ts) < 0)
		return -1;

	spec = get(pod, "spec");
	if (!cJSON_IsObject(spec))
		return perr(c, "%s has no spec", where);
	containers = get(spec, "containers");
	if (!cJSON_IsArray(containers) || !containers->child)
		return perr(c, "%s has no containers", where);

	/* what the VK sets before anything else */
	ip = get_str(get(meta, "annotations"), "interlink.eu/pod-ip");
	status = cJSON_CreateObject();
	if (put(c, pod, "status", status) < 0)
		return -1;
	if (put_str(c, status, "phase", "Pending") < 0 ||
	    put_str(c, status, "podIP",
		    ip && *ip ? ip : ILCTL_DEFAULT_POD_IP) < 0)
		return -1;
	return 0;
}

/* ---- downward API ---- */

/* Go's strconv.Quote for the label and annotation files. */
static int go_quote(struct buf *b, const char *s)
{
	int r = buf_append(b, "\"", 1);

	for (; r == 0 && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '"':
			r = buf_puts(b, "\\\"");
			break;
		case '\\':
			r = buf_puts(b, "\\\\");
			break;
		case '\a':
			r = buf_puts(b, "\\a");
			break;
		case '\b':
			r = buf_puts(b, "\\b");
			break;
		case '\f':
			r = buf_puts(b, "\\f");
			break;
		case '\n':
			r = buf_puts(b, "\\n");
			break;
		case '\r':
			r = buf_puts(b, "\\r");
			break;
		case '\t':
			r = buf_puts(b, "\\t");
			break;
		case '\v':
			r = buf_puts(b, "\\v");
			break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				r = buf_printf(b, "\\x%02x", ch);
			else
				r = buf_append(b, s, 1);
		}
	}
	return r ? r : buf_append(b, "\"", 1);
}

struct meta_pair {
	const char *key;
	const char *value;
};

static int cmp_pairs(const void *a, const void *b)
{
	const struct meta_pair *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/* k="v" lines in key order, as the VK writes metadata.labels files. */
static int format_meta_map(const cJSON *map, struct buf *b)
{
	size_t n = (size_t)cJSON_GetArraySize(map), i = 0;
	struct meta_pair *pairs;
	const cJSON *v;
	int r = 0;

	if (n == 0)
		return 0;
	pairs = calloc(n, sizeof(*pairs));
	if (!pairs)
		return -1;
	cJSON_ArrayForEach(v, map) {
		pairs[i].key = v->string;
		pairs[i++].value = v->valuestring;
	}
	qsort(pairs, n, sizeof(*pairs), cmp_pairs);
	for (i = 0; r == 0 && i < n; i++) {
		r = buf_printf(b, "%s=", pairs[i].key);
		if (r == 0)
			r = go_quote(b, pairs[i].value);
		if (r == 0)
			r = buf_append(b, "\n", 1);
	}
	free(pairs);
	return r;
}

/*
 * The text of a fieldRef.fieldPath the VK understands, in a new string
 * (*ret); 0 when found, 1 when the path is not supported, -1 on OOM.
 */
static int resolve_field(const cJSON *pod, const char *path, char **ret)
{
	static const struct {
		const char *path;
		const char *obj;
		const char *key;
	} simple[] = {
		{"metadata.name", "metadata", "name"},
		{"metadata.namespace", "metadata", "namespace"},
		{"metadata.uid", "metadata", "uid"},
		{"spec.nodeName", "spec", "nodeName"},
		{"spec.serviceAccountName", "spec", "serviceAccountName"},
		{"status.podIP", "status", "podIP"},
		{"status.hostIP", "status", "hostIP"},
	};
	const cJSON *meta = get(pod, "metadata");
	struct buf b;
	const char *s;

	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (strcmp(path, simple[i].path) != 0)
			continue;
		s = get_str(get(pod, simple[i].obj), simple[i].key);
		*ret = strdup(s ? s : "");
		return *ret ? 0 : -1;
	}
	if (strcmp(path, "metadata.labels") != 0 &&
	    strcmp(path, "metadata.annotations") != 0)
		return 1;
	buf_init(&b, MAX_META_TEXT);
	if (format_meta_map(get(meta, path + strlen("metadata.")), &b) < 0) {
		buf_done(&b);
		return -1;
	}
	*ret = buf_steal(&b);
	return *ret ? 0 : -1;
}

/* downwardAPI items with a fieldRef into data; others are ignored. */
static int downward_items(struct pod_ctx *c, const cJSON *items,
			  cJSON *data, const char *where)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, items) {
		const char *path, *field;
		char *val;
		int r;

		if (req_str(c, item, "path", where, &path) < 0)
			return -1;
		field = get_str(get(item, "fieldRef"), "fieldPath");
		if (!field)
			continue; /* resourceFieldRef: the VK skips it too */
		r = resolve_field(c->pod, field, &val);
		if (r < 0)
			return oom(c);
		if (r > 0)
			continue; /* unsupported path: the VK only warns */
		r = put_str(c, data, path, val);
		free(val);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* ---- ConfigMap / Secret values ---- */

/*
 * The text of key in a ConfigMap (is_secret false) or Secret (decoded) of
 * the manifest, in a new string.  0, 1 when the key is absent, -1 on error.
 */
static int config_value(struct pod_ctx *c, const cJSON *obj, bool is_secret,
			const char *key, char **ret)
{
	const char *v = get_str(get(obj, "data"), key);
	size_t len;

	if (!v)
		return 1;
	if (!is_secret) {
		*ret = strdup(v);
		return *ret ? 0 : oom(c);
	}
	if (wire_base64_decode(v, strlen(v), ret, &len) < 0)
		return perr(c, "secret '%s': data.'%s' is not valid base64",
			    obj_name(obj), key);
	if (memchr(*ret, '\0', len)) {
		free(*ret);
		*ret = NULL;
		return perr(c,
			    "secret '%s': key '%s' holds binary data with NUL "
			    "bytes, which a projected file or env var cannot "
			    "carry",
			    obj_name(obj), key);
	}
	return 0;
}

/* A reference to a ConfigMap or Secret from a volume, projection or env. */
struct ref {
	bool is_secret;
	const char *name;
	bool optional;
	const char *where; /* for messages */
};

/* Look a reference up; NULL with no error when optional and missing. */
static int lookup(struct pod_ctx *c, const struct ref *r, const cJSON **ret)
{
	*ret = find_named(c, r->is_secret ? c->secrets : c->cms, r->name);
	if (*ret || r->optional)
		return 0;
	return perr(c, "%s: %s '%s' is not in the manifest (namespace '%s')",
		    r->where, r->is_secret ? "secret" : "configmap", r->name,
		    c->ns);
}

/* A configMap or secret projection (or volume items) into data. */
static int project_source(struct pod_ctx *c, const struct ref *r,
			  const cJSON *items, cJSON *data)
{
	const cJSON *obj, *item, *kv;
	char *val;
	int e;

	if (lookup(c, r, &obj) < 0)
		return -1;
	if (!obj)
		return 0;
	if (!items || !items->child) {
		/* no items: every key, named after itself */
		cJSON_ArrayForEach(kv, get(obj, "data")) {
			e = config_value(c, obj, r->is_secret, kv->string,
					 &val);
			if (e < 0)
				return -1;
			if (e > 0)
				continue; /* not a string: cannot happen */
			e = put_str(c, data, kv->string, val);
			free(val);
			if (e < 0)
				return -1;
		}
		return 0;
	}
	cJSON_ArrayForEach(item, items) {
		const char *key, *path;

		if (req_str(c, item, "key", r->where, &key) < 0 ||
		    req_str(c, item, "path", r->where, &path) < 0)
			return -1;
		e = config_value(c, obj, r->is_secret, key, &val);
		if (e < 0)
			return -1;
		if (e > 0) {
			if (r->optional)
				continue;
			return perr(c, "%s: %s '%s' has no key '%s'", r->where,
				    r->is_secret ? "secret" : "configmap",
				    r->name, key);
		}
		e = put_str(c, data, path, val);
		free(val);
		if (e < 0)
			return -1;
	}
	return 0;
}

/* ---- volumes ---- */

/* A new projected map: a ConfigMap named after the volume. */
static cJSON *new_projected_map(const char *volume)
{
	cJSON *m = cJSON_CreateObject(), *meta = cJSON_CreateObject();

	if (!m || !meta || !cJSON_AddItemToObject(m, "metadata", meta)) {
		cJSON_Delete(m);
		cJSON_Delete(meta);
		return NULL;
	}
	if (!cJSON_AddStringToObject(meta, "name", volume) ||
	    !cJSON_AddNullToObject(meta, "creationTimestamp") ||
	    !cJSON_AddObjectToObject(m, "data")) {
		cJSON_Delete(m);
		return NULL;
	}
	return m;
}

/* Append a finished map; Go omits an empty data map. */
static int add_projected(struct pod_ctx *c, cJSON *map)
{
	if (!get(map, "data")->child)
		cJSON_DeleteItemFromObjectCaseSensitive(map, "data");
	return append(c, c->req_projected, map);
}

static int projection(struct pod_ctx *c, const cJSON *src, cJSON *data,
		      const char *where)
{
	const cJSON *sub, *items;
	struct ref r = {.where = where};
	const char *path;

	if ((sub = get(src, "serviceAccountToken"))) {
		if (req_str(c, sub, "path", where, &path) < 0)
			return -1;
		return put_str(c, data, path, ILCTL_PLACEHOLDER_TOKEN);
	}
	if ((sub = get(src, "downwardAPI"))) {
		if (opt_member(c, sub, "items", true, where, &items) < 0)
			return -1;
		return downward_items(c, items, data, where);
	}
	if ((sub = get(src, "configMap")))
		r.is_secret = false;
	else if ((sub = get(src, "secret")))
		r.is_secret = true;
	else
		return 0; /* clusterTrustBundle and friends: ignored */
	if (req_str(c, sub, "name", where, &r.name) < 0 ||
	    opt_member(c, sub, "items", true, where, &items) < 0)
		return -1;
	/* the cluster CA: the VK's own business, skip it when absent */
	r.optional = get_true(sub, "optional") ||
		     (!r.is_secret && strcmp(r.name, "kube-root-ca.crt") == 0);
	return project_source(c, &r, items, data);
}

static int volume_projected(struct pod_ctx *c, const char *name,
			    const cJSON *proj, const char *where)
{
	const cJSON *sources, *src;
	cJSON *map = new_projected_map(name);

	if (!map)
		return oom(c);
	if (opt_member(c, proj, "sources", true, where, &sources) < 0)
		goto fail;
	cJSON_ArrayForEach(src, sources)
		if (projection(c, src, get(map, "data"), where) < 0)
			goto fail;
	return add_projected(c, map);
fail:
	cJSON_Delete(map);
	return -1;
}

/*
 * A downwardAPI volume: its map, then the volume itself becomes
 * {"name", "projected": {"defaultMode"?, "sources": [{"downwardAPI":
 * {"items": ...}}]}} in the pod sent, as the VK rewrites it.
 */
static int volume_downward(struct pod_ctx *c, cJSON *vol, const char *name,
			   const char *where)
{
	cJSON *dapi = get(vol, "downwardAPI"), *map, *proj, *sources, *src;
	cJSON *moved;
	const cJSON *items, *mode;

	if (opt_member(c, dapi, "items", true, where, &items) < 0)
		return -1;
	map = new_projected_map(name);
	if (!map)
		return oom(c);
	if (downward_items(c, items, get(map, "data"), where) < 0) {
		cJSON_Delete(map);
		return -1;
	}
	if (add_projected(c, map) < 0)
		return -1;

	proj = cJSON_CreateObject();
	if (put(c, vol, "projected", proj) < 0)
		return -1;
	mode = get(dapi, "defaultMode");
	if (mode && put(c, proj, "defaultMode", cJSON_Duplicate(mode, 1)) < 0)
		return -1;
	sources = cJSON_CreateArray();
	if (put(c, proj, "sources", sources) < 0)
		return -1;
	src = cJSON_CreateObject();
	if (append(c, sources, src) < 0)
		return -1;
	dapi = cJSON_DetachItemFromObjectCaseSensitive(vol, "downwardAPI");
	if (put(c, src, "downwardAPI", cJSON_CreateObject()) < 0) {
		cJSON_Delete(dapi);
		return -1;
	}
	/* items move over as written; the rest of downwardAPI is dropped */
	moved = cJSON_DetachItemFromObjectCaseSensitive(dapi, "items");
	cJSON_Delete(dapi);
	if (moved)
		return put(c, get(src, "downwardAPI"), "items", moved);
	return 0;
}

/* configMap / secret volumes carry the whole object. */
static int volume_config(struct pod_ctx *c, const cJSON *src, bool is_secret,
			 const char *where)
{
	struct ref r = {.is_secret = is_secret, .where = where};
	const cJSON *obj;

	if (req_str(c, src, is_secret ? "secretName" : "name", where,
		    &r.name) < 0)
		return -1;
	r.optional = get_true(src, "optional");
	if (lookup(c, &r, &obj) < 0)
		return -1;
	if (!obj)
		return 0;
	return append(c, is_secret ? c->req_secrets : c->req_cms,
		      cJSON_Duplicate(obj, true));
}

static int do_volumes(struct pod_ctx *c)
{
	const cJSON *vols;
	cJSON *vol;

	if (opt_member(c, get(c->pod, "spec"), "volumes", true, "pod spec",
		       &vols) < 0)
		return -1;
	cJSON_ArrayForEach(vol, vols) {
		const cJSON *src;
		const char *name;
		char where[300];

		if (req_str(c, vol, "name", "a volume", &name) < 0)
			return -1;
		(void)snprintf(where, sizeof(where), "volume '%s'", name);
		if ((src = get(vol, "configMap"))) {
			if (volume_config(c, src, false, where) < 0)
				return -1;
		} else if ((src = get(vol, "secret"))) {
			if (volume_config(c, src, true, where) < 0)
				return -1;
		} else if ((src = get(vol, "projected"))) {
			if (volume_projected(c, name, src, where) < 0)
				return -1;
		} else if (get(vol, "downwardAPI")) {
			if (volume_downward(c, vol, name, where) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- env ---- */

/* The value of one env valueFrom; 0, 1 to drop the variable, -1. */
static int env_value_from(struct pod_ctx *c, const cJSON *from,
			  const char *where, char **ret)
{
	struct ref r = {.where = where};
	const cJSON *src, *obj;
	const char *key, *path;
	int e;

	if ((src = get(from, "fieldRef"))) {
		if (req_str(c, src, "fieldPath", where, &path) < 0)
			return -1;
		e = resolve_field(c->pod, path, ret);
		if (e == 0 || e < 0)
			return e < 0 ? oom(c) : 0;
		/* metadata.labels['k'] and metadata.annotations['k'] */
		for (int i = 0; i < 2; i++) {
			const char *pre = i ? "metadata.annotations["
					    : "metadata.labels[";
			size_t n = strlen(path), pl = strlen(pre);
			char k[320];

			if (strncmp(path, pre, pl) != 0 || path[n - 1] != ']' ||
			    n - pl - 1 >= sizeof(k))
				continue;
			memcpy(k, path + pl, n - pl - 1);
			k[n - pl - 1] = '\0';
			if (k[0] == '\'' || k[0] == '"') {
				size_t kl = strlen(k);

				if (kl < 2 || k[kl - 1] != k[0])
					continue;
				memmove(k, k + 1, kl - 2);
				k[kl - 2] = '\0';
			}
			key = get_str(get(get(c->pod, "metadata"),
					  i ? "annotations" : "labels"),
				      k);
			*ret = strdup(key ? key : "");
			return *ret ? 0 : oom(c);
		}
		return perr(c, "%s: fieldPath '%.128s' is not supported", where,
			    path);
	}
	if ((src = get(from, "configMapKeyRef")))
		r.is_secret = false;
	else if ((src = get(from, "secretKeyRef")))
		r.is_secret = true;
	else
		return 2; /* resourceFieldRef: left for the backend */
	if (req_str(c, src, "name", where, &r.name) < 0 ||
	    req_str(c, src, "key", where, &key) < 0)
		return -1;
	r.optional = get_true(src, "optional");
	if (lookup(c, &r, &obj) < 0)
		return -1;
	if (!obj)
		return 1;
	e = config_value(c, obj, r.is_secret, key, ret);
	if (e <= 0)
		return e;
	if (r.optional)
		return 1;
	return perr(c, "%s: %s '%s' has no key '%s'", where,
		    r.is_secret ? "secret" : "configmap", r.name, key);
}

static cJSON *find_env(const cJSON *env, const char *name)
{
	cJSON *e;

	cJSON_ArrayForEach(e, env) {
		const char *n = get_str(e, "name");

		if (n && strcmp(n, name) == 0)
			return e;
	}
	return NULL;
}

/* Resolve every valueFrom of env in place. */
static int resolve_env(struct pod_ctx *c, cJSON *env, const char *cname)
{
	cJSON *e = env ? env->child : NULL;

	while (e) {
		cJSON *next = e->next;
		const cJSON *from = get(e, "valueFrom");
		const char *name;
		char where[400], *val = NULL;
		int r;

		(void)snprintf(where, sizeof(where), "container '%s'", cname);
		if (req_str(c, e, "name", where, &name) < 0)
			return -1;
		if (from && !cJSON_IsNull(from)) {
			(void)snprintf(where, sizeof(where),
				       "container '%s': env '%.128s'", cname,
				       name);
			r = env_value_from(c, from, where, &val);
			if (r < 0)
				return -1;
			if (r == 1)
				cJSON_Delete(
					cJSON_DetachItemViaPointer(env, e));
			if (r == 0) {
				r = put_str(c, e, "value", val);
				free(val);
				if (r < 0)
					return -1;
				cJSON_DeleteItemFromObjectCaseSensitive(
					e, "valueFrom");
			}
		}
		e = next;
	}
	return 0;
}

/*
 * envFrom: every key of the source, prefixed, unless the container sets
 * that name itself; later sources override earlier ones.
 */
static int resolve_env_from(struct pod_ctx *c, cJSON *ctr, const char *cname)
{
	cJSON *env = get(ctr, "env");
	const cJSON *list, *ef, *kv;
	size_t n_explicit;
	char where[300];

	(void)snprintf(where, sizeof(where), "container '%s'", cname);
	if (opt_member(c, ctr, "envFrom", true, where, &list) < 0)
		return -1;
	if (!list)
		return 0;
	if (!cJSON_IsArray(env)) {
		if (put(c, ctr, "env", cJSON_CreateArray()) < 0)
			return -1;
		env = get(ctr, "env");
	}
	n_explicit = (size_t)cJSON_GetArraySize(env);
	cJSON_ArrayForEach(ef, list) {
		const char *prefix = get_str(ef, "prefix");
		const cJSON *src, *obj;
		struct ref r = {.where = where};

		if ((src = get(ef, "configMapRef")))
			r.is_secret = false;
		else if ((src = get(ef, "secretRef")))
			r.is_secret = true;
		else
			continue;
		if (req_str(c, src, "name", where, &r.name) < 0)
			return -1;
		r.optional = get_true(src, "optional");
		if (lookup(c, &r, &obj) < 0)
			return -1;
		if (!obj)
			continue;
		cJSON_ArrayForEach(kv, get(obj, "data")) {
			char name[512], *val;
			cJSON *old, *item;
			size_t i = 0;
			int e;

			(void)snprintf(name, sizeof(name), "%s%s",
				       prefix ? prefix : "", kv->string);
			old = find_env(env, name);
			/* explicit env entries come first in the list */
			for (cJSON *p = env->child; p && p != old; p = p->next)
				i++;
			if (old && i < n_explicit)
				continue;
			e = config_value(c, obj, r.is_secret, kv->string,
					 &val);
			if (e < 0)
				return -1;
			if (e > 0)
				continue; /* not a string: cannot happen */
			if (old) {
				e = put_str(c, old, "value", val);
			} else {
				item = cJSON_CreateObject();
				e = append(c, env, item);
				if (e == 0)
					e = put_str(c, item, "name", name);
				if (e == 0)
					e = put_str(c, item, "value", val);
			}
			free(val);
			if (e < 0)
				return -1;
		}
	}
	cJSON_DeleteItemFromObjectCaseSensitive(ctr, "envFrom");
	return 0;
}

static int do_env(struct pod_ctx *c)
{
	static const char *const lists[] = {"initContainers", "containers"};
	cJSON *spec = get(c->pod, "spec");

	for (size_t i = 0; i < 2; i++) {
		const cJSON *ctrs;
		cJSON *ctr;

		if (opt_member(c, spec, lists[i], true, "pod spec", &ctrs) < 0)
			return -1;
		cJSON_ArrayForEach(ctr, ctrs) {
			const char *cname;
			const cJSON *env;

			if (req_str(c, ctr, "name", lists[i], &cname) < 0 ||
			    opt_member(c, ctr, "env", true, cname, &env) < 0)
				return -1;
			if (resolve_env_from(c, ctr, cname) < 0 ||
			    resolve_env(c, get(ctr, "env"), cname) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- assembly ---- */

/* A Go nil slice is null on the wire; the VK's lists start out nil. */
static int add_list(struct pod_ctx *c, cJSON *req, const char *key,
		    cJSON **list)
{
	cJSON *v = *list;

	*list = NULL;
	if (!v->child) {
		cJSON_Delete(v);
		v = cJSON_CreateNull();
	}
	return put(c, req, key, v);
}

static int classify(struct pod_ctx *c, const cJSON *docs, const cJSON **pod)
{
	const cJSON *doc;
	int docno = 0, n_pods = 0;

	*pod = NULL;
	/* the pod first: its namespace is the default of the others */
	cJSON_ArrayForEach(doc, docs) {
		const char *kind;

		docno++;
		if (!cJSON_IsObject(doc))
			return perr(c, "document %d is not a mapping", docno);
		kind = get_str(doc, "kind");
		if (!kind)
			return perr(c, "document %d has no 'kind'", docno);
		if (strcmp(kind, "Pod") == 0) {
			*pod = doc;
			n_pods++;
		} else if (strcmp(kind, "ConfigMap") != 0 &&
			   strcmp(kind, "Secret") != 0) {
			return perr(c,
				    "document %d: kind '%.64s' is not "
				    "supported (only Pod, ConfigMap and "
				    "Secret)",
				    docno, kind);
		}
	}
	if (n_pods != 1)
		return perr(c, "the manifest must hold exactly one Pod, not %d",
			    n_pods);
	return 0;
}

/* The object the last one of list repeats (same name and namespace). */
static const cJSON *last_repeats(const cJSON *list)
{
	const cJSON *last = cJSON_GetArrayItem(list,
					       cJSON_GetArraySize(list) - 1);
	const cJSON *o;

	cJSON_ArrayForEach(o, list) {
		if (o == last)
			break;
		if (strcmp(obj_name(o), obj_name(last)) == 0 &&
		    strcmp(ilctl_pod_meta(o, "namespace"),
			   ilctl_pod_meta(last, "namespace")) == 0)
			return o;
	}
	return NULL;
}

static int add_configs(struct pod_ctx *c, const cJSON *docs)
{
	const cJSON *doc;
	int docno = 0;

	cJSON_ArrayForEach(doc, docs) {
		const char *kind = get_str(doc, "kind");
		bool is_secret = strcmp(kind, "Secret") == 0;
		const cJSON *list = is_secret ? c->secrets : c->cms, *dup;

		docno++;
		if (strcmp(kind, "Pod") == 0)
			continue;
		if (add_config_object(c, doc, is_secret, docno) < 0)
			return -1;
		dup = last_repeats(list);
		if (dup)
			return perr(c, "document %d: %s '%s' appears twice",
				    docno, is_secret ? "secret" : "configmap",
				    obj_name(dup));
	}
	return 0;
}

int ilctl_pod_build(const cJSON *docs, const char *ns, const char *uid,
		    int64_t now, cJSON **ret_req, cJSON **ret_pod, char *err,
		    size_t errlen)
{
	struct pod_ctx c = {.ns = ns, .err = err, .errlen = errlen};
	const cJSON *src_pod;
	cJSON *saved = NULL, *req = NULL;
	int r = -1;

	if (err && errlen)
		err[0] = '\0';
	if (!cJSON_IsArray(docs))
		return perr(&c, "the manifest is not a list of documents");
	if (classify(&c, docs, &src_pod) < 0)
		return -1;
	c.cms = cJSON_CreateArray();
	c.secrets = cJSON_CreateArray();
	c.req_cms = cJSON_CreateArray();
	c.req_secrets = cJSON_CreateArray();
	c.req_projected = cJSON_CreateArray();
	saved = cJSON_Duplicate(src_pod, true);
	req = cJSON_CreateObject();
	if (!c.cms || !c.secrets || !c.req_cms || !c.req_secrets ||
	    !c.req_projected || !saved || !req) {
		oom(&c);
		goto out;
	}
	if (fill_pod(&c, saved, uid, now) < 0 || add_configs(&c, docs) < 0)
		goto out;
	c.pod = cJSON_Duplicate(saved, true);
	if (put(&c, req, "pod", c.pod) < 0)
		goto out;
	if (do_volumes(&c) < 0 || do_env(&c) < 0)
		goto out;
	if (add_list(&c, req, "configmaps", &c.req_cms) < 0 ||
	    add_list(&c, req, "secrets", &c.req_secrets) < 0 ||
	    add_list(&c, req, "projectedvolumesmaps", &c.req_projected) < 0 ||
	    put_str(&c, req, "jobscriptURL", "") < 0)
		goto out;
	*ret_req = req;
	*ret_pod = saved;
	req = saved = NULL;
	r = 0;
out:
	cJSON_Delete(c.cms);
	cJSON_Delete(c.secrets);
	cJSON_Delete(c.req_cms);
	cJSON_Delete(c.req_secrets);
	cJSON_Delete(c.req_projected);
	cJSON_Delete(saved);
	cJSON_Delete(req);
	return r;
}
