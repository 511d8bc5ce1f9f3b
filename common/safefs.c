/* common/safefs.c - see safefs.h */
#include "safefs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define SFS_HAVE_OPENAT2_H 1
#endif

bool sfs_rel_ok(const char *rel)
{
	size_t total, comp = 0;
	bool any = false;

	if (!rel || !*rel || rel[0] == '/')
		return false;
	total = strlen(rel);
	if (total >= PATH_MAX)
		return false;
	for (const char *p = rel;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t n = (size_t)(p - (rel + comp));

			if (n == 2 && rel[comp] == '.' && rel[comp + 1] == '.')
				return false;
			if (n > NAME_MAX)
				return false;
			any = any || n > 0;
			comp = (size_t)(p - rel) + 1;
			if (*p == '\0')
				break;
		}
	}
	return any;
}

static int open_checked_fd(int fd, int flags)
{
	struct stat st;
	int fl;

	if (fstat(fd, &st) < 0)
		goto fail;
	if ((flags & O_DIRECTORY) ? !S_ISDIR(st.st_mode) :
				    !S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		goto fail;
	if ((flags & O_TRUNC) && !(flags & O_DIRECTORY) && ftruncate(fd, 0) < 0)
		goto fail;
	return fd;
fail:
	fl = -errno;
	close(fd);
	return fl;
}

static int open_last(int dirfd, const char *name, int flags, mode_t mode)
{
	int fd = openat(dirfd, name, flags, mode);

	return fd < 0 ? -errno : fd;
}

/* The component walk: every folder opened O_NOFOLLOW from the last one. */
static int walk_open(int dirfd, const char *rel, int flags, mode_t mode)
{
	char part[NAME_MAX + 1];
	const char *p = rel;
	int cur = -1, r;

	for (;;) {
		const char *sl = strchr(p, '/');
		size_t len = sl ? (size_t)(sl - p) : strlen(p);
		const char *rest = sl ? sl + 1 : p + len;
		bool last;

		while (*rest == '/')
			rest++;
		last = *rest == '\0' ||
		       (rest[0] == '.' && (rest[1] == '\0' ||
					   (rest[1] == '/' && !rest[2])));
		if (len >= sizeof(part)) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(part, p, len);
		part[len] = '\0';
		if (len == 0 || strcmp(part, ".") == 0) {
			if (last) {
				r = open_last(cur >= 0 ? cur : dirfd, ".",
					      flags & ~(O_CREAT | O_EXCL), 0);
				break;
			}
			p = rest;
			continue;
		}
		if (last) {
			/* "name/" must be a folder, as the kernel has it */
			r = open_last(cur >= 0 ? cur : dirfd, part,
				      flags | (sl ? O_DIRECTORY : 0), mode);
			break;
		}
		r = openat(cur >= 0 ? cur : dirfd, part,
			   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC |
				   O_NONBLOCK);
		if (r < 0) {
			r = -errno;
			break;
		}
		if (cur >= 0)
			close(cur);
		cur = r;
		p = rest;
	}
	if (cur >= 0)
		close(cur);
	return r;
}

static int openat2_open(int dirfd, const char *rel, int flags, mode_t mode)
{
#if defined(SFS_HAVE_OPENAT2_H) && defined(SYS_openat2)
	struct open_how how = {
		.flags = (unsigned long long)flags,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
#else
	(void)dirfd;
	(void)rel;
	(void)flags;
	(void)mode;
	return -ENOSYS;
#endif
}

int sfs_openat_how(int dirfd, const char *rel, int flags, mode_t mode,
		   enum sfs_how how)
{
	int fd = -ENOSYS, trunc = flags & O_TRUNC;

	if (!rel)
		return -EINVAL;
	if (!*rel)
		rel = ".";
	if (!sfs_rel_ok(rel))
		return -EINVAL;
	/* O_TRUNC waits for the type check (a FIFO must not be touched) */
	flags = (flags & ~O_TRUNC) | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
		O_NOCTTY;
	if (flags & O_DIRECTORY)
		trunc = 0;
	if (how != SFS_WALK)
		fd = openat2_open(dirfd, rel, flags, mode);
	/* no openat2 (ENOSYS), or a seccomp filter that refuses it (EPERM) */
	if (how == SFS_WALK ||
	    (how == SFS_AUTO && (fd == -ENOSYS || fd == -EPERM)))
		fd = walk_open(dirfd, rel, flags, mode);
	if (fd < 0)
		return fd;
	return open_checked_fd(fd, flags | trunc);
}

int sfs_openat(int dirfd, const char *rel, int flags, mode_t mode)
{
	return sfs_openat_how(dirfd, rel, flags, mode, SFS_AUTO);
}

int sfs_open_dir(int dirfd, const char *rel)
{
	return sfs_openat(dirfd, rel, O_RDONLY | O_DIRECTORY, 0);
}

int sfs_open_trusted_dir(const char *path)
{
	char parent[PATH_MAX];
	const char *sl;
	size_t n;
	int pfd, fd;

	if (!path || !*path || strlen(path) >= sizeof(parent))
		return -EINVAL;
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	memcpy(parent, path, n);
	parent[n] = '\0';
	sl = strrchr(parent, '/');
	if (!sl)
		return sfs_open_dir(AT_FDCWD, parent);
	if (sl == parent) {
		pfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		parent[sl - parent] = '\0';
		pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		parent[sl - parent] = '/';
	}
	if (pfd < 0)
		return -errno;
	fd = sl[1] ? sfs_open_dir(pfd, sl + 1) : dup(pfd);
	if (fd < 0 && !sl[1])
		fd = -errno;
	close(pfd);
	return fd;
}

int sfs_read_file(int dirfd, const char *rel, size_t max, char **ret,
		  size_t *ret_len, struct stat *ret_st)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0, cap;
	int fd, r = 0;

	fd = sfs_openat(dirfd, rel, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		r = -EFBIG;
		goto out;
	}
	/* in someone else's folder, a hard link to a file of another user
	 * than the folder's: not the folder's owner's to show */
	if (st.st_nlink > 1) {
		struct stat dst;

		if (fstat(dirfd, &dst) < 0 ||
		    (dst.st_uid != st.st_uid && dst.st_uid != geteuid())) {
			r = -EPERM;
			goto out;
		}
	}
	cap = (size_t)st.st_size + 1;
	for (;;) {
		char *np;
		ssize_t n;

		if (len + 1 >= cap) {
			if (cap > max + 1) {
				r = -EFBIG;
				goto out;
			}
			cap = cap * 2 + 64;
		}
		np = realloc(data, cap);
		if (!np) {
			r = -ENOMEM;
			goto out;
		}
		data = np;
		n = read(fd, data + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = -EFBIG;
			goto out;
		}
	}
	if (!data && !(data = malloc(1))) {
		r = -ENOMEM;
		goto out;
	}
	data[len] = '\0';
	*ret = data;
	data = NULL;
	if (ret_len)
		*ret_len = len;
	if (ret_st)
		*ret_st = st;
out:
	free(data);
	close(fd);
	return r;
}

int sfs_random_hex(char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t n = (len + 1) / 2;

	if (n > sizeof(raw))
		return -EINVAL;
	for (size_t got = 0; got < n;) {
		ssize_t k = getrandom(raw + got, n - got, 0);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)k;
	}
	for (size_t i = 0; i < len; i++)
		buf[i] = hex[(raw[i / 2] >> ((i & 1) * 4)) & 0xf];
	buf[len] = '\0';
	return 0;
}

