/*
 * common/safefs.h - file operations below a folder someone else controls.
 *
 * A tenant owns its pod folder and everything in it, and may swap any
 * name in it for a symlink, a hard link, a FIFO or a device node at any
 * moment.  Everything here works from an already opened directory fd and
 * never leaves it:
 *
 *  - paths are relative, never absolute, never with a ".." component;
 *  - no symlink is followed in any component: openat2(RESOLVE_BENEATH |
 *    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) where the kernel has it
 *    (Linux >= 5.6), else a walk of openat(O_NOFOLLOW) one component at a
 *    time (the same result: a symlink anywhere fails with ELOOP or
 *    ENOTDIR);
 *  - every open is O_NONBLOCK (a FIFO or device never blocks the open),
 *    checked with fstat (S_ISREG/S_ISDIR), and only then made blocking;
 *  - temporary files get O_EXCL and a random name;
 *  - trees are removed with an unlinkat walk from opened fds, not crossing
 *    into other file systems.
 *
 * All functions return 0 (or an fd) or a negative errno value.
 */
#ifndef COMMON_SAFEFS_H
#define COMMON_SAFEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* How a path is resolved (sfs_openat_how; tests and the fuzz harness). */
enum sfs_how {
	SFS_AUTO = 0,    /* openat2, the walk when the kernel lacks it */
	SFS_OPENAT2 = 1, /* openat2 only (-ENOSYS when missing) */
	SFS_WALK = 2     /* the portable component walk only */
};

/* Deepest tree sfs_rm_tree and sfs_chown_tree descend into. */
#define SFS_MAX_DEPTH 128

/*
 * Is rel usable below a folder: not empty, not absolute, no ".."
 * component, each component at most NAME_MAX bytes, the whole shorter than
 * PATH_MAX.  Empty and "." components are allowed (and skipped).
 */
bool sfs_rel_ok(const char *rel);

/*
 * Open rel below dirfd.  flags: O_RDONLY/O_WRONLY/O_RDWR, optionally
 * O_CREAT/O_EXCL/O_TRUNC/O_APPEND, and O_DIRECTORY for a folder;
 * O_NOFOLLOW, O_CLOEXEC and (during the open) O_NONBLOCK are added.  The
 * result is a regular file, or a directory with O_DIRECTORY; anything
 * else is -EINVAL (a FIFO, a device, a socket).  O_TRUNC is applied only
 * after that check.  rel "" or "." opens dirfd's folder again.
 */
int sfs_openat(int dirfd, const char *rel, int flags, mode_t mode);
int sfs_openat_how(int dirfd, const char *rel, int flags, mode_t mode,
		   enum sfs_how how);

/* sfs_openat(dirfd, rel, O_RDONLY | O_DIRECTORY). */
int sfs_open_dir(int dirfd, const char *rel);

/*
 * Open the folder path whose parents are trusted (the operator's
 * DataRootFolder, say) but whose last component may belong to a tenant:
 * that one is opened with O_NOFOLLOW and must be a directory.
 */
int sfs_open_trusted_dir(const char *path);

/*
 * Read the regular file rel below dirfd, at most max bytes, into a new
 * NUL-terminated buffer (*ret, caller frees; ret_len and st may be NULL;
 * st gets its fstat).  -EFBIG when larger, -EINVAL when not a regular file,
 * -EPERM when it has more than one link and another owner than dirfd's
 * folder, a folder not this process's user's (a tenant's hard link to
 * someone else's file).
 */
int sfs_read_file(int dirfd, const char *rel, size_t max, char **ret,
		  size_t *ret_len, struct stat *st);

/* sfs_write_atomic flags (0: neither; the page cache has the file) */
#define SFS_DATASYNC 0x1u /* fdatasync the file before the rename */
#define SFS_DIRSYNC 0x2u  /* fsync its folder after the rename */
#define SFS_DURABLE (SFS_DATASYNC | SFS_DIRSYNC)

/*
 * Replace rel below dirfd with data: a new file with a random name, O_EXCL,
 * in rel's folder, written, given mode (and, with uid != (uid_t)-1, that
 * owner), renamed over rel.  Whatever rel was (a symlink, a FIFO, a hard
 * link to something else) is replaced, never written through.
 */
int sfs_write_atomic(int dirfd, const char *rel, const void *data, size_t len,
		     mode_t mode, uid_t uid, gid_t gid, unsigned flags);

/* mkdir -p of rel below dirfd (mode for the folders it creates). */
int sfs_mkdirs(int dirfd, const char *rel, mode_t mode);

/* Unlink the non-directory rel below dirfd; a missing one is success. */
int sfs_unlink(int dirfd, const char *rel);

/*
 * rm -rf of the entry name (one component) of dirfd: a file or symlink is
 * unlinked, a folder emptied from its own fd and removed.  Never follows a
 * symlink, never crosses into another file system (-EXDEV, the rest is
 * still removed), stops SFS_MAX_DEPTH folders down (-ELOOP).  A missing
 * entry is success.
 */
int sfs_rm_tree(int dirfd, const char *name);

/* sfs_rm_tree_budget flags */
#define SFS_RM_LOCK 0x1u /* each folder is made this process's, 0700, first */

/*
 * sfs_rm_tree, but at most *budget entries (each counted, decremented)
 * before -EAGAIN: call again to go on.  SFS_RM_LOCK: every folder is
 * fchown'ed to this process's user and fchmod'ed 0700 before it is emptied,
 * so its former owner cannot refill it meanwhile (a tenant's endless tree;
 * best effort: a file system that refuses it is emptied all the same).
 * budget NULL: no limit.
 */
int sfs_rm_tree_budget(int dirfd, const char *name, unsigned flags,
		       long *budget);

/*
 * chown everything below the folder dirfd, deepest first, and the folder
 * itself last: until that last fchown nobody else can change the tree.
 * Symlinks are changed themselves.
 */
int sfs_chown_tree(int dirfd, uid_t uid, gid_t gid);

/* Fill buf with len random hex digits and a NUL (len+1 bytes). */
int sfs_random_hex(char *buf, size_t len);

#endif /* COMMON_SAFEFS_H */
