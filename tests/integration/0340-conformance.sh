#!/bin/bash
# Conformance: the pods of upstream's vk-test-set that need no image pull,
# re-written as examples/pods/conformance/NNN-*.yaml, run together through
# ilctl -> interlink-api -> sidecar-slurm -> real Slurm jobs, with the
# harness's expectations:
#  - the pod phase, computed from the container states exactly as the
#    interLink virtual-kubelet does (pkg/virtualkubelet/execute.go): the
#    pod ends when every container in the reply is terminated (and no init
#    container is still waiting or running); Failed if any container or init
#    container exited non-zero, else Succeeded. The VK stops polling a pod at
#    its first terminal phase, so that first terminal answer is the one
#    judged (exit codes included);
#  - per-container exit codes;
#  - log contents by regular expression, line by line as Python's re does
#    without DOTALL (vk-test-set's "Exists" operator);
#  - init containers: strict order in the time-stamped logs; after an init
#    failure the later containers never run and are reported terminated.
# The container runtime is tests/fake-apptainer under bubblewrap (real
# binds, read-only binds), with an entrypoint table for `run` without a
# command; python cases run the host's python3. What the stand-in or the
# test cluster cannot do is reported as "# SKIP reason", never dropped.
# shellcheck disable=SC2016 # the entrypoint table is shell code for later
. "$(dirname "$0")/../lib.sh"

CONF=$IL_SRC/examples/pods/conformance
# vk-test-set's shipped config runs its pods in namespace "interlink" (the
# manifests carry its pod annotations too)
NS=interlink
ilctl() {
	"$IL_BUILD/ilctl" --url "$GW_URL" --state-dir "$W/ilctl" -n "$NS" "$@"
}
clean_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

t_skip() { T_N=$((T_N + 1)); echo "ok $T_N - $1 # SKIP $2"; }
# diag TEXT: every line of a multi-line text as a TAP comment
diag() {
	local l
	while IFS= read -r l; do printf '# %s\n' "$l"; done <<<"$1"
}
# check_same DESC EXPECTED ACTUAL: check_eq, with multi-line values kept
# inside TAP comments
check_same() {
	if [ "$2" == "$3" ]; then t_ok "$1"; else
		t_fail "$1"; diag "expected: $2"; diag "actual:   $3"; fi
}

# ---- what this machine offers ------------------------------------------
mode=host
if bwrap --ro-bind / / --dev /dev --proc /proc true 2>/dev/null; then
	mode=bwrap
fi
have_py=
if PATH=$clean_path python3 -c 'import json, sys; assert sys.version_info >= (3, 6)' 2>/dev/null; then
	have_py=1
fi
t_diag "runtime: fake-apptainer in $mode mode; python3: ${have_py:-missing}"

# Images' ENTRYPOINT/CMD for `run` without a command (fake-apptainer appends
# ' "$@"' to each line). busybox, alpine, python: no ENTRYPOINT, so args
# replace the CMD; bash:5.2: docker-entrypoint.sh, which puts `bash` in
# front of arguments that start with '-'.
{
	printf '%s\t%s\n' \
		busybox:1.36 '[ $# -gt 0 ] || set -- sh; exec' \
		alpine:3.19 '[ $# -gt 0 ] || set -- /bin/sh; exec' \
		python:3.11-alpine '[ $# -gt 0 ] || set -- python3; exec' \
		bash:5.2 '[ $# -gt 0 ] && [ "${1#-}" = "$1" ] || set -- bash "$@"; exec'
} >"$W/entrypoints"
# Jobs get a minimal environment: the stand-in's settings go in a wrapper.
printf '#!/bin/bash\nexport FAKE_APPTAINER_MODE=%q FAKE_APPTAINER_ENTRYPOINTS=%q\nexec %q "$@"\n' \
	"$mode" "$W/entrypoints" "$IL_RUNTIME" >"$W/apptainer"
chmod 755 "$W/apptainer"
SC_RUNTIME=$W/apptainer il_start_sidecar sc || exit 1
# 0600 runs these cases through upstream's interLink API instead of ours
"${CONFORMANCE_GATEWAY:-il_start_gateway}" gw || exit 1

