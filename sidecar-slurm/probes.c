/*
 * sidecar-slurm/probes.c - probes and lifecycle hooks in the job script.
 *
 * With EnableProbes: true, the regular containers' startupProbe,
 * readinessProbe and livenessProbe (exec, httpGet, tcpSocket) and their
 * lifecycle postStart and preStop hooks (exec, httpGet, tcpSocket, sleep)
 * run inside the pod's job.  Without it they are ignored, as upstream does.
 * Init containers never have any (Kubernetes forbids them there).
 *
 * How a container with probes or hooks runs.  jobscript.c starts it with
 * ilk_runp instead of ilk_run:
 *
 *  - the container is exec'd through setsid, so it is a process group of
 *    its own whose id (its pid) is in run-<name>.pid; the wrapper around
 *    it still collects its output and writes run-<name>.status itself;
 *  - a supervisor (ilk_s<N>) waits until the container's runtime has
 *    handed over to the container: the process's /proc comm is past the
 *    runtime binary's name, or it has the runtime's starter as a child
 *    (apptainer pulls and converts the image before it execs or forks its
 *    starter), at most 300 s; so no timer counts the image pull
 *    (upstream's probes and hooks started with the launch, pull
 *    included).  This is a heuristic: a runtime that neither execs nor
 *    starts a "starter" gets its probes 300 s late;
 *  - then postStart runs once, in the container's environment, while the
 *    container runs (Kubernetes' order; upstream ran it before the
 *    container).  Its output is appended to the container's log line by
 *    line: every writer of run-<name>.out appends whole stamped lines with
 *    O_APPEND (one write each, for lines up to bash's buffer), so hook and
 *    container lines never mix inside a line; the hook's logger runs under
 *    the hook's timeout, so its last line is written when the hook is
 *    done.  A failing postStart stops the container (FailedPostStartHook);
 *  - then the startup probe, until it succeeds; a startup failure stops
 *    the container (StartupProbeFailed).  After it, readiness and liveness
 *    run concurrently.  Readiness never stops anything and is never
 *    latched: it goes back to "fail" after failureThreshold failures and
 *    to "ok" after successThreshold successes.  Liveness failing
 *    failureThreshold times in a row stops the container
 *    (LivenessProbeFailed).  Containers are never restarted
 *    (restartPolicy): a stopped container is reported terminated with its
 *    exit code and that reason;
 *  - "stops" is TERM to the container's process group, KILL after the
 *    pod's terminationGracePeriodSeconds; the reason is written first, to
 *    run-<name>.reason (reason line, message line), then /status reports
 *    it once run-<name>.status appears;
 *  - when the container ends, its wrapper TERMs the supervisor, which
 *    TERMs its probe loops, which TERM the check they run: nothing of a
 *    container's probes outlives it, and all of it lives in the job.
 *    Probe loops and hooks never write .status files.
 *
 * State files, each one line written atomically (tmp + rename):
 * poststart-<name>.state and probe-<startup|readiness|liveness>-<name>.state
 * hold pending, ok or fail.  The sidecar writes the first ("pending") at
 * /create, before the job can start, so /status never calls a container
 * ready before its probes had a say; the job rewrites them when it starts
 * (a requeued job starts afresh).  /status (route_status.c) reports a
 * running container as waiting (ContainerCreating) until its postStart
 * hook succeeded, started=false until its startup probe succeeded, and
 * ready=true only when started and its readiness probe (if any) is ok.
 * The last check's output of each probe is in probe-<kind>-<name>.out,
 * and state changes are noted in job.out.
 *
 * Actions.  exec runs "RUNTIME exec <the container's options, env file,
 * binds, --pwd> IMAGE CMD..." under timeout(1): a fresh instance with the
 * container's environment and volumes, not the running instance.  So that
 * the hooks and exec probes see what the container writes to /tmp (and
 * the other way round, as Kubernetes' vk-test-set 115 expects), such a
 * container gets <dir>/hook-tmp/<name> bound at /tmp, unless a volume is
 * mounted there.  exec timeouts get PROBES_EXEC_SLACK_S more seconds for
 * the runtime's own start.  httpGet runs in a child bash of the job shell
 * on the node (apptainer shares the node's network): plain HTTP through
 * bash's /dev/tcp, so it needs nothing installed; HTTPS through
 * "curl -k" (the kubelet does not verify either), failing when the node
 * has no curl.  2xx and 3xx succeed; redirects are not followed.  The host
 * defaults to 127.0.0.1; a named port resolves through the container's
 * ports[] at /create, else the create fails (400).  tcpSocket opens a
 * /dev/tcp connection.  grpc probes are refused at /create.
 *
 * preStop.  The job script's TERM trap (ilk_stop, replaced here) first
 * runs the preStop hooks of the containers that run, in parallel, each
 * bounded by the grace period, their output in prestop-<name>.out and in
 * the container's log; then TERMs every container; then KILLs what is left
 * when the grace period (at least 2 s after the hooks) has passed.  The
 * wrappers of ilk_runp are not signalled: they write their container's
 * exit code when it ends.  The grace period is the pod's
 * terminationGracePeriodSeconds (default 30), clamped to [1, 3600].  That
 * needs the TERM to reach the job script alone: a plain Slurm cancel sends
 * TERM to every process of the job at once, so the containers would stop
 * while their hooks run (upstream's race).  /delete therefore first asks
 * the backend to terminate the job script only (Slurm: SIGTERM with
 * KILL_JOB_BATCH) for pods with a preStop hook, and cancels the job
 * outright only when it has not ended probes_stop_grace() seconds later
 * (route_delete.c, routes.c).  A time limit or an operator's scancel still
 * signals everything at once; the hooks then run best effort, within
 * Slurm's KillWait.
 */
