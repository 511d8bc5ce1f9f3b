/* sidecar-slurm/claims.c - see claims.h */
#include "claims.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "text.h"

#define MAX_GROUPS 256
#define SHOW 128

struct cctx {
	const struct sconf *c;
	const struct wire_retrieved_pod_data *rpd;
	const struct tenant_id *tid;
	gid_t groups[MAX_GROUPS];
	int n_groups;
	char *err;
	size_t errlen;
};

static int fail(struct cctx *x, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct cctx *x, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return r;
}

static const char *raw_str(const cJSON *obj, const char *key)
{
	return cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* template with {namespace} and {claim} replaced */
static int expand(const char *tpl, const char *ns, const char *claim,
		  struct buf *out)
{
	int r = 0;

	buf_reset(out);
	while (r == 0 && *tpl) {
		if (strncmp(tpl, "{namespace}", 11) == 0) {
			r = buf_puts(out, ns);
			tpl += 11;
		} else if (strncmp(tpl, "{claim}", 7) == 0) {
			r = buf_puts(out, claim);
			tpl += 7;
		} else {
			r = buf_append(out, tpl++, 1);
		}
	}
	return r;
}

/* absolute, no empty, "." or ".." components, no ':' ',' or controls */
static bool path_ok(const char *p)
{
	const char *s = p;

	if (!p || p[0] != '/' || strlen(p) >= PATH_MAX ||
	    !text_is_printable(p) || strpbrk(p, ":,"))
		return false;
	while (*s == '/') {
		const char *e = strchrnul(s + 1, '/');
		size_t n = (size_t)(e - s - 1);

		if (n == 0 && *e == '\0' && s == p)
			return true; /* "/" */
		if (n == 0 || (n == 1 && s[1] == '.') ||
		    (n == 2 && s[1] == '.' && s[2] == '.'))
			return false;
		s = e;
	}
	return *s == '\0';
}

/* rest of path below prefix ("" for the prefix itself), or NULL */
static const char *below(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return path + 1;
	if (strncmp(path, prefix, n) != 0)
		return NULL;
	if (path[n] == '\0')
		return path + n;
	return path[n] == '/' ? path + n + 1 : NULL;
}

static bool in_groups(const struct cctx *x, gid_t g)
{
	if (g == x->tid->gid)
		return true;
	for (int i = 0; i < x->n_groups; i++)
		if (x->groups[i] == g)
			return true;
	return false;
}

/* does the tenant have these permission bits (4 r, 2 w, 1 x) on st? */
static bool tenant_may(const struct cctx *x, const struct stat *st,
		       unsigned want)
{
	unsigned bits;

	if (x->tid->uid == 0)
		return true;
	if (st->st_uid == x->tid->uid)
		bits = (st->st_mode >> 6) & 7;
	else if (in_groups(x, st->st_gid))
		bits = (st->st_mode >> 3) & 7;
	else
		bits = st->st_mode & 7;
	return (bits & want) == want;
}

/*
 * Open rel (components separated by '/', may be "") below the directory
 * fd dfd without following any symlink; every directory on the way must
 * be searchable by the tenant.  last_dir: the last component must be a
 * directory.  Returns an O_PATH fd or a negative errno (-ELOOP for a
 * symlink, -ENOTDIR, -ENOENT, -EACCES).
 */
static int walk(struct cctx *x, int dfd, const char *rel, bool last_dir)
{
	int fd = dup(dfd);
	const char *s = rel;

	if (fd < 0)
		return -errno;
	while (*s) {
		const char *e = strchrnul(s, '/');
		char comp[NAME_MAX + 1];
		size_t n = (size_t)(e - s);
		struct stat st;
		int nfd, flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;

		if (n == 0 || n > NAME_MAX || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.')) {
			close(fd);
			return -EINVAL;
		}
		memcpy(comp, s, n);
		comp[n] = '\0';
		if (fstat(fd, &st) < 0 || !tenant_may(x, &st, 1)) {
			close(fd);
			return -EACCES;
		}
		if (*e || last_dir)
			flags |= O_DIRECTORY;
		nfd = openat(fd, comp, flags);
		close(fd);
		if (nfd < 0)
			return errno == ENOTDIR ? -ELOOP : -errno;
		fd = nfd;
		if (fstat(fd, &st) < 0) {
			close(fd);
			return -errno;
		}
		if (S_ISLNK(st.st_mode)) {
			close(fd);
			return -ELOOP;
		}
		s = *e ? e + 1 : e;
	}
	return fd;
}

static int walk_error(struct cctx *x, int r, const char *what,
		      const char *path)
{
	char s[SHOW];

	text_sanitize(path, s, sizeof(s));
	switch (r) {
	case -ENOENT:
		return fail(x, -EINVAL, "%s: folder '%s' does not exist", what,
			    s);
	case -ELOOP:
	case -ENOTDIR:
		return fail(x, -EPERM, "%s: '%s' is reached through a symlink "
			    "or a file that is not a directory", what, s);
	case -EACCES:
		return fail(x, -EPERM, "%s: '%s' cannot be reached by the "
			    "pod's user (uid %u)", what, s,
			    (unsigned)x->tid->uid);
	default:
		return fail(x, r, "%s: cannot open '%s': %s", what, s,
			    strerror(-r));
	}
}

static const struct wire_pvc *find_pvc_in(const struct wire_pvc *v,
					  size_t n, const char *ns,
					  const char *claim)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].name && strcmp(v[i].name, claim) == 0 &&
		    (!v[i].namespace || !*v[i].namespace ||
		     strcmp(v[i].namespace, ns) == 0))
			return &v[i];
	return NULL;
}

