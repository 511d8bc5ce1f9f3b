/*
 * tests/unit/test_jobscript.c - sidecar-slurm/jobscript.c: validation, the
 * image prefix rules, the script's shape, and -- most important -- that the
 * env files and job scripts it writes, run by a real bash, deliver every
 * value from the pod byte for byte and never execute any of it.
 *
 * The execution tests write a stand-in for the container runtime into a
 * temp dir (a bash script that skips the runtime's own words up to and
 * including the image, applies --env-file and --pwd, then execs the rest),
 * run the generated script with bash, and check the .out/.status files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fsutil.h"
#include "jobscript.h"
#include "tunnels.h"
#include "wire.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define UID "3f1c2a9e-0b7d-4c55-9a51-2d6e8f0a1b22"
#define BASH "/bin/bash"

/* ---- building pods ---------------------------------------------------- */

/* One container; string lists are NULL terminated, env is name, value,
 * name, value, ..., NULL. */
struct ctr {
	const char *name, *image, *wd;
	const char *const *cmd;
	const char *const *args;
	const char *const *env;
};

static cJSON *strs_json(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();

	assert_non_null(a);
	for (; *v; v++)
		assert_true(cJSON_AddItemToArray(a, cJSON_CreateString(*v)));
	return a;
}

static cJSON *ctr_json(const struct ctr *c)
{
	cJSON *o = cJSON_CreateObject();

	assert_non_null(o);
	if (c->name)
		assert_non_null(cJSON_AddStringToObject(o, "name", c->name));
	if (c->image)
		assert_non_null(cJSON_AddStringToObject(o, "image", c->image));
	if (c->cmd)
		assert_true(cJSON_AddItemToObject(o, "command",
						  strs_json(c->cmd)));
	if (c->args)
		assert_true(cJSON_AddItemToObject(o, "args",
						  strs_json(c->args)));
	if (c->env) {
		cJSON *a = cJSON_AddArrayToObject(o, "env");

		for (size_t i = 0; c->env[i]; i += 2) {
			cJSON *e = cJSON_CreateObject();

			assert_non_null(e);
			cJSON_AddStringToObject(e, "name", c->env[i]);
			cJSON_AddStringToObject(e, "value", c->env[i + 1]);
			assert_true(cJSON_AddItemToArray(a, e));
		}
	}
	if (c->wd)
		assert_non_null(cJSON_AddStringToObject(o, "workingDir",
							c->wd));
	return o;
}

/*
 * Decode a pod with these containers through wire_pod_decode, as the
 * sidecar does.  annotations: key, value, ..., NULL (or NULL).
 */
static void make_pod(struct wire_pod *pod, const struct ctr *init,
		     size_t n_init, const struct ctr *ctrs, size_t n,
		     const char *const *annotations)
{
	cJSON *j = cJSON_CreateObject(), *meta, *spec, *a;
	char err[256];

	assert_non_null(j);
	meta = cJSON_AddObjectToObject(j, "metadata");
	cJSON_AddStringToObject(meta, "name", "pod-a");
	cJSON_AddStringToObject(meta, "namespace", "ns1");
	cJSON_AddStringToObject(meta, "uid", UID);
	if (annotations) {
		a = cJSON_AddObjectToObject(meta, "annotations");
		for (size_t i = 0; annotations[i]; i += 2)
			cJSON_AddStringToObject(a, annotations[i],
						annotations[i + 1]);
	}
	spec = cJSON_AddObjectToObject(j, "spec");
	a = cJSON_AddArrayToObject(spec, "initContainers");
	for (size_t i = 0; i < n_init; i++)
		assert_true(cJSON_AddItemToArray(a, ctr_json(&init[i])));
	a = cJSON_AddArrayToObject(spec, "containers");
	for (size_t i = 0; i < n; i++)
		assert_true(cJSON_AddItemToArray(a, ctr_json(&ctrs[i])));
	if (wire_pod_decode(j, pod, err, sizeof(err)) < 0)
		fail_msg("wire_pod_decode: %s", err);
	cJSON_Delete(j);
}

/* ---- temp dirs, files, processes -------------------------------------- */

static int setup_tmp(void **state)
{
	char *dir = strdup("/tmp/test_jobscript.XXXXXX");

	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int teardown_tmp(void **state)
{
	char *dir = *state;
	int r = fs_rm_rf(dir);

	free(dir);
	return r;
}

static char *path_join(const char *a, const char *b)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", a, b) > 0);
	return p;
}

static void write_file(const char *dir, const char *name, const char *data,
		       size_t len, mode_t mode)
{
	char *p = path_join(dir, name);

	assert_int_equal(fs_write_atomic(p, data, len, mode), 0);
	free(p);
}

/* The content of dir/name, or NULL when it does not exist. */
static char *read_file(const char *dir, const char *name, size_t *ret_len)
{
	char *p = path_join(dir, name), *data = NULL;
	int r = fs_read_file(p, 1 << 20, &data, ret_len);

	free(p);
	if (r == -ENOENT)
		return NULL;
	assert_int_equal(r, 0);
	return data;
}

/*
 * Container logs carry a time stamp per line ("2026-07-14T10:00:00.123456Z
 * "): check each and remove it, leaving what the container wrote.
 */
static size_t strip_stamps(char *data, size_t len)
{
	size_t in = 0, out = 0;

	while (in < len) {
		const char *sp = memchr(data + in, ' ', len - in);

		assert_non_null(sp);
		assert_true(sp - (data + in) == 27);
		assert_true(data[in + 4] == '-' && data[in + 10] == 'T' &&
			    data[in + 19] == '.' && data[in + 26] == 'Z');
		in = (size_t)(sp - data) + 1;
		while (in < len) {
			char c = data[in++];

			data[out++] = c;
			if (c == '\n')
				break;
		}
	}
	return out;
}

static void assert_file(const char *dir, const char *name, const char *want,
			size_t want_len)
{
	size_t len = 0, nl = strlen(name);
	char *got = read_file(dir, name, &len);

	if (!got)
		fail_msg("%s/%s: missing", dir, name);
	if (nl > 4 && strcmp(name + nl - 4, ".out") == 0) {
		/* the stamper reads lines with bash: NUL bytes are dropped */
		char *w = malloc(want_len + 1);
		size_t wl = 0;

		assert_non_null(w);
		w = realloc(w, want_len + 2);
		assert_non_null(w);
		for (size_t i = 0; i < want_len; i++)
			if (want[i])
				w[wl++] = want[i];
		/* and it ends an unfinished last line */
		if (wl && w[wl - 1] != '\n')
			w[wl++] = '\n';
		w[wl] = '\0';
		len = strip_stamps(got, len);
		got[len] = '\0';
		if (len != wl || memcmp(got, w, len) != 0) {
			print_error("%s/%s: %zu bytes, want %zu\n", dir, name,
				    len, wl);
			print_error("got:  '%s'\nwant: '%s'\n", got, w);
			free(w);
			free(got);
			fail();
		}
		free(w);
		free(got);
		return;
	}
	if (len != want_len || memcmp(got, want, len) != 0) {
		print_error("%s/%s: %zu bytes, want %zu\n", dir, name, len,
			    want_len);
		print_error("got:  '%s'\nwant: '%s'\n", got, want);
		free(got);
		fail();
	}
	free(got);
}

static void assert_absent(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	int r = fs_exists(p);

	if (r != 0)
		fail_msg("%s should not exist (%d)", p, r);
	free(p);
}

/*
 * fork/execve argv (argv[0] an absolute path) in cwd with a fixed, minimal
 * environment and stdin from /dev/null; collect stdout into out.  Returns
 * the exit status; fails the test on a signal.
 */