#include "probes.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fsutil.h"
#include "text.h"

/* Extra seconds for an exec action: the runtime starts an instance. */
#define PROBES_EXEC_SLACK_S 2

enum kind { K_STARTUP, K_READINESS, K_LIVENESS, N_KINDS };

static const char *const kind_name[N_KINDS] = {"startup", "readiness",
					       "liveness"};
static const char *const kind_field[N_KINDS] = {"startupProbe",
						"readinessProbe",
						"livenessProbe"};

/*
 * The shell functions every pod with probes or hooks gets.  ilk_stop
 * replaces jobscript.c's (bash uses the last definition).
 */
static const char prelude_text[] =
	"rm -f -- *.state.tmp run-*.reason run-*.reason.tmp run-*.pid\n"
	"ilk_setsid=setsid\n"
	"command -v setsid >/dev/null || ilk_setsid=''\n"
	"ilk_state() { # FILE STATE: publish a probe or hook state\n"
	"\tprintf '%s\\n' \"$2\" >\"$1.state.tmp\" &&"
	" mv -f \"$1.state.tmp\" \"$1.state\"\n"
	"}\n"
	"ilk_note() { # TEXT: a time-stamped line for job.out\n"
	"\tlocal TZ=UTC0\n"
	"\tprintf '%(%Y-%m-%dT%H:%M:%S)TZ %s\\n' -1 \"$*\"\n"
	"}\n"
	"ilk_log() { # FILE...: stamp lines, append each whole to every FILE\n"
	"\tlocal line now s us out f TZ=UTC0\n"
	"\ttrap '' TERM\n"
	"\twhile IFS= read -r line || [ -n \"$line\" ]; do\n"
	"\t\tnow=${EPOCHREALTIME:-}\n"
	"\t\tif [ -n \"$now\" ]; then s=${now%.*} us=${now#*.}\n"
	"\t\telse printf -v s '%(%s)T' -1; us=000000; fi\n"
	"\t\tprintf -v out '%(%Y-%m-%dT%H:%M:%S)T.%sZ %s\\n' \"$s\" \"$us\""
	" \"$line\"\n"
	"\t\tfor f; do printf '%s' \"$out\" >>\"$f\"; done\n"
	"\tdone\n"
	"}\n"
	"ilk_runp() { # NAME SUPERVISOR CMD...: ilk_run, with probes/hooks\n"
	"\tlocal name=$1 sup=$2 rc sp=''\n"
	"\tshift 2\n"
	"\tprintf '%(%s)T\\n' -1 >\"run-$name.start\"\n"
	"\tif [ \"$sup\" != - ]; then \"$sup\" \"$name\" & sp=$!; fi\n"
	"\t{ printf '%s\\n' \"$BASHPID\" >\"run-$name.pid\";"
	" exec $ilk_setsid \"$@\"; } </dev/null 2>&1 |\n"
	"\t\tilk_ts >>\"run-$name.out\"\n"
	"\trc=${PIPESTATUS[0]}\n"
	"\tif [ -n \"$sp\" ]; then kill -TERM \"$sp\" 2>/dev/null;"
	" wait \"$sp\"; fi\n"
	"\tilk_status \"run-$name\" \"$rc\"\n"
	"\treturn \"$rc\"\n"
	"}\n"
	"ilk_child='' ilk_cpid=''\n"
	"ilk_kids=()\n"
	"ilk_quit() { # TERM to a supervisor or probe loop: stop, then end\n"
	"\tlocal p\n"
	"\ttrap - TERM\n"
	"\tfor p in $ilk_child \"${ilk_kids[@]}\"; do\n"
	"\t\tkill -TERM \"$p\" 2>/dev/null\n"
	"\tdone\n"
	"\twait\n"
	"\texit 0\n"
	"}\n"
	"ilk_do() { # CMD...: run CMD and wait for it, TERM still handled\n"
	"\tlocal rc\n"
	"\t\"$@\" &\n"
	"\tilk_child=$!\n"
	"\twait \"$ilk_child\"\n"
	"\trc=$?\n"
	"\tilk_child=''\n"
	"\treturn \"$rc\"\n"
	"}\n"
	"ilk_started() { # NAME: wait until NAME's runtime runs it (after an\n"
	"\t# image pull): its process is past the runtime binary, or has the\n"
	"\t# runtime's starter as a child; at most 300 s.  Its process group\n"
	"\t# in ilk_cpid.  False when NAME ended\n"
	"\tlocal c i k past=''\n"
	"\tfor ((i = 0; i < 200; i++)); do\n"
	"\t\t[ -s \"run-$1.pid\" ] && break\n"
	"\t\tilk_do sleep 0.05\n"
	"\tdone\n"
	"\tread -r ilk_cpid 2>/dev/null <\"run-$1.pid\" || return 1\n"
	"\tfor ((i = 0; i < 3000; i++)); do\n"
	"\t\tIFS= read -r c 2>/dev/null <\"/proc/$ilk_cpid/comm\" ||"
	" return 1\n"
	"\t\tcase $c in\n"
	"\t\t\"$ilk_sh\") [ -z \"$past\" ] || return 0 ;;\n"
	"\t\t\"$ilk_rt\" | setsid) past=1 ;;\n"
	"\t\t*) return 0 ;;\n"
	"\t\tesac\n"
	"\t\t[ ! -e \"run-$1.status\" ] || return 1\n"
	"\t\tk=()\n"
	"\t\tread -r -a k 2>/dev/null"
	" <\"/proc/$ilk_cpid/task/$ilk_cpid/children\"\n"
	"\t\tfor c in \"${k[@]}\"; do\n"
	"\t\t\tread -r c 2>/dev/null <\"/proc/$c/comm\" || continue\n"
	"\t\t\tcase $c in starter* | Apptainer* | Singularity*)"
	" return 0 ;; esac\n"
	"\t\tdone\n"
	"\t\tilk_do sleep 0.1\n"
	"\tdone\n"
	"}\n"
	"ilk_kill() { # NAME REASON MESSAGE: stop NAME, KILL after the grace\n"
	"\tlocal i\n"
	"\t[ ! -e \"run-$1.status\" ] || return 0\n"
	"\tprintf '%s\\n%s\\n' \"$2\" \"$3\" >\"run-$1.reason.tmp\" &&\n"
	"\t\tmv -f \"run-$1.reason.tmp\" \"run-$1.reason\"\n"
	"\tilk_note \"container '$1': $3; stopping it\"\n"
	"\tkill -TERM -- \"-$ilk_cpid\" 2>/dev/null ||"
	" kill -TERM \"$ilk_cpid\" 2>/dev/null || return 0\n"
	"\tfor ((i = 0; i < ilk_grace * 10; i++)); do\n"
	"\t\tkill -0 -- \"-$ilk_cpid\" 2>/dev/null ||\n"
	"\t\t\tkill -0 \"$ilk_cpid\" 2>/dev/null || return 0\n"
	"\t\tilk_do sleep 0.1\n"
	"\tdone\n"
	"\tkill -KILL -- \"-$ilk_cpid\" 2>/dev/null ||"
	" kill -KILL \"$ilk_cpid\" 2>/dev/null\n"
	"\treturn 0\n"
	"}\n"
	"ilk_post() { # NAME HOOK: postStart; a failure stops the container\n"
	"\tlocal rc\n"
	"\tilk_do \"$2\"\n"
	"\trc=$?\n"
	"\tif [ \"$rc\" -eq 0 ]; then ilk_state \"poststart-$1\" ok;"
	" return 0; fi\n"
	"\tilk_state \"poststart-$1\" fail\n"
	"\tilk_kill \"$1\" FailedPostStartHook"
	" \"the postStart hook failed (exit code $rc)\"\n"
	"\treturn 1\n"
	"}\n"
	"ilk_probe() { # KIND NAME DELAY PERIOD SUCCESS FAILURE CHECK\n"
	"\tlocal kind=$1 name=$2 period=$4 succ=$5 fail=$6 check=$7 rc\n"
	"\tlocal ok=0 bad=0 st=pending\n"
	"\ttrap ilk_quit TERM\n"
	"\t[ \"$3\" -le 0 ] || ilk_do sleep \"$3\"\n"
	"\twhile :; do\n"
	"\t\tilk_do \"$check\"\n"
	"\t\trc=$?\n"
	"\t\tif [ \"$rc\" -eq 0 ]; then ok=$((ok + 1)) bad=0;"
	" else bad=$((bad + 1)) ok=0; fi\n"
	"\t\tif [ \"$ok\" -ge \"$succ\" ] && [ \"$st\" != ok ]; then\n"
	"\t\t\tst=ok\n"
	"\t\t\tilk_state \"probe-$kind-$name\" ok\n"
	"\t\t\tilk_note \"container '$name': $kind probe succeeded\"\n"
	"\t\t\t[ \"$kind\" != startup ] || return 0\n"
	"\t\telif [ \"$bad\" -ge \"$fail\" ] && [ \"$st\" != fail ]; then\n"
	"\t\t\tst=fail\n"
	"\t\t\tilk_state \"probe-$kind-$name\" fail\n"
	"\t\t\tilk_note \"container '$name': $kind probe failed"
	" $bad time(s) (exit code $rc)\"\n"
	"\t\t\tcase $kind in\n"
	"\t\t\tstartup) ilk_kill \"$name\" StartupProbeFailed"
	" \"startup probe failed $bad time(s)\"; return 1 ;;\n"
	"\t\t\tliveness) ilk_kill \"$name\" LivenessProbeFailed"
	" \"liveness probe failed $bad time(s)\"; return 1 ;;\n"
	"\t\t\tesac\n"
	"\t\tfi\n"
	"\t\tilk_do sleep \"$period\"\n"
	"\tdone\n"
	"}\n"
	"ilk_http() { # SCHEME HOST PORT PATH [NAME VALUE]...: 2xx/3xx ok\n"
	"\tlocal scheme=$1 host=$2 port=$3 path=$4 hp=$2 code='' line i h=1\n"
	"\tshift 4\n"
	"\tcase $host in *:*) hp=\"[$host]\" ;; esac\n"
	"\tfor ((i = 1; i < $#; i += 2)); do\n"
	"\t\t[ \"${!i,,}\" != host ] || h=0\n"
	"\tdone\n"
	"\tif [ \"$scheme\" = HTTPS ]; then\n"
	"\t\tlocal args=(-ksS -o /dev/null -w '%{http_code}'"
	" -A kube-probe/interlink)\n"
	"\t\tcommand -v curl >/dev/null ||"
	" { echo 'HTTPS probes need curl on the node' >&2; return 1; }\n"
	"\t\twhile [ $# -ge 2 ]; do args+=(-H \"$1: $2\"); shift 2; done\n"
	"\t\tcode=$(curl \"${args[@]}\" \"https://$hp:$port$path\")"
	" || return 1\n"
	"\telse\n"
	"\t\texec 3<>\"/dev/tcp/$host/$port\" || return 1\n"
	"\t\t{\n"
	"\t\t\tprintf 'GET %s HTTP/1.1\\r\\n' \"$path\"\n"
	"\t\t\t[ \"$h\" = 0 ] || printf 'Host: %s:%s\\r\\n' \"$hp\""
	" \"$port\"\n"
	"\t\t\tprintf 'User-Agent: kube-probe/interlink\\r\\nAccept: */*"
	"\\r\\nConnection: close\\r\\n'\n"
	"\t\t\twhile [ $# -ge 2 ]; do printf '%s: %s\\r\\n' \"$1\" \"$2\";"
	" shift 2; done\n"
	"\t\t\tprintf '\\r\\n'\n"
	"\t\t} >&3 || return 1\n"
	"\t\tIFS=' ' read -r line code line <&3 || return 1\n"
	"\t\tcode=${code%$'\\r'}\n"
	"\t\tfor ((i = 0; i < 100; i++)); do"
	" read -r -t 0.2 -u 3 line || break; done\n"
	"\t\texec 3<&-\n"
	"\tfi\n"
	"\tcase $code in [23][0-9][0-9]) return 0 ;; esac\n"
	"\techo \"HTTP probe failed with status code ${code:-none}\" >&2\n"
	"\treturn 1\n"
	"}\n"
	"ilk_tcp() { # HOST PORT: a TCP connection opens\n"
	"\texec 3<>\"/dev/tcp/$1/$2\" || return 1\n"
	"\texec 3<&-\n"
	"}\n"
	"ilk_net_fn=\"$(declare -f ilk_http ilk_tcp)\"'; \"$@\"'\n"
	"ilk_logrun() { # FILE... -- CMD...: CMD's output stamped into FILEs\n"
	"\tlocal files=()\n"
	"\twhile [ \"$1\" != -- ]; do files+=(\"$1\"); shift; done\n"
	"\tshift\n"
	"\t\"$@\" </dev/null 2>&1 | ilk_log \"${files[@]}\"\n"
	"\treturn \"${PIPESTATUS[0]}\"\n"
	"}\n"
	"ilk_hook_fn=\"$(declare -f ilk_log ilk_logrun)\"'; ilk_logrun"
	" \"$@\"'\n"
	"ilk_signal() { # SIG: signal the containers; false: none is left\n"
	"\tlocal p f none=1\n"
	"\tfor f in run-*.pid; do\n"
	"\t\t[ -s \"$f\" ] && [ ! -e \"${f%.pid}.status\" ] || continue\n"
	"\t\tread -r p <\"$f\" || continue\n"
	"\t\tkill -\"$1\" -- \"-$p\" 2>/dev/null && none=0\n"
	"\tdone\n"
	"\tfor p in \"${ilk_pids[@]}\"; do\n"
	"\t\t# ilk_runp: its container has a group of its own (above); the\n"
	"\t\t# wrapper ends by itself, after it wrote the exit code\n"
	"\t\tcase \" ${ilk_own[*]} \" in *\" $p \"*) continue ;; esac\n"
	"\t\tkill -\"$1\" -- \"-$p\" 2>/dev/null && none=0\n"
	"\tdone\n"
	"\treturn \"$none\"\n"
	"}\n"
	"ilk_prestop() { # NAME HOOK: NAME's preStop hook, if NAME runs\n"
	"\t[ -s \"run-$1.pid\" ] && [ ! -e \"run-$1.status\" ] || return 0\n"
	"\tilk_note \"container '$1': running its preStop hook\"\n"
	"\t\"$2\" &\n"
	"\tilk_hooks+=(\"$!\")\n"
	"}\n"
	"ilk_own=()\n"
	"ilk_stop() { # cancellation: preStop hooks, TERM, KILL after grace\n"
	"\tlocal t0=$SECONDS left ilk_hooks=()\n"
	"\ttrap - TERM INT\n"
	"\tilk_prestops\n"
	"\t[ \"${#ilk_hooks[@]}\" -eq 0 ] || wait \"${ilk_hooks[@]}\"\n"
	"\tilk_signal TERM\n"
	"\tleft=$(((ilk_grace - (SECONDS - t0)) * 10))\n"
	"\t[ \"$left\" -ge 20 ] || left=20\n"
	"\twhile [ \"$left\" -gt 0 ] && ilk_signal 0; do\n"
	"\t\tsleep 0.1\n"
	"\t\tleft=$((left - 1))\n"
	"\tdone\n"
	"\tilk_signal KILL\n"
	"\twait\n"
	"\texit 143\n"
	"}\n";

