/* sidecar-slurm/volumes.c - see volumes.h */
#include "volumes.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include "claims.h"
#include "fsutil.h"
#include "safefs.h"
#include "log.h"
#include "text.h"

/* Most volumeMounts of all containers of a pod (real pods have tens). */
#define MAX_MOUNTS 1024u
#define MAX_PATH_TEXT 1024 /* mountPath, subPath, hostPath */
#define SHOW 96            /* bytes of a pod-given text in a message */

enum map_list { ML_CONFIG_MAPS, ML_SECRETS, ML_PROJECTED };

struct vctx {
	const struct wire_retrieved_pod_data *rpd;
	const struct volumes_host *host;
	const struct wire_pod *pod;
	const char *dir;
	const struct claims *claims; /* claims.h; NULL: none resolved */
	bool *mounted; /* per volume: some container mounts it */
	bool *empty;   /* per volume: optional object absent, empty volume */
	size_t files;
	size_t bytes;
	char *err;
	size_t errlen;
};

static int bad(struct vctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int sys_fail(struct vctx *c, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The pod is at fault: -EINVAL with the reason. */
static int bad(struct vctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The sidecar could not do it: r (never -EINVAL), "<what>: <strerror>". */
static int sys_fail(struct vctx *c, int r, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	n = strlen(c->err);
	if (n < c->errlen)
		(void)snprintf(c->err + n, c->errlen - n, ": %s", strerror(-r));
	return r == -EINVAL ? -EIO : r;
}

/* A pod-given text, printable and short, for messages. */
static const char *show(const char *s, char *buf, size_t n)
{
	text_sanitize(s ? s : "", buf, n);
	return buf;
}

static int mkpath(char *out, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int mkpath(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

/* ---- kinds ------------------------------------------------------------ */

static bool is_empty_dir(const struct wire_volume *v)
{
	/* no type at all: the API server would have made it an emptyDir */
	return v->kind == WIRE_VOL_EMPTYDIR ||
	       (v->kind == WIRE_VOL_OTHER && !v->other_type);
}

static bool is_data(const struct wire_volume *v)
{
	return v->kind == WIRE_VOL_CONFIGMAP || v->kind == WIRE_VOL_SECRET ||
	       v->kind == WIRE_VOL_PROJECTED ||
	       v->kind == WIRE_VOL_DOWNWARD_API;
}

/* Secrets, tokens: owner-only files and folders. */
static bool is_private(const struct wire_volume *v)
{
	return v->kind == WIRE_VOL_SECRET || v->kind == WIRE_VOL_PROJECTED ||
	       v->kind == WIRE_VOL_DOWNWARD_API;
}

static const char *kind_folder(const struct wire_volume *v)
{
	switch (v->kind) {
	case WIRE_VOL_CONFIGMAP:
		return "configMaps";
	case WIRE_VOL_SECRET:
		return "secrets";
	case WIRE_VOL_PROJECTED:
	case WIRE_VOL_DOWNWARD_API:
		return "projectedVolumeMaps";
	default:
		return "emptyDirs";
	}
}

static mode_t dir_mode(const struct wire_volume *v)
{
	return is_private(v) ? 0700 : 0755;
}

static mode_t file_mode(const struct wire_volume *v, int item_mode)
{
	int m = item_mode >= 0 ? item_mode :
		v->default_mode >= 0 ? v->default_mode : 0644;

	return (mode_t)(is_private(v) ? m & 0700 : m);
}

/* ---- paths ------------------------------------------------------------ */

static bool bind_safe(const char *s)
{
	return !strpbrk(s, ":,");
}

/* Length of p without its trailing slashes. */
static size_t trimmed_len(const char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		n--;
	return n;
}

/* An absolute path made of file names; "/" itself when root_ok. */
static bool abs_path_ok(const char *p, bool root_ok)
{
	char tmp[MAX_PATH_TEXT + 1];
	size_t n;

	if (!p || p[0] != '/' || strlen(p) > MAX_PATH_TEXT ||
	    !text_is_printable(p) || !bind_safe(p))
		return false;
	n = trimmed_len(p);
	if (n == 1)
		return root_ok;
	memcpy(tmp, p + 1, n - 1);
	tmp[n - 1] = '\0';
	return text_is_rel_path(tmp);
}

bool volumes_mount_path_ok(const char *path)
{
	return abs_path_ok(path, false);
}

/* A relative path inside a volume (subPath, item path, projected key). */
static bool rel_path_ok(const char *p)
{
	return p && text_is_rel_path(p) && text_is_printable(p);
}

/*
 * mkdir -p of rel below the existing directory base, never following a
 * symlink: 0, -ENOTDIR when a component is a file or a symlink, or another
 * negative errno.
 */
static int mkdirs_below(const char *base, const char *rel, mode_t mode)
{
	char part[NAME_MAX + 1];
	const char *p = rel;
	int fd, r = 0;

	fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (*p) {
		const char *sl = strchr(p, '/');
		size_t len = sl ? (size_t)(sl - p) : strlen(p);
		int nfd;

		if (len == 0 || len >= sizeof(part)) {
			r = len ? -ENAMETOOLONG : -EINVAL;
			break;
		}
		memcpy(part, p, len);
		part[len] = '\0';
		if (mkdirat(fd, part, mode) < 0 && errno != EEXIST) {
			r = -errno;
			break;
		}
		nfd = openat(fd, part,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			r = errno == ELOOP ? -ENOTDIR : -errno;
			break;
		}
		close(fd);
		fd = nfd;
		p += len + (sl ? 1 : 0);
	}
	close(fd);
	return r;
}

/* The volume's folder (relative to the pod's folder and absolute). */
static int volume_folder(struct vctx *c, const struct wire_volume *v,
			 char *rel, size_t reln, char *abs, size_t absn)
{
	int r = mkpath(rel, reln, "%s/%s", kind_folder(v), v->name);

	if (r == 0)
		r = mkpath(abs, absn, "%s/%s", c->dir, rel);
	return r < 0 ? sys_fail(c, r, "volume '%s'", v->name) : 0;
}

/* ---- checks of the pod's spec ----------------------------------------- */

static int check_mode(struct vctx *c, const struct wire_volume *v, int mode,
		      const char *what)
{
	if (mode >= -1 && mode <= 0777)
		return 0;
	return bad(c, "volume '%s': %s %d is not a file mode (0 to 0777)",
		   v->name, what, mode);
}

static int check_items(struct vctx *c, const struct wire_volume *v,
		       bool need_key)
{
	char s[SHOW];

	for (size_t i = 0; i < v->n_items; i++) {
		const struct wire_key_path *it = &v->items[i];
		int r;

		if (need_key && (!it->key || !*it->key))
			return bad(c, "volume '%s': items[%zu] has no key",
				   v->name, i);
		if (!rel_path_ok(it->path))
			return bad(c,
				   "volume '%s': items[%zu].path '%s' must be "
				   "a relative path without '..'",
				   v->name, i, show(it->path, s, sizeof(s)));
		r = check_mode(c, v, it->mode, "an item's mode");
		if (r < 0)
			return r;
	}
	return 0;
}

static const char *const host_path_types[] = {
	"", "DirectoryOrCreate", "Directory", "FileOrCreate", "File",
	"Socket", "CharDevice", "BlockDevice",
};

static int check_host_path(struct vctx *c, const struct wire_volume *v)
{
	const char *t = v->host_path_type ? v->host_path_type : "";
	char s[SHOW];

	if (!abs_path_ok(v->source, true))
		return bad(c, "volume '%s': hostPath '%s' must be an absolute "
			   "path without '..', ':' or ','",
			   v->name, show(v->source, s, sizeof(s)));
	for (size_t i = 0; i < sizeof(host_path_types) /
			       sizeof(host_path_types[0]); i++)
		if (strcmp(t, host_path_types[i]) == 0)
			return 0;
	return bad(c, "volume '%s': hostPath type '%s' is not supported",
		   v->name, show(t, s, sizeof(s)));
}

static int check_volume(struct vctx *c, size_t i)
{
	const struct wire_volume *v = &c->pod->volumes[i];
	char s[SHOW];
	int r;

	if (!text_is_dns_label(v->name))
		return bad(c,
			   "volume name '%s' is not valid (lowercase letters, "
			   "digits and '-', at most 63)",
			   show(v->name, s, sizeof(s)));
	for (size_t j = 0; j < i; j++)
		if (strcmp(c->pod->volumes[j].name, v->name) == 0)
			return bad(c, "two volumes are named '%s'", v->name);
	r = check_mode(c, v, v->default_mode, "defaultMode");
	if (r < 0)
		return r;
	switch (v->kind) {
	case WIRE_VOL_CONFIGMAP:
	case WIRE_VOL_SECRET:
		if (!text_is_dns_subdomain(v->source))
			return bad(c, "volume '%s': %s '%s' is not a valid "
				   "name", v->name,
				   v->kind == WIRE_VOL_SECRET ?
				   "secret.secretName" : "configMap.name",
				   show(v->source, s, sizeof(s)));
		return check_items(c, v, true);
	case WIRE_VOL_DOWNWARD_API:
		return check_items(c, v, false);
	case WIRE_VOL_PROJECTED:
	case WIRE_VOL_EMPTYDIR:
		return 0;
	case WIRE_VOL_HOSTPATH:
		return check_host_path(c, v);
	case WIRE_VOL_PVC: /* claims.c resolved and checked its folder */
		if (c->claims && i < c->claims->n && c->claims->dir[i])
			return 0;
		return bad(c, "volume '%s': persistentVolumeClaim '%s' is not "
			   "mapped to a folder on this cluster (VolumeClaims)",
			   v->name, show(v->source, s, sizeof(s)));
	case WIRE_VOL_OTHER:
	default:
		if (is_empty_dir(v))
			return 0;
		return bad(c, "volume '%s': type '%s' is not supported",
			   v->name, show(v->other_type, s, sizeof(s)));
	}
}

/* Index of the pod's volume named name, or -1. */
static long volume_index(const struct wire_pod *pod, const char *name)
{
	for (size_t i = 0; name && i < pod->n_volumes; i++)
		if (strcmp(pod->volumes[i].name, name) == 0)
			return (long)i;
	return -1;
}

static int check_mount(struct vctx *c, const struct wire_container *ct,
		       size_t j)
{
	const struct wire_volume_mount *m = &ct->mounts[j];
	long vi = volume_index(c->pod, m->name);
	const char *sub = m->sub_path;
	size_t len;
	char s[SHOW];

	if (vi < 0)
		return bad(c, "container '%s': volumeMount '%s' names no "
			   "volume of the pod",
			   ct->name, show(m->name, s, sizeof(s)));
	if (!volumes_mount_path_ok(m->mount_path))
		return bad(c, "volume '%s': mountPath '%s' of container '%s' "
			   "must be an absolute path without '..', ':' or ','",
			   m->name, show(m->mount_path, s, sizeof(s)),
			   ct->name);
	if (sub && *sub && (!rel_path_ok(sub) || !bind_safe(sub) ||
			    strlen(sub) > MAX_PATH_TEXT))
		return bad(c, "volume '%s': subPath '%s' must be a relative "
			   "path without '..', ':' or ','",
			   m->name, show(sub, s, sizeof(s)));
	len = trimmed_len(m->mount_path);
	for (size_t k = 0; k < j; k++) {
		const char *o = ct->mounts[k].mount_path;

		if (trimmed_len(o) == len &&
		    strncmp(o, m->mount_path, len) == 0)
			return bad(c, "container '%s': two volumeMounts at "
				   "'%s'", ct->name, show(o, s, sizeof(s)));
	}
	c->mounted[vi] = true;
	return 0;
}

static int check_mounts(struct vctx *c)
{
	size_t n = wire_pod_n_all_containers(c->pod), total = 0;
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		bool init;
		const struct wire_container *ct =
			wire_pod_container_at(c->pod, i, &init);

		total += ct->n_mounts;
		if (total > MAX_MOUNTS)
			return bad(c, "the pod has more than %u volumeMounts",
				   MAX_MOUNTS);
		for (size_t j = 0; r == 0 && j < ct->n_mounts; j++)
			r = check_mount(c, ct, j);
	}
	return r;
}

/* ---- files ------------------------------------------------------------ */

static int too_big(struct vctx *c, const struct wire_volume *v)
{
	(void)snprintf(c->err, c->errlen,
		       "volume '%s': the pod's volume files exceed %u files "
		       "or %u MiB",
		       v->name, VOLUMES_MAX_FILES, VOLUMES_MAX_BYTES >> 20);
	return -E2BIG;
}

/* Count files (or items looked up) and bytes against the bounds. */
static int account(struct vctx *c, const struct wire_volume *v,
		   size_t files, size_t len)
{
	if (files > VOLUMES_MAX_FILES - c->files ||
	    len > VOLUMES_MAX_BYTES - c->bytes)
		return too_big(c, v);
	c->files += files;
	c->bytes += len;
	return 0;
}

/* Write one file at path (relative, checked) below the volume's folder. */
static int put_file(struct vctx *c, const struct wire_volume *v,
		    const char *vdir, const char *path, const char *data,
		    size_t len, mode_t mode)
{
	char full[PATH_MAX], parent[PATH_MAX], s[SHOW];
	const char *sl = strrchr(path, '/');
	int r;

	if (sl) {
		size_t pl = (size_t)(sl - path);

		if (pl >= sizeof(parent))
			return bad(c, "volume '%s': path '%s' is too long",
				   v->name, show(path, s, sizeof(s)));
		memcpy(parent, path, pl);
		parent[pl] = '\0';
		r = mkdirs_below(vdir, parent, dir_mode(v));
		if (r == -ENOTDIR || r == -EEXIST)
			goto conflict;
		if (r == -ENAMETOOLONG)
			goto too_long;
		if (r < 0)
			return sys_fail(c, r, "volume '%s': cannot create '%s'",
					v->name, show(parent, s, sizeof(s)));
	}
	r = mkpath(full, sizeof(full), "%s/%s", vdir, path);
	if (r == 0)
		r = fs_write_atomic(full, data, len, mode);
	if (r == -EISDIR || r == -ENOTDIR)
		goto conflict;
	if (r == -ENAMETOOLONG)
		goto too_long;
	if (r < 0)
		return sys_fail(c, r, "volume '%s': cannot write '%s'",
				v->name, show(path, s, sizeof(s)));
	return 0;
conflict:
	return bad(c, "volume '%s': path '%s' conflicts with another path of "
		   "the volume", v->name, show(path, s, sizeof(s)));
too_long:
	return bad(c, "volume '%s': path '%s' is too long", v->name,
		   show(path, s, sizeof(s)));
}

static const struct wire_config_map *find_map(const struct vctx *c,
					      enum map_list which,
					      const char *name)
{
	for (size_t i = 0; i < c->rpd->n_containers; i++) {
		const struct wire_retrieved_container *rc =
			&c->rpd->containers[i];
		const struct wire_config_map *v = rc->config_maps;
		size_t n = rc->n_config_maps;

		if (which == ML_SECRETS) {
			v = rc->secrets;
			n = rc->n_secrets;
		} else if (which == ML_PROJECTED) {
			v = rc->projected;
			n = rc->n_projected;
		}
		for (size_t j = 0; j < n; j++)
			if (v[j].name && strcmp(v[j].name, name) == 0)
				return &v[j];
	}
	return NULL;
}

/* The value of key (the last one: binaryData/stringData win), or NULL. */
static const struct wire_kv *find_key(const struct wire_config_map *m,
				      const char *key)
{
	const struct wire_kv *found = NULL;

	for (size_t i = 0; i < m->n_data; i++)
		if (m->data[i].key && strcmp(m->data[i].key, key) == 0)
			found = &m->data[i];
	return found;
}

/* configMap and secret volumes: every key, or the items. */
static int write_object(struct vctx *c, const struct wire_volume *v,
			const char *vdir, const struct wire_config_map *m)
{
	const char *what = v->kind == WIRE_VOL_SECRET ? "secret" :
							"configMap";
	char s[SHOW];
	int r = 0;

	if (v->n_items == 0) {
		for (size_t i = 0; r == 0 && i < m->n_data; i++) {
			const struct wire_kv *kv = &m->data[i];

			if (!text_is_file_name(kv->key))
				return bad(c,
					   "volume '%s': key '%s' of %s '%s' "
					   "is not a valid file name",
					   v->name, show(kv->key, s, sizeof(s)),
					   what, v->source);
			r = account(c, v, 1, kv->len);
			if (r == 0)
				r = put_file(c, v, vdir, kv->key, kv->value,
					     kv->len, file_mode(v, -1));
		}
		return r;
	}
	for (size_t i = 0; r == 0 && i < v->n_items; i++) {
		const struct wire_key_path *it = &v->items[i];
		const struct wire_kv *kv;

		r = account(c, v, 1, 0); /* bounds the lookups too */
		if (r < 0)
			return r;
		kv = find_key(m, it->key);
		if (!kv) {
			if (v->optional)
				continue;
			return bad(c, "volume '%s': %s '%s' has no key '%s'",
				   v->name, what, v->source,
				   show(it->key, s, sizeof(s)));
		}
		r = account(c, v, 0, kv->len);
		if (r == 0)
			r = put_file(c, v, vdir, it->path, kv->value, kv->len,
				     file_mode(v, it->mode));
	}
	return r;
}

/* projected and downwardAPI volumes: keys are paths already. */
static int write_projected(struct vctx *c, const struct wire_volume *v,
			   const char *vdir, const struct wire_config_map *m)
{
	char s[SHOW];
	int r = 0;

	for (size_t i = 0; r == 0 && i < m->n_data; i++) {
		const struct wire_kv *kv = &m->data[i];
		int mode = -1;

		if (!rel_path_ok(kv->key))
			return bad(c,
				   "volume '%s': path '%s' must be a relative "
				   "path without '..'",
				   v->name, show(kv->key, s, sizeof(s)));
		/* a plain downwardAPI volume still carries its items */
		for (size_t j = 0; j < v->n_items; j++)
			if (v->items[j].path &&
			    strcmp(v->items[j].path, kv->key) == 0)
				mode = v->items[j].mode;
		r = account(c, v, 1, kv->len);
		if (r == 0)
			r = put_file(c, v, vdir, kv->key, kv->value, kv->len,
				     file_mode(v, mode));
	}
	return r;
}

/* path under prefix (as strings), the rest relative in *rel. */
static bool under(const char *path, const char *prefix, const char **rel)
{
	size_t n = strlen(prefix);

	while (n > 0 && prefix[n - 1] == '/')
		n--;
	if (strncmp(path, prefix, n) != 0 || (path[n] && path[n] != '/'))
		return false;
	*rel = path + n;
	while (**rel == '/')
		(*rel)++;
	return true;
}

/*
 * Open the HostPathPrefixes entry path is under (the operator's: opened
 * as written) and point *rel at the rest; -EACCES when under none.
 */
static int open_host_prefix(struct vctx *c, const char *path,
			    const char **rel)
{
	const struct volumes_host *h = c->host;
	size_t n = h && h->n_prefixes ? h->n_prefixes : 1;

	for (size_t i = 0; i < n; i++) {
		const char *p = h && h->n_prefixes ? h->prefixes[i] : "/";
		int fd;

		if (p[0] != '/' || !under(path, p, rel))
			continue;
		fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	return -EACCES;
}

/* Act as the job's user on the file system (this thread only). */
static void fs_become(const struct vctx *c, bool user)
{
	if (!c->host || !c->host->as_user)
		return;
	/* setfsuid/setfsgid change this thread's file-system ids alone */
	(void)setfsgid(user ? c->host->gid : getegid());
	(void)setfsuid(user ? c->host->uid : geteuid());
}

/* lstat of rel below dirfd, resolved without symlinks. */
static int host_lstat(int pfd, const char *rel, struct stat *st)
{
	char parent[PATH_MAX];
	const char *sl = strrchr(rel, '/');
	int dfd, r = 0;

	if (!*rel)
		return fstat(pfd, st) < 0 ? -errno : 0;
	if (sl) {
		if ((size_t)(sl - rel) >= sizeof(parent))
			return -ENAMETOOLONG;
		memcpy(parent, rel, (size_t)(sl - rel));
		parent[sl - rel] = '\0';
		dfd = sfs_open_dir(pfd, parent[0] ? parent : ".");
		if (dfd < 0)
			return dfd;
		rel = sl + 1;
	} else {
		dfd = pfd;
	}
	if (fstatat(dfd, rel, st, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	if (dfd != pfd)
		close(dfd);
	return r;
}

static int prepare_host_path(struct vctx *c, const struct wire_volume *v)
{
	const char *t = v->host_path_type ? v->host_path_type : "";
	const char *rel;
	struct stat st;
	int r = 0, pfd;

	pfd = open_host_prefix(c, v->source, &rel);
	if (pfd < 0)
		return bad(c, "volume '%s': hostPath '%s' is not under the "
			   "sidecar's HostPathPrefixes (or they cannot be "
			   "opened: %s)", v->name, v->source, strerror(-pfd));
	fs_become(c, true);
	if (strcmp(t, "DirectoryOrCreate") == 0 && *rel) {
		r = sfs_mkdirs(pfd, rel, 0755);
		if (r < 0 && r != -ENOTDIR && r != -EEXIST) {
			fs_become(c, false);
			close(pfd);
			return bad(c, "volume '%s': cannot create hostPath "
				   "'%s': %s", v->name, v->source,
				   strerror(-r));
		}
	} else if (strcmp(t, "FileOrCreate") == 0 && *rel) {
		int fd = sfs_openat(pfd, rel, O_WRONLY | O_CREAT | O_EXCL,
				    0644);

		if (fd >= 0) {
			close(fd);
		} else if (fd != -EEXIST) {
			fs_become(c, false);
			close(pfd);
			return bad(c, "volume '%s': cannot create hostPath "
				   "'%s': %s", v->name, v->source,
				   strerror(-fd));
		}
	}
	r = host_lstat(pfd, rel, &st);
	fs_become(c, false);
	close(pfd);
	if (r == -ELOOP || r == -ENOTDIR || (r == 0 && S_ISLNK(st.st_mode)))
		return bad(c, "volume '%s': hostPath '%s' is or goes through a "
			   "symlink (not followed)", v->name, v->source);
	if (r < 0)
		return bad(c, "volume '%s': hostPath '%s': %s", v->name,
			   v->source, strerror(-r));
	if ((strstr(t, "Directory") && !S_ISDIR(st.st_mode)) ||
	    (strstr(t, "File") && !S_ISREG(st.st_mode)) ||
	    (strcmp(t, "Socket") == 0 && !S_ISSOCK(st.st_mode)) ||
	    (strcmp(t, "CharDevice") == 0 && !S_ISCHR(st.st_mode)) ||
	    (strcmp(t, "BlockDevice") == 0 && !S_ISBLK(st.st_mode)))
		return bad(c, "volume '%s': hostPath '%s' is not of type '%s'",
			   v->name, v->source, t);
	return 0;
}

/* Write (or create) the volume i, which some container mounts. */
static int prepare_volume(struct vctx *c, size_t i)
{
	const struct wire_volume *v = &c->pod->volumes[i];
	const struct wire_config_map *m = NULL;
	char rel[PATH_MAX], vdir[PATH_MAX];
	int r;

	if (v->kind == WIRE_VOL_HOSTPATH)
		return prepare_host_path(c, v);
	if (v->kind == WIRE_VOL_PVC)
		return 0; /* an existing site folder, never created */
	r = volume_folder(c, v, rel, sizeof(rel), vdir, sizeof(vdir));
	if (r < 0)
		return r;
	if (v->kind == WIRE_VOL_CONFIGMAP || v->kind == WIRE_VOL_SECRET) {
		m = find_map(c, v->kind == WIRE_VOL_SECRET ? ML_SECRETS :
			     ML_CONFIG_MAPS, v->source);
		if (!m && !v->optional)
			return bad(c,
				   "volume '%s': %s '%s' is not in the request "
				   "(missing, and the volume is not optional)",
				   v->name, v->kind == WIRE_VOL_SECRET ?
				   "secret" : "configMap", v->source);
	} else if (is_data(v)) {
		m = find_map(c, ML_PROJECTED, v->name);
		if (!m)
			log_warn("pod %s/%s: no projected data for volume "
				 "'%s': it stays empty",
				 c->pod->namespace, c->pod->name, v->name);
	}
	c->empty[i] = is_data(v) && !m;
	r = mkdirs_below(c->dir, rel, dir_mode(v));
	if (r < 0)
		return sys_fail(c, r, "volume '%s': cannot create '%s'",
				v->name, vdir);
	if (!m)
		return 0;
	if (v->kind == WIRE_VOL_CONFIGMAP || v->kind == WIRE_VOL_SECRET)
		return write_object(c, v, vdir, m);
	return write_projected(c, v, vdir, m);
}

/* ---- binds ------------------------------------------------------------ */

static size_t depth(const char *p)
{
	size_t n = 0;

	for (; *p; p++)
		n += *p == '/';
	return n;
}

/* Parents before the paths below them (stable: equal depths keep order). */
static void sort_binds(struct jobscript_mounts *m)
{
	for (size_t i = 1; i < m->n; i++) {
		struct jobscript_mount x = m->v[i];
		size_t d = depth(x.ctr), j = i;

		for (; j > 0 && depth(m->v[j - 1].ctr) > d; j--)
			m->v[j] = m->v[j - 1];
		m->v[j] = x;
	}
}

/* The host side of a subPath; creates it where Kubernetes would. */
static int sub_path_host(struct vctx *c, const struct wire_volume *v,
			 size_t vi, const char *base, const char *sub)
{
	char full[PATH_MAX], s[SHOW];
	struct stat st;
	int r;

	if (mkpath(full, sizeof(full), "%s/%s", base, sub) < 0)
		return bad(c, "volume '%s': subPath '%s' is too long",
			   v->name, show(sub, s, sizeof(s)));
	if (v->kind == WIRE_VOL_PVC)
		return 0; /* claims.c walked it without following symlinks */
	if (v->kind == WIRE_VOL_HOSTPATH) {
		const char *rel;
		int pfd = open_host_prefix(c, full, &rel);

		r = pfd < 0 ? pfd : host_lstat(pfd, rel, &st);
		if (pfd >= 0)
			close(pfd);
		if (r == 0 && S_ISLNK(st.st_mode))
			r = -ELOOP;
		if (r < 0)
			return bad(c, "volume '%s': subPath '%s': %s", v->name,
				   sub, strerror(-r));
		return 0;
	}
	if (is_empty_dir(v) || c->empty[vi]) {
		r = mkdirs_below(base, sub, dir_mode(v));
		if (r == -ENOTDIR || r == -EEXIST)
			return bad(c, "volume '%s': subPath '%s' is not a "
				   "directory", v->name, sub);
		if (r < 0)
			return sys_fail(c, r, "volume '%s': cannot create "
					"subPath '%s'", v->name, sub);
		return 0;
	}
	if (lstat(full, &st) < 0)
		return bad(c, "volume '%s': subPath '%s' is not in the volume",
			   v->name, sub);
	return 0;
}

static int add_bind(struct vctx *c, struct jobscript_mounts *m,
		    const char *host, const char *ctr, bool ro)
{
	struct jobscript_mount *nv;
	struct jobscript_mount b = {.read_only = ro};

	nv = realloc(m->v, (m->n + 1) * sizeof(*nv));
	if (!nv)
		return sys_fail(c, -ENOMEM, "binds");
	m->v = nv;
	b.host = strdup(host);
	b.ctr = strndup(ctr, trimmed_len(ctr));
	if (!b.host || !b.ctr) {
		free(b.host);
		free(b.ctr);
		return sys_fail(c, -ENOMEM, "binds");
	}
	m->v[m->n++] = b;
	return 0;
}

static int container_binds(struct vctx *c, const struct wire_container *ct,
			   struct jobscript_mounts *ret)
{
	char host[PATH_MAX];
	int r = 0;

	for (size_t j = 0; r == 0 && j < ct->n_mounts; j++) {
		const struct wire_volume_mount *m = &ct->mounts[j];
		size_t vi = (size_t)volume_index(c->pod, m->name);
		const struct wire_volume *v = &c->pod->volumes[vi];
		char rel[PATH_MAX];

		if (v->kind == WIRE_VOL_HOSTPATH)
			r = mkpath(host, sizeof(host), "%s", v->source);
		else if (v->kind == WIRE_VOL_PVC)
			r = mkpath(host, sizeof(host), "%s",
				   c->claims->dir[vi]);
		else
			r = volume_folder(c, v, rel, sizeof(rel), host,
					  sizeof(host));
		if (r < 0)
			return r;
		if (m->sub_path && *m->sub_path) {
			char base[PATH_MAX];

			memcpy(base, host, sizeof(base));
			r = sub_path_host(c, v, vi, base, m->sub_path);
			if (r == 0)
				r = mkpath(host, sizeof(host), "%s/%s", base,
					   m->sub_path);
			if (r == -ENAMETOOLONG)
				r = bad(c, "volume '%s': path too long",
					v->name);
		}
		if (r == 0)
			r = add_bind(c, ret, host, m->mount_path,
				     m->read_only || is_data(v) ||
					     v->read_only);
	}
	if (r == 0)
		sort_binds(ret);
	return r;
}

static void mounts_free(struct jobscript_mounts *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].host);
		free(m->v[i].ctr);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

void volumes_done(struct volumes *v)
{
	if (!v)
		return;
	for (size_t i = 0; v->mounts && i < v->n; i++)
		mounts_free(&v->mounts[i]);
	free(v->mounts);
	v->mounts = NULL;
	v->n = 0;
}

/* configMaps/, secrets/, projectedVolumeMaps/ are the sidecar's alone. */
static int clear_stale(struct vctx *c)
{
	static const char *const folders[] = {
		"configMaps", "secrets", "projectedVolumeMaps",
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++) {
		int r = mkpath(path, sizeof(path), "%s/%s", c->dir,
			       folders[i]);

		if (r == 0)
			r = fs_rm_rf(path);
		if (r < 0)
			return sys_fail(c, r, "cannot clear '%s/%s'", c->dir,
					folders[i]);
	}
	return 0;
}

static int prepare(struct vctx *c, struct volumes *ret)
{
	size_t n = wire_pod_n_all_containers(c->pod);
	int r = 0;

	for (size_t i = 0; r == 0 && i < c->pod->n_volumes; i++)
		r = check_volume(c, i);
	if (r == 0)
		r = check_mounts(c);
	if (r < 0)
		return r;
	if (!bind_safe(c->dir)) {
		(void)snprintf(c->err, c->errlen,
			       "the pod's folder '%s' contains ':' or ',', "
			       "which a bind cannot carry (DataRootFolder)",
			       c->dir);
		return -EIO;
	}
	r = clear_stale(c);
	for (size_t i = 0; r == 0 && i < c->pod->n_volumes; i++)
		if (c->mounted[i])
			r = prepare_volume(c, i);
	if (r < 0)
		return r;
	ret->mounts = calloc(n ? n : 1, sizeof(*ret->mounts));
	if (!ret->mounts)
		return sys_fail(c, -ENOMEM, "binds");
	ret->n = n;
	for (size_t i = 0; r == 0 && i < n; i++) {
		bool init;
		const struct wire_container *ct =
			wire_pod_container_at(c->pod, i, &init);

		r = container_binds(c, ct, &ret->mounts[i]);
	}
	return r;
}

int volumes_prepare(const struct wire_retrieved_pod_data *rpd,
		    const char *dir, struct volumes *ret, char *err,
		    size_t errlen)
{
	return volumes_prepare_host(rpd, dir, NULL, ret, err, errlen);
}

int volumes_prepare_host(const struct wire_retrieved_pod_data *rpd,
			 const char *dir, const struct volumes_host *host,
			 struct volumes *ret, char *err, size_t errlen)
{
	struct vctx c = {
		.rpd = rpd, .pod = &rpd->pod, .dir = dir, .host = host,
		.claims = host ? host->claims : NULL,
		.err = err, .errlen = errlen,
	};
	size_t nv = rpd->pod.n_volumes;
	int r;

	if (errlen)
		err[0] = '\0';
	*ret = (struct volumes){0};
	c.mounted = calloc(nv ? nv : 1, sizeof(bool));
	c.empty = calloc(nv ? nv : 1, sizeof(bool));
	if (!c.mounted || !c.empty)
		r = sys_fail(&c, -ENOMEM, "volumes");
	else
		r = prepare(&c, ret);
	if (r < 0)
		volumes_done(ret);
	free(c.mounted);
	free(c.empty);
	return r;
}