static const struct wire_pvc *find_pvc(const struct cctx *x,
				       const char *claim)
{
	const struct wire_retrieved_pod_data *d = x->rpd;
	const char *ns = d->pod.namespace;
	const struct wire_pvc *p =
		find_pvc_in(d->pvcs, d->n_pvcs, ns, claim);

	if (!p)
		p = find_pvc_in(d->pvcs2, d->n_pvcs2, ns, claim);
	for (size_t i = 0; !p && i < d->n_containers; i++)
		p = find_pvc_in(d->containers[i].pvcs,
				d->containers[i].n_pvcs, ns, claim);
	return p;
}

static const struct wire_pv *find_pv_in(const struct wire_pv *v, size_t n,
					const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].name && strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static const struct wire_pv *find_pv(const struct cctx *x, const char *name)
{
	const struct wire_retrieved_pod_data *d = x->rpd;
	const struct wire_pv *p = find_pv_in(d->pvs, d->n_pvs, name);

	for (size_t i = 0; !p && i < d->n_containers; i++)
		p = find_pv_in(d->containers[i].pvs, d->containers[i].n_pvs,
			       name);
	return p;
}

static bool pv_source_allowed(const struct sconf *c, const char *kind)
{
	for (size_t i = 0; i < c->claim_pv_sources.n; i++)
		if (strcmp(c->claim_pv_sources.v[i], kind) == 0)
			return true;
	return false;
}

/* the local folder of an NFS export (VolumeClaimNFSMounts), or -1 */
static int nfs_local(const struct sconf *c, const struct wire_pv *pv,
		     struct buf *out)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(
		c->raw, "VolumeClaimNFSMounts");
	const cJSON *e;

	cJSON_ArrayForEach(e, m) {
		const char *key = e->string, *colon, *rest;
		const char *local = cJSON_GetStringValue(e);
		char export_path[PATH_MAX];
		size_t sn;

		if (!key || !local || !(colon = strchr(key, ':')))
			continue;
		sn = (size_t)(colon - key);
		if (strlen(pv->nfs_server) != sn ||
		    strncmp(pv->nfs_server, key, sn) != 0)
			continue;
		snprintf(export_path, sizeof(export_path), "%s", colon + 1);
		if (!path_ok(pv->nfs_path) ||
		    !(rest = below(pv->nfs_path, export_path)))
			continue;
		buf_reset(out);
		if (buf_puts(out, local) < 0 ||
		    (*rest && (buf_puts(out, "/") < 0 ||
			       buf_puts(out, rest) < 0)))
			return -1;
		return 0;
	}
	return -1;
}

/* The folder claim is mapped to (in out), or -EINVAL naming it. */
static int map_claim(struct cctx *x, const struct wire_volume *v,
		     struct buf *out)
{
	const char *ns = x->rpd->pod.namespace, *claim = v->source;
	const cJSON *map = cJSON_GetObjectItemCaseSensitive(x->c->raw,
							    "VolumeClaims");
	const char *tpl;
	char key[512];
	const struct wire_pvc *pvc;
	const struct wire_pv *pv;

