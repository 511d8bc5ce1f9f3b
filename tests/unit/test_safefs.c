/* Unit tests of common/safefs.c: paths that cannot be redirected. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "safefs.h"

static char base[PATH_MAX];

static void mkfile(const char *rel, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void mkd(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void mkl(const char *target, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	assert_int_equal(symlink(target, p), 0);
}

static bool exists(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return lstat(p, &st) == 0;
}

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/test_safefs.XXXXXX");
	assert_non_null(mkdtemp(base));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return fs_rm_rf(base);
}

static int open_base(void)
{
	int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static void test_rel_ok(void **state)
{
	static const char *const good[] = {"a", "a/b", "./a", "a//b", "a/",
					   "...", "a/..b", ".x", ".", "./"};
	static const char *const bad[] = {"", "/", "/a", "..", "../a", "a/..",
					  "a/../b", "//"};
	char longname[NAME_MAX + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(sfs_rel_ok(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(sfs_rel_ok(bad[i]));
	assert_false(sfs_rel_ok(NULL));
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(sfs_rel_ok(longname));
}

/* Every way of opening refuses symlinks anywhere on the path. */
static void test_no_symlinks(void **state)
{
	static const enum sfs_how hows[] = {SFS_AUTO, SFS_WALK, SFS_OPENAT2};
	int dfd, fd;

	(void)state;
	mkd("d");
	mkfile("d/f", "x");
	mkl("/etc", "toetc");
	mkl("d", "tod");
	mkl("d/f", "tof");
	dfd = open_base();
	for (size_t i = 0; i < 3; i++) {
		fd = sfs_openat_how(dfd, "d/f", O_RDONLY, 0, hows[i]);
		if (fd == -ENOSYS)
			continue; /* a kernel without openat2 */
		assert_true(fd >= 0);
		close(fd);
		assert_true(sfs_openat_how(dfd, "toetc/passwd", O_RDONLY, 0,
					   hows[i]) < 0);
		assert_true(sfs_openat_how(dfd, "tod/f", O_RDONLY, 0,
					   hows[i]) < 0);
		assert_true(sfs_openat_how(dfd, "tof", O_RDONLY, 0, hows[i]) <
			    0);
		assert_int_equal(sfs_openat_how(dfd, "../x", O_RDONLY, 0,
						hows[i]),
				 -EINVAL);
		assert_int_equal(sfs_openat_how(dfd, "/etc/passwd", O_RDONLY,
						0, hows[i]),
				 -EINVAL);
		/* a folder only with O_DIRECTORY, a file only without */
		assert_int_equal(sfs_openat_how(dfd, "d", O_RDONLY, 0, hows[i]),
				 -EISDIR);
		assert_true(sfs_openat_how(dfd, "d/f", O_RDONLY | O_DIRECTORY,
					   0, hows[i]) < 0);
		fd = sfs_openat_how(dfd, "./d/", O_RDONLY | O_DIRECTORY, 0,
				    hows[i]);
		assert_true(fd >= 0);
		close(fd);
		/* O_CREAT never creates through a dangling symlink */
		mkl("/tmp/test_safefs_nowhere", "dangling");
		assert_true(sfs_openat_how(dfd, "dangling", O_WRONLY | O_CREAT,
					   0600, hows[i]) < 0);
		assert_false(fs_exists("/tmp/test_safefs_nowhere") == 1);
		assert_int_equal(sfs_unlink(dfd, "dangling"), 0);
	}
	close(dfd);
}