static int run(const char *cwd, char *const argv[], struct buf *out)
{
	static char *const envp[] = {
		"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=/home-of-the-test",
		NULL
	};
	char chunk[4096];
	int p[2], st = 0, devnull;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(devnull >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(devnull, 0) < 0 || dup2(p[1], 1) < 0 ||
		    (cwd && chdir(cwd) < 0))
			_exit(126);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(p[1]);
	close(devnull);
	while ((n = read(p[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n > 0);
		assert_int_equal(buf_append(out, chunk, (size_t)n), 0);
	}
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	if (!WIFEXITED(st))
		fail_msg("%s: killed by signal %d", argv[0], WTERMSIG(st));
	return WEXITSTATUS(st);
}

/* Values no shell may touch: quotes, expansions, newlines, odd bytes. */
static const char *const hostile[] = {
	"it's",
	"'",
	"''",
	"'\\''",
	"say \"hi\" \"",
	"back\\slash\\",
	"\\",
	"`touch INJECTED`",
	"$(touch INJECTED)",
	"${HOME}",
	"$HOME",
	"$0 $1 $@ $* $$ $? $!",
	"'; touch INJECTED; '",
	"\"; touch INJECTED; \"",
	"line1\nline2\n",
	"\n",
	"x\ny='z'\ntouch INJECTED",
	"",
	"   ",
	"\t",
	"h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac "
	"\xf0\x9f\x90\xa7",
	"-n",
	"-e \\n",
	"--help",
	"-",
	"%s%n%d%%",
	"*",
	"~",
	"!!",
	"a;b|c&d>e<f",
	"ctl\x01\x02\x1b[31m\x7f",
	"raw\x80\xfe\xff",
	"A=B",
	NULL
};

/* hostile[] each followed by a NUL, as printf '%s\0' prints it */
static void hostile_nul_joined(struct buf *b)
{
	for (size_t i = 0; hostile[i]; i++)
		assert_int_equal(buf_append(b, hostile[i],
					    strlen(hostile[i]) + 1),
				 0);
}

/* ---- jobscript_validate ----------------------------------------------- */

static int validate(const struct ctr *init, size_t n_init,
		    const struct ctr *ctrs, size_t n, char *err, size_t errlen)
{
	struct wire_pod pod;
	int r;

	make_pod(&pod, init, n_init, ctrs, n, NULL);
	err[0] = '\0';
	r = jobscript_validate(&pod, err, errlen);
	wire_pod_done(&pod);
	return r;
}

static void test_validate_ok(void **state)
{
	static const char *const env[] = {
		"A", "1", "_b", "", "c_d_e_F9", "x", NULL
	};
	const struct ctr init[] = {
		{.name = "init-1", .image = "busybox"},
	};
	const struct ctr ctrs[] = {
		{.name = "main", .image = "docker://alpine:3", .env = env,
		 .wd = "/work"},
		{.name = "a", .image = "/images/x.sif"},
		{.name = "0-9", .image = "img"},
	};
	char err[256];

	(void)state;
	assert_int_equal(validate(init, N(init), ctrs, N(ctrs), err,
				  sizeof(err)),
			 0);
	assert_string_equal(err, "");
	assert_int_equal(validate(NULL, 0, ctrs, 1, err, sizeof(err)), 0);
}

static void test_validate_no_containers(void **state)
{
	const struct ctr init[] = {{.name = "only-init", .image = "x"}};
	char err[256];

	(void)state;
	assert_int_equal(validate(NULL, 0, NULL, 0, err, sizeof(err)), -1);
	assert_string_equal(err, "the pod has no containers");
	assert_int_equal(validate(init, 1, NULL, 0, err, sizeof(err)), -1);
	assert_string_equal(err, "the pod has no containers");
}

static void test_validate_bad_names(void **state)
{
	static const char *const bad[] = {
		"Main", "-a", "a-", "a_b", "a.b", "a b", "", "../x", "a/b",
		"x\n", "\xc3\xa9",
		/* 64 characters */
		"a123456789012345678901234567890123456789012345678901234567890"
		"123",
	};
	const struct ctr ok[] = {{.name = "ok", .image = "i"}};
	char err[256];

	(void)state;
	assert_int_equal(strlen(bad[N(bad) - 1]), 64);
	for (size_t i = 0; i < N(bad); i++) {
		const struct ctr c[] = {{.name = bad[i], .image = "img"}};

		assert_int_equal(validate(NULL, 0, c, 1, err, sizeof(err)),
				 -1);
		assert_non_null(strstr(err, "container name"));
		assert_non_null(strstr(err, "is not a valid name"));
		assert_null(strstr(err, "init container"));
		/* the same name for an init container says so */
		assert_int_equal(validate(c, 1, ok, 1, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "init container name"));
	}
	/* 63 characters is fine */
	{
		const struct ctr c[] = {
			{.name = "a12345678901234567890123456789012345678901"
				 "234567890123456789012",
			 .image = "img"}};

		assert_int_equal(strlen(c[0].name), 63);
		assert_int_equal(validate(NULL, 0, c, 1, err, sizeof(err)),
				 0);
	}
	/* a missing name */
	{
		const struct ctr c[] = {{.image = "img"}};

		assert_int_equal(validate(NULL, 0, c, 1, err, sizeof(err)),
				 -1);
		assert_string_equal(err,
				    "container name '' is not a valid name "
				    "(lowercase letters, digits and '-', at "
				    "most 63)");
	}
}

static void test_validate_duplicates(void **state)
{
	const struct ctr two[] = {
		{.name = "main", .image = "a"},
		{.name = "side", .image = "b"},
		{.name = "main", .image = "c"},
	};
	const struct ctr init[] = {
		{.name = "prep", .image = "a"},
		{.name = "prep", .image = "a"},
	};
	const struct ctr ctr_prep[] = {{.name = "prep", .image = "a"}};
	const struct ctr ctr_main[] = {{.name = "main", .image = "a"}};
	char err[256];

	(void)state;
	assert_int_equal(validate(NULL, 0, two, N(two), err, sizeof(err)),
			 -1);
	assert_string_equal(err, "two containers are named 'main'");
	/* two init containers */
	assert_int_equal(validate(init, 2, ctr_main, 1, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "two containers are named 'prep'");
	/* an init container and a regular one */
	assert_int_equal(validate(init, 1, ctr_prep, 1, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "two containers are named 'prep'");
}

static void test_validate_image(void **state)
{
	const struct ctr no_image[] = {{.name = "main"}};
	const struct ctr empty[] = {{.name = "main", .image = ""}};
	const struct ctr ctl[] = {{.name = "main", .image = "img\nrm -rf /"}};
	const struct ctr tab[] = {{.name = "main", .image = "img\t"}};
	const struct ctr ok[] = {{.name = "ok", .image = "x"}};
	char err[256];

	(void)state;
	assert_int_equal(validate(NULL, 0, no_image, 1, err, sizeof(err)), -1);
	assert_string_equal(err, "container 'main' has no image");
	assert_int_equal(validate(NULL, 0, empty, 1, err, sizeof(err)), -1);
	assert_string_equal(err, "container 'main' has no image");
	assert_int_equal(validate(no_image, 1, ok, 1, err, sizeof(err)), -1);
	assert_string_equal(err, "init container 'main' has no image");
	assert_int_equal(validate(NULL, 0, ctl, 1, err, sizeof(err)), -1);
	assert_string_equal(err, "container 'main': image contains control "
				 "characters");
	assert_int_equal(validate(NULL, 0, tab, 1, err, sizeof(err)), -1);
}

static void test_validate_env_names(void **state)
{
	static const char *const bad[] = {
		"", "1X", "A B", "A=B", "$X", "X$", "-X", ".X", "A\nB",
		"A'B", "\xc3\xa9", "a.b", "A-B", "x_Y.z-9",
	};
	static const char *const good[] = {
		"A", "_", "_1", "PATH", "x_Y_z9",
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < N(bad); i++) {
		const char *env[] = {"OK", "v", bad[i], "v", NULL};
		const struct ctr c[] = {
			{.name = "main", .image = "img", .env = env}};

		assert_int_equal(validate(NULL, 0, c, 1, err, sizeof(err)),
				 -1);
		assert_non_null(strstr(err, "container 'main': environment "
					    "variable name '"));
		assert_non_null(strstr(err, "' cannot be passed to the "
					    "container"));
		/* the name is sanitized in the message */
		assert_null(strchr(err, '\n'));
	}
	for (size_t i = 0; i < N(good); i++) {
		const char *env[] = {good[i], "v", NULL};
		const struct ctr c[] = {
			{.name = "main", .image = "img", .env = env}};

		assert_int_equal(validate(NULL, 0, c, 1, err, sizeof(err)),
				 0);
	}
	/* 256 bytes is the limit */
	{
		char name[258];
		const char *env[] = {name, "v", NULL};
		const struct ctr c[] = {
			{.name = "main", .image = "img", .env = env}};

		memset(name, 'A', 256);
		name[256] = '\0';
		assert_int_equal(validate(NULL, 0, c, 1, err, sizeof(err)),
				 0);
		name[256] = 'A';
		name[257] = '\0';
		assert_int_equal(validate(NULL, 0, c, 1, err, sizeof(err)),
				 -1);
	}
}

static void test_validate_working_dir(void **state)
{
	static const char *const bad[] = {"rel/dir", ".", "", "~/x", "./x"};
	char err[256];

	(void)state;
	for (size_t i = 0; i < N(bad); i++) {
		const struct ctr c[] = {
			{.name = "main", .image = "img", .wd = bad[i]}};
		const struct ctr ok[] = {{.name = "ok", .image = "x"}};

		assert_int_equal(validate(NULL, 0, c, 1, err, sizeof(err)),
				 -1);
		assert_string_equal(err, "container 'main': workingDir must "
					 "be an absolute path");
		assert_int_equal(validate(c, 1, ok, 1, err, sizeof(err)), -1);
		assert_string_equal(err, "init container 'main': workingDir "
					 "must be an absolute path");
	}
	{
		const struct ctr c[] = {
			{.name = "main", .image = "img", .wd = "/"},
			{.name = "b", .image = "img", .wd = "/a b/'c'"}};

		assert_int_equal(validate(NULL, 0, c, 2, err, sizeof(err)),
				 0);
	}
}

/* ---- jobscript_image -------------------------------------------------- */

static void image_is(const char *prefix, const char *annotation,
		     const char *image, const char *want)
{
	const char *ann[] = {"slurm-job.vk.io/image-root", annotation,
			     "other", "/ignored/", NULL};
	const char *no_ann[] = {"other", "/ignored/", NULL};
	const struct ctr c[] = {{.name = "main", .image = image}};
	struct jobscript_conf conf = {.image_prefix = prefix};
	struct wire_pod pod;
	struct buf b;

	make_pod(&pod, NULL, 0, c, 1, annotation ? ann : no_ann);
	buf_init(&b, 4096);
	assert_int_equal(buf_puts(&b, "<"), 0); /* appends */
	assert_int_equal(jobscript_image(&conf, &pod, image, &b), 0);
	if (strcmp(buf_str(&b) + 1, want) != 0)
		fail_msg("prefix '%s' annotation '%s' image '%s': got '%s', "
			 "want '%s'",
			 prefix ? prefix : "(null)",
			 annotation ? annotation : "(none)", image,
			 buf_str(&b) + 1, want);
	assert_int_equal(buf_str(&b)[0], '<');
	buf_done(&b);
	wire_pod_done(&pod);
}

static void test_image_prefix(void **state)
{
	(void)state;
	/* no prefix at all */
	image_is(NULL, NULL, "alpine", "alpine");
	image_is("", NULL, "alpine", "alpine");
	/* ImagePrefix */
	image_is("docker://", NULL, "alpine:3.20", "docker://alpine:3.20");
	image_is("docker://", NULL, "ghcr.io/x/y@sha256:00",
		 "docker://ghcr.io/x/y@sha256:00");
	image_is("/cvmfs/images/", NULL, "lib/py", "/cvmfs/images/lib/py");
	/* registry with a port is not a scheme */
	image_is("docker://", NULL, "localhost:5000/img",
		 "docker://localhost:5000/img");
	/* absolute paths and images with a scheme are taken as they are */
	image_is("docker://", NULL, "/images/x.sif", "/images/x.sif");
	image_is("docker://", NULL, "docker://busybox", "docker://busybox");
	image_is("docker://", NULL, "oras://reg/img:1", "oras://reg/img:1");
	image_is("docker://", NULL, "shub://a/b", "shub://a/b");
	image_is("docker://", NULL, "x+y.z-1://a", "x+y.z-1://a");
	image_is("/p/", NULL, "library://a", "library://a");
	/* not schemes: must start with a letter, need "://" */
	image_is("docker://", NULL, "1ab://x", "docker://1ab://x");
	image_is("docker://", NULL, "a_b://x", "docker://a_b://x");
	image_is("docker://", NULL, "file:/x", "docker://file:/x");
	image_is("docker://", NULL, "://x", "docker://://x");
	image_is("docker://", NULL, "./x.sif", "docker://./x.sif");
	/* the annotation wins over ImagePrefix, even when empty */
	image_is("docker://", "/shared/sif/", "alpine", "/shared/sif/alpine");
	image_is(NULL, "/shared/sif/", "alpine", "/shared/sif/alpine");
	image_is("docker://", "", "alpine", "alpine");
	/* ... but not over an absolute path or a scheme */
	image_is("docker://", "/shared/sif/", "/abs.sif", "/abs.sif");
	image_is("docker://", "/shared/sif/", "docker://busybox",
		 "docker://busybox");
}

/* ---- jobscript_build: the script's shape ------------------------------ */

static const char *const default_opts[] = {"--nv", "--no-eval",
					   "--containall"};

static struct jobscript_conf conf_for(const char *runtime)
{
	struct jobscript_conf c = {
		.runtime = runtime,
		.default_options = (char *const *)default_opts,
		.n_default_options = N(default_opts),
		.image_prefix = "docker://",
		.bash_path = BASH,
	};
	return c;
}

static void assert_contains(const char *hay, const char *needle)
{
	assert_non_null(hay);
	assert_non_null(needle);
	if (!strstr(hay, needle))
		fail_msg("script lacks\n---\n%s\n---\nscript:\n%s",
			 needle ? needle : "", hay ? hay : "");
}

static void test_build_lines(void **state)
{
	static const char *const cmd[] = {"sh", "-c", "echo $X", NULL};
	static const char *const args[] = {"a b", "it's", NULL};
	static const char *const env[] = {"X", "1", NULL};
	const struct ctr init[] = {
		{.name = "setup", .image = "alpine", .cmd = cmd, .env = env,
		 .wd = "/w d"},
		{.name = "second", .image = "/img.sif"},
	};
	const struct ctr ctrs[] = {
		{.name = "main", .image = "busybox", .args = args},
		{.name = "side", .image = "oras://r/i", .cmd = cmd,
		 .args = args, .env = env},
	};
	struct jobscript_mount m0[] = {{"/h", "/c", true},
				       {"/h 2", "/c'2", false}};
	struct jobscript_mounts mounts[] = {
		{m0, 2}, {NULL, 0}, {m0 + 1, 1}, {NULL, 0}};
	struct jobscript_conf conf = conf_for("/opt/apptainer run");
	struct wire_pod pod;
	struct buf b;
	const char *s, *p_setup, *p_second, *p_main, *p_side;

	(void)state;
	make_pod(&pod, init, N(init), ctrs, N(ctrs), NULL);
	buf_init(&b, 1 << 20);
	assert_int_equal(jobscript_build(&conf, &pod, "/data/ns1-" UID, mounts,
					 &b),
			 0);
	s = buf_str(&b);
	assert_true(strncmp(s, "#!" BASH "\n", strlen("#!" BASH "\n")) == 0);
	assert_contains(s, "\n# pod ns1/pod-a uid " UID
			   ", generated by sidecar-slurm\n"
			   "cd '/data/ns1-" UID "' || exit 1\n");
	/* init: exec (command set), options, env file, binds, pwd, image,
	 * command and args, stop on failure */
	assert_contains(s, "\nilk_run init 'setup' '/opt/apptainer run' 'exec'"
			   " '--nv' '--no-eval' '--containall'"
			   " '--env-file' '/data/ns1-" UID
			   "/setup_envfile.properties'"
			   " '--bind' '/h:/c:ro' '--bind' '/h 2:/c'\\''2:rw'"
			   " '--pwd' '/w d' 'docker://alpine'"
			   " 'sh' '-c' 'echo $X' &\nilk_pids+=(\"$!\")\n"
			   "wait \"$!\" || exit \"$?\"\n");
	/* no command: run; no env: no --env-file; no binds; no pwd */
	assert_contains(s, "\nilk_run init 'second' '/opt/apptainer run' 'run'"
			   " '--nv' '--no-eval' '--containall' '/img.sif'"
			   " &\nilk_pids+=(\"$!\")\nwait \"$!\" || exit \"$?\"\n");
	/* regular ones in the background */
	assert_contains(s, "\nilk_run run 'main' '/opt/apptainer run' 'run'"
			   " '--nv' '--no-eval' '--containall'"
			   " '--bind' '/h 2:/c'\\''2:rw' 'docker://busybox'"
			   " 'a b' 'it'\\''s' &\nilk_pids+=(\"$!\")\n");
	assert_contains(s, "\nilk_run run 'side' '/opt/apptainer run' 'exec'"
			   " '--nv' '--no-eval' '--containall'"
			   " '--env-file' '/data/ns1-" UID
			   "/side_envfile.properties'"
			   " 'oras://r/i' 'sh' '-c' 'echo $X' 'a b'"
			   " 'it'\\''s' &\nilk_pids+=(\"$!\")\n");
	/* run order: init containers first, in order */
	p_setup = strstr(s, "ilk_run init 'setup'");
	p_second = strstr(s, "ilk_run init 'second'");
	p_main = strstr(s, "ilk_run run 'main'");
	p_side = strstr(s, "ilk_run run 'side'");
	assert_true(p_setup < p_second && p_second < p_main &&
		    p_main < p_side);
	/* each container once */
	assert_null(strstr(p_setup + 1, "ilk_run init 'setup'"));
	assert_null(strstr(p_side + 1, "ilk_run run 'side'"));
	/* the epilogue: wait for all, exit with the highest code */
	assert_true(b.len > 20);
	assert_string_equal(s + b.len - strlen("exit \"$ilk_rc\"\n"),
			    "exit \"$ilk_rc\"\n");
	assert_contains(s, "set -u -m\n");
	assert_contains(s, "exec </dev/null\n");
	assert_contains(s, "trap ilk_stop TERM INT\n");
	buf_done(&b);

	/* without mounts and without default options */
	conf.n_default_options = 0;
	conf.default_options = NULL;
	buf_init(&b, 1 << 20);
	assert_int_equal(jobscript_build(&conf, &pod, "/d", NULL, &b), 0);
	assert_contains(buf_str(&b),
			"\nilk_run run 'main' '/opt/apptainer run' 'run'"
			" 'docker://busybox' 'a b' 'it'\\''s' &\n");
	assert_null(strstr(buf_str(&b), "--bind"));
	assert_null(strstr(buf_str(&b), "--nv"));
	buf_done(&b);
	wire_pod_done(&pod);
}

static void test_build_annotation_prefix(void **state)
{
	const char *ann[] = {"slurm-job.vk.io/image-root", "/sif/", NULL};
	const struct ctr ctrs[] = {{.name = "main", .image = "alpine"}};
	struct jobscript_conf conf = conf_for("/usr/bin/apptainer");
	struct wire_pod pod;
	struct buf b;

	(void)state;
	make_pod(&pod, NULL, 0, ctrs, 1, ann);
	buf_init(&b, 1 << 20);
	assert_int_equal(jobscript_build(&conf, &pod, "/d", NULL, &b), 0);
	assert_contains(buf_str(&b), " '/sif/alpine' &\n");
	assert_null(strstr(buf_str(&b), "docker://"));
	buf_done(&b);
	wire_pod_done(&pod);
}

static void test_build_pod_name_sanitized(void **state)
{
	const struct ctr ctrs[] = {{.name = "main", .image = "alpine"}};
	struct jobscript_conf conf = conf_for("/rt");
	struct wire_pod pod;
	struct buf b;
	char *line2;

	(void)state;
	make_pod(&pod, NULL, 0, ctrs, 1, NULL);
	free(pod.name);
	pod.name = strdup("evil\ntouch INJECTED\n#");
	assert_non_null(pod.name);
	buf_init(&b, 1 << 20);
	assert_int_equal(jobscript_build(&conf, &pod, "/d", NULL, &b), 0);
	/* the comment stays one line */
	line2 = strchr(buf_str(&b), '\n') + 1;
	assert_true(strncmp(line2, "# pod ns1/evil", 14) == 0);
	assert_true(strncmp(strchr(line2, '\n'), "\ncd '/d' || exit 1\n",
			    19) == 0);
	assert_null(strstr(buf_str(&b), "\ntouch INJECTED"));
	buf_done(&b);
	wire_pod_done(&pod);
}

static void test_build_too_large(void **state)
{
	static const char *const args[] = {"0123456789", NULL};
	const struct ctr ctrs[] = {
		{.name = "main", .image = "alpine", .args = args}};
	struct jobscript_conf conf = conf_for("/rt");
	struct wire_pod pod;
	struct buf b;

	(void)state;
	make_pod(&pod, NULL, 0, ctrs, 1, NULL);
	buf_init(&b, 256);
	assert_int_equal(jobscript_build(&conf, &pod, "/d", NULL, &b),
			 -E2BIG);
	assert_true(b.len <= 256);
	buf_done(&b);
	buf_init(&b, 64);
	assert_int_equal(jobscript_build(&conf, &pod, "/d", NULL, &b),
			 -E2BIG);
	buf_done(&b);
	wire_pod_done(&pod);
}

/* ---- jobscript_envfile ------------------------------------------------ */

static void test_envfile_text(void **state)
{
	static const char *const env[] = {
		"A", "plain", "B", "it's", "C", "", "D", "two\nlines", NULL};
	static const char *const no_env_v[] = {NULL};
	const struct ctr ctrs[] = {
		{.name = "main", .image = "i", .env = env},
		{.name = "none", .image = "i", .env = no_env_v},
	};
	struct wire_pod pod;
	struct buf b;

	(void)state;
	make_pod(&pod, NULL, 0, ctrs, N(ctrs), NULL);
	buf_init(&b, 4096);
	assert_int_equal(jobscript_envfile(&pod.containers[0], &b), 0);
	assert_string_equal(buf_str(&b), "A='plain'\nB='it'\\''s'\nC=''\n"
					 "D='two\nlines'\n");
	buf_reset(&b);
	assert_int_equal(jobscript_envfile(&pod.containers[1], &b), 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(b.len, 0);
	buf_done(&b);
	/* too large */
	buf_init(&b, 10);
	assert_int_equal(jobscript_envfile(&pod.containers[0], &b), -E2BIG);
	buf_done(&b);
	/* a valueFrom-only variable decodes to "" and is written as '' */
	{
		struct wire_container ct = {0};
		struct wire_env e = {(char *)"VF", NULL};

		ct.env = &e;
		ct.n_env = 1;
		buf_init(&b, 64);
		assert_int_equal(jobscript_envfile(&ct, &b), 0);
		assert_string_equal(buf_str(&b), "VF=''\n");
		buf_done(&b);
	}
	wire_pod_done(&pod);
}

/* Source the env file in bash, print every value: byte for byte? */
static void test_envfile_exec(void **state)
{
	const char *dir = *state;
	const char *env[2 * N(hostile) + 1];
	char names[N(hostile)][8];
	struct buf b, script, out, want;
	struct wire_pod pod;
	char *file = path_join(dir, "main_envfile.properties");
	char *argv[] = {BASH, "-c", NULL, "bash", file, NULL};
	size_t n = 0;

	for (size_t i = 0; hostile[i]; i++) {
		snprintf(names[i], sizeof(names[i]), "V%zu", i);
		env[n++] = names[i];
		env[n++] = hostile[i];
	}
	env[n] = NULL;
	{
		const struct ctr ctrs[] = {
			{.name = "main", .image = "i", .env = env}};

		make_pod(&pod, NULL, 0, ctrs, 1, NULL);
	}
	assert_int_equal(pod.containers[0].n_env, n / 2);
	buf_init(&b, 1 << 20);
	assert_int_equal(jobscript_envfile(&pod.containers[0], &b), 0);
	write_file(dir, "main_envfile.properties", buf_str(&b), b.len, 0600);

	/* set -a; . FILE; set +a; printf '%s\0' "$V0" "$V1" ... */
	buf_init(&script, 1 << 16);
	assert_int_equal(buf_puts(&script, "set -a; . \"$1\" || exit 99; "
					   "set +a; printf '%s\\0'"),
			 0);
	for (size_t i = 0; hostile[i]; i++)
		assert_int_equal(buf_printf(&script, " \"$V%zu\"", i), 0);
	/* and they are exported: a child process sees them too */
	assert_int_equal(buf_puts(&script, "; exec " BASH " -c "
					   "'printf \"%s\\0\" \"$V0\" "
					   "\"$V16\"'"),
			 0);
	argv[2] = (char *)buf_str(&script);
	buf_init(&out, 1 << 20);
	assert_int_equal(run(dir, argv, &out), 0);

	buf_init(&want, 1 << 20);
	hostile_nul_joined(&want);
	assert_int_equal(buf_append(&want, hostile[0],
				    strlen(hostile[0]) + 1),
			 0);
	assert_int_equal(buf_append(&want, hostile[16],
				    strlen(hostile[16]) + 1),
			 0);
	if (out.len != want.len || memcmp(out.data, want.data, out.len)) {
		const char *o = buf_str(&out);

		/* name the first value that differs */
		for (size_t i = 0; hostile[i]; i++) {
			size_t l = strlen(hostile[i]);

			if ((size_t)(o - out.data) + l + 1 > out.len ||
			    memcmp(o, hostile[i], l + 1) != 0)
				fail_msg("V%zu ('%s') did not arrive intact: "
					 "'%s'", i, hostile[i], o);
			o += l + 1;
		}
		fail_msg("output %zu bytes, want %zu", out.len, want.len);
	}
	assert_absent(dir, "INJECTED");
	buf_done(&want);
	buf_done(&out);
	buf_done(&script);
	buf_done(&b);
	free(file);
	wire_pod_done(&pod);
}

/* ---- running whole job scripts ---------------------------------------- */

/*
 * The runtime stand-in: RUNTIME exec|run [options] IMAGE CMD...
 * It exports ST_MODE and ST_IMAGE so containers can show what they got.
 */
static const char standin[] =
	"#!" BASH "\n"
	"case ${1-} in\n"
	"exec|run) ST_MODE=$1; shift ;;\n"
	"*) echo \"stand-in: bad mode '${1-}'\" >&2; exit 120 ;;\n"
	"esac\n"
	"st_env='' st_pwd=''\n"
	"while (($#)); do\n"
	"\tcase $1 in\n"
	"\t--nv|--no-eval|--containall) shift ;;\n"
	"\t--env-file) st_env=$2; shift 2 ;;\n"
	"\t--pwd) st_pwd=$2; shift 2 ;;\n"
	"\t--bind) shift 2 ;;\n"
	"\t-*) echo \"stand-in: unknown option '$1'\" >&2; exit 121 ;;\n"
	"\t*) break ;;\n"
	"\tesac\n"
	"done\n"
	"(($#)) || { echo 'stand-in: no image' >&2; exit 122; }\n"
	"ST_IMAGE=$1; shift\n"
	"export ST_MODE ST_IMAGE\n"
	"if [[ -n $st_env ]]; then\n"
	"\tset -a; . \"$st_env\" || exit 123; set +a\n"
	"fi\n"
	"if [[ -n $st_pwd ]]; then cd -- \"$st_pwd\" || exit 124; fi\n"
	"exec \"$@\"\n";

struct pod_run {
	char *base;    /* the temp dir */
	char *dir;     /* the pod's folder */
	char *runtime; /* the stand-in */
	struct buf stdout_;
	int rc;
};

/* Write the env files and the script of pod, run it with bash. */
static void run_pod_with(struct pod_run *pr, const char *base,
			 const struct wire_pod *pod, bool with_mounts,
			 bool allow_tunnel)
{
	struct jobscript_mount bind = {"/nonexistent host", "/ctr 'x'", true};
	struct jobscript_mounts mounts[16];
	struct jobscript_conf conf;
	size_t n = wire_pod_n_all_containers(pod);
	char *script_path, *rtdir;
	char *argv[] = {BASH, NULL, NULL};
	struct buf b;

	assert_true(n <= N(mounts));
	for (size_t i = 0; i < n; i++) {
		mounts[i].v = &bind;
		mounts[i].n = i % 2;
	}
	memset(pr, 0, sizeof(*pr));
	pr->base = strdup(base);
	/* awkward names: the script must quote them */
	pr->dir = path_join(base, "pod dir 'q' $(touch INJECTED)");
	rtdir = path_join(base, "rt bin");
	pr->runtime = path_join(rtdir, "fake runtime");
	assert_int_equal(fs_mkdir_p(pr->dir, 0755), 0);
	assert_int_equal(fs_mkdir_p(rtdir, 0755), 0);
	assert_int_equal(fs_write_atomic(pr->runtime, standin,
					 strlen(standin), 0755),
			 0);
	conf = conf_for(pr->runtime);
	conf.allow_tunnel = allow_tunnel;
	buf_init(&b, 1 << 20);
	for (size_t i = 0; i < n; i++) {
		bool init;
		const struct wire_container *ct =
			wire_pod_container_at(pod, i, &init);
		char name[128];

		if (!ct->n_env)
			continue;
		buf_reset(&b);
		assert_int_equal(jobscript_envfile(ct, &b), 0);
		snprintf(name, sizeof(name), "%s_envfile.properties",
			 ct->name);
		write_file(pr->dir, name, buf_str(&b), b.len, 0600);
	}
	buf_reset(&b);
	assert_int_equal(jobscript_build(&conf, pod, pr->dir,
					 with_mounts ? mounts : NULL, &b),
			 0);
	write_file(pr->dir, "job.slurm", buf_str(&b), b.len, 0755);
	buf_done(&b);
	script_path = path_join(pr->dir, "job.slurm");
	argv[1] = script_path;
	buf_init(&pr->stdout_, 1 << 20);
	/* run from the base dir: the script must cd itself */
	pr->rc = run(base, argv, &pr->stdout_);
	free(script_path);
	free(rtdir);
}

static void run_pod(struct pod_run *pr, const char *base,
		    const struct wire_pod *pod, bool with_mounts)
{
	run_pod_with(pr, base, pod, with_mounts, false);
}

static void pod_run_done(struct pod_run *pr)
{
	buf_done(&pr->stdout_);
	free(pr->base);
	free(pr->dir);
	free(pr->runtime);
}

static void assert_status(const struct pod_run *pr, const char *stem,
			  const char *code)
{
	char name[128], want[16];

	snprintf(name, sizeof(name), "%s.status", stem);
	snprintf(want, sizeof(want), "%s\n", code);
	assert_file(pr->dir, name, want, strlen(want));
	snprintf(name, sizeof(name), "%s.status.tmp", stem);
	assert_absent(pr->dir, name);
}

static void assert_no_injection(const struct pod_run *pr)
{
	assert_absent(pr->base, "INJECTED");
	assert_absent(pr->dir, "INJECTED");
}

static void test_script_exec(void **state)
{
	const char *base = *state;
	/* prints its args NUL-terminated */
	static const char *const print0[] = {
		BASH, "-c", "printf '%s\\0' \"$@\"", "argv0", NULL};
	/* prints the working dir, the runtime's view, then the values of
	 * the variables named by its args */
	static const char *const show_env[] = {
		BASH, "-c",
		"printf '%s\\0' \"$PWD\" \"$ST_MODE\" \"$ST_IMAGE\"; "
		"for n; do printf '%s\\0' \"${!n}\"; done",
		"argv0", NULL};
	static const char *const bracket[] = {"/usr/bin/printf", "[%s]",
					      NULL};
	static const char *const exit3[] = {
		"/bin/sh", "-c",
		"echo \"$ST_MODE $ST_IMAGE\"; echo err >&2; exit 3", NULL};
	static const char *const exit2[] = {"/bin/sh", "-c",
					    "sleep 0.1; exit 2", NULL};
	const char *env[2 * N(hostile) + 1], *env_names[N(hostile) + 1];
	char names[N(hostile)][8], *wd = path_join(base, "w d");
	struct pod_run pr;
	struct wire_pod pod;
	struct buf want;
	size_t n = 0;

	for (size_t i = 0; hostile[i]; i++) {
		snprintf(names[i], sizeof(names[i]), "E%zu", i);
		env[n++] = names[i];
		env[n++] = hostile[i];
		env_names[i] = names[i];
		env_names[i + 1] = NULL;
	}
	env[n] = NULL;
	assert_int_equal(fs_mkdir_p(wd, 0755), 0);
	{
		const struct ctr init[] = {
			{.name = "prep", .image = "alpine", .cmd = print0,
			 .args = hostile},
			{.name = "envy", .image = "/x 'y'.sif",
			 .cmd = show_env, .args = env_names, .env = env,
			 .wd = wd},
		};
		const struct ctr ctrs[] = {
			{.name = "main",
			 .image = "img'; touch INJECTED; '",
			 .cmd = bracket, .args = hostile},
			{.name = "three", .image = "oras://r/i",
			 .args = exit3},
			{.name = "two", .image = "busybox", .cmd = exit2},
			{.name = "ok", .image = "busybox",
			 .args = (const char *const[]){"/bin/true", NULL}},
		};

		make_pod(&pod, init, N(init), ctrs, N(ctrs), NULL);
	}
	run_pod(&pr, base, &pod, true);

	/* the highest exit code */
	assert_int_equal(pr.rc, 3);
	/* the job's own output is empty: everything went to the .out files */
	assert_int_equal(pr.stdout_.len, 0);

	buf_init(&want, 1 << 20);
	hostile_nul_joined(&want);
	assert_file(pr.dir, "init-prep.out", want.data, want.len);
	assert_status(&pr, "init-prep", "0");

	buf_reset(&want);
	{
		char real[PATH_MAX];

		assert_non_null(realpath(wd, real));
		assert_int_equal(buf_append(&want, real, strlen(real) + 1), 0);
	}
	assert_int_equal(buf_append(&want, "exec", 5), 0);
	assert_int_equal(buf_append(&want, "/x 'y'.sif", 11), 0);
	hostile_nul_joined(&want);
	assert_file(pr.dir, "init-envy.out", want.data, want.len);
	assert_status(&pr, "init-envy", "0");

	buf_reset(&want);
	for (size_t i = 0; hostile[i]; i++)
		assert_int_equal(buf_printf(&want, "[%s]", hostile[i]), 0);
	assert_file(pr.dir, "run-main.out", want.data, want.len);
	assert_status(&pr, "run-main", "0");

	assert_file(pr.dir, "run-three.out", "run oras://r/i\nerr\n", 19);
	assert_status(&pr, "run-three", "3");
	assert_file(pr.dir, "run-two.out", "", 0);
	assert_status(&pr, "run-two", "2");
	assert_file(pr.dir, "run-ok.out", "", 0);
	assert_status(&pr, "run-ok", "0");
	assert_no_injection(&pr);

	buf_done(&want);
	pod_run_done(&pr);
	wire_pod_done(&pod);
	free(wd);
}

static void test_script_init_failure(void **state)
{
	const char *base = *state;
	static const char *const ok[] = {"/bin/sh", "-c", "echo a", NULL};
	static const char *const fail4[] = {"/bin/sh", "-c",
					    "echo failing; exit 4", NULL};
	static const char *const touch[] = {"/bin/sh", "-c",
					    "touch ../RAN", NULL};
	const struct ctr init[] = {
		{.name = "a", .image = "i", .cmd = ok},
		{.name = "b", .image = "i", .cmd = fail4},
		{.name = "c", .image = "i", .cmd = touch},
	};
	const struct ctr ctrs[] = {
		{.name = "main", .image = "i", .cmd = touch},
		{.name = "side", .image = "i", .args = touch},
	};
	struct pod_run pr;
	struct wire_pod pod;

	(void)state;
	make_pod(&pod, init, N(init), ctrs, N(ctrs), NULL);
	run_pod(&pr, base, &pod, false);
	assert_int_equal(pr.rc, 4);
	assert_int_equal(pr.stdout_.len, 0);
	assert_file(pr.dir, "init-a.out", "a\n", 2);
	assert_status(&pr, "init-a", "0");
	assert_file(pr.dir, "init-b.out", "failing\n", 8);
	assert_status(&pr, "init-b", "4");
	/* nothing after the failed init container started */
	assert_absent(pr.dir, "init-c.out");
	assert_absent(pr.dir, "init-c.status");
	assert_absent(pr.dir, "run-main.out");
	assert_absent(pr.dir, "run-main.status");
	assert_absent(pr.dir, "run-side.out");
	assert_absent(pr.dir, "run-side.status");
	assert_absent(base, "RAN");
	pod_run_done(&pr);
	wire_pod_done(&pod);
}

static void test_script_all_ok(void **state)
{
	const char *base = *state;
	static const char *const hello[] = {"/bin/echo", "hello", NULL};
	const struct ctr init[] = {{.name = "i", .image = "x", .cmd = hello}};
	const struct ctr ctrs[] = {{.name = "m", .image = "x", .cmd = hello}};
	struct pod_run pr;
	struct wire_pod pod;

	(void)state;
	make_pod(&pod, init, 1, ctrs, 1, NULL);
	run_pod(&pr, base, &pod, true);
	assert_int_equal(pr.rc, 0);
	assert_file(pr.dir, "init-i.out", "hello\n", 6);
	assert_file(pr.dir, "run-m.out", "hello\n", 6);
	assert_status(&pr, "init-i", "0");
	assert_status(&pr, "run-m", "0");
	pod_run_done(&pr);
	wire_pod_done(&pod);
}

/* A missing runtime: every container fails with 127, reported as such. */
static void test_script_runtime_missing(void **state)
{
	const char *base = *state;
	const struct ctr ctrs[] = {{.name = "m", .image = "x"}};
	struct pod_run pr;
	struct wire_pod pod;

	(void)state;
	make_pod(&pod, NULL, 0, ctrs, 1, NULL);
	run_pod(&pr, base, &pod, false);
	/* run_pod wrote the stand-in; take it away and run again */
	assert_int_equal(unlink(pr.runtime), 0);
	{
		char *script = path_join(pr.dir, "job.slurm");
		char *argv[] = {BASH, script, NULL};

		buf_reset(&pr.stdout_);
		assert_int_equal(run(base, argv, &pr.stdout_), 127);
		free(script);
	}
	assert_status(&pr, "run-m", "127");
	pod_run_done(&pr);
	wire_pod_done(&pod);
}

/* ---- tunnel and mesh annotations (tunnels.h) --------------------------- */

#define MESH_OPEN "cat <<'EOFMESH' > $TMPDIR/mesh.sh\n"

static void split_is(const char *pre, const char *mesh, const char *rest)
{
	struct buf m, r;
	bool found;

	buf_init(&m, 1 << 20);
	buf_init(&r, 1 << 20);
	found = tunnels_split_pre_exec(pre, &m, &r);
	if (!mesh) {
		assert_false(found);
	} else {
		assert_true(found);
		assert_string_equal(buf_str(&m), mesh);
		assert_string_equal(buf_str(&r), rest);
	}
	buf_done(&m);
	buf_done(&r);
}

static void test_tunnel_split(void **state)
{
	(void)state;
	split_is(MESH_OPEN "#!/bin/bash\nexec \"$@\"\nEOFMESH\n",
		 "#!/bin/bash\nexec \"$@\"\n", "");
	split_is("echo a\n" MESH_OPEN "x\nEOFMESH\necho b\n", "x\n",
		 "echo a\necho b\n");
	/* trailing blanks after the marker are fine, EOFMESH must be alone */
	split_is("cat <<'EOFMESH' > $TMPDIR/mesh.sh  \nEOFMESHx\n"
		 " EOFMESH\nEOFMESH",
		 "EOFMESHx\n EOFMESH\n", "");
	split_is(MESH_OPEN "", NULL, NULL);        /* no body, no end */
	split_is(MESH_OPEN "x\n", NULL, NULL);     /* no EOFMESH */
	split_is("echo " MESH_OPEN "x\nEOFMESH\n", NULL, NULL); /* mid-line */
	split_is("cat <<'EOFMESH' > $TMPDIR/mesh.sh; rm -rf /\nx\nEOFMESH\n",
		 NULL, NULL);
	split_is("echo hi\n", NULL, NULL);
	split_is(NULL, NULL, NULL);
}

/* Without AllowTunnelAnnotations nothing of theirs reaches the script. */
static void test_tunnel_disabled(void **state)
{
	static const char *const ann[] = {
		"interlink.eu/wstunnel-client-commands", "touch WSTUNNEL",
		"interlink.eu/rathole-client-commands", "touch RATHOLE",
		"interlink.eu/ssh-client-commands", "touch SSHTUN",
		"slurm-job.vk.io/pre-exec",
		MESH_OPEN "touch MESHED\nEOFMESH\n", NULL};
	const struct ctr ctrs[] = {{.name = "m", .image = "x"}};
	struct jobscript_conf conf = conf_for("rt");
	struct wire_pod pod;
	struct buf b;
	char err[256];
	bool checked;

	(void)state;
	make_pod(&pod, NULL, 0, ctrs, 1, ann);
	buf_init(&b, 1 << 20);
	assert_int_equal(jobscript_build(&conf, &pod, "/d", NULL, &b), 0);
	assert_null(strstr(buf_str(&b), "WSTUNNEL"));
	assert_null(strstr(buf_str(&b), "RATHOLE"));
	assert_null(strstr(buf_str(&b), "SSHTUN"));
	assert_null(strstr(buf_str(&b), "MESHED"));
	assert_null(strstr(buf_str(&b), "mesh.sh"));
	/* and policy refuses such pods */
	assert_int_equal(tunnels_check(false, true, &pod, &checked, err,
				       sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "AllowTunnelAnnotations"));
	assert_int_equal(tunnels_check(true, false, &pod, &checked, err,
				       sizeof(err)),
			 0);
	assert_true(checked);
	buf_done(&b);
	wire_pod_done(&pod);
}

static void test_tunnel_policy(void **state)
{
	static const char *const ssh[] = {
		"interlink.eu/ssh-client-commands", "ssh -N x &", NULL};
	static const char *const mesh_and_more[] = {
		"slurm-job.vk.io/pre-exec",
		"module load x\n" MESH_OPEN "exec \"$@\"\nEOFMESH\n", NULL};
	static const char *const plain_pre[] = {
		"slurm-job.vk.io/pre-exec", "module load x", NULL};
	const struct ctr ctrs[] = {{.name = "m", .image = "x"}};
	struct wire_pod pod;
	char err[256];
	bool checked;

	(void)state;
	make_pod(&pod, NULL, 0, ctrs, 1, ssh);
	assert_int_equal(tunnels_check(false, true, &pod, &checked, err,
				       sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "interlink.eu/ssh-client-commands"));
	assert_int_equal(tunnels_check(true, false, &pod, &checked, err,
				       sizeof(err)),
			 0);
	assert_false(checked);
	assert_true(tunnels_pod_uses(&pod));
	wire_pod_done(&pod);

	/* the mesh script is allowed, the rest of pre-exec is raw shell */
	make_pod(&pod, NULL, 0, ctrs, 1, mesh_and_more);
	assert_int_equal(tunnels_check(true, false, &pod, &checked, err,
				       sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "AllowRawShellAnnotations"));
	assert_int_equal(tunnels_check(true, true, &pod, &checked, err,
				       sizeof(err)),
			 0);
	assert_true(checked);
	wire_pod_done(&pod);

	/* an ordinary pre-exec is left to the raw-shell check */
	make_pod(&pod, NULL, 0, ctrs, 1, plain_pre);
	assert_int_equal(tunnels_check(false, false, &pod, &checked, err,
				       sizeof(err)),
			 0);
	assert_false(checked);
	assert_false(tunnels_pod_uses(&pod));
	wire_pod_done(&pod);
}

static pid_t read_pid(const char *dir, const char *name)
{
	size_t len = 0;
	char *s = read_file(dir, name, &len);
	long v;

	if (!s)
		fail_msg("%s/%s: missing", dir, name);
	v = strtol(s, NULL, 10);
	free(s);
	assert_true(v > 1);
	return (pid_t)v;
}

static void assert_log_has(const struct pod_run *pr, const char *line)
{
	size_t len = 0;
	char *log = read_file(pr->dir, TUNNELS_LOG_FILE, &len);

	if (!log)
		fail_msg("%s/%s: missing", pr->dir, TUNNELS_LOG_FILE);
	if (!strstr(log, line))
		fail_msg("tunnels.out lacks '%s':\n%s", line, log);
	free(log);
}

/*
 * With the key: the client commands run before the init containers, in
 * the background, byte for byte as given, their output tagged in
 * tunnels.out, and they are gone when the job has ended.
 */
static void test_tunnel_script_runs(void **state)
{
	const char *base = *state;
	struct buf text, want;
	/* the client must be up before the init container ends */
	static const char *const wait_client[] = {
		BASH, "-c",
		"for i in $(seq 600); do [ -e ../client.pid ] && exit 0; "
		"sleep 0.1; done; exit 9",
		NULL};
	static const char *const hello[] = {"/bin/echo", "hello", NULL};
	const struct ctr init[] = {
		{.name = "wait", .image = "x", .cmd = wait_client}};
	const struct ctr ctrs[] = {{.name = "m", .image = "x", .cmd = hello}};
	const char *ann[5];
	struct pod_run pr;
	struct wire_pod pod;
	pid_t client;

	buf_init(&text, 1 << 20);
	/* runs, then execs before the hostile lines (which stay text) */
	assert_int_equal(buf_puts(&text,
				  "echo \"client up in ${PWD##*/}\"\n"
				  "echo \"$$\" >../client.pid.tmp && "
				  "mv ../client.pid.tmp ../client.pid\n"
				  "echo \"quoted 'text'\"\n"
				  "exec sleep 300\n"),
			 0);
	for (size_t i = 0; hostile[i]; i++) {
		assert_int_equal(buf_puts(&text, hostile[i]), 0);
		assert_int_equal(buf_puts(&text, "\n"), 0);
	}
	assert_int_equal(buf_puts(&text, "$(touch INJECTED)'\"`"), 0);
	ann[0] = "interlink.eu/wstunnel-client-commands";
	ann[1] = buf_str(&text);
	ann[2] = "interlink.eu/rathole-client-commands";
	ann[3] = "echo rathole here";
	ann[4] = NULL;
	(void)state;
	make_pod(&pod, init, 1, ctrs, 1, ann);
	run_pod_with(&pr, base, &pod, false, true);
	assert_int_equal(pr.rc, 0);
	assert_status(&pr, "init-wait", "0");
	assert_file(pr.dir, "run-m.out", "hello\n", 6);
	/* the script file holds the annotation byte for byte */
	buf_init(&want, 1 << 20);
	assert_int_equal(buf_printf(&want, "%s\n", buf_str(&text)), 0);
	assert_file(pr.dir, "tunnel-wstunnel.sh", want.data, want.len);
	/* the client ran (its output tagged), and was stopped with the pod */
	client = read_pid(base, "client.pid");
	assert_int_equal(kill(client, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_log_has(&pr, "[wstunnel] client up in pod dir 'q' "
			    "$(touch INJECTED)");
	assert_log_has(&pr, "[wstunnel] quoted 'text'");
	assert_log_has(&pr, "[rathole] rathole here");
	assert_status(&pr, "tunnels", "0");
	assert_no_injection(&pr);
	buf_done(&want);
	buf_done(&text);
	pod_run_done(&pr);
	wire_pod_done(&pod);
}

/*
 * The mesh script wraps the containers (they see what it exports), after
 * the client commands; POD_IP reaches them.
 */
static void test_tunnel_mesh(void **state)
{
	const char *base = *state;
	static const char *const show[] = {
		BASH, "-c", "echo \"mesh=${IN_MESH-none} pod_ip=$POD_IP\"",
		NULL};
	const struct ctr init[] = {{.name = "i", .image = "x", .cmd = show}};
	const struct ctr ctrs[] = {{.name = "m", .image = "x", .cmd = show}};
	static const char *const ann[] = {
		"interlink.eu/pod-ip", "10.1.2.3",
		"interlink.eu/ssh-client-commands",
		"echo ssh client; exec sleep 300",
		"slurm-job.vk.io/pre-exec",
		MESH_OPEN
		"#!/bin/bash\n"
		"echo \"mesh set up, wrapping $# words\"\n"
		"cd /\n"
		"export IN_MESH=yes\n"
		"exec \"$@\"\n"
		"EOFMESH\n",
		NULL};
	struct pod_run pr;
	struct wire_pod pod;

	(void)state;
	make_pod(&pod, init, 1, ctrs, 1, ann);
	run_pod_with(&pr, base, &pod, false, true);
	assert_int_equal(pr.rc, 0);
	assert_int_equal(pr.stdout_.len, 0);
	assert_file(pr.dir, "init-i.out", "mesh=yes pod_ip=10.1.2.3\n", 25);
	assert_file(pr.dir, "run-m.out", "mesh=yes pod_ip=10.1.2.3\n", 25);
	assert_status(&pr, "run-m", "0");
	assert_log_has(&pr, "[ssh] ssh client");
	assert_log_has(&pr, "[mesh] mesh set up, wrapping 2 words");
	assert_status(&pr, "tunnels", "0");
	pod_run_done(&pr);
	wire_pod_done(&pod);
}

/* A failing container under the mesh still gives the job its code. */
static void test_tunnel_mesh_exit_code(void **state)
{
	const char *base = *state;
	static const char *const fail5[] = {"/bin/sh", "-c", "exit 5", NULL};
	const struct ctr ctrs[] = {{.name = "m", .image = "x", .cmd = fail5}};
	static const char *const ann[] = {
		"slurm-job.vk.io/pre-exec",
		MESH_OPEN "exec \"$@\"\nEOFMESH\n", NULL};
	struct pod_run pr;
	struct wire_pod pod;

	(void)state;
	make_pod(&pod, NULL, 0, ctrs, 1, ann);
	run_pod_with(&pr, base, &pod, false, true);
	assert_int_equal(pr.rc, 5);
	assert_status(&pr, "run-m", "5");
	pod_run_done(&pr);
	wire_pod_done(&pod);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_ok),
		cmocka_unit_test(test_validate_no_containers),
		cmocka_unit_test(test_validate_bad_names),
		cmocka_unit_test(test_validate_duplicates),
		cmocka_unit_test(test_validate_image),
		cmocka_unit_test(test_validate_env_names),
		cmocka_unit_test(test_validate_working_dir),
		cmocka_unit_test(test_image_prefix),
		cmocka_unit_test(test_build_lines),
		cmocka_unit_test(test_build_annotation_prefix),
		cmocka_unit_test(test_build_pod_name_sanitized),
		cmocka_unit_test(test_build_too_large),
		cmocka_unit_test(test_envfile_text),
		cmocka_unit_test_setup_teardown(test_envfile_exec, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_script_exec, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_script_init_failure,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_script_all_ok, setup_tmp,
						teardown_tmp),
		cmocka_unit_test(test_tunnel_split),
		cmocka_unit_test(test_tunnel_disabled),
		cmocka_unit_test(test_tunnel_policy),
		cmocka_unit_test_setup_teardown(test_tunnel_script_runs,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_tunnel_mesh, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_tunnel_mesh_exit_code,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_script_runtime_missing,
						setup_tmp, teardown_tmp),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
