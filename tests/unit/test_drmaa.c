/* Unit tests of backends/drmaa: native specification, request codec,
 * accounting lines and files, qhost's table, the job table (no DRMAA, no
 * Grid Engine). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "../../backends/drmaa/drmaa_acct.h"
#include "../../backends/drmaa/drmaa_req.h"
#include "../../backends/drmaa/drmaa_table.h"

static struct ilk_job_spec spec0(void)
{
	struct ilk_job_spec s = {.struct_size = sizeof(s)};

	s.cpus = 1;
	return s;
}

static void test_native_spec(void **state)
{
	struct drmaa_site site = {.queue = "all.q"};
	struct ilk_job_spec s = spec0();
	char out[DRMAA_NATIVE_MAX], err[256];

	(void)state;
	assert_int_equal(drmaa_native_spec(&s, &site, out, sizeof(out), err,
					   sizeof(err)), ILK_OK);
	assert_string_equal(out, "-b n -q all.q");
	s.partition = "short";
	s.time_limit_min = 10;
	s.account = "proj-1";
	s.mem_mb = 512;
	s.cpus = 4;
	site.pe = "smp";
	site.mem_resource = "h_vmem";
	assert_int_equal(drmaa_native_spec(&s, &site, out, sizeof(out), err,
					   sizeof(err)), ILK_OK);
	assert_string_equal(out, "-b n -q short -A proj-1 -pe smp 4 "
			    "-l h_rt=600 -l h_vmem=512M");
}

static void test_native_refusals(void **state)
{
	struct drmaa_site site = {0};
	char out[DRMAA_NATIVE_MAX], err[256];
	static const struct {
		const char *field, *says;
	} cases[] = {
		{"gres", "generic resource"}, {"gpus", "GPU request"},
		{"qos", "QOS"}, {"reservation", "reservation"},
		{"constraint", "constraint"}, {"nodes", "more than one node"},
		{"ntasks", "more than one task"}, {"exclusive", "exclusive"},
		{"mem_per_cpu", "memory per CPU"}, {"cpus", "DrmaaParallelEnvironment"},
		{"queue", "queue name"}, {"account", "account"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ilk_job_spec s = spec0();
		const char *f = cases[i].field;

		if (!strcmp(f, "gres")) s.gres = "gpu:1";
		if (!strcmp(f, "gpus")) s.gpus = 1;
		if (!strcmp(f, "qos")) s.qos = "high";
		if (!strcmp(f, "reservation")) s.reservation = "r";
		if (!strcmp(f, "constraint")) s.constraint = "a&b";
		if (!strcmp(f, "nodes")) s.nodes = 2;
		if (!strcmp(f, "ntasks")) s.ntasks = 2;
		if (!strcmp(f, "exclusive")) s.exclusive = 1;
		if (!strcmp(f, "mem_per_cpu")) s.mem_per_cpu_mb = 100;
		if (!strcmp(f, "cpus")) s.cpus = 2;
		/* an option smuggled in a name */
		if (!strcmp(f, "queue")) s.partition = "all.q -l h=x";
		if (!strcmp(f, "account")) s.account = "-p 1000";
		err[0] = '\0';
		if (drmaa_native_spec(&s, &site, out, sizeof(out), err,
				      sizeof(err)) != ILK_ERR_INVALID ||
		    !strstr(err, cases[i].says))
			fail_msg("%s: err '%s'", f, err);
	}
	/* a spec of ABI 1.0 (no placement fields) is read only that far */
	{
		struct ilk_job_spec s = spec0();

		s.gres = "gpu:1";
		s.struct_size = offsetof(struct ilk_job_spec, account);
		assert_int_equal(drmaa_native_spec(&s, &site, out, sizeof(out),
						   err, sizeof(err)), ILK_OK);
	}
}

