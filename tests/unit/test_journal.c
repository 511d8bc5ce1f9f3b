/*
 * tests/unit/test_journal.c - sidecar-slurm/journal.c: entries come back
 * in order, a torn or corrupt tail ends the replay and is cut off, later
 * appends follow whole entries, concurrent synced appends all land.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "journal.h"

struct seen {
	char *v[1024];
	size_t n;
};

static void collect(void *ctx, const char *text, size_t len)
{
	struct seen *s = ctx;

	assert_int_equal(strlen(text), len);
	if (s->n < 1024)
		s->v[s->n++] = strdup(text);
}

static void seen_done(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

static int open_tmp(char *dir)
{
	int fd;

	snprintf(dir, 64, "%s", "/tmp/test_journal.XXXXXX");
	assert_non_null(mkdtemp(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	return fd;
}

static void test_replay_and_torn_tail(void **state)
{
	char dir[64], path[128];
	struct journal *j;
	struct seen s = {0};
	int dfd = open_tmp(dir), fd;
	struct stat st;

	(void)state;
	assert_int_equal(journal_open(dfd, "j", &j), 0);
	assert_int_equal(journal_append(j, "one", 3, true), 0);
	assert_int_equal(journal_append(j, "{\"two\":2}", 9, false), 0);
	assert_int_equal(journal_append(j, "three", 5, true), 0);
	assert_int_equal(journal_append(j, "bad\nline", 8, true), -EINVAL);
	journal_close(j);
	/* a torn entry at the end */
	snprintf(path, sizeof(path), "%s/j", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "J 5 1234 fo", 11), 11);
	close(fd);
	assert_int_equal(journal_open(dfd, "j", &j), 0);
	assert_int_equal(journal_replay(j, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[0], "one");
	assert_string_equal(s.v[1], "{\"two\":2}");
	assert_string_equal(s.v[2], "three");
	seen_done(&s);
	/* cut off: what comes next is read */
	assert_int_equal(journal_append(j, "four", 4, true), 0);
	assert_int_equal(journal_replay(j, collect, &s), 0);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.v[3], "four");
	seen_done(&s);
	assert_int_equal(journal_truncate(j), 0);
	assert_int_equal(journal_size(j), 0);
	assert_int_equal(journal_replay(j, collect, &s), 0);
	assert_int_equal(s.n, 0);
	journal_close(j);
	/* a flipped byte fails its crc32: the replay stops there */
	assert_int_equal(journal_open(dfd, "k", &j), 0);
	assert_int_equal(journal_append(j, "alpha", 5, true), 0);
	assert_int_equal(journal_append(j, "beta", 4, true), 0);
	journal_close(j);
	snprintf(path, sizeof(path), "%s/k", dir);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(pwrite(fd, "X", 1, st.st_size - 2), 1);
	close(fd);
	assert_int_equal(journal_open(dfd, "k", &j), 0);
	assert_int_equal(journal_replay(j, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0], "alpha");
	seen_done(&s);
	journal_close(j);
	close(dfd);
	assert_int_equal(fs_rm_rf(dir), 0);
}

struct worker {
	struct journal *j;
	int id;
};

static void *append_many(void *arg)
{
	struct worker *w = arg;
	char text[32];

	for (int i = 0; i < 50; i++) {
		int n = snprintf(text, sizeof(text), "w%d-%d", w->id, i);

		if (journal_append(w->j, text, (size_t)n, true) < 0)
			return (void *)1;
	}
	return NULL;
}

static void test_concurrent_appends(void **state)
{
	char dir[64];
	struct journal *j;
	struct seen s = {0};
	pthread_t t[8];
	struct worker w[8];
	int dfd = open_tmp(dir);

	(void)state;
	assert_int_equal(journal_open(dfd, "j", &j), 0);
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){j, i};
		assert_int_equal(pthread_create(&t[i], NULL, append_many, &w[i]),
				 0);
	}
	for (int i = 0; i < 8; i++) {
		void *rv;

		pthread_join(t[i], &rv);
		assert_null(rv);
	}
	assert_int_equal(journal_replay(j, collect, &s), 0);
	assert_int_equal(s.n, 400);
	seen_done(&s);
	journal_close(j);
	close(dfd);
	assert_int_equal(fs_rm_rf(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_and_torn_tail),
		cmocka_unit_test(test_concurrent_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
