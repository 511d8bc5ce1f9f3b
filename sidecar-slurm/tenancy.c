/* sidecar-slurm/tenancy.c - see tenancy.h */
#include "tenancy.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

#define TENANTS_KEY "Tenants"

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A user by name or number: its uid, primary gid and home. */
static int lookup_user(const char *s, uid_t *uid, gid_t *gid, char *home,
		       size_t homelen)
{
	struct passwd pw, *pwp = NULL;
	char buf[4096];
	uint64_t v;

	if (text_parse_u64(s, UINT32_MAX - 1, &v) == 0)
		getpwuid_r((uid_t)v, &pw, buf, sizeof(buf), &pwp);
	else
		getpwnam_r(s, &pw, buf, sizeof(buf), &pwp);
	if (!pwp)
		return -ENOENT;
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	snprintf(home, homelen, "%s", pw.pw_dir ? pw.pw_dir : "/");
	return 0;
}

static int lookup_group(const char *s, gid_t *gid)
{
	struct group gr, *grp = NULL;
	char buf[4096];
	uint64_t v;

	if (text_parse_u64(s, UINT32_MAX - 1, &v) == 0) {
		*gid = (gid_t)v;
		return 0;
	}
	getgrnam_r(s, &gr, buf, sizeof(buf), &grp);
	if (!grp)
		return -ENOENT;
	*gid = grp->gr_gid;
	return 0;
}

/* Fill ret from one Tenants entry. */
static int entry_id(const char *ns, const cJSON *e, struct tenant_id *ret,
		    char *err, size_t errlen)
{
	const char *user = str_of(e, "User"), *group = str_of(e, "Group");
	const char *account = str_of(e, "Account");

	if (!cJSON_IsObject(e) || !user) {
		snprintf(err, errlen, "Tenants.%s: needs a User", ns);
		return -1;
	}
	if (lookup_user(user, &ret->uid, &ret->gid, ret->home,
			sizeof(ret->home)) < 0) {
		snprintf(err, errlen, "Tenants.%s.User: no user '%s'", ns,
			 user);
		return -1;
	}
	if (group && lookup_group(group, &ret->gid) < 0) {
		snprintf(err, errlen, "Tenants.%s.Group: no group '%s'", ns,
			 group);
		return -1;
	}
	snprintf(ret->account, sizeof(ret->account), "%s",
		 account ? account : "");
	ret->mapped = true;
	return 0;
}

static bool allow_root(const cJSON *e)
{
	const char *v = str_of(e, "AllowRoot");
	bool b = false;

	return v && text_parse_bool(v, &b) == 0 && b;
}

int tenancy_check(const cJSON *raw, char *err, size_t errlen)
{
	const cJSON *map = cJSON_GetObjectItemCaseSensitive(raw, TENANTS_KEY);
	const cJSON *e;

	if (!map || cJSON_IsNull(map))
		return 0;
	if (!cJSON_IsObject(map)) {
		snprintf(err, errlen, "Tenants: expected a mapping from "
			 "namespace to user");
		return -1;
	}
	cJSON_ArrayForEach(e, map)
	{
		struct tenant_id id;
		const cJSON *uids = cJSON_GetObjectItemCaseSensitive(
			e, "AllowedUIDs");
		const cJSON *u;

		if (!text_is_dns_label(e->string)) {
			snprintf(err, errlen, "Tenants: '%s' is not a "
				 "namespace name", e->string);
			return -1;
		}
		if (entry_id(e->string, e, &id, err, errlen) < 0)
			return -1;
		if (id.uid == 0 && !allow_root(e)) {
			snprintf(err, errlen, "Tenants.%s: runs as root; say "
				 "AllowRoot: true if that is meant", e->string);
			return -1;
		}
		cJSON_ArrayForEach(u, uids)
		{
			uint64_t v;

			if (!cJSON_IsString(u) ||
			    text_parse_u64(u->valuestring, UINT32_MAX - 1,
					   &v) < 0) {
				snprintf(err, errlen, "Tenants.%s.AllowedUIDs: "
					 "expected numbers", e->string);
				return -1;
			}
		}
	}
	return 0;
}

static bool uid_allowed(const cJSON *e, const struct tenant_id *id,
			int64_t run_as)
{
	const cJSON *u;

	if (run_as == (int64_t)id->uid)
		return true;
	cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(e,
								"AllowedUIDs"))
	{
		uint64_t v;

		if (cJSON_IsString(u) &&
		    text_parse_u64(u->valuestring, UINT32_MAX - 1, &v) == 0 &&
		    (int64_t)v == run_as)
			return true;
	}
	return false;
}

int tenancy_resolve(const cJSON *raw, const char *ns, bool has_run_as,
		    int64_t run_as, struct tenant_id *ret, char *err,
		    size_t errlen)
{
	const cJSON *map = cJSON_GetObjectItemCaseSensitive(raw, TENANTS_KEY);
	const cJSON *e;
	char home[256];
	gid_t gid;

	memset(ret, 0, sizeof(*ret));
	if (!cJSON_IsObject(map)) {
		/* no map: the sidecar's own user, whatever the pod asks */
		char num[16];
		uid_t u;

		ret->uid = getuid();
		ret->gid = getgid();
		snprintf(num, sizeof(num), "%u", (unsigned)ret->uid);
		if (lookup_user(num, &u, &gid, ret->home,
				sizeof(ret->home)) < 0)
			snprintf(ret->home, sizeof(ret->home), "/");
		return 0;
	}
	e = cJSON_GetObjectItemCaseSensitive(map, ns);
	if (!e) {
		snprintf(err, errlen, "namespace '%s' may not run jobs on this "
			 "cluster (it is not in the sidecar's Tenants map)", ns);
		return -1;
	}
	if (entry_id(ns, e, ret, err, errlen) < 0)
		return -1;
	if (has_run_as) {
		char num[24];

		if (run_as < 0 || !uid_allowed(e, ret, run_as)) {
			snprintf(err, errlen, "runAsUser %lld is not allowed "
				 "for namespace '%s'", (long long)run_as, ns);
			return -1;
		}
		snprintf(num, sizeof(num), "%lld", (long long)run_as);
		if (lookup_user(num, &ret->uid, &gid, home,
				sizeof(home)) == 0)
			snprintf(ret->home, sizeof(ret->home), "%s", home);
		else
			ret->uid = (uid_t)run_as;
	}
	if (ret->uid == 0 && !allow_root(e)) {
		snprintf(err, errlen, "jobs of namespace '%s' may not run as "
			 "root", ns);
		return -1;
	}
	return 0;
}
