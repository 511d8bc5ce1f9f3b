/* Unit tests of sidecar-slurm/sbatch_flags.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sbatch_flags.h"

static void test_full(void **state)
{
	struct sbatch_flags f;
	char err[256];

	(void)state;
	assert_int_equal(sbatch_flags_parse(
				 "--time=01:30:00 -p gpu --account=proj "
				 "-q high -N 2 --ntasks 4 -c8 --mem=4G "
				 "--gres=gpu:2 -G 1 -C 'a&b' --reservation r1 "
				 "--exclusive -J \"my job\"",
				 &f, err, sizeof(err)),
			 0);
	assert_int_equal(f.time_limit_min, 90);
	assert_string_equal(f.partition, "gpu");
	assert_string_equal(f.account, "proj");
	assert_string_equal(f.qos, "high");
	assert_int_equal(f.nodes, 2);
	assert_int_equal(f.ntasks, 4);
	assert_int_equal(f.cpus_per_task, 8);
	assert_int_equal(f.mem_mb, 4096);
	assert_string_equal(f.gres, "gpu:2");
	assert_int_equal(f.gpus, 1);
	assert_string_equal(f.constraint, "a&b");
	assert_string_equal(f.reservation, "r1");
	assert_true(f.exclusive);
	assert_string_equal(f.job_name, "my job");
	sbatch_flags_done(&f);
}

static void test_last_wins_and_empty(void **state)
{
	struct sbatch_flags f;
	char err[256];

	(void)state;
	assert_int_equal(sbatch_flags_parse("-t 5 --time=10", &f, err,
					    sizeof(err)),
			 0);
	assert_int_equal(f.time_limit_min, 10);
	sbatch_flags_done(&f);
	assert_int_equal(sbatch_flags_parse(NULL, &f, err, sizeof(err)), 0);
	assert_int_equal(sbatch_flags_parse("   ", &f, err, sizeof(err)), 0);
	assert_null(f.partition);
}

static void test_errors(void **state)
{
	static const struct {
		const char *in, *msg;
	} cases[] = {
		{"--foo=1", "'--foo=1' is not a supported"},
		{"-x", "'-x' is not a supported"},
		{"--wrap 'rm -rf /'", "'--wrap' is not a supported"},
		{"--output=/etc/passwd", "'--output=/etc/passwd' is not"},
		{"--uid=0", "'--uid=0' is not a supported"},
		{"--export=ALL", "'--export=ALL' is not a supported"},
		{"--time=abc", "bad value 'abc' for --time"},
		{"--time=0", "bad value '0' for --time"},
		{"--mem=lots", "bad value 'lots' for --mem"},
		{"--nodes=0", "bad value '0' for --nodes"},
		{"--nodes=-1", "bad value '-1' for --nodes"},
		{"--ntasks", "--ntasks needs a value"},
		{"--exclusive=user", "--exclusive takes no value"},
		{"--mem=1G --mem-per-cpu=1G", "cannot both be set"},
		{"-p 'unterminated", "unterminated quote"},
		{"-J \"a\nb\"", "bad value"},
	};
	struct sbatch_flags f;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(sbatch_flags_parse(cases[i].in, &f, err,
						    sizeof(err)),
				 -1);
		if (!strstr(err, cases[i].msg))
			fail_msg("'%s': got '%s', want '%s'", cases[i].in,
				 err, cases[i].msg);
		assert_null(f.partition);
	}
}

static void test_time_and_mem(void **state)
{
	static const struct {
		const char *in;
		int ok;
		uint32_t min;
	} t[] = {
		{"90", 1, 90},        {"1:30", 1, 2},       {"1:30:00", 1, 90},
		{"2-12", 1, 3600},    {"1-0:30", 1, 1470},  {"0-0:0:59", 1, 1},
		{"", 0, 0},           {"1:2:3:4", 0, 0},    {"-5", 0, 0},
		{"1:x", 0, 0},        {"999-0", 0, 0},
	};
	static const struct {
		const char *in;
		int ok;
		uint64_t mb;
	} m[] = {
		{"512", 1, 512},   {"512M", 1, 512},  {"4G", 1, 4096},
		{"1T", 1, 1048576}, {"100K", 1, 1},   {"1.5G", 1, 1536},
		{"2gb", 1, 2048},  {"0", 0, 0},       {"1X", 0, 0},
		{"G", 0, 0},       {"1GG", 0, 0},
	};
	uint32_t min;
	uint64_t mb;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r = sbatch_parse_time(t[i].in, &min);

		if ((r == 0) != t[i].ok || (r == 0 && min != t[i].min))
			fail_msg("time '%s': r=%d min=%u", t[i].in, r, min);
	}
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		int r = sbatch_parse_mem(m[i].in, &mb);

		if ((r == 0) != m[i].ok || (r == 0 && mb != m[i].mb))
			fail_msg("mem '%s': r=%d mb=%llu", m[i].in, r,
				 (unsigned long long)mb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_last_wins_and_empty),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_time_and_mem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
