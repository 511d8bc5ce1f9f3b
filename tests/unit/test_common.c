/* Unit tests of common/: buf, text, fsutil, conf. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "fsutil.h"
#include "log.h"
#include "memtrim.h"
#include "strmap.h"
#include "text.h"

static void test_buf_limit(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345678"), 0);
	assert_int_equal(buf_puts(&b, "9"), -E2BIG);
	assert_string_equal(buf_str(&b), "12345678");
	assert_int_equal(b.len, 8);
	buf_reset(&b);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), 0);
	assert_string_equal(buf_str(&b), "42-x");
	assert_int_equal(buf_printf(&b, "%s", "too long!"), -E2BIG);
	assert_string_equal(buf_str(&b), "42-x");
	buf_done(&b);
}

static void test_buf_shquote(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"", "''"},
		{"plain", "'plain'"},
		{"it's", "'it'\\''s'"},
		{"$(rm -rf /) `x` \"q\" \\", "'$(rm -rf /) `x` \"q\" \\'"},
		{"two\nlines", "'two\nlines'"},
		{"'", "''\\'''"},
	};
	struct buf b;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 1024);
		assert_int_equal(buf_append_shquoted(&b, cases[i].in,
						     strlen(cases[i].in)),
				 0);
		assert_string_equal(buf_str(&b), cases[i].out);
		buf_done(&b);
	}
	/* a failed quote leaves the buffer as it was */
	buf_init(&b, 6);
	assert_int_equal(buf_puts(&b, "ab"), 0);
	assert_int_equal(buf_append_shquoted(&b, "xyz'", 4), -E2BIG);
	assert_string_equal(buf_str(&b), "ab");
	buf_done(&b);
}

static void test_text_names(void **state)
{
	(void)state;
	assert_true(text_is_dns_label("main"));
	assert_true(text_is_dns_label("a-1"));
	assert_false(text_is_dns_label("-a"));
	assert_false(text_is_dns_label("a-"));
	assert_false(text_is_dns_label("A"));
	assert_false(text_is_dns_label(""));
	assert_false(text_is_dns_label("../x"));
	assert_false(text_is_dns_label(
		"a123456789012345678901234567890123456789012345678901234567890123"));
	assert_true(text_is_dns_subdomain("pod.name-1"));
	assert_false(text_is_dns_subdomain("pod..name"));
	assert_true(text_is_uuid("3f1c2a9e-0b7d-4c55-9a51-2d6e8f0a1b22"));
	assert_false(text_is_uuid("3F1C2A9E-0B7D-4C55-9A51-2D6E8F0A1B22"));
	assert_false(text_is_uuid("3f1c2a9e-0b7d-4c55-9a51-2d6e8f0a1b2"));
	assert_true(text_is_uid("abc-123"));
	assert_false(text_is_uid("../etc"));
	assert_false(text_is_uid("a/b"));
	assert_true(text_is_env_name("PATH"));
	assert_true(text_is_env_name("_x_Y9"));
	assert_false(text_is_env_name("a.b"));
	assert_false(text_is_env_name("a-b"));
	assert_false(text_is_env_name("1X"));
	assert_false(text_is_env_name("A B"));
	assert_false(text_is_env_name("A=B"));
	assert_true(text_is_rel_path("a/b.txt"));
	assert_false(text_is_rel_path("../a"));
	assert_false(text_is_rel_path("/a"));
	assert_false(text_is_rel_path("a//b"));
	assert_false(text_is_rel_path("a/./b"));
}

