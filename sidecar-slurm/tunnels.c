/* sidecar-slurm/tunnels.c - see tunnels.h */
#include "tunnels.h"

#include <stdio.h>
#include <string.h>

#define PRE_EXEC_ANNOTATION "slurm-job.vk.io/pre-exec"
/* upstream's marker, matched as upstream's plugin matches it */
#define MESH_MARKER "cat <<'EOFMESH' > $TMPDIR/mesh.sh"
#define MESH_END "EOFMESH"

const char *const tunnels_annotations[] = {
	"interlink.eu/wstunnel-client-commands",
	"interlink.eu/rathole-client-commands",
	"interlink.eu/ssh-client-commands",
	NULL,
};

/* the tag of each annotation's log lines and the name of its script */
static const char *const tags[] = {"wstunnel", "rathole", "ssh"};

/*
 * ilk_tunnel TAG ARGS...: run "bash ARGS..." with its output tagged and
 * stamped into tunnels.out; returns its exit code.  Started with & under
 * set -m, each runs in a process group of its own (disowned, so that
 * bash prints no job notice), which ilk_tunnels_stop ends (TERM, then
 * KILL after 5 s).
 */
const char tunnels_prelude[] =
	"ilk_tunnels=()\n"
	"ilk_tag() { # TAG: prefix each line with [TAG]\n"
	"\tlocal line\n"
	"\twhile IFS= read -r line || [ -n \"$line\" ]; do\n"
	"\t\tprintf '[%s] %s\\n' \"$1\" \"$line\"\n"
	"\tdone\n"
	"}\n"
	"ilk_tunnel() { # TAG ARGS...: a client command or the mesh script\n"
	"\tlocal tag=$1\n"
	"\tshift\n"
	"\t\"$BASH\" \"$@\" </dev/null 2>&1 | ilk_tag \"$tag\" | ilk_ts"
	" >>" TUNNELS_LOG_FILE "\n"
	"\treturn \"${PIPESTATUS[0]}\"\n"
	"}\n"
	"ilk_tunnels_stop() { # end every client command's process group\n"
	"\tlocal t i live\n"
	"\t((${#ilk_tunnels[@]})) || return 0\n"
	"\tfor t in \"${ilk_tunnels[@]}\"; do\n"
	"\t\tkill -TERM -- \"-$t\" 2>/dev/null\n"
	"\tdone\n"
	"\tfor ((i = 0; i < 50; i++)); do\n"
	"\t\tlive=0\n"
	"\t\tfor t in \"${ilk_tunnels[@]}\"; do\n"
	"\t\t\tkill -0 -- \"-$t\" 2>/dev/null && live=1\n"
	"\t\tdone\n"
	"\t\t((live)) || break\n"
	"\t\tsleep 0.1\n"
	"\tdone\n"
	"\tfor t in \"${ilk_tunnels[@]}\"; do\n"
	"\t\tkill -KILL -- \"-$t\" 2>/dev/null\n"
	"\tdone\n"
	"\tilk_tunnels=()\n"
	"\tilk_status tunnels 0\n"
	"}\n";

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
		    s[i] != '\r')
			return false;
	return true;
}

/* The line starting at p ends at the returned pointer ('\n' or NUL). */
static const char *line_end(const char *p)
{
	const char *e = strchr(p, '\n');

	return e ? e : p + strlen(p);
}

bool tunnels_split_pre_exec(const char *pre, struct buf *mesh,
			    struct buf *rest)
{
	const char *m = pre ? strstr(pre, MESH_MARKER) : NULL;
	const char *body, *p;

	/* the marker must start a line and end it (trailing blanks aside) */
	while (m && m != pre && m[-1] != '\n')
		m = strstr(m + 1, MESH_MARKER);
	if (!m)
		return false;
	p = m + strlen(MESH_MARKER);
	if (!blank(p, (size_t)(line_end(p) - p)) || !*line_end(p))
		return false;
	body = line_end(p) + 1;
	/* the body ends before the first line that is exactly EOFMESH */
	for (p = body; *p; p = *line_end(p) ? line_end(p) + 1 : line_end(p)) {
		const char *e = line_end(p);

		if ((size_t)(e - p) == strlen(MESH_END) &&
		    memcmp(p, MESH_END, strlen(MESH_END)) == 0)
			break;
	}
	if (!*p)
		return false;
	buf_reset(mesh);
	buf_reset(rest);
	if (buf_append(mesh, body, (size_t)(p - body)) < 0 ||
	    buf_append(rest, pre, (size_t)(m - pre)) < 0 ||
	    buf_puts(rest, *line_end(p) ? line_end(p) + 1 : "") < 0)
		return false;
	return true;
}