/* ---- the pod's probes ------------------------------------------------- */

static const struct wire_probe *probe_of(const struct wire_container *ct,
					 enum kind k)
{
	switch (k) {
	case K_STARTUP:
		return ct->has_startup_probe ? &ct->startup_probe : NULL;
	case K_READINESS:
		return ct->has_readiness_probe ? &ct->readiness_probe : NULL;
	case K_LIVENESS:
		return ct->has_liveness_probe ? &ct->liveness_probe : NULL;
	case N_KINDS:
		break;
	}
	return NULL;
}

bool probes_container_uses(const struct wire_container *ct)
{
	return ct->has_startup_probe || ct->has_readiness_probe ||
	       ct->has_liveness_probe || ct->has_post_start ||
	       ct->has_pre_stop;
}

bool probes_pod_uses(const struct wire_pod *pod, bool enabled)
{
	for (size_t i = 0; enabled && i < pod->n_containers; i++)
		if (probes_container_uses(&pod->containers[i]))
			return true;
	return false;
}

static bool has_supervisor(const struct wire_container *ct)
{
	return ct->has_post_start || ct->has_startup_probe ||
	       ct->has_readiness_probe || ct->has_liveness_probe;
}

bool probes_shared_tmp(const struct wire_container *ct)
{
	bool exec = (ct->has_post_start && ct->post_start.has_exec) ||
		    (ct->has_pre_stop && ct->pre_stop.has_exec);

	for (int k = 0; !exec && k < N_KINDS; k++) {
		const struct wire_probe *p = probe_of(ct, (enum kind)k);

		exec = p && p->action.has_exec;
	}
	if (!exec)
		return false;
	for (size_t i = 0; i < ct->n_mounts; i++) {
		const char *m = ct->mounts[i].mount_path;

		if (m && (strcmp(m, "/tmp") == 0 || strcmp(m, "/tmp/") == 0))
			return false;
	}
	return true;
}

