/* common/fsutil.c - see fsutil.h */
#include "fsutil.h"
#include "safefs.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);
	struct stat st;

	if (len == 0 || len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0) {
		if (errno != EEXIST)
			return -errno;
		if (stat(tmp, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	return 0;
}

/* Open the folder of path (trusted) and point *leaf at its last name. */
static int open_parent_of(const char *path, char *buf, size_t buflen,
			  const char **leaf)
{
	char *sl;
	size_t n = strlen(path);
	int fd;

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n >= buflen)
		return -ENAMETOOLONG;
	memcpy(buf, path, n);
	buf[n] = '\0';
	sl = strrchr(buf, '/');
	if (!sl) {
		*leaf = buf;
		fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else if (sl == buf) {
		*leaf = sl + 1;
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		*sl = '\0';
		*leaf = sl + 1;
		fd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	if (!**leaf) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int fs_write_atomic(const char *path, const void *data, size_t len,
		    mode_t mode)
{
	char buf[PATH_MAX];
	const char *leaf;
	int dfd = open_parent_of(path, buf, sizeof(buf), &leaf), r;

	if (dfd < 0)
		return dfd;
	r = sfs_write_atomic(dfd, leaf, data, len, mode, (uid_t)-1,
			     (gid_t)-1, 0);
	close(dfd);
	return r;
}

int fs_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	char buf[PATH_MAX];
	const char *leaf;
	int dfd = open_parent_of(path, buf, sizeof(buf), &leaf), r;

	if (dfd < 0)
		return dfd;
	r = sfs_read_file(dfd, leaf, max, ret, ret_len, NULL);
	close(dfd);
	return r;
}

int fs_rm_rf(const char *path)
{
	char buf[PATH_MAX];
	const char *leaf;
	int dfd = open_parent_of(path, buf, sizeof(buf), &leaf), r;

	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	r = sfs_rm_tree(dfd, leaf);
	close(dfd);
	return r;
}

int fs_chown_r(const char *path, uid_t uid, gid_t gid)
{
	int fd = sfs_open_trusted_dir(path), r;

	if (fd < 0)
		return fd;
	r = sfs_chown_tree(fd, uid, gid);
	close(fd);
	return r;
}

int fs_exists(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return 1;
	return errno == ENOENT ? 0 : -errno;
}