/* FIFOs (and other non-regular files) are refused without blocking. */
static void test_fifo(void **state)
{
	char p[PATH_MAX], *data = NULL;
	int dfd;

	(void)state;
	snprintf(p, sizeof(p), "%s/fifo", base);
	assert_int_equal(mkfifo(p, 0600), 0);
	dfd = open_base();
	assert_int_equal(sfs_read_file(dfd, "fifo", 64, &data, NULL, NULL),
			 -EINVAL);
	assert_int_equal(sfs_openat(dfd, "fifo", O_WRONLY, 0), -ENXIO);
	assert_int_equal(fs_read_file(p, 64, &data, NULL), -EINVAL);
	/* a write replaces it */
	assert_int_equal(sfs_write_atomic(dfd, "fifo", "ok", 2, 0644,
					  (uid_t)-1, (gid_t)-1, 0),
			 0);
	assert_int_equal(sfs_read_file(dfd, "fifo", 64, &data, NULL, NULL), 0);
	assert_string_equal(data, "ok");
	free(data);
	close(dfd);
}

static void test_read_limits(void **state)
{
	char *data = NULL;
	size_t len;
	struct stat st;
	int dfd;

	(void)state;
	mkfile("big", "0123456789");
	mkfile("empty", "");
	dfd = open_base();
	assert_int_equal(sfs_read_file(dfd, "big", 9, &data, NULL, NULL),
			 -EFBIG);
	assert_int_equal(sfs_read_file(dfd, "big", 10, &data, &len, &st), 0);
	assert_int_equal(len, 10);
	assert_int_equal(st.st_size, 10);
	free(data);
	assert_int_equal(sfs_read_file(dfd, "empty", 10, &data, &len, NULL), 0);
	assert_int_equal(len, 0);
	assert_string_equal(data, "");
	free(data);
	assert_int_equal(sfs_read_file(dfd, "missing", 10, &data, NULL, NULL),
			 -ENOENT);
	close(dfd);
}

/* A planted symlink or hard link is replaced, its target untouched. */
static void test_write_atomic_replaces_links(void **state)
{
	char victim[PATH_MAX], p[PATH_MAX], *data = NULL;
	int dfd;

	(void)state;
	mkfile("victim", "precious");
	snprintf(victim, sizeof(victim), "%s/victim", base);
	mkd("pod");
	mkl(victim, "pod/JobID.jid");
	snprintf(p, sizeof(p), "%s/pod/hard", base);
	assert_int_equal(link(victim, p), 0);
	dfd = open_base();
	assert_int_equal(sfs_write_atomic(dfd, "pod/JobID.jid", "42", 2, 0644,
					  (uid_t)-1, (gid_t)-1, SFS_DURABLE),
			 0);
	assert_int_equal(sfs_write_atomic(dfd, "pod/hard", "43", 2, 0600,
					  (uid_t)-1, (gid_t)-1, 0),
			 0);
	assert_int_equal(sfs_read_file(dfd, "victim", 64, &data, NULL, NULL),
			 0);
	assert_string_equal(data, "precious");
	free(data);
	assert_int_equal(sfs_read_file(dfd, "pod/JobID.jid", 64, &data, NULL,
				       NULL),
			 0);
	assert_string_equal(data, "42");
	free(data);
	/* a symlinked folder on the way is refused */
	mkl(base, "pod/up");
	assert_true(sfs_write_atomic(dfd, "pod/up/victim", "x", 1, 0644,
				     (uid_t)-1, (gid_t)-1, 0) < 0);
	close(dfd);
}

static void test_mkdirs(void **state)
{
	int dfd;

	(void)state;
	mkl("/tmp", "lnk");
	dfd = open_base();
	assert_int_equal(sfs_mkdirs(dfd, "a/b/c", 0755), 0);
	assert_true(exists("a/b/c"));
	assert_int_equal(sfs_mkdirs(dfd, "a/b/c", 0755), 0);
	assert_int_equal(sfs_mkdirs(dfd, "lnk/x", 0755), -ENOTDIR);
	assert_int_equal(sfs_mkdirs(dfd, "../x", 0755), -EINVAL);
	close(dfd);
}

