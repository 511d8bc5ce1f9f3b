/* sidecar-slurm/jobscript.c - see jobscript.h */
#include "jobscript.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probes.h"
#include "text.h"
#include "tunnels.h"

#define IMAGE_ROOT_ANNOTATION "slurm-job.vk.io/image-root"
#define PRE_EXEC_ANNOTATION "slurm-job.vk.io/pre-exec"
#define OPTIONS_ANNOTATION "slurm-job.vk.io/singularity-options"
#define MOUNTS_ANNOTATION "slurm-job.vk.io/singularity-mounts"
#define POD_IP_ANNOTATION "interlink.eu/pod-ip"

/* Shell functions shared by every pod's script. */
/*
 * Shell functions shared by every pod's script.  Job control (set -m) puts
 * each container in a process group of its own, so a cancellation reaches
 * the container and everything it started, not just a subshell.
 */
static const char script_prelude[] =
	"set -u -m\n"
	"exec </dev/null\n"
	"rm -f -- *.status *.status.tmp *.start # a requeued job starts afresh\n"
	"ilk_status() { # FILE CODE: publish an exit code atomically\n"
	"\tprintf '%s\\n' \"$2\" >\"$1.status.tmp\" &&"
	" mv -f \"$1.status.tmp\" \"$1.status\"\n"
	"}\n"
	"ilk_ts() { # stamp each line with its arrival time (UTC)\n"
	"\tlocal line now s us TZ=UTC0\n"
	"\twhile IFS= read -r line || [ -n \"$line\" ]; do\n"
	"\t\tnow=${EPOCHREALTIME:-}\n"
	"\t\tif [ -n \"$now\" ]; then s=${now%.*} us=${now#*.}\n"
	"\t\telse printf -v s '%(%s)T' -1; us=000000; fi\n"
	"\t\tprintf '%(%Y-%m-%dT%H:%M:%S)T.%sZ %s\\n' \"$s\" \"$us\""
	" \"$line\"\n"
	"\tdone\n"
	"}\n"
	"ilk_run() { # KIND NAME CMD...: run one container\n"
	"\tlocal kind=$1 name=$2 rc\n"
	"\tshift 2\n"
	"\tprintf '%(%s)T\\n' -1 >\"$kind-$name.start\"\n"
	"\t\"$@\" </dev/null 2>&1 | ilk_ts >>\"$kind-$name.out\"\n"
	"\trc=${PIPESTATUS[0]}\n"
	"\tilk_status \"$kind-$name\" \"$rc\"\n"
	"\treturn \"$rc\"\n"
	"}\n"
	"ilk_pids=()\n"
	"ilk_stop() { # forward a cancellation to every container\n"
	"\ttrap - TERM INT\n"
	"\tfor ilk_pid in \"${ilk_pids[@]}\"; do\n"
	"\t\tkill -TERM -- \"-$ilk_pid\" 2>/dev/null\n"
	"\tdone\n"
	"\twait\n"
	"\texit 143\n"
	"}\n"
	"trap ilk_stop TERM INT\n";

/* Wait for the regular containers; exit with the highest code. */
static const char script_epilogue[] =
	"ilk_rc=0\n"
	"for ilk_pid in \"${ilk_pids[@]}\"; do\n"
	"\twait \"$ilk_pid\"\n"
	"\tilk_c=$?\n"
	"\t[ \"$ilk_c\" -gt \"$ilk_rc\" ] && ilk_rc=$ilk_c\n"
	"done\n"
	"ilk_tunnels_stop\n"
	"exit \"$ilk_rc\"\n";

static bool has_scheme(const char *s)
{
	const char *p = s;

	if (!isalpha((unsigned char)*p))
		return false;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	       *p == '.')
		p++;
	return strncmp(p, "://", 3) == 0;
}

int jobscript_image(const struct jobscript_conf *c,
		    const struct wire_pod *pod, const char *image,
		    struct buf *out)
{
	const char *prefix = wire_pod_annotation(pod, IMAGE_ROOT_ANNOTATION);
	int r;

	if (!prefix)
		prefix = c->image_prefix ? c->image_prefix : "";
	if (image[0] != '/' && !has_scheme(image)) {
		r = buf_puts(out, prefix);
		if (r < 0)
			return r;
	}
	return buf_puts(out, image);
}