static int clamp_grace(int64_t v)
{
	if (v < 1)
		return 1;
	return v > PROBES_MAX_GRACE_S ? PROBES_MAX_GRACE_S : (int)v;
}

int probes_grace(const struct wire_pod *pod)
{
	return clamp_grace(pod->has_termination_grace ?
				   pod->termination_grace_seconds :
				   PROBES_DEFAULT_GRACE_S);
}

int probes_stop_grace(const struct wire_pod *pod, bool enabled)
{
	for (size_t i = 0; enabled && i < pod->n_containers; i++)
		if (pod->containers[i].has_pre_stop)
			return probes_grace(pod);
	return 0;
}

/* ---- validation ------------------------------------------------------- */

/* RFC 9110 token characters (header names) */
static bool is_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) &&
		    !strchr("!#$%&'*+-.^_`|~", *s))
			return false;
	return true;
}

/* Visible ASCII only: no space, no control, no byte >= 0x7f */
static bool is_visible(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* A host name or an IPv4/IPv6 address, as bash's /dev/tcp takes it. */
static bool is_host(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-:_", *s))
			return false;
	return true;
}

/*
 * A port: a number, or the name of one of ct's ports.  IntOrString: a
 * string of digits is taken as the number it spells.
 */
static int resolve_port(const struct wire_container *ct, const char *text,
			int *ret)
{
	int64_t v;

	if (!text || !*text)
		return -1;
	if (text_parse_i64(text, 1, 65535, &v) == 0) {
		*ret = (int)v;
		return 0;
	}
	for (size_t i = 0; i < ct->n_ports; i++) {
		const struct wire_container_port *p = &ct->ports[i];

		if (p->name && strcmp(p->name, text) == 0 &&
		    p->container_port >= 1 && p->container_port <= 65535) {
			*ret = p->container_port;
			return 0;
		}
	}
	return -1;
}

static const char *scheme_of(const struct wire_handler *h)
{
	if (!h->http_scheme || strcasecmp(h->http_scheme, "HTTP") == 0)
		return "HTTP";
	if (strcasecmp(h->http_scheme, "HTTPS") == 0)
		return "HTTPS";
	return NULL;
}

/* what: "container 'c': readinessProbe", for messages */
static int check_handler(const struct wire_container *ct,
			 const struct wire_handler *h, bool hook,
			 const char *what, char *err, size_t errlen)
{
	int n = h->has_exec + h->has_http_get + h->has_tcp_socket +
		h->has_grpc + h->has_sleep;
	char bad[80];
	int port;

	if (h->has_grpc) {
		snprintf(err, errlen, "%s: grpc is not supported (exec, "
			 "httpGet and tcpSocket are)", what);
		return -1;
	}
	if (h->has_sleep && !hook) {
		snprintf(err, errlen, "%s: sleep is an action of lifecycle "
			 "hooks only", what);
		return -1;
	}
	if (n != 1) {
		snprintf(err, errlen, "%s: needs exactly one action (exec, "
			 "httpGet, tcpSocket%s)", what,
			 hook ? " or sleep" : "");
		return -1;
	}
	if (h->has_exec && h->n_exec_command == 0) {
		snprintf(err, errlen, "%s: exec.command is empty", what);
		return -1;
	}
	if (h->has_sleep && h->sleep_seconds < 0) {
		snprintf(err, errlen, "%s: sleep.seconds must be 0 or more",
			 what);
		return -1;
	}
	if (h->has_http_get) {
		if (resolve_port(ct, h->http_port, &port) < 0)
			goto bad_port;
		if (h->http_host && !is_host(h->http_host)) {
			text_sanitize(h->http_host, bad, sizeof(bad));
			snprintf(err, errlen, "%s: httpGet.host '%s' is not a "
				 "host name or address", what, bad);
			return -1;
		}
		if (!scheme_of(h)) {
			text_sanitize(h->http_scheme, bad, sizeof(bad));
			snprintf(err, errlen, "%s: httpGet.scheme '%s' is "
				 "neither HTTP nor HTTPS", what, bad);
			return -1;
		}
		if (h->http_path && !is_visible(h->http_path)) {
			snprintf(err, errlen, "%s: httpGet.path must be "
				 "URL-encoded (no spaces, control or non-ASCII "
				 "characters)", what);
			return -1;
		}
		for (size_t i = 0; i < h->n_http_headers; i++) {
			const struct wire_http_header *x = &h->http_headers[i];

			if (!is_token(x->name) ||
			    !text_is_printable(x->value)) {
				snprintf(err, errlen, "%s: httpGet.httpHeaders"
					 "[%zu]: not a valid HTTP header name "
					 "and value", what, i);
				return -1;
			}
		}
	}
	if (h->has_tcp_socket) {
		if (resolve_port(ct, h->tcp_port, &port) < 0)
			goto bad_port;
		if (h->tcp_host && !is_host(h->tcp_host)) {
			text_sanitize(h->tcp_host, bad, sizeof(bad));
			snprintf(err, errlen, "%s: tcpSocket.host '%s' is not "
				 "a host name or address", what, bad);
			return -1;
		}
	}
	return 0;
bad_port:
	text_sanitize(h->has_http_get ? h->http_port : h->tcp_port, bad,
		      sizeof(bad));
	snprintf(err, errlen, "%s: port '%s' is neither a number (1-65535) "
		 "nor the name of one of the container's ports", what, bad);
	return -1;
}

static int check_probe(const struct wire_container *ct,
		       const struct wire_probe *p, enum kind k, char *err,
		       size_t errlen)
{
	const int v[] = {p->initial_delay_seconds, p->period_seconds,
			 p->timeout_seconds, p->success_threshold,
			 p->failure_threshold};
	char what[128];

	snprintf(what, sizeof(what), "container '%s': %s", ct->name,
		 kind_field[k]);
	/* -1 is "absent" (and 0 the API's "default") */
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (v[i] < -1) {
			snprintf(err, errlen, "%s: negative numbers are not "
				 "allowed", what);
			return -1;
		}
	}
	return check_handler(ct, &p->action, false, what, err, errlen);
}