# ---- the cases -----------------------------------------------------------
# FILE POD NEEDS (py: python3, bw: real binds; "-": nothing)
cases=(
	"000-hello-world hello-world -"
	"010-python-multiline python-multiline py"
	"020-env-value python-env py"
	"030-shared-emptydir-ro shared-volume py,bw"
	"040-configmap-secret-volumes config-volumes py,bw"
	"060-init-fills-volume init-fills-volume bw"
	"065-multi-init-ordering multi-init py,bw"
	"080-env-from-keys env-from-keys py"
	"085-envfrom-secret envfrom-secret py"
	"086-secretkeyref-env secretkeyref-env -"
	"095-default-entrypoint default-entrypoint -"
	"096-default-cmd-args default-cmd-workload py"
	"097-entrypoint-args entrypoint-args -"
	"100-fail-exit-code exit-code-failure -"
	"101-fail-command-not-found command-not-found -"
	"102-fail-python-exception runtime-error py"
	"103-fail-partial partial-failure -"
	"105-env-quotes env-quotes py"
	"110-init-failure init-failure -"
	"120-projected-volumes projected-volumes py,bw"
)
declare -A FILE=() SKIP=() CREATED=() PHASE=() FINAL=() HIST=() LOGS=()
pods=()
for c in "${cases[@]}"; do
	read -r f p needs <<<"$c"
	FILE[$p]=$f
	pods+=("$p")
	why=
	[[ $needs != *py* || -n $have_py ]] || why="python3 is not installed on this host"
	[[ $needs != *bw* || $mode == bwrap ]] || why="bubblewrap does not work here (the case needs real binds)"
	SKIP[$p]=$why
done

# All pods at once: they run in parallel, as vk-test-set's do.
for p in "${pods[@]}"; do
	f=${FILE[$p]}
	if [[ -n ${SKIP[$p]} ]]; then
		t_skip "$f: create" "${SKIP[$p]}"
		continue
	fi
	if out=$(ilctl create -f "$CONF/$f.yaml" 2>&1); then
		CREATED[$p]=1
		t_ok "$f: create"
	else
		t_fail "$f: create"
		diag "$out"
	fi
done

# The phase the VK would compute from one `ilctl status` table.
vk_phase() {
	awk 'NR == 1 { next }
	$2 == "init" {
		ni++
		if ($3 == "terminated") { ti++; if ($4 != 0) ierr = 1 }
		else if ($3 == "running") irun = 1
		else iwait = 1
		next
	}
	{ nc++; st[nc] = $3; ex[nc] = $4 }
	END {
		if (ti == ni) iwait = 0
		for (i = 1; i <= nc; i++) {
			if (iwait || irun) continue
			if (st[i] == "terminated") { tc++; if (ex[i] != 0) err = 1 }
			else if (st[i] == "running") run = 1
		}
		if (tc == nc) print ((err || ierr) ? "Failed" : "Succeeded")
		else if (run) print "Running"
		else print "Pending"
	}'
}

