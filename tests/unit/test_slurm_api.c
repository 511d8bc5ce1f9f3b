/*
 * Unit tests of sidecar-slurm/slurm_api.c's release-dependent tables: the
 * job state reason names and the libslurm version check.  Links the real
 * slurm_api.c and libslurm but makes no RPC.
 *
 * The reason table is compared, entry by entry, with the names of the
 * libslurm this test runs with: libslurm exports its own table's function
 * without declaring it (22.05: slurm_job_reason_string, 24.11:
 * slurm_job_state_reason_string), so dlsym finds it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "slurm_api.h"

typedef const char *(*reason_fn)(unsigned int);

static reason_fn libslurm_reason_fn(const char **which)
{
	static const char *const names[] = {
		"slurm_job_state_reason_string", /* 23.x and later */
		"slurm_job_reason_string",	 /* 22.05 */
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *f = dlsym(RTLD_DEFAULT, names[i]);

		if (f) {
			*which = names[i];
			/* POSIX: a function pointer may travel as void * */
			return (reason_fn)(uintptr_t)f;
		}
	}
	return NULL;
}

/* Every name in the table is the one libslurm itself prints. */
static void test_reasons_match_libslurm(void **state)
{
	const char *which = NULL;
	reason_fn fn = libslurm_reason_fn(&which);
	unsigned int i, n = slurm_api_reason_count(), checked = 0;
	const char *unknown;

	(void)state;
	if (!fn) {
		/* a libslurm that hides its table: nothing to compare with */
		print_message("# libslurm exports no reason names\n");
		return;
	}
	unknown = fn(60000);
	for (i = 0; i < n; i++) {
		const char *ours = slurm_api_reason_name(i);
		const char *theirs = fn(i);

		/* a hole is a number libslurm does not name either (24.11's
		 * DEFUNCT_WAIT_34, left where 23.02 dropped a reason) */
		if (!ours) {
			if (theirs && unknown && strcmp(theirs, unknown) != 0)
				fail_msg("reason %u has no name (libslurm's "
					 "%s: '%s')",
					 i, which, theirs);
			continue;
		}
		if (!theirs || strcmp(ours, theirs) != 0)
			fail_msg("reason %u: table '%s', libslurm's %s '%s'",
				 i, ours, which, theirs ? theirs : "(null)");
		checked++;
	}
	assert_true(checked > 150);
	/* and the table stops where libslurm's enum does: the next number
	 * is as unknown to libslurm as a far-away one */
	assert_null(slurm_api_reason_name(n));
	{
		const char *next = fn(n);

		assert_true((!next && !unknown) ||
			    (next && unknown && strcmp(next, unknown) == 0));
	}
}

/* Names every release has, at the numbers they have had since 22.05. */
static void test_reasons_spot(void **state)
{
	(void)state;
	assert_string_equal(slurm_api_reason_name(0), "None");
	assert_string_equal(slurm_api_reason_name(1), "Priority");
	assert_string_equal(slurm_api_reason_name(3), "Resources");
	assert_null(slurm_api_reason_name(100000));
}

/* Names that exist only in newer releases: there in a build against one
 * of them, absent from a 22.05 build. */