static void test_request_codec(void **state)
{
	char buf[4096], err[128];
	struct drmaa_req rq;
	size_t len = 0;

	(void)state;
	assert_int_equal(drmaa_req_put(buf, sizeof(buf), &len, 'S',
				       "#!/bin/bash\necho 'x:1'\n"), 0);
	assert_int_equal(drmaa_req_put(buf, sizeof(buf), &len, 'W', "/p"), 0);
	assert_int_equal(drmaa_req_put(buf, sizeof(buf), &len, 'O', "/p/o"), 0);
	assert_int_equal(drmaa_req_put(buf, sizeof(buf), &len, 'E', "A=b:c"), 0);
	assert_int_equal(drmaa_req_put(buf, sizeof(buf), &len, 'E', "EMPTY="), 0);
	assert_int_equal(drmaa_req_parse(buf, len, &rq, err, sizeof(err)), 0);
	assert_string_equal(rq.script, "#!/bin/bash\necho 'x:1'\n");
	assert_string_equal(rq.wd, "/p");
	assert_string_equal(rq.out, "/p/o");
	assert_int_equal(rq.n_env, 2);
	assert_string_equal(rq.env[1], "EMPTY=");
	assert_null(rq.env[2]);
	/* truncated, overlong, unknown key, embedded NUL, missing field */
	assert_int_equal(drmaa_req_parse(buf, len - 1, &rq, err, sizeof(err)), -1);
	assert_int_equal(drmaa_req_parse("S99:ab", 7, &rq, err, sizeof(err)), -1);
	assert_int_equal(drmaa_req_parse("X1:a", 5, &rq, err, sizeof(err)), -1);
	assert_int_equal(drmaa_req_parse("S3:a\0b", 7, &rq, err, sizeof(err)), -1);
	assert_int_equal(drmaa_req_parse("S1:a", 5, &rq, err, sizeof(err)), -1);
	assert_int_equal(drmaa_req_parse("S-1:a", 6, &rq, err, sizeof(err)), -1);
	/* a field that does not fit */
	len = 0;
	assert_int_equal(drmaa_req_put(buf, 8, &len, 'S', "0123456789"), -1);
}

#define LINE(job, fail, code)                                                  \
	"all.q:vm:nogroup:nobody:pod-x:" job ":sge:0:1796231824:1796231825:"  \
	"1796231827:" fail ":" code ":3:0.004903:0.000000:4880.000000:0:0\n"

static void test_acct(void **state)
{
	char path[] = "/tmp/test_drmaa.XXXXXX";
	struct drmaa_acct a;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(drmaa_acct_parse_line(LINE("7", "0", "6"), "7", &a), 0);
	assert_int_equal(a.exit_status, 6);
	assert_int_equal(a.failed, 0);
	assert_int_equal(a.start_time, 1796231825);
	assert_string_equal(a.owner, "nobody");
	assert_int_equal(drmaa_acct_parse_line(LINE("17", "0", "6"), "7", &a), 1);
	assert_int_equal(drmaa_acct_parse_line("# Version: 8.1.9\n", "7", &a), -1);
	assert_int_equal(drmaa_acct_parse_line("all.q:vm:x\n", "7", &a), -1);
	assert_int_equal(drmaa_acct_parse_line(LINE("7", "x", "6"), "7", &a), -1);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# Version: 8.1.9\n", f);
	fputs(LINE("7", "0", "1"), f);  /* an earlier job 7 (recycled id) */
	fputs(LINE("8", "0", "2"), f);
	fputs(LINE("7", "100", "137"), f);
	fputs("all.q:vm:nogroup:nobody:pod-x:9:sge", f); /* being written */
	fclose(f);
	assert_int_equal(drmaa_acct_find(path, 0, 1 << 20, "7", &a), 0);
	assert_int_equal(a.exit_status, 137);
	assert_int_equal(a.failed, 100);
	assert_int_equal(drmaa_acct_find(path, 0, 1 << 20, "9", &a), 1);
	/* from an offset in the middle of a line on: that line is skipped
	 * (its tail "q:vm:nogroup:nobody:pod-x:7:..." is no record of 7) */
	assert_int_equal(drmaa_acct_find(path, 20, 1 << 20, "8", &a), 0);
	assert_int_equal(a.exit_status, 2);
	assert_int_equal(drmaa_acct_find(path, 20, 1 << 20, "7", &a), 0);
	assert_int_equal(a.exit_status, 137);
	{
		off_t third = (off_t)(strlen("# Version: 8.1.9\n") +
				      2 * strlen(LINE("7", "0", "1")));

		assert_int_equal(drmaa_acct_find(path, third + 3, 1 << 20, "7",
						 &a), 1);
		assert_int_equal(drmaa_acct_find(path, third, 1 << 20, "7",
						 &a), 0);
		assert_int_equal(drmaa_acct_find(path, 2, 1 << 20, "7", &a), 0);
	}
	assert_true(drmaa_acct_size(path) > 0);
	unlink(path);
	assert_int_equal(drmaa_acct_find(path, 0, 1 << 20, "7", &a), 1);
	assert_int_equal(drmaa_acct_size(path), 0);
}