int probes_validate(const struct wire_pod *pod, bool enabled, char *err,
		    size_t errlen)
{
	char what[128];

	if (!enabled)
		return 0;
	if (pod->has_termination_grace && pod->termination_grace_seconds < 0) {
		snprintf(err, errlen, "terminationGracePeriodSeconds must be "
			 "0 or more");
		return -1;
	}
	for (size_t i = 0; i < pod->n_containers; i++) {
		const struct wire_container *ct = &pod->containers[i];

		for (int k = 0; k < N_KINDS; k++) {
			const struct wire_probe *p = probe_of(ct, (enum kind)k);

			if (p && check_probe(ct, p, (enum kind)k, err,
					     errlen) < 0)
				return -1;
		}
		snprintf(what, sizeof(what), "container '%s': "
			 "lifecycle.postStart", ct->name);
		if (ct->has_post_start &&
		    check_handler(ct, &ct->post_start, true, what, err,
				  errlen) < 0)
			return -1;
		snprintf(what, sizeof(what), "container '%s': "
			 "lifecycle.preStop", ct->name);
		if (ct->has_pre_stop &&
		    check_handler(ct, &ct->pre_stop, true, what, err,
				  errlen) < 0)
			return -1;
	}
	return 0;
}

/* ---- the script ------------------------------------------------------- */