# Poll every pod until its first terminal phase, keeping that answer and
# the history of every container's state.
waiting=()
for p in "${pods[@]}"; do [[ -z ${CREATED[$p]:-} ]] || waiting+=("$p"); done
deadline=$((SECONDS + 70))
while ((${#waiting[@]})) && ((SECONDS < deadline)); do
	left=()
	for p in "${waiting[@]}"; do
		if ! st=$(ilctl status "$p" 2>&1); then
			HIST[$p]+="status error: ${st//$'\n'/ }"$'\n'
			left+=("$p")
			continue
		fi
		ph=$(vk_phase <<<"$st")
		HIST[$p]+="$ph $(awk 'NR > 1 { printf "%s:%s ", $1, $3 }' <<<"$st")"$'\n'
		if [[ $ph == Succeeded || $ph == Failed ]]; then
			PHASE[$p]=$ph FINAL[$p]=$st
		else
			left+=("$p")
		fi
	done
	waiting=("${left[@]}")
	((${#waiting[@]})) && sleep 0.5
done
for p in "${waiting[@]}"; do
	t_diag "$p never reached a final phase; last status:"
	diag "$(ilctl status "$p" 2>&1)"
done

# ---- assertions ------------------------------------------------------------
col() { # POD CONTAINER N: column N of CONTAINER's row in the final answer
	awk -v c="$2" -v n="$3" 'NR > 1 && $1 == c { print $n }' <<<"${FINAL[$1]:-}"
}
runnable() { [[ -n ${CREATED[$1]:-} ]]; }

expect_phase() { # POD PHASE
	local f=${FILE[$1]}
	runnable "$1" || { t_skip "$f: phase $2" "${SKIP[$1]:-not created}"; return; }
	check_same "$f: pod phase is $2" "$2" "${PHASE[$1]:-never final}"
	if [[ ${PHASE[$1]:-} != "$2" ]]; then
		t_diag "last states seen (phase container:state...):"
		diag "$(tail -n 5 <<<"${HIST[$1]:-}")"
	fi
}
expect_exit() { # POD CONTAINER CODE
	local f=${FILE[$1]}
	runnable "$1" || { t_skip "$f: $2 exit code $3" "${SKIP[$1]:-not created}"; return; }
	check_same "$f: $2 exits $3" "$3" "$(col "$1" "$2" 4)"
}
expect_nonzero() { # POD CONTAINER
	local f=${FILE[$1]} code
	runnable "$1" || { t_skip "$f: $2 exit code non-zero" "${SKIP[$1]:-not created}"; return; }
	code=$(col "$1" "$2" 4)
	if [[ $code =~ ^[0-9]+$ && $code -ne 0 ]]; then
		t_ok "$f: $2 exits non-zero ($code)"
	else
		t_fail "$f: $2 exits non-zero"; t_diag "exit code: '$code'"
	fi
}
logs_of() { # POD CONTAINER|-: fetch the log once into LOGS[POD/CONTAINER]
	local k="$1/$2" args=()
	[[ $2 == - ]] || args=(-c "$2")
	[[ -v LOGS[$k] ]] || LOGS[$k]=$(ilctl logs "$1" "${args[@]}" 2>&1)
}
expect_log() { # POD CONTAINER|- REGEX: vk-test-set's Exists, line by line
	local f=${FILE[$1]} what=$2
	[[ $2 != - ]] || what="default container"
	runnable "$1" || { t_skip "$f: $what log matches /$3/" "${SKIP[$1]:-not created}"; return; }
	logs_of "$1" "$2"
	if grep -Eq -- "$3" <<<"${LOGS[$1/$2]}"; then
		t_ok "$f: $what log matches /$3/"
	else
		t_fail "$f: $what log matches /$3/"
		t_diag "log:"; diag "${LOGS[$1/$2]:0:1500}"
	fi
}
ts_ms() { # POD CONTAINER REGEX: the first matching log line's time stamp,
	# in ms since the epoch (ilctl logs --timestamps: "RFC3339 text")
	local t
	t=$(ilctl logs "$1" -c "$2" --timestamps 2>/dev/null |
		sed -nE "s/^([^ ]+) ($3)\$/\1/p" | head -n 1)
	[[ -n $t ]] && date -u -d "$t" +%s%3N
}
pod_dir() { # POD: its folder under DataRootFolder
	local uid
	uid=$(grep -o '"uid":"[^"]*"' "$W/ilctl/${NS}_$1.json" 2>/dev/null |
		head -n 1 | cut -d'"' -f4)
	echo "$SC_DATA/$NS-$uid"
}

# 000 hello world
expect_phase hello-world Succeeded
expect_exit hello-world greeter 0
expect_log hello-world greeter 'hello world'
# the harness's annotation flags reach the Slurm job
if runnable hello-world; then
	jid=$(ilctl status hello-world -o json 2>/dev/null | grep -o '"JID":"[0-9]*"' | grep -o '[0-9]*')
	job=$(scontrol show job "${jid:-none}" 2>&1)
	for re in 'JobName=test-pod-cfg[[:space:]]' 'TimeLimit=1-22:40:00[[:space:]]'; do
		if [[ $job =~ $re ]]; then
			t_ok "000-hello-world: the harness's slurm-job.vk.io/flags give ${re%%\[*}"
		else
			t_fail "000-hello-world: the harness's slurm-job.vk.io/flags give ${re%%\[*}"
			diag "$job"
		fi
	done
fi

# 010 multi-line python, unicode
expect_phase python-multiline Succeeded
expect_exit python-multiline script 0
expect_log python-multiline script 'specials: @ò!"£\$%&/\(\)=\?\^é\*ç°§ '\''single'\'' `back`'
expect_log python-multiline script 'emoji: 🤩 and a backslash: \\$'
expect_log python-multiline script '^sum: 20 \+ 22 = 42$'
expect_log python-multiline script 'Completed'

# 020 env by value, from a ConfigMap key, from a Secret key
expect_phase python-env Succeeded
expect_exit python-env python 0
expect_log python-env python '^SIMPLE simple$'
expect_log python-env python '^FROM_CONFIG_MAP value from a configmap$'
expect_log python-env python '^FROM_SECRET value from a secret$'

# 030 shared emptyDir, read-only reader
expect_phase shared-volume Succeeded
expect_exit shared-volume writer 0
expect_exit shared-volume reader 0
expect_log shared-volume reader 'Dumped contents'
expect_log shared-volume reader 'RO mount ok'
if runnable shared-volume; then
	check_same "030-shared-emptydir-ro: the file survived the reader's delete" \
		"Dumped contents" "$(cat "$(pod_dir shared-volume)/emptyDirs/shared-vol/dump" 2>&1)"
fi

# 040 configMap and secret volumes, two shared emptyDirs
expect_phase config-volumes Succeeded
expect_exit config-volumes config 0
expect_exit config-volumes secret 0
expect_log config-volumes config 'hello configurable world'
expect_log config-volumes secret 'hello secret world'
if runnable config-volumes; then
	d=$(pod_dir config-volumes)/emptyDirs
	check_same "040-configmap-secret-volumes: both emptyDirs hold both files" \
		"scratch-a/from-configmap scratch-a/from-secret scratch-b/from-configmap scratch-b/from-secret" \
		"$(cd "$d" 2>&1 && echo scratch-a/* scratch-b/*)"
fi

# 060 init container fills a volume, main lists it
expect_phase init-fills-volume Succeeded
expect_exit init-fills-volume populate 0
expect_exit init-fills-volume lister 0
expect_log init-fills-volume - 'README'

# 065 three init containers in order, then main
expect_phase multi-init Succeeded
for c in write-settings check-settings build-data main-app; do
	expect_exit multi-init "$c" 0
done
expect_log multi-init write-settings 'settings written'
expect_log multi-init check-settings 'settings checked'
expect_log multi-init build-data 'all init stages done'
expect_log multi-init main-app '✓ 3 init stages seen'
expect_log multi-init main-app '✓ settings were checked'
expect_log multi-init main-app '✓ data file parsed'
expect_log multi-init main-app 'MULTI_INIT_OK'
order=(write-settings check-settings build-data main-app)
for i in 0 1 2; do
	a=${order[i]} b=${order[i + 1]}
	d="065-multi-init-ordering: $a ends before $b begins (log time stamps)"
	if ! runnable multi-init; then
		t_skip "$d" "${SKIP[multi-init]}"
		continue
	fi
	end_a=$(ts_ms multi-init "$a" "end $a") || end_a=
	begin_b=$(ts_ms multi-init "$b" "begin $b") || begin_b=
	if [[ -n $end_a && -n $begin_b ]] && ((begin_b >= end_a)); then
		t_ok "$d"
	else
		t_fail "$d"; t_diag "end of $a: ${end_a:-?} ms, begin of $b: ${begin_b:-?} ms"
	fi
done
# Kubernetes: a container's startedAt is when it started, so each one is
# not before the previous init container's finishedAt.
if runnable multi-init; then
	d="065-multi-init-ordering: status startedAt of each container is not before the previous init container's finishedAt"
	bad=
	for i in 0 1 2; do
		fin=$(col multi-init "${order[i]}" 7) start=$(col multi-init "${order[i + 1]}" 6)
		[[ $fin != - && $start != - && ! $start < $fin ]] ||
			bad+=" ${order[i + 1]} startedAt $start < ${order[i]} finishedAt $fin;"
	done
	if [[ -z $bad ]]; then t_ok "$d"; else
		t_fail "$d"
		t_diag "${bad# }"
	fi
fi

# 080 env from configMapKeyRef / secretKeyRef
expect_phase env-from-keys Succeeded
expect_exit env-from-keys show-env 0
for l in 'APP_NAME: config-test-app' 'APP_VERSION: 1\.0\.0' 'ENVIRONMENT: test' \
	'API_KEY: secret-api-key-12345' 'DB_PASSWORD: super-secret-password' \
	'AUTH_TOKEN: bearer-token-xyz789' 'Test completed'; do
	expect_log env-from-keys show-env "$l"
done

# 085 envFrom two secrets
expect_phase envfrom-secret Succeeded
expect_exit envfrom-secret env-check 0
for l in '✓ DATABASE_URL: postgresql' '✓ API_KEY: sk-1' '✓ SERVICE_TOKEN: toke' \
	'✓ CACHE_HOST: redis\.example\.com:6379' '✓ LOG_LEVEL: debug' \
	'✓ AWS_ACCESS_KEY_ID: AKIA' '✓ AWS_SECRET_ACCESS_KEY: wJal' \
	'✓ AWS_DEFAULT_REGION: us-west-2' '^prefixed copies: none$' \
	'envFrom secretRef test completed successfully'; do
	expect_log envfrom-secret env-check "$l"
done

# 086 secretKeyRef under another name
expect_phase secretkeyref-env Succeeded
expect_exit secretkeyref-env check 0
expect_log secretkeyref-env check 'secretKeyRef env test passed'

# 095-097 default entrypoint / CMD
expect_phase default-entrypoint Succeeded
for c in no-overrides args-only image-default; do
	expect_exit default-entrypoint "$c" 0
done
expect_log default-entrypoint args-only 'only args were given, and they ran'
expect_phase default-cmd-workload Succeeded
expect_exit default-cmd-workload python-version 0
expect_log default-cmd-workload python-version 'Python 3\.[0-9]+'
expect_log default-cmd-workload python-version 'Default command test completed'
expect_phase entrypoint-args Succeeded
expect_exit entrypoint-args args-to-entrypoint 0
expect_exit entrypoint-args command-replaces-entrypoint 0
expect_log entrypoint-args args-to-entrypoint 'the entrypoint ran the args \(bash [0-9]'
expect_log entrypoint-args command-replaces-entrypoint 'tool version 5'

# 100-103 failing containers
expect_phase exit-code-failure Failed
expect_exit exit-code-failure exit-failure 42
expect_log exit-code-failure exit-failure 'Simulated application failure'
expect_log exit-code-failure exit-failure 'Exit code: 42'
expect_phase command-not-found Failed
expect_nonzero command-not-found missing-command
expect_phase runtime-error Failed
expect_exit runtime-error python-exception 1
expect_log runtime-error python-exception 'RuntimeError.*database connection failed'
expect_phase partial-failure Failed
expect_exit partial-failure success-container 0
expect_exit partial-failure failure-container 1
expect_exit partial-failure another-success 0
expect_log partial-failure success-container 'Container 1: Completed successfully'
expect_log partial-failure failure-container 'Container 2: ERROR'
expect_log partial-failure another-success 'Container 3: Completed successfully'
# parallel start: all three had begun before the first one ended
d="103-fail-partial: the three containers run in parallel (all began before the first ended)"
if runnable partial-failure; then
	last_begin=0 first_end=
	for c in success-container:1 failure-container:2 another-success:3; do
		b=$(ts_ms partial-failure "${c%:*}" "Container ${c#*:}: starting") || b=
		e=$(ts_ms partial-failure "${c%:*}" "Container ${c#*:}: (Completed|ERROR).*") || e=
		[[ -n $b && -n $e ]] || { last_begin=; break; }
		((b > last_begin)) && last_begin=$b
		[[ -n $first_end ]] && ((first_end <= e)) || first_end=$e
	done
	if [[ -n $last_begin && -n $first_end ]] && ((last_begin < first_end)); then
		t_ok "$d"
	else
		t_fail "$d"; t_diag "last begin: ${last_begin:-?} ms, first end: ${first_end:-?} ms"
	fi
else
	t_skip "$d" "${SKIP[partial-failure]:-not created}"
fi

# 105 env quotes
expect_phase env-quotes Succeeded
expect_exit env-quotes quote-tester 0
for l in 'Testing: SINGLE_QUOTES' 'Testing: DOUBLE_QUOTES' 'Testing: JSON_STRING' \
	'JSON parsing successful' 'All tests PASSED' 'ENV_QUOTES_TEST_PASSED'; do
	expect_log env-quotes quote-tester "$l"
done
if runnable env-quotes && ! grep -q ENV_QUOTES_TEST_PASSED <<<"${LOGS[env-quotes/quote-tester]}"; then
	diag "$(grep -A1 '^Testing' <<<"${LOGS[env-quotes/quote-tester]}" | grep -B1 MISMATCH)"
fi

# 110 init failure: later containers never start
expect_phase init-failure Failed
expect_exit init-failure first-init 0
expect_exit init-failure failing-init 3
expect_log init-failure failing-init 'Init: ERROR - initialisation failed'
for c in never-init main-container; do
	if ! runnable init-failure; then
		t_skip "110-init-failure: $c never runs" "${SKIP[init-failure]}"
		continue
	fi
	check_fails "110-init-failure: $c was never reported running" \
		grep -q " $c:running " <<<"${HIST[init-failure]:-}"
	logs_of init-failure "$c"
	check_same "110-init-failure: $c has no output" "" "${LOGS[init-failure/$c]}"
	check_same "110-init-failure: $c is reported terminated" terminated \
		"$(col init-failure "$c" 3)"
	check_same "110-init-failure: $c's reason is InitContainerFailed" \
		InitContainerFailed "$(col init-failure "$c" 5)"
done

# 120 projected volumes keep newlines
expect_phase projected-volumes Succeeded
expect_exit projected-volumes check-newlines 0
for l in 'projected ConfigMap multiline\.txt: newlines preserved correctly' \
	'projected ConfigMap cert-like\.pem: PEM format preserved correctly' \
	'service account ca\.crt: newlines preserved' \
	'All projected volume newline tests passed' \
	'^token present: True$' "^namespace: $NS\$"; do
	expect_log projected-volumes check-newlines "$l"
done

# ---- upstream cases that cannot run here ---------------------------------------
t_skip "050-limits: a 2 GiB allocation under a 100Mi limit fails the pod" \
	"needs memory enforcement (the test cluster has no cgroup limits) and pip from the network"
t_skip "070-rclone-bind: FUSE mount shared between containers" \
	"needs root sshd, FUSE and mount propagation; no stand-in"
t_skip "090-probes: HTTP startup/readiness/liveness probes" \
	"not part of this port (a server held Running for ~50 s, HTTP probes with EnableProbes); left to the probes work"
t_skip "100-failing-containers oom-simulation: MemoryError under a 50Mi limit" \
	"needs memory enforcement, which the test cluster does not have"
t_skip "110-failed-jobs: batch/v1 Jobs (retries, backoffLimit)" \
	"Jobs are a controller feature, ilctl creates bare pods (their failing pods are 100-103 and 110 here)"
t_skip "115-lifecycle-hooks: postStart/preStop" \
	"not part of this port (hooks need EnableProbes, and a pod that stays Running); left to the hooks work"

# ---- clean-up, as vk-test-set deletes its pods -------------------------------
for p in "${pods[@]}"; do
	[[ -n ${CREATED[$p]:-} ]] && ilctl delete "$p" >/dev/null 2>&1
done
gone() { [ -z "$(ls -A "$SC_DATA" 2>/dev/null)" ]; }
check "every pod's folder is removed after delete" wait_for 15 gone

t_done