/* Split rel into its folder (opened below dirfd) and its last name. */
static int open_parent(int dirfd, const char *rel, char *leaf, size_t leaflen)
{
	const char *sl;
	char parent[PATH_MAX];
	size_t n = strlen(rel);

	while (n > 1 && rel[n - 1] == '/')
		n--;
	if (n >= sizeof(parent))
		return -ENAMETOOLONG;
	memcpy(parent, rel, n);
	parent[n] = '\0';
	sl = strrchr(parent, '/');
	if (strlen(sl ? sl + 1 : parent) >= leaflen)
		return -ENAMETOOLONG;
	snprintf(leaf, leaflen, "%s", sl ? sl + 1 : parent);
	if (!*leaf || strcmp(leaf, ".") == 0 || strcmp(leaf, "..") == 0)
		return -EINVAL;
	if (!sl)
		return sfs_open_dir(dirfd, ".");
	parent[sl - parent] = '\0';
	return sfs_open_dir(dirfd, parent[0] ? parent : ".");
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sfs_write_atomic(int dirfd, const char *rel, const void *data, size_t len,
		     mode_t mode, uid_t uid, gid_t gid, unsigned flags)
{
	char leaf[NAME_MAX + 1], tmp[40], rnd[17];
	int pfd, fd, r;

	if (!rel || !sfs_rel_ok(rel))
		return -EINVAL;
	pfd = open_parent(dirfd, rel, leaf, sizeof(leaf));
	if (pfd < 0)
		return pfd;
	r = sfs_random_hex(rnd, 16);
	if (r < 0)
		goto out;
	snprintf(tmp, sizeof(tmp), ".ilk-tmp-%s", rnd);
	fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode & 0700);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = write_all(fd, data, len);
	if (r == 0 && uid != (uid_t)-1 && fchown(fd, uid, gid) < 0)
		r = -errno;
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && (flags & SFS_DATASYNC) && fdatasync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(pfd, tmp, pfd, leaf) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(pfd, tmp, 0); /* ours, by its random name */
	else if ((flags & SFS_DIRSYNC) && fsync(pfd) < 0)
		r = -errno;
out:
	close(pfd);
	return r;
}