	snprintf(key, sizeof(key), "%s/%s", ns, claim);
	tpl = raw_str(map, key);
	if (!tpl) {
		snprintf(key, sizeof(key), "%s/*", ns);
		tpl = raw_str(map, key);
	}
	if (!tpl && x->c->claim_pattern && *x->c->claim_pattern)
		tpl = x->c->claim_pattern;
	if (tpl)
		return expand(tpl, ns, claim, out) < 0 ? -ENOMEM : 0;
	pvc = find_pvc(x, claim);
	pv = pvc && pvc->volume_name ? find_pv(x, pvc->volume_name) : NULL;
	if (pv && pv->host_path && pv_source_allowed(x->c, "hostPath")) {
		buf_reset(out);
		return buf_puts(out, pv->host_path) < 0 ? -ENOMEM : 0;
	}
	if (pv && pv->nfs_server && pv->nfs_path &&
	    pv_source_allowed(x->c, "nfs") && nfs_local(x->c, pv, out) == 0)
		return 0;
	return fail(x, -EINVAL, "volume '%s': persistentVolumeClaim '%s' is "
		    "not mapped to a folder on this cluster (VolumeClaims)",
		    v->name, claim);
}

/* Is some mount of volume v read-write? */
static bool mounted_rw(const struct wire_pod *pod, const struct wire_volume *v)
{
	size_t n = wire_pod_n_all_containers(pod);

	if (v->read_only)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool init;
		const struct wire_container *ct =
			wire_pod_container_at(pod, i, &init);

		for (size_t j = 0; j < ct->n_mounts; j++)
			if (strcmp(ct->mounts[j].name, v->name) == 0 &&
			    !ct->mounts[j].read_only)
				return true;
	}
	return false;
}

/* every subPath of a mount of v exists below the claim's folder fd */
static int check_sub_paths(struct cctx *x, const struct wire_volume *v,
			   int fd, const char *dir)
{
	size_t n = wire_pod_n_all_containers(&x->rpd->pod);

	for (size_t i = 0; i < n; i++) {
		bool init;
		const struct wire_container *ct =
			wire_pod_container_at(&x->rpd->pod, i, &init);

		for (size_t j = 0; j < ct->n_mounts; j++) {
			const struct wire_volume_mount *m = &ct->mounts[j];
			char what[160], full[PATH_MAX];
			int sfd;

			if (strcmp(m->name, v->name) != 0 || !m->sub_path ||
			    !*m->sub_path)
				continue;
			snprintf(what, sizeof(what),
				 "volume '%s' (claim '%s') subPath", v->name,
				 v->source);
			/* volumes.c checked the subPath's syntax */
			sfd = walk(x, fd, m->sub_path, false);
			snprintf(full, sizeof(full), "%s/%s", dir,
				 m->sub_path);
			if (sfd < 0)
				return walk_error(x, sfd, what, full);
			close(sfd);
		}
	}
	return 0;
}

static int resolve_one(struct cctx *x, const struct wire_volume *v,
		       char **ret)
{
	const struct conf_strlist *pre = &x->c->claim_prefixes;
	struct buf path;
	const char *rest = NULL, *prefix = NULL;
	char what[160], s[SHOW];
	struct stat st;
	int pfd, fd, r;
	bool rw;

	if (!text_is_dns_subdomain(v->source)) {
		text_sanitize(v->source ? v->source : "", s, sizeof(s));
		return fail(x, -EINVAL, "volume '%s': claimName '%s' is not "
			    "a valid name", v->name, s);
	}
	snprintf(what, sizeof(what), "volume '%s' (claim '%s')", v->name,
		 v->source);
	buf_init(&path, PATH_MAX);
	r = map_claim(x, v, &path);
	if (r < 0)
		goto out;
	if (!path_ok(buf_str(&path))) {
		text_sanitize(buf_str(&path), s, sizeof(s));
		r = fail(x, -EPERM, "%s: folder '%s' is not an absolute, "
			 "normalised path without ':' or ','", what, s);
		goto out;
	}
	for (size_t i = 0; !rest && i < pre->n; i++)
		if (pre->v[i][0] == '/' &&
		    (rest = below(buf_str(&path), pre->v[i])))
			prefix = pre->v[i];
	if (!rest) {
		text_sanitize(buf_str(&path), s, sizeof(s));
		r = fail(x, -EPERM, "%s: folder '%s' is not under the "
			 "sidecar's VolumeClaimPrefixes", what, s);
		goto out;
	}
	pfd = open(prefix, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0) {
		r = walk_error(x, -errno, what, prefix);
		goto out;
	}
	fd = walk(x, pfd, rest, true);
	close(pfd);
	if (fd < 0) {
		r = walk_error(x, fd, what, buf_str(&path));
		goto out;
	}
	rw = mounted_rw(&x->rpd->pod, v);
	if (fstat(fd, &st) < 0 || !tenant_may(x, &st, rw ? 7 : 5)) {
		text_sanitize(buf_str(&path), s, sizeof(s));
		r = fail(x, -EPERM, "%s: folder '%s' is not %s by the pod's "
			 "user (uid %u)", what, s,
			 rw ? "readable and writable" : "readable",
			 (unsigned)x->tid->uid);
		close(fd);
		goto out;
	}
	r = check_sub_paths(x, v, fd, buf_str(&path));
	close(fd);
	if (r == 0) {
		*ret = buf_steal(&path);
		r = *ret ? 0 : -ENOMEM;
	}
out:
	buf_done(&path);
	return r;
}