static int quoted(struct buf *out, const char *s)
{
	return buf_append_shquoted(out, s, strlen(s));
}

/* " 'word'" */
static int word(struct buf *out, const char *s)
{
	int r = buf_puts(out, " ");

	return r < 0 ? r : quoted(out, s);
}

/* " 'formatted text'": file names built from pod values stay quoted */
static int wordf(struct buf *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int wordf(struct buf *out, const char *fmt, ...)
{
	char *text;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	n = word(out, text);
	free(text);
	return n;
}

/* The command of an action, after "exec timeout -k 2 T" */
static int action_command(struct buf *out, const struct wire_container *ct,
			  const struct wire_handler *h,
			  const char *exec_words)
{
	char num[16];
	int r = 0, port = 0;

	if (h->has_exec) {
		r = buf_printf(out, " %s", exec_words);
		for (size_t i = 0; r == 0 && i < h->n_exec_command; i++)
			r = word(out, h->exec_command[i]);
		return r;
	}
	if (h->has_sleep)
		return buf_printf(out, " sleep %d",
				  h->sleep_seconds > 0 ? h->sleep_seconds : 0);
	if (h->has_http_get) {
		const char *path = h->http_path && *h->http_path ?
				   h->http_path : "/";

		/* validated: the port resolves */
		(void)resolve_port(ct, h->http_port, &port);
		snprintf(num, sizeof(num), "%d", port);
		r = buf_puts(out, " \"$BASH\" -c \"$ilk_net_fn\" ilk ilk_http");
		if (r == 0)
			r = word(out, scheme_of(h) ? scheme_of(h) : "HTTP");
		if (r == 0)
			r = word(out, h->http_host ? h->http_host :
				      "127.0.0.1");
		if (r == 0)
			r = word(out, num);
		if (r == 0)
			r = path[0] == '/' ? word(out, path) :
					     wordf(out, "/%s", path);
		for (size_t i = 0; r == 0 && i < h->n_http_headers; i++) {
			r = word(out, h->http_headers[i].name);
			if (r == 0)
				r = word(out, h->http_headers[i].value);
		}
		return r;
	}
	if (h->has_tcp_socket) {
		(void)resolve_port(ct, h->tcp_port, &port);
		snprintf(num, sizeof(num), "%d", port);
		r = buf_puts(out, " \"$BASH\" -c \"$ilk_net_fn\" ilk ilk_tcp");
		if (r == 0)
			r = word(out, h->tcp_host ? h->tcp_host : "127.0.0.1");
		if (r == 0)
			r = word(out, num);
		return r;
	}
	return -EINVAL; /* validated: never */
}

/*
 * "NAME() { exec timeout -k 2 T PRE CMD </dev/null REDIR; }": the function
 * replaces the background subshell it runs in with timeout(1), so a TERM
 * to that subshell's pid reaches the action (timeout passes it on to its
 * process group).  A hook's PRE is ilk_logrun in a child bash: its logger
 * is in that group too, so when timeout returns, the hook's last line is
 * in the log.
 */
static int action_fn(struct buf *out, const char *fname,
		     const struct wire_container *ct,
		     const struct wire_handler *h, const char *exec_words,
		     const char *timeout, const char *pre, const char *redir)
{
	int r = buf_printf(out, "%s() { exec timeout -k 2 %s%s", fname,
			   timeout, pre);

	if (r == 0)
		r = action_command(out, ct, h, exec_words);
	if (r == 0)
		r = buf_printf(out, " </dev/null%s; }\n", redir);
	return r;
}

/* " "$BASH" -c "$ilk_hook_fn" ilk 'f1' ['f2'] --": a hook's output into
 * the container's log (and prestop-<name>.out) */
static int hook_pre(struct buf *tmp, const char *name, bool prestop)
{
	int r = buf_puts(tmp, " \"$BASH\" -c \"$ilk_hook_fn\" ilk");

	if (r == 0 && prestop)
		r = wordf(tmp, "prestop-%s.out", name);
	if (r == 0)
		r = wordf(tmp, "run-%s.out", name);
	if (r == 0)
		r = buf_puts(tmp, " --");
	return r;
}

static int default_int(int v, int def)
{
	return v > 0 ? v : def;
}

static int probe_fns(struct buf *out, const struct wire_container *ct,
		     size_t idx, const char *exec_words)
{
	char fname[48], timeout[16];
	struct buf redir;
	int r = 0;

	buf_init(&redir, 512);
	for (int k = 0; r == 0 && k < N_KINDS; k++) {
		const struct wire_probe *p = probe_of(ct, (enum kind)k);
		int t;

		if (!p)
			continue;
		t = default_int(p->timeout_seconds, 1);
		if (p->action.has_exec)
			t += PROBES_EXEC_SLACK_S;
		snprintf(timeout, sizeof(timeout), "%d", t);
		snprintf(fname, sizeof(fname), "ilk_p%zu_%s", idx,
			 kind_name[k]);
		buf_reset(&redir);
		r = buf_puts(&redir, " >");
		if (r == 0)
			r = wordf(&redir, "probe-%s-%s.out", kind_name[k],
				  ct->name);
		if (r == 0)
			r = buf_puts(&redir, " 2>&1");
		if (r == 0)
			r = action_fn(out, fname, ct, &p->action, exec_words,
				      timeout, "", buf_str(&redir));
	}
	buf_done(&redir);
	return r;
}

void probes_supervisor(const struct wire_container *ct, size_t idx,
		       char *out, size_t outlen)
{
	if (has_supervisor(ct))
		snprintf(out, outlen, "ilk_s%zu", idx);
	else
		snprintf(out, outlen, "-");
}

static int supervisor_fn(struct buf *out, const struct wire_container *ct,
			 size_t idx)
{
	struct buf q;
	char sup[32];
	int r;

	if (!has_supervisor(ct))
		return 0;
	buf_init(&q, 256);
	probes_supervisor(ct, idx, sup, sizeof(sup));
	r = quoted(&q, ct->name);
	if (r == 0)
		r = buf_printf(out,
			       "%s() { # %s: postStart, then its probes\n"
			       "\ttrap ilk_quit TERM\n"
			       "\tilk_started %s || return 0\n",
			       sup, buf_str(&q), buf_str(&q));
	if (r == 0 && ct->has_post_start)
		r = buf_printf(out, "\tilk_post %s ilk_h%zu_post || return 0\n",
			       buf_str(&q), idx);
	for (int k = 0; r == 0 && k < N_KINDS; k++) {
		const struct wire_probe *p = probe_of(ct, (enum kind)k);
		int succ;

		if (!p)
			continue;
		/* Kubernetes: 1 for startup and liveness probes */
		succ = k == K_READINESS ? default_int(p->success_threshold, 1) :
					  1;
		r = buf_printf(out, "\tilk_probe %s %s %d %d %d %d ilk_p%zu_%s",
			       kind_name[k], buf_str(&q),
			       p->initial_delay_seconds > 0 ?
				       p->initial_delay_seconds : 0,
			       default_int(p->period_seconds, 10), succ,
			       default_int(p->failure_threshold, 3), idx,
			       kind_name[k]);
		if (r == 0)
			r = buf_puts(out, k == K_STARTUP ? " || return 0\n" :
				     " &\n\tilk_kids+=(\"$!\")\n");
	}
	if (r == 0)
		r = buf_puts(out, "\twait\n}\n");
	buf_done(&q);
	return r;
}

int probes_container(const struct wire_container *ct, size_t idx,
		     const char *dir, const char *exec_words, struct buf *out)
{
	char fname[48], timeout[16];
	struct buf tmp;
	int r = 0;

	if (!probes_container_uses(ct))
		return 0;
	buf_init(&tmp, 1 << 16);
	if (probes_shared_tmp(ct)) {
		r = buf_printf(&tmp, "%s/%s/%s", dir, PROBES_TMP_DIR,
			       ct->name);
		if (r == 0)
			r = buf_puts(out, "mkdir -p --");
		if (r == 0)
			r = word(out, buf_str(&tmp));
		if (r == 0)
			r = buf_puts(out, "\n");
	}
	if (r == 0 && ct->has_post_start) {
		buf_reset(&tmp);
		snprintf(fname, sizeof(fname), "ilk_h%zu_post", idx);
		snprintf(timeout, sizeof(timeout), "%d",
			 PROBES_POSTSTART_TIMEOUT_S +
				 (ct->post_start.has_exec ?
					  PROBES_EXEC_SLACK_S : 0));
		r = hook_pre(&tmp, ct->name, false);
		if (r == 0)
			r = action_fn(out, fname, ct, &ct->post_start,
				      exec_words, timeout, buf_str(&tmp), "");
	}
	if (r == 0 && ct->has_pre_stop) {
		buf_reset(&tmp);
		snprintf(fname, sizeof(fname), "ilk_h%zu_pre", idx);
		r = hook_pre(&tmp, ct->name, true);
		if (r == 0)
			r = action_fn(out, fname, ct, &ct->pre_stop, exec_words,
				      "\"$ilk_grace\"", buf_str(&tmp), "");
	}
	if (r == 0)
		r = probe_fns(out, ct, idx, exec_words);
	if (r == 0)
		r = supervisor_fn(out, ct, idx);
	buf_done(&tmp);
	return r;
}

static int state_lines(struct buf *out, const struct wire_container *ct)
{
	int r = 0;

	if (ct->has_post_start) {
		r = buf_puts(out, "ilk_state");
		if (r == 0)
			r = wordf(out, "poststart-%s", ct->name);
		if (r == 0)
			r = buf_puts(out, " pending\n");
	}
	for (int k = 0; r == 0 && k < N_KINDS; k++) {
		if (!probe_of(ct, (enum kind)k))
			continue;
		r = buf_puts(out, "ilk_state");
		if (r == 0)
			r = wordf(out, "probe-%s-%s", kind_name[k], ct->name);
		if (r == 0)
			r = buf_puts(out, " pending\n");
	}
	return r;
}

int probes_prelude(const struct wire_pod *pod, const char *runtime,
		   struct buf *out)
{
	const char *base = strrchr(runtime, '/');
	size_t n_init = pod->n_init_containers;
	char rt[16];
	int r;

	/* /proc/PID/comm: the first 15 bytes of the runtime's file name */
	snprintf(rt, sizeof(rt), "%s", base ? base + 1 : runtime);
	r = buf_printf(out, "# probes and lifecycle hooks (EnableProbes)\n"
		       "ilk_grace=%d\nilk_rt=", probes_grace(pod));
	if (r == 0)
		r = quoted(out, rt);
	if (r == 0)
		r = buf_puts(out, "\nilk_sh=''\n"
			     "read -r ilk_sh 2>/dev/null </proc/$$/comm\n");
	if (r == 0)
		r = buf_puts(out, prelude_text);
	if (r == 0)
		r = buf_puts(out, "ilk_prestops() { # preStop of the containers"
			     " that run\n");
	for (size_t i = 0; r == 0 && i < pod->n_containers; i++) {
		const struct wire_container *ct = &pod->containers[i];

		if (!ct->has_pre_stop)
			continue;
		r = buf_puts(out, "\tilk_prestop");
		if (r == 0)
			r = word(out, ct->name);
		if (r == 0)
			r = buf_printf(out, " ilk_h%zu_pre\n", n_init + i);
	}
	if (r == 0)
		r = buf_puts(out, "\t:\n}\n");
	for (size_t i = 0; r == 0 && i < pod->n_containers; i++)
		r = state_lines(out, &pod->containers[i]);
	return r;
}

/* ---- state files ------------------------------------------------------ */

static int write_state(const char *dir, const char *file)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s.state", dir, file) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	return fs_write_atomic(path, "pending\n", 8, 0644);
}

