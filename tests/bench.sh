#!/bin/bash
# bench.sh BUILD_DIR - `make bench`: numbers, not a test.
#
# Sets up what tests/run-tests.sh sets up (a throwaway Slurm cluster from
# tests/slurm-cluster.sh and a PKI from tests/gen-certs.sh in a temp dir),
# starts sidecar-slurm and interlink-api with tests/daemons.sh (mutual TLS
# between them, the gateway on plain http on loopback, the sidecar's pod
# folders under the temp dir, StatusPollIntervalMs 300, verbose logs), and
# measures with BUILD_DIR/tests/bench_client (libcurl, one keep-alive
# connection per thread):
#   - /pinglink through the gateway (200 requests);
#   - mutual TLS to the sidecar: GET /healthz on one kept-alive connection,
#     and on a new connection per request with and without TLS session
#     resumption (200 requests each);
#   - log follow: a container prints its clock every 0.2 s, `ilctl logs -f`
#     reads it through the gateway, each line's arrival is compared;
#   - 100 pods (`sleep 60`, 16 run at once on the 16-CPU test node, the
#     rest pend) created with 8 parallel POST /create;
#   - 2000 GET /status (one pod each, round robin over the 100) through the
#     gateway and straight to the sidecar, 1 and 8 at a time; slurmctld's
#     own count and mean time of REQUEST_JOB_INFO (sdiag) meanwhile: the
#     sidecar's polls with those jobs in the queue;
#   - the 100 pods deleted (8 parallel DELETE /delete), and the time until
#     Slurm lists none of their jobs as pending or running;
#   - one slurm_load_jobs on its own: BUILD_DIR/tests/slurm_backend_check's
#     "poll of N jobs took X ms" (the sidecar does not log its poll times).
# Ends with the machine, the date and a Markdown table for README.md.
# Everything it starts is stopped on exit (also on Ctrl-C); KEEP_TMP=1
# keeps the temp dir.  Exit status is 0 unless the set-up fails.
set -uo pipefail
shopt -s nullglob

if (($# != 1)) || [[ -z $1 ]]; then
	echo "usage: bench.sh BUILD_DIR" >&2
	exit 2
fi
src=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
build=$(realpath -m -- "$1")
keep_tmp=${KEEP_TMP:-}

# The caller's environment must not change what is measured (as run-tests).
while IFS= read -r v; do
	case $v in
	SLURM_TEST_*) ;;
	SLURM_* | SBATCH_* | SQUEUE_* | SINFO_* | SCANCEL_* | SCONTROL_* | SRUN_* | SALLOC_* | \
		IL_* | MUNGE_* | FAKE_APPTAINER_* | ILCTL_* | LC_* | LANG | LANGUAGE | TMPDIR | \
		CDPATH | BASH_ENV | ENV)
		unset "$v"
		;;
	esac
done < <(compgen -e)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
umask 022

client=$build/tests/bench_client
backend_check=$build/tests/slurm_backend_check
for f in "$build/sidecar-slurm" "$build/interlink-api" "$build/ilctl" "$client"; do
	[[ -x $f ]] || { echo "bench: $f is not built (make bench builds it)" >&2; exit 1; }
done

N_PODS=100 N_STATUS=2000 N_PING=200 N_TLS=200 CONC=8
LOG_FOLLOW_S=5

T='' cluster_pid='' cluster_up='' cleaned='' follow_pid=''
IL_PIDS=()