static void load_groups(struct cctx *x)
{
	struct passwd pw, *res = NULL;
	char sbuf[4096];
	int n = MAX_GROUPS;

	x->n_groups = 0;
	if (getpwuid_r(x->tid->uid, &pw, sbuf, sizeof(sbuf), &res) != 0 ||
	    !res)
		return;
	if (getgrouplist(pw.pw_name, x->tid->gid, x->groups, &n) >= 0)
		x->n_groups = n;
}

int claims_resolve(const struct sconf *c,
		   const struct wire_retrieved_pod_data *rpd,
		   const struct tenant_id *tid, struct claims *ret, char *err,
		   size_t errlen)
{
	struct cctx x = {.c = c, .rpd = rpd, .tid = tid, .err = err,
			 .errlen = errlen};
	const struct wire_pod *pod = &rpd->pod;
	bool any = false;
	int r = 0;

	*ret = (struct claims){0};
	for (size_t i = 0; i < pod->n_volumes; i++)
		any = any || pod->volumes[i].kind == WIRE_VOL_PVC;
	if (!any)
		return 0;
	ret->dir = calloc(pod->n_volumes, sizeof(*ret->dir));
	if (!ret->dir)
		return fail(&x, -ENOMEM, "out of memory");
	ret->n = pod->n_volumes;
	load_groups(&x);
	for (size_t i = 0; r == 0 && i < pod->n_volumes; i++)
		if (pod->volumes[i].kind == WIRE_VOL_PVC)
			r = resolve_one(&x, &pod->volumes[i], &ret->dir[i]);
	if (r < 0)
		claims_done(ret);
	return r;
}

void claims_done(struct claims *cl)
{
	for (size_t i = 0; cl->dir && i < cl->n; i++)
		free(cl->dir[i]);
	free(cl->dir);
	*cl = (struct claims){0};
}

int claims_check_conf(const struct sconf *c, char *err, size_t errlen)
{
	const cJSON *map = cJSON_GetObjectItemCaseSensitive(c->raw,
							    "VolumeClaims");
	const cJSON *e;

	if (map && !cJSON_IsNull(map) && !cJSON_IsObject(map)) {
		snprintf(err, errlen, "VolumeClaims: expected a map of "
			 "namespace/claim to a folder");
		return -1;
	}
	cJSON_ArrayForEach(e, map) {
		const char *slash = e->string ? strchr(e->string, '/') : NULL;

		if (!slash || slash == e->string || !slash[1] ||
		    !cJSON_IsString(e)) {
			snprintf(err, errlen, "VolumeClaims: '%s' must be "
				 "namespace/claim (or namespace/*) mapped to "
				 "a folder", e->string ? e->string : "");
			return -1;
		}
	}
	for (size_t i = 0; i < c->claim_pv_sources.n; i++)
		if (strcmp(c->claim_pv_sources.v[i], "hostPath") != 0 &&
		    strcmp(c->claim_pv_sources.v[i], "nfs") != 0) {
			snprintf(err, errlen, "VolumeClaimPVSources: '%s' is "
				 "not hostPath or nfs",
				 c->claim_pv_sources.v[i]);
			return -1;
		}
	for (size_t i = 0; i < c->claim_prefixes.n; i++)
		if (c->claim_prefixes.v[i][0] != '/') {
			snprintf(err, errlen, "VolumeClaimPrefixes: '%s' is "
				 "not an absolute path",
				 c->claim_prefixes.v[i]);
			return -1;
		}
	return 0;
}