int probes_write_initial(const struct wire_pod *pod, bool enabled,
			 const char *dir)
{
	char file[128];
	int r = 0;

	for (size_t i = 0; enabled && r == 0 && i < pod->n_containers; i++) {
		const struct wire_container *ct = &pod->containers[i];

		if (ct->has_post_start) {
			snprintf(file, sizeof(file), "poststart-%s", ct->name);
			r = write_state(dir, file);
		}
		for (int k = 0; r == 0 && k < N_KINDS; k++) {
			if (!probe_of(ct, (enum kind)k))
				continue;
			snprintf(file, sizeof(file), "probe-%s-%s",
				 kind_name[k], ct->name);
			r = write_state(dir, file);
		}
	}
	return r;
}

static enum probes_state read_state(const char *dir, const char *file)
{
	char path[PATH_MAX], *data = NULL;
	enum probes_state s = PROBES_PENDING;

	if (snprintf(path, sizeof(path), "%s/%s.state", dir, file) >=
	    (int)sizeof(path))
		return PROBES_NONE;
	if (fs_read_file(path, 64, &data, NULL) < 0)
		return PROBES_NONE;
	data[strcspn(data, "\n")] = '\0';
	if (strcmp(data, "ok") == 0)
		s = PROBES_OK;
	else if (strcmp(data, "fail") == 0)
		s = PROBES_FAIL;
	free(data);
	return s;
}

void probes_read(const char *dir, const char *name, struct probes_view *v)
{
	enum probes_state *slot[N_KINDS] = {&v->startup, &v->readiness,
					    &v->liveness};
	char file[128];

	snprintf(file, sizeof(file), "poststart-%s", name);
	v->post_start = read_state(dir, file);
	for (int k = 0; k < N_KINDS; k++) {
		snprintf(file, sizeof(file), "probe-%s-%s", kind_name[k],
			 name);
		*slot[k] = read_state(dir, file);
	}
}

int probes_read_reason(const char *dir, const char *name, char *reason,
		       size_t rlen, char *message, size_t mlen)
{
	char path[PATH_MAX], *data = NULL, *nl;
	int r;

	if (snprintf(path, sizeof(path), "%s/run-%s.reason", dir, name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	r = fs_read_file(path, 4096, &data, NULL);
	if (r < 0)
		return r;
	nl = strchr(data, '\n');
	if (nl)
		*nl++ = '\0';
	text_sanitize(data, reason, rlen);
	if (nl)
		nl[strcspn(nl, "\n")] = '\0';
	text_sanitize(nl ? nl : "", message, mlen);
	free(data);
	return 0;
}