cleanup() {
	[[ -z $cleaned ]] || return 0
	cleaned=1
	local pid
	if [[ -n $follow_pid ]]; then
		kill -TERM -- "$follow_pid" 2>/dev/null || true
		wait "$follow_pid" 2>/dev/null || true
	fi
	for pid in "${IL_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${IL_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	if [[ -n $cluster_pid ]]; then # a start still under way
		kill -TERM "$cluster_pid" 2>/dev/null || true
		wait "$cluster_pid" 2>/dev/null || true
	fi
	if [[ -n $cluster_up ]]; then # cancels every job, then stops
		"$src/tests/slurm-cluster.sh" stop "$T/slurm" >/dev/null 2>&1 ||
			echo "bench: warning: cluster stop failed" >&2
	fi
	if [[ -n $T ]]; then
		if [[ -n $keep_tmp ]]; then echo "bench: kept $T" >&2; else rm -rf -- "$T"; fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { echo "bench: $*" >&2; exit 1; }
# daemons.sh reports start failures with t_diag
t_diag() { printf '# %s\n' "$@" >&2; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

T=$(mktemp -d /tmp/il-bench.XXXXXX)
chmod 755 "$T" # munged's socket dir and jobs run as other users need o+x
mkdir "$T/work" "$T/logs"
chmod 1777 "$T/work"

echo "== set-up: Slurm cluster, PKI, sidecar-slurm, interlink-api"
cluster_up=1
env --default-signal=INT,QUIT "$src/tests/slurm-cluster.sh" start "$T/slurm" \
	>"$T/cluster.env" 2>"$T/cluster.log" </dev/null &
cluster_pid=$!
"$src/tests/gen-certs.sh" "$T/pki" >"$T/logs/gen-certs.log" 2>&1 ||
	{ cat "$T/logs/gen-certs.log" >&2; die "gen-certs.sh failed"; }
rc=0
wait "$cluster_pid" || rc=$?
cluster_pid=''
((rc == 0)) || { cat -- "$T/cluster.log" >&2; die "slurm-cluster.sh start failed (status $rc)"; }
eval "$(cat -- "$T/cluster.env")"
[[ -n ${SLURM_CONF:-} && -n ${MUNGE_SOCKET:-} ]] || die "slurm-cluster.sh printed no SLURM_CONF/MUNGE_SOCKET"
export SLURM_CONF MUNGE_SOCKET

export IL_BUILD=$build IL_PKI=$T/pki IL_TMP=$T/work IL_SRC=$src IL_RUNTIME=$src/tests/fake-apptainer
W=$T/work
# shellcheck source=tests/daemons.sh
. "$src/tests/daemons.sh"
il_start_sidecar sidecar || die "sidecar-slurm did not start"
il_start_gateway gateway || die "interlink-api did not start"
SC_URL=https://127.0.0.1:$SC_PORT
MTLS=(--cert "$IL_PKI/gateway.crt" --key "$IL_PKI/gateway.key" --cacert "$IL_PKI/ca.crt")
JSON=(-H 'Content-Type: application/json')
echo "sidecar $SC_URL (mTLS), gateway $GW_URL"

# ---- helpers ---------------------------------------------------------------

declare -A R # R[label.key] = value, from bench_client's output line

# run_client LABEL ARGS...: run bench_client, show its line, keep its numbers
run_client() {
	local label=$1 line kv rc=0
	shift
	line=$("$client" --label "$label" --timeout 30 "$@") || rc=$?
	if [[ -z $line ]]; then
		echo "bench: $label: bench_client failed (status $rc)" >&2
		return 0
	fi
	echo "  $line"
	for kv in ${line#* }; do R[$label.${kv%%=*}]=${kv#*=}; done
}
# r LABEL KEY: a kept number, or "-"
r() { echo "${R[$1.$2]:--}"; }

# the gateway's status table batching, from its debug log
refreshed_all() { grep -q "refresh: $N_PODS pods in" "$GW_DIR/gateway.log"; }
no_jobs() { [[ -z $(squeue -h -t PD,R,CG,CF -o %i 2>/dev/null) ]]; }

# ---- 3. /pinglink ----------------------------------------------------------

echo "== /pinglink through the gateway ($N_PING requests, keep-alive)"
run_client ping -n "$N_PING" -c 1 -X POST "$GW_URL/pinglink"

# ---- 5. mutual TLS: handshake cost -----------------------------------------

echo "== mutual TLS to the sidecar: GET /healthz, $N_TLS requests each"
run_client tls_keep -n "$N_TLS" -c 1 "${MTLS[@]}" "$SC_URL/healthz"
run_client tls_resume -n "$N_TLS" -c 1 --new-conn "${MTLS[@]}" "$SC_URL/healthz"
run_client tls_full -n "$N_TLS" -c 1 --new-conn --no-tls-resume "${MTLS[@]}" "$SC_URL/healthz"

# ---- 6. log follow latency -------------------------------------------------

echo "== log follow: container clock -> ilctl logs -f, ${LOG_FOLLOW_S} s"
cat >"$T/logpod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: bench-logs
spec:
  restartPolicy: Never
  containers:
    - name: main
      image: docker://busybox
      command: ["sh", "-c"]
      args:
        - |
          i=0
          while [ $i -lt 60 ]; do date +%s.%N; sleep 0.2; i=$((i + 1)); done
YAML
follow_n=0
if timeout 30 "$build/ilctl" --url "$GW_URL" --state-dir "$W/ilctl" \
	create -f "$T/logpod.yaml" >"$T/logs/logpod-create.log" 2>&1 &&
	timeout 30 "$build/ilctl" --url "$GW_URL" --state-dir "$W/ilctl" \
		wait bench-logs --for running --timeout 25 --interval 1 \
		>"$T/logs/logpod-wait.log" 2>&1; then
	follow_start=$(now)
	# each line as it arrives, prefixed with the reader's clock
	timeout "$LOG_FOLLOW_S" "$build/ilctl" --url "$GW_URL" \
		--state-dir "$W/ilctl" logs bench-logs -f 2>"$T/logs/follow.err" |
		while IFS= read -r line; do
			printf '%s %s\n' "$EPOCHREALTIME" "$line"
		done >"$T/follow.txt" &
	follow_pid=$!
	wait "$follow_pid" 2>/dev/null || true
	follow_pid=''
	# lines the container wrote after the follow began (the rest came
	# from the file at once); latency in ms, sorted
	awk -v t0="$follow_start" 'NF == 2 && $2 + 0 > t0 + 0.3 {
		printf "%.3f\n", ($1 - $2) * 1000 }' "$T/follow.txt" |
		sort -n >"$T/follow.ms"
	follow_n=$(wc -l <"$T/follow.ms")
	if ((follow_n > 0)); then
		pct() { awk -v p="$1" '{ v[NR] = $1 } END {
			k = int(p * NR); if (k < p * NR) k++; if (k < 1) k = 1
			printf "%.1f", v[k] }' "$T/follow.ms"; }
		R[follow.n]=$follow_n R[follow.p50]=$(pct 0.5)
		R[follow.p90]=$(pct 0.9) R[follow.p99]=$(pct 0.99)
		R[follow.max]=$(tail -n 1 "$T/follow.ms")
		echo "  follow lines=$follow_n p50=$(r follow p50) p90=$(r follow p90) max=$(r follow max) (ms)"
	else
		echo "bench: log follow: no lines arrived" >&2
		sed 's/^/  /' "$T/logs/follow.err" >&2
	fi
else
	echo "bench: log follow: the pod did not start" >&2
	cat "$T/logs/logpod-create.log" "$T/logs/logpod-wait.log" >&2
fi
timeout 30 "$build/ilctl" --url "$GW_URL" --state-dir "$W/ilctl" \
	delete bench-logs --force >/dev/null 2>&1 || true

# ---- 1. create 100 pods ----------------------------------------------------

echo "== $N_PODS pods (sleep 60) through the gateway, $CONC at a time"
mkdir -p "$T/bodies"
: >"$T/create.list" && : >"$T/status.list" && : >"$T/delete.list"
for i in $(seq "$N_PODS"); do
	uid=$(</proc/sys/kernel/random/uuid)
	pod='{"metadata":{"name":"bench-'$i'","namespace":"default","uid":"'$uid'",'
	pod+='"resourceVersion":"1","creationTimestamp":null,'
	pod+='"annotations":{"slurm-job.vk.io/flags":"--time=00:05:00"}},'
	pod+='"spec":{"containers":[{"name":"main","image":"docker://busybox",'
	pod+='"command":["sleep","60"],"resources":{}}],"restartPolicy":"Never",'
	pod+='"nodeName":"vk-slurm"},"status":{"phase":"Pending"}}'
	printf '{"pod":%s,"configmaps":null,"secrets":null,"projectedvolumesmaps":null,"jobscriptURL":""}' \
		"$pod" >"$T/bodies/$i.create"
	printf '[%s]' "$pod" >"$T/bodies/$i.status"
	printf '%s' "$pod" >"$T/bodies/$i.delete"
	for k in create status delete; do echo "$T/bodies/$i.$k" >>"$T/$k.list"; done
done
run_client create -n "$N_PODS" -c "$CONC" -X POST -B "$T/create.list" "${JSON[@]}" \
	-H 'InterLink-Http-Session: bench#create' "$GW_URL/create"
t0=$(now)
if wait_for 15 refreshed_all; then
	echo "  the gateway's status table holds all $N_PODS pods $(elapsed "$t0" "$(now)") s later:"
	grep "refresh: $N_PODS pods in" "$GW_DIR/gateway.log" | tail -n 1 | sed 's/^/    /'
else
	echo "  (no gateway log line 'refresh: $N_PODS pods in' within 15 s)"
fi
echo "  Slurm: $(squeue -h -t R -o %i | wc -l) jobs running, $(squeue -h -t PD -o %i | wc -l) pending"

# ---- 2. /status ------------------------------------------------------------

sdiag -r >/dev/null 2>&1 || true
sdiag_t0=$(now)
echo "== GET /status, $N_STATUS requests round robin over the $N_PODS pods"
for c in 1 "$CONC"; do
	run_client "st_gw_c$c" -n "$N_STATUS" -c "$c" -X GET -B "$T/status.list" "${JSON[@]}" \
		-H 'InterLink-Http-Session: bench#status' "$GW_URL/status"
done
for c in 1 "$CONC"; do
	run_client "st_sc_c$c" -n "$N_STATUS" -c "$c" -X GET -B "$T/status.list" "${JSON[@]}" \
		-H 'InterLink-Http-Session: bench#status' "${MTLS[@]}" "$SC_URL/status"
done
# slurmctld's view of the sidecar's polls meanwhile (sdiag: microseconds)
sdiag_s=$(elapsed "$sdiag_t0" "$(now)")
read -r ji_count ji_avg_us < <(sdiag 2>/dev/null | awk '
	/REQUEST_JOB_INFO[^_]/ && !/SINGLE/ {
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^count:/) { sub(/count:/, "", $i); c = $i }
			if ($i ~ /^ave_time:/) { sub(/ave_time:/, "", $i); a = $i }
		}
		print c, a; exit }')
if [[ -n ${ji_count:-} ]]; then
	R[sdiag.count]=$ji_count
	R[sdiag.avg]=$(awk -v u="$ji_avg_us" 'BEGIN { printf "%.2f", u / 1000 }')
	echo "  slurmctld: $ji_count REQUEST_JOB_INFO in ${sdiag_s} s, mean $(r sdiag avg) ms each (server side)"
fi

# ---- 1b. delete them -------------------------------------------------------

echo "== delete the $N_PODS pods, $CONC at a time"
t0=$(now)
run_client delete -n "$N_PODS" -c "$CONC" -X DELETE -B "$T/delete.list" "${JSON[@]}" \
	-H 'InterLink-Http-Session: bench#delete' "$GW_URL/delete"
if wait_for 60 no_jobs; then
	R[jobsgone.secs]=$(elapsed "$t0" "$(now)")
	echo "  Slurm lists none of their jobs $(r jobsgone secs) s after the first delete"
else
	echo "  jobs still listed 60 s after the deletes"
fi

# ---- 4. the cost of one poll -----------------------------------------------

echo "== one slurm_load_jobs (tests/slurm_backend_check, on the idle cluster)"
if [[ -x $backend_check ]] && no_jobs; then
	out=$(mktemp -d -p "$W" backend.XXXX)
	chmod 755 "$out"
	timeout -k 5 90 "$backend_check" "$out" >"$T/logs/backend_check.log" 2>&1 || true
	line=$(grep -o 'poll of [0-9]* jobs took [0-9.]* ms' "$T/logs/backend_check.log" | head -n 1)
	if [[ -n $line ]]; then
		echo "  $line"
		read -r _ _ pjobs _ _ pms _ <<<"$line"
		R[poll.jobs]=$pjobs R[poll.ms]=$pms
	else
		echo "  (no 'poll of N jobs' line; see $T/logs/backend_check.log)"
	fi
	grep -o 'submit of [0-9]* jobs took .*' "$T/logs/backend_check.log" | sed 's/^/  /'
else
	echo "  skipped: $backend_check not built, or jobs still in the queue"
fi

# ---- results ---------------------------------------------------------------

ms() { # MS -> two decimals, or "-"
	[[ $1 == - ]] && { echo -; return; }
	awk -v v="$1" 'BEGIN { printf "%.2f", v }'
}
diff_ms() {
	[[ $1 == - || $2 == - ]] && { echo -; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'
}
# row TEXT LABEL: one table row from bench_client's numbers
row() {
	local err=''
	[[ $(r "$2" err) == 0 || $(r "$2" err) == - ]] || err=" ($(r "$2" err) failed)"
	printf '| %s%s | %s | %s | %s | %s | %s | %s |\n' "$1" "$err" "$(r "$2" n)" \
		"$3" "$(r "$2" rps)" "$(ms "$(r "$2" p50)")" "$(ms "$(r "$2" p99)")" \
		"$(ms "$(r "$2" max)")"
}

cpu=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//')
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
fs=$(df -PT "$T" | awk 'NR == 2 { print $2 }')
echo
echo "== machine"
echo "  $(nproc) CPUs, $cpu, $mem RAM; pod folders on $fs"
echo "  $(uname -sr); slurm $(sinfo -V 2>/dev/null | awk '{ print $2 }'); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "== Markdown (for README.md)"
echo
echo "\`make bench\` on $(nproc) CPUs ($cpu), $mem RAM, $(date -u '+%Y-%m-%d'):"
echo "the whole path on one machine (single-node test Slurm, gateway and"
echo "sidecar with verbose logs as in the tests, pod folders on $fs)."
echo "Times in ms; conc. = requests in flight (one keep-alive connection each)."
echo
echo '| measurement | requests | conc. | req/s | p50 | p99 | max |'
echo '|---|---:|---:|---:|---:|---:|---:|'
row "POST /create via gateway (pod = one Slurm job)" create "$CONC"
row "DELETE /delete via gateway" delete "$CONC"
row "GET /status via gateway, $N_PODS pods live" st_gw_c1 1
row "GET /status via gateway, $N_PODS pods live" "st_gw_c$CONC" "$CONC"
row "GET /status straight to sidecar (mTLS)" st_sc_c1 1
row "GET /status straight to sidecar (mTLS)" "st_sc_c$CONC" "$CONC"
row "POST /pinglink via gateway" ping 1
row "sidecar /healthz, mTLS keep-alive" tls_keep 1
row "sidecar /healthz, new mTLS connection (session resumed)" tls_resume 1
row "sidecar /healthz, new mTLS connection (full handshake)" tls_full 1
printf '| log line: container to `ilctl logs -f` (%s s follow) | %s lines | 1 | - | %s | %s | %s |\n' \
	"$LOG_FOLLOW_S" "$(r follow n)" "$(r follow p50)" "$(r follow p99)" "$(r follow max)"
echo
echo "* $N_PODS creates took $(r create secs) s ($(r create rps) pods/s); $N_PODS deletes took"
echo "  $(r delete secs) s, and Slurm listed none of the jobs $(r jobsgone secs) s after the first delete."
echo "* Full mutual-TLS handshake: $(diff_ms "$(r tls_full p50)" "$(r tls_keep p50)") ms more than a"
echo "  kept-alive request (p50); with session resumption $(diff_ms "$(r tls_resume p50)" "$(r tls_keep p50)") ms."
echo "* One \`slurm_load_jobs\` of $(r poll jobs) jobs: $(r poll ms) ms (slurm_backend_check); slurmctld"
echo "  answered the sidecar's $(r sdiag count) polls during the /status runs in $(r sdiag avg) ms each"
echo "  (its own mean), with $N_PODS pod jobs queued."
echo
exit 0