static int check_container(const struct wire_container *ct, bool init,
			   char *err, size_t errlen)
{
	const char *kind = init ? "init container" : "container";

	if (!text_is_dns_label(ct->name)) {
		snprintf(err, errlen,
			 "%s name '%.64s' is not a valid name (lowercase "
			 "letters, digits and '-', at most 63)",
			 kind, ct->name ? ct->name : "");
		return -1;
	}
	if (!ct->image || !*ct->image) {
		snprintf(err, errlen, "%s '%s' has no image", kind, ct->name);
		return -1;
	}
	if (!text_is_printable(ct->image)) {
		snprintf(err, errlen, "%s '%s': image contains control "
			 "characters", kind, ct->name);
		return -1;
	}
	/* after an empty image-root it would be a runtime option
	 * (--fakeroot), past AllowRawShellAnnotations */
	if (ct->image[0] == '-') {
		snprintf(err, errlen, "%s '%s': an image name cannot start "
			 "with '-'", kind, ct->name);
		return -1;
	}
	for (size_t i = 0; i < ct->n_env; i++) {
		if (!text_is_env_name(ct->env[i].name)) {
			char name[80];

			text_sanitize(ct->env[i].name, name, sizeof(name));
			snprintf(err, errlen,
				 "%s '%s': environment variable name '%s' "
				 "cannot be passed to the container (letters, "
				 "digits and '_' only, not starting with a "
				 "digit)",
				 kind, ct->name, name);
			return -1;
		}
	}
	if (ct->working_dir && ct->working_dir[0] != '/') {
		snprintf(err, errlen,
			 "%s '%s': workingDir must be an absolute path", kind,
			 ct->name);
		return -1;
	}
	return 0;
}

int jobscript_validate(const struct wire_pod *pod, char *err, size_t errlen)
{
	size_t n = wire_pod_n_all_containers(pod);

	const char *root = wire_pod_annotation(pod, IMAGE_ROOT_ANNOTATION);

	if (pod->n_containers == 0) {
		snprintf(err, errlen, "the pod has no containers");
		return -1;
	}
	if (root && (root[0] == '-' || !text_is_printable(root))) {
		snprintf(err, errlen, "annotation %s cannot start with '-' or "
			 "contain control characters", IMAGE_ROOT_ANNOTATION);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		bool init;
		const struct wire_container *ct =
			wire_pod_container_at(pod, i, &init);

		if (check_container(ct, init, err, errlen) < 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			bool ji;
			const struct wire_container *o =
				wire_pod_container_at(pod, j, &ji);

			if (strcmp(o->name, ct->name) == 0) {
				snprintf(err, errlen,
					 "two containers are named '%s'",
					 ct->name);
				return -1;
			}
		}
	}
	return 0;
}

int jobscript_envfile(const struct wire_container *ct, struct buf *out)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < ct->n_env; i++) {
		const char *v = ct->env[i].value ? ct->env[i].value : "";

		r = buf_printf(out, "%s=", ct->env[i].name);
		if (r == 0)
			r = buf_append_shquoted(out, v, strlen(v));
		if (r == 0)
			r = buf_puts(out, "\n");
	}
	return r;
}

static int word(struct buf *out, const char *s)
{
	int r = buf_puts(out, " ");

	return r < 0 ? r : buf_append_shquoted(out, s, strlen(s));
}

/*
 * The runtime's words for ct, each after a space: RUNTIME VERB options
 * [raw annotations] [--env-file F] binds [--pwd DIR] IMAGE.  shared_tmp:
 * also bind <dir>/hook-tmp/<name> at /tmp (probes.h).
 */
static int runtime_words(const struct jobscript_conf *c,
			 const struct wire_pod *pod, const char *dir,
			 const struct wire_container *ct, const char *verb,
			 bool shared_tmp, const struct jobscript_mounts *m,
			 struct buf *out)
{
	struct buf tmp;
	int r;