/* rm -rf never follows a symlink and removes everything else. */
static void test_rm_tree(void **state)
{
	char victim[PATH_MAX], p[PATH_MAX];
	int dfd;

	(void)state;
	mkd("victim");
	mkfile("victim/keep", "x");
	snprintf(victim, sizeof(victim), "%s/victim", base);
	mkd("pod");
	mkd("pod/sub");
	mkd("pod/sub/deeper");
	mkfile("pod/sub/deeper/f", "x");
	mkl(victim, "pod/link");
	mkl(victim, "pod/sub/link");
	snprintf(p, sizeof(p), "%s/pod/fifo", base);
	assert_int_equal(mkfifo(p, 0600), 0);
	dfd = open_base();
	assert_int_equal(sfs_rm_tree(dfd, "pod"), 0);
	assert_false(exists("pod"));
	assert_true(exists("victim/keep"));
	assert_int_equal(sfs_rm_tree(dfd, "pod"), 0); /* missing: fine */
	assert_int_equal(sfs_rm_tree(dfd, ".."), -EINVAL);
	assert_int_equal(sfs_rm_tree(dfd, "a/b"), -EINVAL);
	close(dfd);
}

/*
 * A removal with a budget stops after that many entries (-EAGAIN) and goes
 * on at the next call; with SFS_RM_LOCK each folder is made ours and 0700
 * first, so its owner cannot refill it meanwhile.
 */
static void test_rm_tree_budget(void **state)
{
	char p[PATH_MAX];
	struct stat st;
	long budget;
	int dfd, r, calls = 0;

	(void)state;
	mkd("pod");
	mkd("pod/sub");
	for (int i = 0; i < 50; i++) {
		snprintf(p, sizeof(p), "pod/sub/f%d", i);
		mkfile(p, "x");
	}
	snprintf(p, sizeof(p), "%s/pod", base);
	assert_int_equal(chmod(p, 01777), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(p, 65534, 65534), 0);
	dfd = open_base();
	budget = 3;
	assert_int_equal(sfs_rm_tree_budget(dfd, "pod", SFS_RM_LOCK, &budget),
			 -EAGAIN);
	assert_int_equal(budget, 0);
	/* locked: ours, 0700 */
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(p, sizeof(p), "%s/pod/sub", base);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	do {
		budget = 10;
		r = sfs_rm_tree_budget(dfd, "pod", SFS_RM_LOCK, &budget);
		calls++;
	} while (r == -EAGAIN && calls < 100);
	assert_int_equal(r, 0);
	assert_true(calls >= 5); /* 52 entries, 10 a call */
	assert_false(exists("pod"));
	close(dfd);
}

/* A hard link, in a tenant's folder, to a file of someone else's. */
static void test_read_hard_link(void **state)
{
	char p[PATH_MAX], q[PATH_MAX], *data = NULL;
	int dfd;

	(void)state;
	if (geteuid() != 0)
		skip();
	mkd("tenant");
	mkfile("secret", "s");
	mkfile("tenant/own", "o");
	snprintf(p, sizeof(p), "%s/secret", base);
	snprintf(q, sizeof(q), "%s/tenant/link", base);
	assert_int_equal(link(p, q), 0);
	snprintf(p, sizeof(p), "%s/tenant/own", base);
	snprintf(q, sizeof(q), "%s/tenant/own2", base);
	assert_int_equal(link(p, q), 0);
	assert_int_equal(chown(p, 65534, 65534), 0);
	snprintf(p, sizeof(p), "%s/tenant", base);
	assert_int_equal(chown(p, 65534, 65534), 0);
	dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(sfs_read_file(dfd, "link", 10, &data, NULL, NULL),
			 -EPERM);
	/* the tenant's own file with two links is fine */
	assert_int_equal(sfs_read_file(dfd, "own2", 10, &data, NULL, NULL), 0);
	assert_string_equal(data, "o");
	free(data);
	close(dfd);
	/* in a folder of ours, a hard link is ours to read */
	dfd = open_base();
	assert_int_equal(sfs_read_file(dfd, "secret", 10, &data, NULL, NULL),
			 0);
	free(data);
	close(dfd);
}

