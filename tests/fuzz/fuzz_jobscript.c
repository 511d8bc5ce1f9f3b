/*
 * fuzz_jobscript: the job script of a decoded pod (jobscript_validate,
 * jobscript_build, jobscript_envfile), as the sidecar's /create runs them.
 *
 * The invariant is the one jobscript.h promises: no pod field can inject
 * shell.  The script is parsed back: the header lines, the pod-independent
 * prelude and epilogue exactly (taken from a reference pod at start-up),
 * and between them export NAME='value' lines and one block per container
 * in run order,
 *     ilk_run init|run 'w'  'w' ... &\n ilk_pids+=("$!")\n [wait ...\n]
 * where every word is single-quoted ('it'\''s' joins quoted parts), and
 * the words, unquoted, start with the container name and the runtime and
 * end with the image, the command and the args.  The env file must be
 * NAME='value' lines giving back each variable.  The site options that
 * add raw shell on purpose (CommandPrefix, AllowRawShellAnnotations) are
 * off, as by default.
 */
#include <errno.h>

#include "buf.h"
#include "fuzz.h"
#include "jobscript.h"
#include "log.h"
#include "wire.h"

#define SCRIPT_MAX (4u << 20)

static const char *const default_opts[] = {"--nv", "--no-eval",
					   "--containall"};
static const struct jobscript_conf conf = {
	.runtime = "/opt/it's/apptainer",
	.default_options = (char *const *)default_opts,
	.n_default_options = 3,
	.image_prefix = "docker://",
	.bash_path = "/bin/bash",
};

static char *prelude, *epilogue;

static bool skip(const char **p, const char *s)
{
	size_t n = strlen(s);

	if (strncmp(*p, s, n) != 0)
		return false;
	*p += n;
	return true;
}

/* One word of single-quoted parts; appends its text to out. */
static const char *read_word(const char *p, struct buf *out)
{
	if (*p != '\'')
		return NULL;
	for (;;) {
		const char *q = strchr(p + 1, '\'');

		if (!q || buf_append(out, p + 1, (size_t)(q - p - 1)) < 0)
			return NULL;
		p = q + 1;
		if (p[0] != '\\' || p[1] != '\'' || p[2] != '\'')
			return p;
		if (buf_append(out, "'", 1) < 0)
			return NULL;
		p += 2; /* at the quote that opens the next part */
	}
}

struct words {
	char **v;
	size_t n;
};

static void words_done(struct words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
}

/* " 'a' 'b' ... &\n": the words, or aborts */
static const char *read_words(const char *p, struct words *w,
			      const char *script)
{
	while (!skip(&p, " &\n")) {
		struct buf b;

		buf_init(&b, SCRIPT_MAX);
		FUZZ_CHECK(*p == ' ', "no space before a word at %zu:\n%s",
			   (size_t)(p - script), script);
		p = read_word(p + 1, &b);
		FUZZ_CHECK(p != NULL, "unquoted text in:\n%s", script);
		FUZZ_CHECK(*p == ' ', "text after a word at %zu:\n%s",
			   (size_t)(p - script), script);
		w->v = realloc(w->v, (w->n + 1) * sizeof(char *));
		FUZZ_CHECK(w->v != NULL, "oom");
		w->v[w->n++] = buf_steal(&b);
	}
	return p;
}

static void check_words(const struct wire_pod *pod,
			const struct wire_container *ct,
			const struct words *w, const char *script)
{
	size_t tail = 1 + ct->n_command + ct->n_args, k;
	struct buf img;

	FUZZ_CHECK(w->n >= 3 + tail, "too few words:\n%s", script);
	FUZZ_CHECK(!strcmp(w->v[0], ct->name), "name:\n%s", script);
	FUZZ_CHECK(!strcmp(w->v[1], conf.runtime), "runtime:\n%s", script);
	FUZZ_CHECK(!strcmp(w->v[2], ct->n_command ? "exec" : "run"),
		   "exec/run:\n%s", script);
	buf_init(&img, SCRIPT_MAX);
	FUZZ_CHECK(jobscript_image(&conf, pod, ct->image, &img) == 0, "img");
	k = w->n - tail;
	FUZZ_CHECK(!strcmp(w->v[k++], buf_str(&img)), "image:\n%s", script);
	for (size_t i = 0; i < ct->n_command; i++)
		FUZZ_CHECK(!strcmp(w->v[k++], ct->command[i]), "command:\n%s",
			   script);
	for (size_t i = 0; i < ct->n_args; i++)
		FUZZ_CHECK(!strcmp(w->v[k++], ct->args[i]), "args:\n%s", script);
	buf_done(&img);
}