static void test_qhost(void **state)
{
	struct ilk_capacity c = {.struct_size = sizeof(c)};

	(void)state;
	assert_int_equal(drmaa_qhost_parse(
		"HOSTNAME                ARCH         NCPU NSOC NCOR NTHR  LOAD  MEMTOT  MEMUSE  SWAPTO  SWAPUS\n"
		"----------------------------------------------------------------------------------------------\n"
		"global                  -               -    -    -    -     -       -       -       -       -\n"
		"vm                      lx-amd64        2    1    2    2  0.32   23.5G  325.4M     0.0     0.0\n"
		"n2                      lx-amd64       16    2    8   16  0.01  512.0M  325.4M     0.0     0.0\n"
		"down                    lx-amd64        -    -    -    -     -       -       -       -       -\n",
		&c), 0);
	assert_int_equal(c.cpus, 18);
	assert_int_equal(c.memory_mb, 23 * 1024 + 512 + 512);
	assert_int_equal(drmaa_qhost_parse("error: commlib error\n", &c), -1);
}

static void test_table(void **state)
{
	char dir[] = "/tmp/test_drmaa_table.XXXXXX", path[128], link[128];
	struct drmaa_table t = {0}, u = {0};
	struct drmaa_job *j;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/jobs", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	j = drmaa_table_add(&t, "12", "interlink-pod=a");
	assert_non_null(j);
	j->acct_from = 4096;
	j = drmaa_table_add(&t, "13", "");
	assert_non_null(j);
	j = drmaa_table_add(&t, "14", "interlink-pod=c");
	j->phase = ILK_JOB_DONE; /* finished jobs are not saved */
	j->gone_at = 1000;
	assert_string_equal(drmaa_table_find(&t, "13")->id, "13");
	assert_null(drmaa_table_find(&t, "1"));
	assert_int_equal(drmaa_table_save(&t, path), 0);
	assert_int_equal(drmaa_table_load(&u, path), 2);
	assert_string_equal(u.v[0].tag, "interlink-pod=a");
	assert_int_equal(u.v[0].acct_from, 4096);
	assert_string_equal(u.v[1].tag, "");
	assert_string_equal(u.v[1].state, "UNKNOWN");
	/* loading again adds nothing twice */
	assert_int_equal(drmaa_table_load(&u, path), 0);
	assert_int_equal(u.n, 2);
	/* prune drops only long-finished jobs */
	drmaa_table_prune(&t, 1000 + DRMAA_DONE_KEEP_SEC);
	assert_int_equal(t.n, 3);
	drmaa_table_prune(&t, 1001 + DRMAA_DONE_KEEP_SEC);
	assert_int_equal(t.n, 2);
	drmaa_table_pop(&t);
	assert_int_equal(t.n, 1);
	/* a symlink is never followed, for reading or for the temp file */
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(drmaa_table_load(&u, link), -ELOOP);
	assert_int_equal(drmaa_table_load(&u, "/nonexistent/x"), -ENOENT);
	unlink(link);
	snprintf(link, sizeof(link), "%s/jobs.tmp", dir);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	assert_int_equal(drmaa_table_save(&t, path), -ELOOP);
	unlink(link);
	unlink(path);
	rmdir(dir);
	drmaa_table_free(&t);
	drmaa_table_free(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native_spec),
		cmocka_unit_test(test_native_refusals),
		cmocka_unit_test(test_request_codec),
		cmocka_unit_test(test_acct),
		cmocka_unit_test(test_qhost),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
