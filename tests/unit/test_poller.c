/*
 * tests/unit/test_poller.c - sidecar-slurm/poller.c with a fake backend
 * behind the ops table: a job noted as just submitted reads PENDING
 * until a poll that began after the note has answered, then what that
 * poll says; kicks make polls; a failed first poll answers -EAGAIN;
 * polls that find nothing changed skip the housekeeping, a kick runs it.
 * No timed assertion: the tests wait for poll generations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "poller.h"

/* the fake batch system: jobs it lists, and whether it answers */
static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static char fake_jobs[4][ILK_JOB_ID_MAX];
static int fake_n, fake_fail, fake_polls;

static int fake_poll(void *state, ilk_job_visit_fn visit, void *ctx,
		     char *err, size_t errlen)
{
	struct ilk_job_info ji;
	int n, fail;

	(void)state;
	pthread_mutex_lock(&fake_lock);
	fake_polls++;
	n = fake_n;
	fail = fake_fail;
	pthread_mutex_unlock(&fake_lock);
	if (fail) {
		snprintf(err, errlen, "controller down");
		return ILK_ERR_UNAVAILABLE;
	}
	for (int i = 0; i < n; i++) {
		memset(&ji, 0, sizeof(ji));
		ji.struct_size = sizeof(ji);
		snprintf(ji.job_id, sizeof(ji.job_id), "%s", fake_jobs[i]);
		ji.phase = ILK_JOB_RUNNING;
		snprintf(ji.state, sizeof(ji.state), "RUNNING");
		visit(ctx, &ji);
	}
	return ILK_OK;
}

static const struct ilk_backend_ops fake_ops = {
	.abi_major = ILK_PLUGIN_ABI_MAJOR,
	.abi_minor = ILK_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct ilk_backend_ops),
	.name = "fake",
	.poll = fake_poll,
};

static void fake_reset(int fail)
{
	pthread_mutex_lock(&fake_lock);
	fake_n = 0;
	fake_fail = fail;
	fake_polls = 0;
	pthread_mutex_unlock(&fake_lock);
}

/* Wait (no bound asserted) until g polls more than now have ended. */
static void wait_polls(struct poller *p, uint64_t more)
{
	uint64_t g = poller_generation(p) + more;

	while (poller_generation(p) < g) {
		poller_kick(p);
		usleep(2000);
	}
}

static void test_noted_job_is_pending_until_polled(void **state)
{
	struct ilk_job_info ji;
	char err[256];
	struct poller *p;

	(void)state;
	fake_reset(0);
	p = poller_start(&fake_ops, NULL, 3600 * 1000, NULL, NULL, NULL);
	assert_non_null(p);
	wait_polls(p, 1);
	assert_int_equal(poller_lookup(p, "41", &ji, err, sizeof(err)),
			 -ENOENT);
	poller_note_submitted(p, "41");
	assert_int_equal(poller_lookup(p, "41", &ji, err, sizeof(err)), 0);
	assert_int_equal(ji.phase, ILK_JOB_PENDING);
	assert_string_equal(ji.state, "PENDING");
	assert_string_equal(ji.job_id, "41");
	assert_true(ji.submit_time > 0);
	/* the batch system lists it now: the poll's word wins */
	pthread_mutex_lock(&fake_lock);
	snprintf(fake_jobs[0], sizeof(fake_jobs[0]), "41");
	fake_n = 1;
	pthread_mutex_unlock(&fake_lock);
	wait_polls(p, 2);
	assert_int_equal(poller_lookup(p, "41", &ji, err, sizeof(err)), 0);
	assert_int_equal(ji.phase, ILK_JOB_RUNNING);
	poller_stop(p);
}

static void test_noted_job_unknown_after_a_later_poll(void **state)
{
	struct ilk_job_info ji;
	char err[256];
	struct poller *p;

	(void)state;
	fake_reset(0);
	p = poller_start(&fake_ops, NULL, 3600 * 1000, NULL, NULL, NULL);
	assert_non_null(p);
	wait_polls(p, 1);
	poller_note_submitted(p, "42");
	/* two polls ended: at least one began after the note */
	wait_polls(p, 2);
	assert_int_equal(poller_lookup(p, "42", &ji, err, sizeof(err)),
			 -ENOENT);
	poller_stop(p);
}

static void test_kicks_make_polls(void **state)
{
	struct poller *p;
	int polls;

	(void)state;
	fake_reset(0);
	p = poller_start(&fake_ops, NULL, 3600 * 1000, NULL, NULL, NULL);
	assert_non_null(p);
	wait_polls(p, 3);
	pthread_mutex_lock(&fake_lock);
	polls = fake_polls;
	pthread_mutex_unlock(&fake_lock);
	assert_true(polls >= 3);
	poller_stop(p);
}

static void test_no_snapshot_is_eagain(void **state)
{
	struct ilk_job_info ji;
	char err[256] = "";
	struct poller *p;

	(void)state;
	fake_reset(1);
	p = poller_start(&fake_ops, NULL, 3600 * 1000, NULL, NULL, NULL);
	assert_non_null(p);
	while (1) {
		int n;

		pthread_mutex_lock(&fake_lock);
		n = fake_polls;
		pthread_mutex_unlock(&fake_lock);
		if (n > 0)
			break;
		usleep(2000);
	}
	poller_note_submitted(p, "43");
	assert_int_equal(poller_lookup(p, "43", &ji, err, sizeof(err)),
			 -EAGAIN);
	assert_non_null(strstr(err, "controller down"));
	poller_stop(p);
}

static int after_calls;

static void count_after(void *ctx, struct poller *p)
{
	(void)ctx;
	(void)p;
	pthread_mutex_lock(&fake_lock);
	after_calls++;
	pthread_mutex_unlock(&fake_lock);
}

static int afters(void)
{
	int n;

	pthread_mutex_lock(&fake_lock);
	n = after_calls;
	pthread_mutex_unlock(&fake_lock);
	return n;
}

/* Polls that find nothing changed skip the housekeeping; a kick runs it. */
static void test_unchanged_polls_skip_after(void **state)
{
	struct poller *p;
	int before;

	(void)state;
	fake_reset(0);
	after_calls = 0;
	pthread_mutex_lock(&fake_lock);
	snprintf(fake_jobs[0], sizeof(fake_jobs[0]), "44");
	fake_n = 1;
	pthread_mutex_unlock(&fake_lock);
	p = poller_start(&fake_ops, NULL, 1, NULL, count_after, NULL);
	assert_non_null(p);
	/* the first poll changes everything; the next four change nothing
	 * (the housekeeping would run again only after AFTER_EVERY_SEC) */
	while (poller_generation(p) < 5)
		usleep(2000);
	assert_int_equal(afters(), 1);
	before = afters();
	poller_kick(p);
	while (afters() == before)
		usleep(2000);
	assert_int_equal(afters(), before + 1);
	poller_stop(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noted_job_is_pending_until_polled),
		cmocka_unit_test(test_noted_job_unknown_after_a_later_poll),
		cmocka_unit_test(test_kicks_make_polls),
		cmocka_unit_test(test_no_snapshot_is_eagain),
		cmocka_unit_test(test_unchanged_polls_skip_after),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