	buf_init(&tmp, 1 << 20);
	r = word(out, c->runtime);
	if (r == 0)
		r = word(out, verb);
	for (size_t i = 0; r == 0 && i < c->n_default_options; i++)
		r = word(out, c->default_options[i]);
	/* raw words the site allows pods to add (policy.c checks them) */
	for (size_t i = 0; r == 0 && c->allow_raw && i < 2; i++) {
		const char *raw = wire_pod_annotation(
			pod, i ? MOUNTS_ANNOTATION : OPTIONS_ANNOTATION);

		if (raw && *raw && text_is_printable(raw))
			r = buf_printf(out, " %s", raw);
	}
	if (r == 0 && ct->n_env) {
		r = buf_printf(&tmp, "%s/%s_envfile.properties", dir,
			       ct->name);
		if (r == 0)
			r = word(out, "--env-file");
		if (r == 0)
			r = word(out, buf_str(&tmp));
	}
	for (size_t i = 0; r == 0 && m && i < m->n; i++) {
		buf_reset(&tmp);
		r = buf_printf(&tmp, "%s:%s:%s", m->v[i].host, m->v[i].ctr,
			       m->v[i].read_only ? "ro" : "rw");
		if (r == 0)
			r = word(out, "--bind");
		if (r == 0)
			r = word(out, buf_str(&tmp));
	}
	if (r == 0 && shared_tmp) {
		buf_reset(&tmp);
		r = buf_printf(&tmp, "%s/%s/%s:/tmp:rw", dir, PROBES_TMP_DIR,
			       ct->name);
		if (r == 0)
			r = word(out, "--bind");
		if (r == 0)
			r = word(out, buf_str(&tmp));
	}
	if (r == 0 && ct->working_dir) {
		r = word(out, "--pwd");
		if (r == 0)
			r = word(out, ct->working_dir);
	}
	if (r == 0) {
		buf_reset(&tmp);
		r = jobscript_image(c, pod, ct->image, &tmp);
		if (r == 0)
			r = word(out, buf_str(&tmp));
	}
	buf_done(&tmp);
	return r;
}

/*
 * A container with probes or hooks (EnableProbes): the functions that
 * run them, then "ilk_runp NAME SUPERVISOR" to start the container line.
 */
static int probes_start(const struct jobscript_conf *c,
			const struct wire_pod *pod, const char *dir,
			const struct wire_container *ct, size_t idx,
			const struct jobscript_mounts *m, struct buf *out)
{
	struct buf x;
	char sup[32];
	int r;

	buf_init(&x, 1 << 20);
	r = runtime_words(c, pod, dir, ct, "exec", probes_shared_tmp(ct), m,
			  &x);
	if (r == 0)
		r = probes_container(ct, idx, dir, buf_str(&x) + 1, out);
	probes_supervisor(ct, idx, sup, sizeof(sup));
	if (r == 0)
		r = buf_puts(out, "ilk_runp");
	if (r == 0)
		r = word(out, ct->name);
	if (r == 0)
		r = buf_printf(out, " %s", sup);
	buf_done(&x);
	return r;
}

static int container_line(const struct jobscript_conf *c,
			  const struct wire_pod *pod, const char *dir,
			  const struct wire_container *ct, bool init,
			  size_t idx, const struct jobscript_mounts *m,
			  struct buf *out)
{
	bool probes = !init && c->enable_probes &&
		      probes_container_uses(ct);
	int r;

	if (probes) {
		r = probes_start(c, pod, dir, ct, idx, m, out);
	} else {
		r = buf_printf(out, "ilk_run %s", init ? "init" : "run");
		if (r == 0)
			r = word(out, ct->name);
	}
	if (r == 0)
		r = runtime_words(c, pod, dir, ct,
				  ct->n_command ? "exec" : "run",
				  probes && probes_shared_tmp(ct), m, out);
	for (size_t i = 0; r == 0 && i < ct->n_command; i++)
		r = word(out, ct->command[i]);
	for (size_t i = 0; r == 0 && i < ct->n_args; i++)
		r = word(out, ct->args[i]);
	/* in the background even for init containers, so that a
	 * cancellation is handled at once, not when the container ends */
	if (r == 0)
		r = buf_puts(out, " &\nilk_pids+=(\"$!\")\n");
	if (r == 0 && probes)
		r = buf_puts(out, "ilk_own+=(\"$!\")\n");
	if (r == 0 && init)
		r = buf_puts(out, "wait \"$!\" || exit \"$?\"\n");
	return r;
}