static void test_reasons_new_in_24_11(void **state)
{
	static const char *const newer[] = {
		"RaisedSignal",		/* FAIL_SIGNAL, 23.02 */
		"Constraints",		/* FAIL_CONSTRAINTS, 23.11 */
		"ReservationInvalid",	/* WAIT_RESV_INVALID, 23.11 */
		"MaxPoweredUpNodes",	/* WAIT_MAX_POWERED_NODES, 24.05 */
		"MpiPortsBusy",		/* WAIT_MPI_PORTS_BUSY, 24.05 */
		"MaxCpuRunMinsPerUser", /* WAIT_QOS_..._PER_USER, 24.05 */
	};
	char built[256];
	unsigned int i, n = slurm_api_reason_count();
	size_t k;
	int major = 0, minor = 0;

	(void)state;
	slurm_api_version_text(built, sizeof(built));
	assert_int_equal(sscanf(built, "built against Slurm %d.%d", &major,
				&minor),
			 2);
	/* all of them from 24.05 on, none before 23.02 */
	if (major * 100 + minor < 2405 && major * 100 + minor >= 2302)
		return;
	for (k = 0; k < sizeof(newer) / sizeof(newer[0]); k++) {
		for (i = 0; i < n; i++) {
			const char *s = slurm_api_reason_name(i);

			if (s && strcmp(s, newer[k]) == 0)
				break;
		}
		if (major * 100 + minor >= 2405 && i == n)
			fail_msg("no reason named '%s' in a %d.%02d build",
				 newer[k], major, minor);
		if (major * 100 + minor < 2302 && i < n)
			fail_msg("reason %u named '%s' in a %d.%02d build",
				 i, newer[k], major, minor);
	}
}

#define REL(a, b, c) (((long)(a) << 16) + ((long)(b) << 8) + (long)(c))
#define API(n) ((long)(n) << 16)

static void test_version_check(void **state)
{
	static const struct {
		long built, api;
	} same[] = {
		{ REL(20, 11, 9), API(36) }, { REL(21, 8, 8), API(37) },
		{ REL(22, 5, 8), API(38) },  { REL(23, 2, 7), API(39) },
		{ REL(23, 11, 10), API(40) }, { REL(24, 5, 8), API(41) },
		{ REL(24, 11, 5), API(42) }, { REL(25, 5, 1), API(43) },
		{ REL(25, 11, 0), API(44) }, { REL(26, 5, 0), API(45) },
		/* the micro parts of the API number do not matter */
		{ REL(24, 11, 0), API(42) + 0x0102 },
	};
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		if (slurm_api_version_check(same[i].built, same[i].api, err,
					    sizeof(err)) != ILK_OK)
			fail_msg("release %lx with API %ld refused: %s",
				 same[i].built, same[i].api >> 16, err);

	err[0] = '\0';
	assert_int_equal(slurm_api_version_check(REL(24, 11, 5), API(38), err,
						 sizeof(err)),
			 ILK_ERR_UNAVAILABLE);
	assert_non_null(strstr(err, "built against Slurm 24.11"));
	assert_non_null(strstr(err, "libslurm API 38 (Slurm 22.05)"));
	assert_non_null(strstr(err, "rebuild"));
	assert_int_equal(slurm_api_version_check(REL(22, 5, 8), API(42), err,
						 sizeof(err)),
			 ILK_ERR_UNAVAILABLE);
	assert_non_null(strstr(err, "(Slurm 24.11)"));
	/* one release apart is a different major release too */
	assert_int_equal(slurm_api_version_check(REL(24, 5, 0), API(42), err,
						 sizeof(err)),
			 ILK_ERR_UNAVAILABLE);
	assert_int_equal(slurm_api_version_check(REL(23, 2, 0), API(40), err,
						 sizeof(err)),
			 ILK_ERR_UNAVAILABLE);
	assert_non_null(strstr(err, "(Slurm 23.11)"));
}

/* This build and the library it runs with agree (else the sidecar
 * would refuse to start). */
static void test_version_text(void **state)
{
	char buf[256];
	int a, b, c, api;

	(void)state;
	slurm_api_version_text(buf, sizeof(buf));
	assert_int_equal(sscanf(buf,
				"built against Slurm %d.%d.%d, running "
				"libslurm API %d.",
				&a, &b, &c, &api),
			 4);
	assert_int_equal(slurm_api_version_check(REL(a, b, c), API(api), NULL,
						 0),
			 ILK_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasons_match_libslurm),
		cmocka_unit_test(test_reasons_spot),
		cmocka_unit_test(test_reasons_new_in_24_11),
		cmocka_unit_test(test_version_check),
		cmocka_unit_test(test_version_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