int sfs_mkdirs(int dirfd, const char *rel, mode_t mode)
{
	char part[NAME_MAX + 1];
	const char *p = rel;
	int fd, r = 0;

	if (!rel || !sfs_rel_ok(rel))
		return -EINVAL;
	fd = sfs_open_dir(dirfd, ".");
	if (fd < 0)
		return fd;
	while (*p) {
		const char *sl = strchr(p, '/');
		size_t len = sl ? (size_t)(sl - p) : strlen(p);
		int nfd;

		if (len >= sizeof(part)) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(part, p, len);
		part[len] = '\0';
		p += len + (sl ? 1 : 0);
		if (len == 0 || strcmp(part, ".") == 0)
			continue;
		if (mkdirat(fd, part, mode) < 0 && errno != EEXIST) {
			r = -errno;
			break;
		}
		nfd = sfs_open_dir(fd, part);
		if (nfd < 0) {
			r = nfd == -ELOOP || nfd == -EISDIR ? -ENOTDIR : nfd;
			break;
		}
		close(fd);
		fd = nfd;
	}
	close(fd);
	return r;
}

int sfs_unlink(int dirfd, const char *rel)
{
	char leaf[NAME_MAX + 1];
	int pfd, r = 0;

	if (!rel || !sfs_rel_ok(rel))
		return -EINVAL;
	pfd = open_parent(dirfd, rel, leaf, sizeof(leaf));
	if (pfd == -ENOENT)
		return 0;
	if (pfd < 0)
		return pfd;
	if (unlinkat(pfd, leaf, 0) < 0 && errno != ENOENT)
		r = -errno;
	close(pfd);
	return r;
}

static bool is_dot(const char *n)
{
	return n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2]));
}

/* One removal: its file system, its budget, whether to lock folders. */
struct rm_ctx {
	dev_t dev;
	long *budget; /* entries left; NULL: no limit */
	unsigned flags;
};

static int rm_below(int dfd, struct rm_ctx *c, int depth);

/* Spend one entry of the budget; false when it is used up. */
static bool rm_spend(struct rm_ctx *c)
{
	if (!c->budget)
		return true;
	if (*c->budget <= 0)
		return false;
	(*c->budget)--;
	return true;
}