/* Raw shell text as its own block, in the job's shell, without set -u. */
static int raw_block(struct buf *out, const char *what, const char *text)
{
	int r = buf_printf(out, "# %s\nset +u\n", what);

	if (r == 0)
		r = buf_puts(out, text);
	if (r == 0)
		r = buf_puts(out, "\nset -u\n");
	return r;
}

/*
 * POD_IP, the site's CommandPrefix, the pod's tunnel client commands, then
 * the pod's pre-exec (upstream's order).  A mesh script in pre-exec
 * (tunnels.h) wraps the rest of the job: all this then runs only in the
 * outer run, which ends by running the script again under mesh.sh.
 */
static int site_and_pod_setup(const struct jobscript_conf *c,
			      const struct wire_pod *pod, struct buf *out)
{
	const char *ip = wire_pod_annotation(pod, POD_IP_ANNOTATION);
	const char *pre = wire_pod_annotation(pod, PRE_EXEC_ANNOTATION);
	struct buf mesh, rest;
	bool meshed;
	int r = 0;

	buf_init(&mesh, 1 << 24);
	buf_init(&rest, 1 << 24);
	meshed = c->allow_tunnel && tunnels_split_pre_exec(pre, &mesh, &rest);
	if (meshed)
		r = buf_puts(out, "if [ -z \"${" TUNNELS_MESH_ENV "-}\" ]; "
			     "then\n");
	if (r == 0 && ip && *ip) {
		r = buf_puts(out, "export POD_IP=");
		if (r == 0)
			r = buf_append_shquoted(out, ip, strlen(ip));
		if (r == 0)
			r = buf_puts(out, "\n");
	}
	if (r == 0 && c->command_prefix && *c->command_prefix)
		r = raw_block(out, "CommandPrefix (site)", c->command_prefix);
	if (r == 0 && c->allow_tunnel)
		r = tunnels_emit_clients(pod, out);
	if (r == 0 && meshed) {
		if (c->allow_raw && rest.len)
			r = raw_block(out, PRE_EXEC_ANNOTATION, buf_str(&rest));
		if (r == 0)
			r = tunnels_emit_mesh(buf_str(&mesh), mesh.len, out);
		if (r == 0)
			r = buf_puts(out, "fi\n");
	} else if (r == 0 && c->allow_raw && pre && *pre) {
		r = raw_block(out, PRE_EXEC_ANNOTATION, pre);
	}
	buf_done(&mesh);
	buf_done(&rest);
	return r;
}

int jobscript_build(const struct jobscript_conf *c,
		    const struct wire_pod *pod, const char *dir,
		    const struct jobscript_mounts *mounts, struct buf *out)
{
	size_t n = wire_pod_n_all_containers(pod);
	char safe_name[256], safe_ns[64], safe_uid[72];
	int r;

	text_sanitize(pod->name, safe_name, sizeof(safe_name));
	text_sanitize(pod->namespace, safe_ns, sizeof(safe_ns));
	text_sanitize(pod->uid, safe_uid, sizeof(safe_uid));
	r = buf_printf(out, "#!%s\n", c->bash_path);
	if (r == 0)
		r = buf_printf(out,
			       "# pod %s/%s uid %s, generated by sidecar-slurm"
			       "\n",
			       safe_ns, safe_name, safe_uid);
	if (r == 0)
		r = buf_puts(out, "cd");
	if (r == 0)
		r = word(out, dir);
	if (r == 0)
		r = buf_puts(out, " || exit 1\n");
	if (r == 0)
		r = buf_puts(out, script_prelude);
	if (r == 0)
		r = buf_puts(out, tunnels_prelude);
	if (r == 0 && probes_pod_uses(pod, c->enable_probes))
		r = probes_prelude(pod, c->runtime, out);
	if (r == 0)
		r = site_and_pod_setup(c, pod, out);
	for (size_t i = 0; r == 0 && i < n; i++) {
		bool init;
		const struct wire_container *ct =
			wire_pod_container_at(pod, i, &init);

		r = container_line(c, pod, dir, ct, init, i,
				   mounts ? &mounts[i] : NULL, out);
	}
	if (r == 0)
		r = buf_puts(out, script_epilogue);
	return r;
}