static void check_script(const struct wire_pod *pod, const char *dir,
			 const char *script)
{
	const char *p = script;
	struct buf b;

	FUZZ_CHECK(skip(&p, "#!/bin/bash\n# pod "), "header:\n%s", script);
	p = strchr(p, '\n');
	FUZZ_CHECK(p && skip(&p, "\ncd "), "comment line:\n%s", script);
	buf_init(&b, SCRIPT_MAX);
	p = read_word(p, &b);
	FUZZ_CHECK(p && !strcmp(buf_str(&b), dir), "cd:\n%s", script);
	buf_done(&b);
	FUZZ_CHECK(skip(&p, " || exit 1\n"), "after cd:\n%s", script);
	FUZZ_CHECK(skip(&p, prelude), "prelude:\n%s", script);
	/* pod-derived variables: export NAME='value' (POD_IP) */
	while (skip(&p, "export ")) {
		while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		       (*p >= '0' && *p <= '9') || *p == '_')
			p++;
		FUZZ_CHECK(*p == '=', "export:\n%s", script);
		buf_init(&b, SCRIPT_MAX);
		p = read_word(p + 1, &b);
		buf_done(&b);
		FUZZ_CHECK(p && skip(&p, "\n"), "export value:\n%s", script);
	}
	for (size_t i = 0; i < wire_pod_n_all_containers(pod); i++) {
		bool init;
		const struct wire_container *ct =
			wire_pod_container_at(pod, i, &init);
		struct words w = {NULL, 0};

		FUZZ_CHECK(skip(&p, init ? "ilk_run init" : "ilk_run run"),
			   "container %zu:\n%s", i, script);
		p = read_words(p, &w, script);
		check_words(pod, ct, &w, script);
		words_done(&w);
		FUZZ_CHECK(skip(&p, "ilk_pids+=(\"$!\")\n"), "pids:\n%s",
			   script);
		FUZZ_CHECK(!init || skip(&p, "wait \"$!\" || exit \"$?\"\n"),
			   "wait:\n%s", script);
	}
	FUZZ_CHECK(!strcmp(p, epilogue), "epilogue:\n%s", script);
}

static void check_envfile(const struct wire_container *ct)
{
	struct buf b, v;
	const char *p;

	buf_init(&b, SCRIPT_MAX);
	if (jobscript_envfile(ct, &b) < 0) {
		buf_done(&b);
		return;
	}
	p = buf_str(&b);
	for (size_t i = 0; i < ct->n_env; i++) {
		FUZZ_CHECK(skip(&p, ct->env[i].name) && skip(&p, "="),
			   "env name %zu", i);
		buf_init(&v, SCRIPT_MAX);
		p = read_word(p, &v);
		FUZZ_CHECK(p && !strcmp(buf_str(&v), ct->env[i].value),
			   "env value %zu", i);
		FUZZ_CHECK(skip(&p, "\n"), "env line end %zu", i);
		buf_done(&v);
	}
	FUZZ_CHECK(*p == '\0', "env file trailer");
	buf_done(&b);
}

/* The pod-independent parts, from a one-container pod. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct wire_container ct = {.name = "x", .image = "/i"};
	struct wire_pod pod = {.containers = &ct, .n_containers = 1};
	struct buf b;
	const char *s, *a, *z;

	(void)argc;
	(void)argv;
	log_set_level(LOG_LVL_ERR);
	buf_init(&b, SCRIPT_MAX);
	if (jobscript_build(&conf, &pod, "/d", NULL, &b) < 0)
		abort();
	s = buf_str(&b);
	a = strstr(s, "cd '/d' || exit 1\n");
	z = a ? strstr(a, "ilk_run run 'x'") : NULL;
	if (!z)
		abort();
	a += strlen("cd '/d' || exit 1\n");
	prelude = strndup(a, (size_t)(z - a));
	z = strstr(z, "ilk_pids+=(\"$!\")\n");
	if (!z || !prelude)
		abort();
	epilogue = strdup(z + strlen("ilk_pids+=(\"$!\")\n"));
	if (!epilogue)
		abort();
	buf_done(&b);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jobscript_mounts *mounts = NULL;
	struct wire_pod pod;
	struct buf dir, script;
	cJSON *j = NULL;
	char err[256];
	size_t n;
	int r;

	if (wire_parse((const char *)data, size, &j, err, sizeof(err)) < 0)
		return 0;
	if (wire_pod_decode(j, &pod, err, sizeof(err)) < 0) {
		cJSON_Delete(j);
		return 0;
	}
	cJSON_Delete(j);
	if (jobscript_validate(&pod, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
		wire_pod_done(&pod);
		return 0;
	}
	/* the folder and the binds carry pod text too */
	buf_init(&dir, SCRIPT_MAX);
	buf_printf(&dir, "/var/lib/interlink/pods/%s-%s", pod.namespace,
		   pod.uid);
	n = wire_pod_n_all_containers(&pod);
	mounts = calloc(n, sizeof(*mounts));
	FUZZ_CHECK(mounts != NULL, "oom");
	for (size_t i = 0; i < n; i++) {
		const struct wire_container *ct =
			wire_pod_container_at(&pod, i, NULL);

		mounts[i].n = ct->n_mounts;
		mounts[i].v = calloc(ct->n_mounts + 1, sizeof(*mounts[i].v));
		FUZZ_CHECK(mounts[i].v != NULL, "oom");
		for (size_t k = 0; k < ct->n_mounts; k++) {
			mounts[i].v[k].host = ct->mounts[k].name;
			mounts[i].v[k].ctr = ct->mounts[k].mount_path;
			mounts[i].v[k].read_only = ct->mounts[k].read_only;
		}
		check_envfile(ct);
	}
	buf_init(&script, SCRIPT_MAX);
	r = jobscript_build(&conf, &pod, buf_str(&dir), mounts, &script);
	FUZZ_CHECK(r == 0 || r == -E2BIG, "jobscript_build: %d", r);
	if (r == 0)
		check_script(&pod, buf_str(&dir), buf_str(&script));
	buf_done(&script);
	for (size_t i = 0; i < n; i++)
		free(mounts[i].v);
	free(mounts);
	buf_done(&dir);
	wire_pod_done(&pod);
	return 0;
}
