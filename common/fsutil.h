/*
 * common/fsutil.h - small file-system helpers.  All return 0 or a negative
 * errno value; none follows a symlink it did not expect.
 */
#ifndef COMMON_FSUTIL_H
#define COMMON_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p; existing directories are fine, other existing files are not. */
int fs_mkdir_p(const char *path, mode_t mode);

/*
 * The functions below trust every component of path but the last, and
 * treat that one as someone else's (see safefs.h).
 *
 * Replace path with data: a new file with a random name (O_EXCL), renamed
 * over path; a reader sees the old file or the new one, never a part.  No
 * fsync: for files made again from their source on a retry (a pod's job
 * script, env and volume files: a create that stops before its submit
 * starts over in a fresh folder), read after this from the page cache.
 * The file gets mode.
 */
int fs_write_atomic(const char *path, const void *data, size_t len,
		    mode_t mode);

/*
 * Read a whole regular file of at most max bytes into a new NUL-terminated
 * buffer (*ret, caller frees; *ret_len may be NULL).  -EFBIG when larger;
 * -EINVAL for a FIFO or device (never blocks on one).
 */
int fs_read_file(const char *path, size_t max, char **ret, size_t *ret_len);

/* rm -rf that never follows symlinks (sfs_rm_tree); missing is success. */
int fs_rm_rf(const char *path);

/* chown -R that never follows symlinks, the top folder last. */
int fs_chown_r(const char *path, uid_t uid, gid_t gid);

/* 1 if path exists (lstat), 0 if not, negative errno on other errors. */
int fs_exists(const char *path);

#endif /* COMMON_FSUTIL_H */