static void test_text_numbers(void **state)
{
	uint64_t u;
	int64_t i;
	bool b;

	(void)state;
	assert_int_equal(text_parse_u64("65535", 65535, &u), 0);
	assert_int_equal(u, 65535);
	assert_int_equal(text_parse_u64("65536", 65535, &u), -EINVAL);
	assert_int_equal(text_parse_u64("-1", 65535, &u), -EINVAL);
	assert_int_equal(text_parse_u64("1x", 65535, &u), -EINVAL);
	assert_int_equal(text_parse_u64("", 65535, &u), -EINVAL);
	assert_int_equal(text_parse_u64("99999999999999999999999", UINT64_MAX,
					&u),
			 -EINVAL);
	assert_int_equal(text_parse_i64("-5", -10, 10, &i), 0);
	assert_int_equal(i, -5);
	assert_int_equal(text_parse_i64(" 5", -10, 10, &i), -EINVAL);
	assert_int_equal(text_parse_bool("Yes", &b), 0);
	assert_true(b);
	assert_int_equal(text_parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(text_parse_bool("maybe", &b), -EINVAL);
}

static void test_text_quantities(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(text_parse_cpu_milli("500m", &v), 0);
	assert_int_equal(v, 500);
	assert_int_equal(text_parse_cpu_milli("2", &v), 0);
	assert_int_equal(v, 2000);
	assert_int_equal(text_parse_cpu_milli("1.5", &v), 0);
	assert_int_equal(v, 1500);
	assert_int_equal(text_parse_cpu_milli("1Gi", &v), -EINVAL);
	assert_int_equal(text_parse_cpu_milli("-1", &v), -EINVAL);
	assert_int_equal(text_parse_mem_bytes("128Mi", &v), 0);
	assert_int_equal(v, 128u << 20);
	assert_int_equal(text_parse_mem_bytes("1G", &v), 0);
	assert_int_equal(v, 1000000000u);
	assert_int_equal(text_parse_mem_bytes("1e3", &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(text_parse_mem_bytes("12", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(text_parse_mem_bytes("12Q", &v), -EINVAL);
	assert_int_equal(text_parse_mem_bytes("inf", &v), -EINVAL);
}

static void test_fs(void **state)
{
	char dir[] = "/tmp/test_common.XXXXXX", path[256], *data = NULL;
	size_t len = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(fs_mkdir_p(path, 0755), 0);
	assert_int_equal(fs_mkdir_p(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/a/b/c/f", dir);
	assert_int_equal(fs_write_atomic(path, "hello", 5, 0600), 0);
	assert_int_equal(fs_read_file(path, 100, &data, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(data, "hello");
	free(data);
	assert_int_equal(fs_read_file(path, 4, &data, &len), -EFBIG);
	assert_int_equal(fs_exists(path), 1);
	snprintf(path, sizeof(path), "%s/a", dir);
	assert_int_equal(fs_read_file(path, 100, &data, &len), -EISDIR);
	assert_int_equal(fs_rm_rf(dir), 0);
	assert_int_equal(fs_exists(dir), 0);
	assert_int_equal(fs_rm_rf(dir), 0);
}

struct cfg {
	char *name;
	bool flag;
	int64_t port;
	struct conf_strlist opts;
	char *inner;
};

static const struct conf_key inner_table[] = {
	{"Inner", CONF_STRING, offsetof(struct cfg, inner), "dflt", 0, 0,
	 NULL, "x"},
	{NULL, CONF_END, 0, NULL, 0, 0, NULL, NULL},
};

static const struct conf_key table[] = {
	{"Name", CONF_STRING, offsetof(struct cfg, name), "none", 0, 0, NULL,
	 "x"},
	{"Flag", CONF_BOOL, offsetof(struct cfg, flag), "false", 0, 0, NULL,
	 "x"},
	{"Port", CONF_INT, offsetof(struct cfg, port), "80", 1, 65535, NULL,
	 "x"},
	{"Opts", CONF_STRLIST, offsetof(struct cfg, opts), NULL, 0, 0, NULL,
	 "x"},
	{"Sub", CONF_SECTION, 0, NULL, 0, 0, inner_table, "x"},
	{NULL, CONF_END, 0, NULL, 0, 0, NULL, NULL},
};

static int load_text(const char *text, struct cfg *c, char *err,
		     size_t errlen)
{
	char path[] = "/tmp/test_conf.XXXXXX";
	int fd = mkstemp(path), r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	memset(c, 0, sizeof(*c));
	r = conf_load(table, c, path, NULL, err, errlen);
	unlink(path);
	return r;
}

static void test_conf(void **state)
{
	struct cfg c;
	char err[256];

	(void)state;
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(load_text("Name: x\nFlag: yes\nPort: \"8080\"\n"
				   "Opts: [\"--a\", \"--b\"]\n"
				   "Sub:\n  Inner: in\nUnknown: 1\n",
				   &c, err, sizeof(err)),
			 0);
	assert_string_equal(c.name, "x");
	assert_true(c.flag);
	assert_int_equal(c.port, 8080);
	assert_int_equal(c.opts.n, 2);
	assert_string_equal(c.opts.v[1], "--b");
	assert_string_equal(c.inner, "in");
	conf_free(table, &c);

	assert_int_equal(load_text("Port: 70000\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Port"));
	conf_free(table, &c);
	assert_int_equal(load_text("Flag: maybe\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Flag"));
	conf_free(table, &c);
	assert_int_equal(load_text("Sub: [1]\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Sub"));
	conf_free(table, &c);
	assert_int_equal(load_text("Name: [unclosed\n", &c, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "line"));
	conf_free(table, &c);
	/* defaults */
	assert_int_equal(load_text("{}\n", &c, err, sizeof(err)), 0);
	assert_string_equal(c.name, "none");
	assert_int_equal(c.port, 80);
	assert_string_equal(c.inner, "dflt");
	conf_free(table, &c);
}

static void test_strmap(void **state)
{
	static char keys[3000][16];
	struct strmap m;

	(void)state;
	strmap_init(&m);
	assert_null(strmap_get(&m, "x"));
	for (int i = 0; i < 3000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		assert_int_equal(strmap_put(&m, keys[i], keys[i]), 0);
	}
	assert_int_equal(m.n, 3000);
	for (int i = 0; i < 3000; i++)
		assert_ptr_equal(strmap_get(&m, keys[i]), keys[i]);
	for (int i = 0; i < 3000; i += 2)
		assert_ptr_equal(strmap_del(&m, keys[i]), keys[i]);
	assert_null(strmap_del(&m, "k0"));
	for (int i = 0; i < 3000; i++)
		assert_ptr_equal(strmap_get(&m, keys[i]),
				 i % 2 ? keys[i] : NULL);
	/* reinsert after deletion, and replace */
	assert_int_equal(strmap_put(&m, keys[0], keys[1]), 0);
	assert_ptr_equal(strmap_get(&m, "k0"), keys[1]);
	assert_int_equal(strmap_put(&m, keys[1], keys[2]), 0);
	assert_ptr_equal(strmap_get(&m, "k1"), keys[2]);
	assert_int_equal(m.n, 1501);
	strmap_done(&m);
}

/* memtrim: a trim only after a large drop, and the mark follows */
static void test_memtrim(void **state)
{
	size_t mark = 0;

	(void)state;
	assert_int_equal(memtrim_after_drop(1000, &mark), 0);
	assert_int_equal(mark, 1000);
	/* a small drop, or a large share still held: no trim */
	assert_int_equal(memtrim_after_drop(900, &mark), 0);
	assert_int_equal(memtrim_after_drop(760, &mark), 0);
	assert_int_equal(mark, 1000);
	assert_int_equal(memtrim_after_drop(10000, &mark), 0);
	assert_int_equal(mark, 10000);
	assert_int_equal(memtrim_after_drop(0, &mark), 1);
	assert_int_equal(mark, 0);
	/* a drop of fewer than MEMTRIM_MIN_DROP never trims */
	assert_int_equal(memtrim_after_drop(MEMTRIM_MIN_DROP - 1, &mark), 0);
	assert_int_equal(memtrim_after_drop(0, &mark), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_limit),
		cmocka_unit_test(test_buf_shquote),
		cmocka_unit_test(test_text_names),
		cmocka_unit_test(test_text_numbers),
		cmocka_unit_test(test_text_quantities),
		cmocka_unit_test(test_fs),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_strmap),
		cmocka_unit_test(test_memtrim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