/* Remove the entry name of dfd, whatever it is by now. */
static int rm_entry(int dfd, const char *name, struct rm_ctx *c, int depth)
{
	struct stat st;
	int sub, r;

	if (!rm_spend(c))
		return -EAGAIN;
	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	if (depth >= SFS_MAX_DEPTH)
		return -ELOOP;
	sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC | O_NONBLOCK);
	if (sub < 0) {
		if (errno == ENOENT)
			return 0;
		/* swapped for a symlink or a file since: unlink that */
		if ((errno == ELOOP || errno == ENOTDIR) &&
		    (unlinkat(dfd, name, 0) == 0 || errno == ENOENT))
			return 0;
		return -errno;
	}
	if (fstat(sub, &st) < 0) {
		r = -errno;
		close(sub);
		return r;
	}
	if (st.st_dev != c->dev) {
		close(sub);
		return -EXDEV; /* a mount point: leave it and what it holds */
	}
	/* ours alone from now on: its owner cannot fill it while we empty
	 * it (it may still hold an fd or a cwd in it).  Best effort: where
	 * the file system refuses (root_squash), the budget still bounds
	 * each turn */
	if (c->flags & SFS_RM_LOCK) {
		if (st.st_uid != geteuid() &&
		    fchown(sub, geteuid(), getegid()) < 0) {
			/* best effort, see above */
		}
		if ((st.st_mode & 07777) != 0700)
			(void)fchmod(sub, 0700);
	}
	r = rm_below(sub, c, depth + 1);
	close(sub);
	if (r == -EAGAIN)
		return r;
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return r ? r : -errno;
	return r;
}

/* Empty the folder dfd (a few passes: names may appear meanwhile). */
static int rm_below(int dfd, struct rm_ctx *c, int depth)
{
	int r = 0;

	for (int pass = 0; pass < 3; pass++) {
		struct dirent *de;
		bool seen = false;
		int fd = dup(dfd);
		DIR *d;

		if (fd < 0)
			return -errno;
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			return -errno;
		}
		r = 0;
		while ((de = readdir(d))) {
			int e;

			if (is_dot(de->d_name))
				continue;
			seen = true;
			e = rm_entry(dfd, de->d_name, c, depth);
			if (e == -EAGAIN) {
				r = e;
				break;
			}
			if (e < 0 && r == 0)
				r = e;
		}
		closedir(d);
		if (!seen || r == -EXDEV || r == -ELOOP || r == -EAGAIN)
			break;
	}
	return r;
}

int sfs_rm_tree_budget(int dirfd, const char *name, unsigned flags,
		       long *budget)
{
	struct rm_ctx c = {.budget = budget, .flags = flags};
	struct stat st;

	if (!name || !*name || strchr(name, '/') || is_dot(name))
		return -EINVAL;
	if (fstat(dirfd, &st) < 0)
		return -errno;
	c.dev = st.st_dev;
	return rm_entry(dirfd, name, &c, 0);
}

int sfs_rm_tree(int dirfd, const char *name)
{
	return sfs_rm_tree_budget(dirfd, name, 0, NULL);
}

static int chown_below(int dfd, uid_t uid, gid_t gid, int depth)
{
	struct dirent *de;
	int fd, r = 0;
	DIR *d;

	if (depth > SFS_MAX_DEPTH)
		return -ELOOP;
	fd = dup(dfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (r == 0 && (de = readdir(d))) {
		struct stat st;
		int sub;

		if (is_dot(de->d_name))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (fchownat(dfd, de->d_name, uid, gid,
				     AT_SYMLINK_NOFOLLOW) < 0)
				r = -errno;
			continue;
		}
		sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY |
			     O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (sub < 0) {
			r = -errno;
			break;
		}
		r = chown_below(sub, uid, gid, depth + 1);
		if (r == 0 && fchown(sub, uid, gid) < 0)
			r = -errno;
		close(sub);
	}
	closedir(d);
	return r;
}

int sfs_chown_tree(int dirfd, uid_t uid, gid_t gid)
{
	int r = chown_below(dirfd, uid, gid, 0);

	if (r == 0 && fchown(dirfd, uid, gid) < 0)
		r = -errno;
	return r;
}
