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
 * Durably replace path with data: write "path.tmp.<pid>", fsync it,
 * rename over path, fsync the directory.  The file gets mode.
 */
int fs_write_atomic(const char *path, const void *data, size_t len,
		    mode_t mode);

/*
 * Read a whole regular file of at most max bytes into a new NUL-terminated
 * buffer (*ret, caller frees; *ret_len may be NULL).  -EFBIG when larger.
 */
int fs_read_file(const char *path, size_t max, char **ret, size_t *ret_len);

/* rm -rf that never follows symlinks; a missing path is success. */
int fs_rm_rf(const char *path);

/* chown -R that never follows symlinks (links themselves are changed). */
int fs_chown_r(const char *path, uid_t uid, gid_t gid);

/* 1 if path exists (lstat), 0 if not, negative errno on other errors. */
int fs_exists(const char *path);

#endif /* COMMON_FSUTIL_H */