static bool has_mesh(const char *pre, bool *rest_blank)
{
	struct buf mesh, rest;
	bool found;

	buf_init(&mesh, 1 << 24);
	buf_init(&rest, 1 << 24);
	found = tunnels_split_pre_exec(pre, &mesh, &rest);
	if (rest_blank)
		*rest_blank = !found || blank(rest.data ? rest.data : "",
					      rest.len);
	buf_done(&mesh);
	buf_done(&rest);
	return found;
}

bool tunnels_pod_uses(const struct wire_pod *pod)
{
	for (size_t i = 0; tunnels_annotations[i]; i++) {
		const char *v = wire_pod_annotation(pod, tunnels_annotations[i]);

		if (v && *v)
			return true;
	}
	return has_mesh(wire_pod_annotation(pod, PRE_EXEC_ANNOTATION), NULL);
}

int tunnels_check(bool allow_tunnel, bool allow_raw,
		  const struct wire_pod *pod, bool *pre_exec_checked,
		  char *err, size_t errlen)
{
	const char *pre = wire_pod_annotation(pod, PRE_EXEC_ANNOTATION);
	bool rest_blank;

	*pre_exec_checked = false;
	for (size_t i = 0; tunnels_annotations[i]; i++) {
		const char *v = wire_pod_annotation(pod, tunnels_annotations[i]);

		if (v && *v && !allow_tunnel) {
			snprintf(err, errlen, "annotation %s runs shell "
				 "commands supplied with the pod and is "
				 "disabled on this cluster "
				 "(AllowTunnelAnnotations)",
				 tunnels_annotations[i]);
			return -1;
		}
	}
	if (!has_mesh(pre, &rest_blank))
		return 0;
	if (!allow_tunnel) {
		snprintf(err, errlen, "annotation %s carries a mesh network "
			 "script, which is disabled on this cluster "
			 "(AllowTunnelAnnotations)", PRE_EXEC_ANNOTATION);
		return -1;
	}
	if (!rest_blank && !allow_raw) {
		snprintf(err, errlen, "annotation %s has shell commands "
			 "besides the mesh network script, which is allowed; "
			 "raw shell is disabled on this cluster "
			 "(AllowRawShellAnnotations)", PRE_EXEC_ANNOTATION);
		return -1;
	}
	*pre_exec_checked = true;
	return 0;
}

/* printf '%s' 'TEXT' >FILE (TEXT single-quoted, a newline added if
 * missing) */
static int write_file_cmd(struct buf *out, const char *text, size_t len,
			  const char *file)
{
	int r = buf_puts(out, "printf '%s\\n' ");

	if (r == 0)
		r = buf_append_shquoted(out, text,
					len && text[len - 1] == '\n' ? len - 1
								     : len);
	if (r == 0)
		r = buf_printf(out, " >%s || exit 1\n", file);
	return r;
}

int tunnels_emit_clients(const struct wire_pod *pod, struct buf *out)
{
	int r = 0;

	for (size_t i = 0; r == 0 && tunnels_annotations[i]; i++) {
		const char *v = wire_pod_annotation(pod, tunnels_annotations[i]);
		char file[64];

		if (!v || !*v)
			continue;
		snprintf(file, sizeof(file), "tunnel-%s.sh", tags[i]);
		r = buf_printf(out, "# %s (AllowTunnelAnnotations)\n",
			       tunnels_annotations[i]);
		if (r == 0)
			r = write_file_cmd(out, v, strlen(v), file);
		if (r == 0)
			r = buf_printf(out, "ilk_tunnel %s %s &\n"
				       "ilk_tunnels+=(\"$!\")\n"
				       "disown \"$!\" # no job notices\n",
				       tags[i], file);
	}
	return r;
}

int tunnels_emit_mesh(const char *mesh, size_t len, struct buf *out)
{
	int r = buf_puts(out, "# mesh network script from "
			 PRE_EXEC_ANNOTATION " (AllowTunnelAnnotations): "
			 "the containers run under it\n");

	if (r == 0)
		r = write_file_cmd(out, mesh, len, "mesh.sh");
	if (r == 0)
		r = buf_puts(
			out,
			"ilk_self=$0\n"
			"[[ $ilk_self == /* ]] || ilk_self=$OLDPWD/$0\n"
			"( export " TUNNELS_MESH_ENV "=1\n"
			"  ilk_tunnel mesh mesh.sh \"$BASH\" \"$ilk_self\" ) &\n"
			"ilk_pids+=(\"$!\")\n"
			"wait \"$!\"\n"
			"ilk_rc=$?\n"
			"ilk_tunnels_stop\n"
			"exit \"$ilk_rc\"\n");
	return r;
}