struct swapper {
	char dir[PATH_MAX], tmp[PATH_MAX], victim[PATH_MAX];
	volatile bool stop;
};

/* The tenant: swap pod/sub for a symlink to the victim, over and over. */
static void *swap_loop(void *arg)
{
	struct swapper *s = arg;

	while (!s->stop) {
		if (rename(s->dir, s->tmp) == 0) {
			if (symlink(s->victim, s->dir) < 0) {
				/* the walk may have taken the name: next round */
			}
			(void)unlink(s->dir);
			(void)rename(s->tmp, s->dir);
		}
	}
	return NULL;
}

static void test_rm_tree_race(void **state)
{
	struct swapper s = {0};
	pthread_t t;
	int dfd;

	(void)state;
	mkd("victim");
	for (int i = 0; i < 200; i++) {
		char name[64];

		snprintf(name, sizeof(name), "victim/f%d", i);
		mkfile(name, "x");
	}
	snprintf(s.victim, sizeof(s.victim), "%s/victim", base);
	dfd = open_base();
	for (int round = 0; round < 50; round++) {
		mkd("pod");
		mkd("pod/sub");
		for (int i = 0; i < 20; i++) {
			char name[64];

			snprintf(name, sizeof(name), "pod/sub/f%d", i);
			mkfile(name, "x");
		}
		snprintf(s.dir, sizeof(s.dir), "%s/pod/sub", base);
		snprintf(s.tmp, sizeof(s.tmp), "%s/pod/sub.tmp", base);
		s.stop = false;
		assert_int_equal(pthread_create(&t, NULL, swap_loop, &s), 0);
		for (int k = 0; k < 20 && exists("pod"); k++)
			(void)sfs_rm_tree(dfd, "pod");
		s.stop = true;
		pthread_join(t, NULL);
		(void)fs_rm_rf(s.tmp);
		assert_int_equal(fs_rm_rf(s.dir), 0);
		assert_int_equal(sfs_rm_tree(dfd, "pod"), 0);
	}
	for (int i = 0; i < 200; i++) {
		char name[64];

		snprintf(name, sizeof(name), "victim/f%d", i);
		assert_true(exists(name));
	}
	close(dfd);
}

static void test_trusted_dir(void **state)
{
	char p[PATH_MAX];
	int fd;

	(void)state;
	mkd("real");
	mkl("real", "lnk");
	snprintf(p, sizeof(p), "%s/real", base);
	fd = sfs_open_trusted_dir(p);
	assert_true(fd >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/lnk", base);
	assert_true(sfs_open_trusted_dir(p) < 0);
	fd = sfs_open_trusted_dir("/");
	assert_true(fd >= 0);
	close(fd);
}

static void test_chown_tree(void **state)
{
	struct stat st;
	char p[PATH_MAX];
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	mkd("t");
	mkd("t/a");
	mkfile("t/a/f", "x");
	mkl("/etc/passwd", "t/a/l");
	snprintf(p, sizeof(p), "%s/t", base);
	fd = sfs_open_trusted_dir(p);
	assert_true(fd >= 0);
	assert_int_equal(sfs_chown_tree(fd, 65534, 65534), 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/t/a/f", base);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(stat("/etc/passwd", &st), 0);
	assert_int_equal(st.st_uid, 0);
}

static void test_random_hex(void **state)
{
	char a[17], b[17];

	(void)state;
	assert_int_equal(sfs_random_hex(a, 16), 0);
	assert_int_equal(sfs_random_hex(b, 16), 0);
	assert_int_equal(strlen(a), 16);
	assert_string_not_equal(a, b);
	assert_int_equal(strspn(a, "0123456789abcdef"), 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rel_ok),
		cmocka_unit_test_setup_teardown(test_no_symlinks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_limits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_write_atomic_replaces_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm_tree_budget, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_hard_link, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rm_tree_race, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_trusted_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_chown_tree, setup,
						teardown),
		cmocka_unit_test(test_random_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
