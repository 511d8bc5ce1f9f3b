#!/bin/bash
# bench.sh BUILD_DIR - `make bench`: numbers, not a test.
# (BENCH_SCALE=1, `make bench-scale`: the same set-up, then
# tests/bench-scale.sh instead of what follows.)
#
# Sets up what tests/run-tests.sh sets up (a throwaway Slurm cluster from
# tests/slurm-cluster.sh and a PKI from tests/gen-certs.sh in a temp dir),
# starts sidecar-slurm and interlink-api with tests/daemons.sh (mutual TLS
# between them, the gateway on plain http on loopback, the sidecar's pod
# folders under the temp dir, StatusPollIntervalMs 300, verbose logs), and
# measures with BUILD_DIR/tests/bench_client (libcurl, one keep-alive
# connection per thread):
#   - /pinglink through the gateway (200 requests, 1 and 8 at a time);
#   - mutual TLS to the sidecar: GET /healthz on one kept-alive connection,
#     and on a new connection per request with libcurl's TLS session cache
#     on and off (200 requests each);
#   - connection set-up without TLS: GET /healthz on the gateway (plain
#     http), kept alive and a new connection per request;
#   - log follow: a container prints its clock every 0.2 s; `ilctl logs -f`
#     and `curl -N` through the gateway and `curl -N` straight to the
#     sidecar read it at the same time, each line's arrival compared with
#     the clock it carries;
#   - 100 pods (`sleep 60`, 16 run at once on the 16-CPU test node, the
#     rest pend) created with 8 parallel POST /create;
#   - 2000 GET /status (one pod each, round robin over the 100) through the
#     gateway and straight to the sidecar, 1 and 8 at a time; slurmctld's
#     own count and mean time of REQUEST_JOB_INFO (sdiag) meanwhile: the
#     sidecar's polls with those jobs in the queue;
#   - the 100 pods deleted (8 parallel DELETE /delete), and the time until
#     Slurm lists none of their jobs as pending or running;
#   - one slurm_load_jobs on its own: BUILD_DIR/tests/slurm_backend_check's
#     "poll of N jobs took X ms" (the sidecar does not log its poll times);
#   - while pings, creates and deletes run: the gateway's connections to the
#     sidecar (ss, sampled), each one a new mutual-TLS handshake; while
#     /status runs through the gateway: the /status calls the sidecar got.
#   - the create path beside its references (a DOWN partition "held" keeps
#     every job pending): BUILD_DIR/tests/bench_submit with libslurm and
#     with `sbatch` forks, then creates through the gateway, 1, 8 and 32 in
#     flight; fsync-type calls per create (strace -f -c on the sidecar);
#     slurmctld RPCs per ping (sdiag); job end -> visible through the
#     gateway (pods print their clock and exit; /status read every 20 ms).
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
N_REF=200 N_CREATE=96 N_END=8
LOG_FOLLOW_S=5

T='' cluster_pid='' cluster_up='' cleaned=''
IL_PIDS=() follow_pids=()

cleanup() {
	[[ -z $cleaned ]] || return 0
	cleaned=1
	local pid
	[[ -z ${sampler_pid:-} ]] || kill "$sampler_pid" 2>/dev/null || true
	for pid in "${follow_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${follow_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
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
# `make bench-scale`: room for 10,000 pods and more
[[ -z ${BENCH_SCALE:-} ]] || export SLURM_TEST_EXTRA_CONF=MaxJobCount=50000
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
# (il_start_gateway may grep its log before the daemon has created it)
mkdir -p "$W/gateway" && : >"$W/gateway/gateway.log"
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

# The gateway's connections to the sidecar during a phase in which nothing
# else talks to the sidecar's TCP port: ss sampled every 100 ms (at most
# 60 s; ~10 ms of system time each), distinct client ports.  Each one is a
# mutual-TLS handshake; connections shorter than the sampling interval can
# be missed, so this is a lower bound.
sampler_pid=''
conns_start() {
	: >"$T/conns.txt"
	(
		for _ in $(seq 600); do
			ss -tanH state established "( dport = :$SC_PORT )" 2>/dev/null |
				awk '{ print $3 }'
			sleep 0.1
		done >>"$T/conns.txt"
	) &
	sampler_pid=$!
}
# conns_stop LABEL: keep and show the count
conns_stop() {
	kill "$sampler_pid" 2>/dev/null || true
	wait "$sampler_pid" 2>/dev/null || true
	sampler_pid=''
	R[$1.conns_gw]=$(sort -u "$T/conns.txt" | grep -c .)
	echo "  gateway -> sidecar: ${R[$1.conns_gw]} distinct connections seen meanwhile"
}

# rpc_total: RPCs slurmctld counted since the last `sdiag -r`, by message
# type, without sdiag's own (REQUEST_STATS_INFO)
rpc_total() {
	sdiag 2>/dev/null | awk '
		/^Remote Procedure Call statistics by message type/ { on = 1; next }
		/^Remote Procedure Call statistics by user/ { on = 0 }
		on && /count:/ && !/REQUEST_STATS_INFO/ {
			for (i = 1; i <= NF; i++)
				if ($i ~ /^count:/) { sub(/count:/, "", $i); t += $i }
		}
		END { print t + 0 }'
}

# pod_bodies PREFIX N PARTITION COMMAND-JSON: N pods' create, status and
# delete bodies under $T/bodies, listed in $T/PREFIX.{create,status,delete}
pod_bodies() {
	local prefix=$1 n=$2 part=$3 cmd=$4 i uid pod k
	mkdir -p "$T/bodies"
	for k in create status delete; do : >"$T/$prefix.$k"; done
	for i in $(seq "$n"); do
		uid=$(</proc/sys/kernel/random/uuid)
		pod='{"metadata":{"name":"'$prefix-$i'","namespace":"default","uid":"'$uid'",'
		pod+='"resourceVersion":"1","creationTimestamp":null,'
		pod+='"annotations":{"slurm-job.vk.io/flags":"--time=00:05:00 --partition='$part'"}},'
		pod+='"spec":{"containers":[{"name":"main","image":"docker://busybox",'
		pod+='"command":'$cmd',"resources":{}}],"restartPolicy":"Never",'
		pod+='"nodeName":"vk-slurm"},"status":{"phase":"Pending"}}'
		printf '{"pod":%s,"configmaps":null,"secrets":null,"projectedvolumesmaps":null,"jobscriptURL":""}' \
			"$pod" >"$T/bodies/$prefix-$i.create"
		printf '[%s]' "$pod" >"$T/bodies/$prefix-$i.status"
		printf '%s' "$pod" >"$T/bodies/$prefix-$i.delete"
		for k in create status delete; do echo "$T/bodies/$prefix-$i.$k" >>"$T/$prefix.$k"; done
	done
}

# the gateway's status table batching, from its debug log
refreshed_all() { grep -q "refresh: $N_PODS pods in" "$GW_DIR/gateway.log"; }
no_jobs() { [[ -z $(squeue -h -t PD,R,CG,CF -o %i 2>/dev/null) ]]; }
# no pod record left: the deletes before are done in the sidecar too (their
# final states and removals are not counted as a create's fsyncs)
no_records() { ! compgen -G "${SC_STATE:-$SC_DATA.state}/pods/*.json" >/dev/null; }

if [[ -n ${BENCH_SCALE:-} ]]; then
	scontrol create PartitionName=held Nodes=ALL State=DOWN MaxTime=INFINITE \
		>/dev/null 2>&1 || die "cannot create the DOWN partition 'held'"
	# shellcheck source=tests/bench-scale.sh
	. "$src/tests/bench-scale.sh"
	exit 0
fi

# ---- 3. /pinglink ----------------------------------------------------------

echo "== /pinglink through the gateway ($N_PING requests, keep-alive, 1 and $CONC at a time)"
conns_start
sdiag -r >/dev/null 2>&1 || true
run_client ping -n "$N_PING" -c 1 -X POST "$GW_URL/pinglink"
R[ping.rpcs]=$(rpc_total)
R[ping.rpc_per]=$(awk -v a="${R[ping.rpcs]}" -v n="$N_PING" 'BEGIN { printf "%.2f", a / n }')
echo "  slurmctld counted ${R[ping.rpcs]} RPCs meanwhile: $(r ping rpc_per) per ping"
conns_stop ping
conns_start
run_client "ping_c$CONC" -n "$N_PING" -c "$CONC" -X POST "$GW_URL/pinglink"
conns_stop "ping_c$CONC"
# shellcheck source=tests/bench-reverse.sh
. "$src/tests/bench-reverse.sh"
bench_reverse

# ---- 5. mutual TLS: handshake cost -----------------------------------------

echo "== mutual TLS to the sidecar: GET /healthz, $N_TLS requests each"
run_client tls_keep -n "$N_TLS" -c 1 "${MTLS[@]}" "$SC_URL/healthz"
run_client tls_resume -n "$N_TLS" -c 1 --new-conn "${MTLS[@]}" "$SC_URL/healthz"
run_client tls_full -n "$N_TLS" -c 1 --new-conn --no-tls-resume "${MTLS[@]}" "$SC_URL/healthz"
echo "== the same without TLS: the gateway's GET /healthz (plain http)"
run_client plain_keep -n "$N_TLS" -c 1 "$GW_URL/healthz"
run_client plain_new -n "$N_TLS" -c 1 --new-conn "$GW_URL/healthz"

# ---- 6. log follow latency -------------------------------------------------

# follow NAME CMD...: run CMD (a followed log) for LOG_FOLLOW_S seconds, each
# line it prints prefixed with the reader's clock, into $T/follow-NAME.txt
follow() {
	local name=$1
	shift
	timeout "$LOG_FOLLOW_S" "$@" 2>"$T/logs/follow-$name.err" |
		while IFS= read -r line; do
			printf '%s %s\n' "$EPOCHREALTIME" "$line"
		done >"$T/follow-$name.txt"
}
# follow_stats NAME: latency of the lines the container wrote after the
# follow began (earlier ones came from the file at once), into R[NAME.*]
follow_stats() {
	local name=$1 n
	awk -v t0="$follow_start" 'NF == 2 && $2 + 0 > t0 + 0.3 {
		printf "%.3f\n", ($1 - $2) * 1000 }' "$T/follow-$name.txt" |
		sort -n >"$T/follow-$name.ms"
	n=$(wc -l <"$T/follow-$name.ms")
	if ((n == 0)); then
		echo "bench: log follow ($name): no lines arrived" >&2
		sed 's/^/  /' "$T/logs/follow-$name.err" >&2
		return 0
	fi
	R[$name.n]=$n
	for p in 50 90 99 100; do
		R[$name.p$p]=$(awk -v p="$p" '{ v[NR] = $1 } END {
			k = int(p * NR / 100); if (k < p * NR / 100) k++
			if (k < 1) k = 1; printf "%.1f", v[k] }' "$T/follow-$name.ms")
	done
	R[$name.max]=${R[$name.p100]}
	echo "  $name lines=$n p50=$(r "$name" p50) p90=$(r "$name" p90) max=$(r "$name" max) (ms)"
}

echo "== log follow: a container prints its clock every 0.2 s; ${LOG_FOLLOW_S} s of"
echo "   ilctl logs -f and curl -N through the gateway, curl -N to the sidecar, at once"
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
ILCTL=("$build/ilctl" --url "$GW_URL" --state-dir "$W/ilctl")
if timeout 30 "${ILCTL[@]}" create -f "$T/logpod.yaml" >"$T/logs/logpod-create.log" 2>&1 &&
	timeout 30 "${ILCTL[@]}" wait bench-logs --for running --timeout 25 \
		>"$T/logs/logpod-wait.log" 2>&1; then
	log_uid=$("${ILCTL[@]}" list 2>/dev/null | awk '$1 == "bench-logs" { print $3 }')
	log_req='{"Namespace":"default","PodUID":"'$log_uid'","PodName":"bench-logs",'
	log_req+='"ContainerName":"main","Opts":{"Tail":0,"Bytes":0,"Timestamps":false,'
	log_req+='"Follow":true,"Previous":false,"SinceSeconds":0,'
	log_req+='"SinceTime":"0001-01-01T00:00:00Z"}}'
	follow_start=$(now)
	follow gw "${ILCTL[@]}" logs bench-logs -f &
	follow_pids=("$!")
	follow gwcurl curl -sS -N -X GET "${JSON[@]}" --data-binary "$log_req" \
		"$GW_URL/getLogs" &
	follow_pids+=("$!")
	follow sc curl -sS -N -X GET "${JSON[@]}" --data-binary "$log_req" \
		"${MTLS[@]}" "$SC_URL/getLogs" &
	follow_pids+=("$!")
	wait "${follow_pids[@]}" 2>/dev/null || true
	follow_pids=()
	follow_stats gw
	follow_stats gwcurl
	follow_stats sc
else
	echo "bench: log follow: the pod did not start" >&2
	cat "$T/logs/logpod-create.log" "$T/logs/logpod-wait.log" >&2
fi
timeout 30 "${ILCTL[@]}" delete bench-logs --force >/dev/null 2>&1 || true

# ---- 0. the create path against its references ----------------------------

# A DOWN partition: every job submitted to it stays pending, so the
# references and our creates cost the same on slurmctld's side.
scontrol create PartitionName=held Nodes=ALL State=DOWN MaxTime=INFINITE \
	>/dev/null 2>&1 || echo "bench: cannot create the DOWN partition 'held'" >&2
submit_client=$build/tests/bench_submit
echo "== references: $N_REF held jobs with libslurm's slurm_submit_batch_job and"
echo "   with a fork of \`sbatch\` (upstream's way), 1, 8 and 32 at a time"
for c in 1 8 32; do
	[[ -x $submit_client ]] || break
	for how in api sbatch; do
		flags=()
		[[ $how == sbatch ]] && flags=(--sbatch)
		line=$(timeout 120 "$submit_client" "${flags[@]}" \
			-n "$N_REF" -c "$c" -p held --label "ref_${how}_c$c" 2>"$T/logs/ref.err") || true
		[[ -n $line ]] || { echo "bench: ref_${how}_c$c failed:" >&2; head -3 "$T/logs/ref.err" >&2; continue; }
		echo "  $line"
		for kv in ${line#* }; do R[ref_${how}_c$c.${kv%%=*}]=${kv#*=}; done
	done
	scancel --name=il-bench-ref >/dev/null 2>&1 || true
done
wait_for 30 no_jobs || true

echo "== creates through the gateway into the DOWN partition: $N_CREATE pods"
echo "   each at 1, 8 and 32 in flight (each batch deleted after)"
for c in 1 8 32; do
	pod_bodies "cr$c" "$N_CREATE" held '["sleep","60"]'
	run_client "create_c$c" -n "$N_CREATE" -c "$c" -X POST -B "$T/cr$c.create" "${JSON[@]}" \
		-H 'InterLink-Http-Session: bench#create' "$GW_URL/create"
	run_client "delete_c$c" -n "$N_CREATE" -c 8 -X DELETE -B "$T/cr$c.delete" "${JSON[@]}" \
		-H 'InterLink-Http-Session: bench#delete' "$GW_URL/delete" >/dev/null
	wait_for 30 no_jobs || true
done

echo "== fsync-type calls in the sidecar per create: $N_CREATE creates at 32 in flight"
echo "   under strace -f -c (slow: its times are not the ones above)"
if command -v strace >/dev/null; then
	pod_bodies crs "$N_CREATE" held '["sleep","60"]'
	wait_for 30 no_records || echo "bench: pod records still there before strace" >&2
	strace -f -c -o "$T/strace.txt" -e trace=fsync,fdatasync,syncfs,sync_file_range,msync \
		-p "$SC_PID" 2>"$T/logs/strace.err" &
	strace_pid=$!
	sleep 1
	run_client create_strace -n "$N_CREATE" -c 32 -X POST -B "$T/crs.create" "${JSON[@]}" \
		-H 'InterLink-Http-Session: bench#create' "$GW_URL/create" >/dev/null
	kill -INT "$strace_pid" 2>/dev/null || true
	wait "$strace_pid" 2>/dev/null || true
	calls=$(awk '$NF == "total" { print $4 }' "$T/strace.txt")
	R[fsync.per]=$(awk -v c="${calls:-0}" -v n="$N_CREATE" 'BEGIN { printf "%.1f", c / n }')
	echo "  ${calls:-0} calls for $N_CREATE creates: $(r fsync per) per create"
	sed -n '/^[ -]*%\|^ *[0-9]/p' "$T/strace.txt" | sed 's/^/    /'
	run_client delete_strace -n "$N_CREATE" -c 8 -X DELETE -B "$T/crs.delete" "${JSON[@]}" \
		-H 'InterLink-Http-Session: bench#delete' "$GW_URL/delete" >/dev/null
	wait_for 30 no_jobs || true
else
	echo "  skipped: no strace"
fi

# ---- 0b. job end -> visible through the gateway ----------------------------

echo "== job end -> visible: $N_END pods print their clock after 2, 2.29, 2.58 ... s and"
echo "   exit (ends spread over the gateway's refresh interval); the gateway's"
echo "   /status read every 20 ms until the container is terminated"
: >"$T/end.create" && : >"$T/end.delete"
for i in $(seq "$N_END"); do
	d=$(awk -v i="$i" 'BEGIN { printf "%.2f", 2 + (i - 1) * 0.29 }')
	pod_bodies "end$i" 1 debug '["sh","-c","sleep '"$d"'; date +%s.%N"]'
	for k in create status delete; do mv "$T/bodies/end$i-1.$k" "$T/bodies/end-$i.$k"; done
	echo "$T/bodies/end-$i.create" >>"$T/end.create"
	echo "$T/bodies/end-$i.delete" >>"$T/end.delete"
done
run_client create_end -n "$N_END" -c "$N_END" -X POST -B "$T/end.create" "${JSON[@]}" \
	-H 'InterLink-Http-Session: bench#create' "$GW_URL/create" >/dev/null
: >"$T/end.ms"
end_pids=()
for i in $(seq "$N_END"); do
	(
		deadline=$((SECONDS + 40))
		while ((SECONDS < deadline)); do
			if curl -sS -X GET "${JSON[@]}" --data-binary "@$T/bodies/end-$i.status" \
				"$GW_URL/status" 2>/dev/null | grep -q '"terminated"'; then
				echo "$EPOCHREALTIME" >"$T/end-$i.seen"
				break
			fi
			sleep 0.02
		done
	) &
	end_pids+=("$!")
done
wait "${end_pids[@]}" 2>/dev/null || true
for i in $(seq "$N_END"); do
	[[ -s $T/end-$i.seen ]] || continue
	uid=$(grep -o '"uid":"[^"]*"' "$T/bodies/end-$i.status" | head -n 1 | cut -d'"' -f4)
	req='{"Namespace":"default","PodUID":"'$uid'","PodName":"end'$i'-1",'
	req+='"ContainerName":"main","Opts":{"Tail":0,"Bytes":0,"Timestamps":false,'
	req+='"Follow":false,"Previous":false,"SinceSeconds":0,'
	req+='"SinceTime":"0001-01-01T00:00:00Z"}}'
	t_end=$(curl -sS -X GET "${JSON[@]}" --data-binary "$req" "$GW_URL/getLogs" 2>/dev/null |
		grep -E '^[0-9]+\.[0-9]+$' | tail -n 1)
	[[ -n $t_end ]] || continue
	awk -v a="$t_end" -v b="$(<"$T/end-$i.seen")" 'BEGIN { printf "%.0f\n", (b - a) * 1000 }' >>"$T/end.ms"
done
sort -n -o "$T/end.ms" "$T/end.ms"
if [[ -s $T/end.ms ]]; then
	R[end.n]=$(wc -l <"$T/end.ms")
	R[end.p50]=$(awk '{ v[NR] = $1 } END { k = int((NR + 1) / 2); print v[k] }' "$T/end.ms")
	R[end.max]=$(tail -n 1 "$T/end.ms")
	echo "  $(r end n) pods: p50 $(r end p50) ms, max $(r end max) ms ($(tr '\n' ' ' <"$T/end.ms")ms)"
else
	echo "bench: job end -> visible: no pod was seen terminated" >&2
fi
run_client delete_end -n "$N_END" -c "$N_END" -X DELETE -B "$T/end.delete" "${JSON[@]}" \
	-H 'InterLink-Http-Session: bench#delete' "$GW_URL/delete" >/dev/null

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
conns_start
run_client create -n "$N_PODS" -c "$CONC" -X POST -B "$T/create.list" "${JSON[@]}" \
	-H 'InterLink-Http-Session: bench#create' "$GW_URL/create"
conns_stop create
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
sc_status_calls() { grep -c 'GET /status -> ' "$SC_DIR/sidecar.log"; }
s0=$(sc_status_calls)
t0=$(now)
for c in 1 "$CONC"; do
	run_client "st_gw_c$c" -n "$N_STATUS" -c "$c" -X GET -B "$T/status.list" "${JSON[@]}" \
		-H 'InterLink-Http-Session: bench#status' "$GW_URL/status"
done
R[st_gw.sc_calls]=$(($(sc_status_calls) - s0))
echo "  the sidecar answered ${R[st_gw.sc_calls]} GET /status calls from the gateway in those $(elapsed "$t0" "$(now)") s"
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
conns_start
run_client delete -n "$N_PODS" -c "$CONC" -X DELETE -B "$T/delete.list" "${JSON[@]}" \
	-H 'InterLink-Http-Session: bench#delete' "$GW_URL/delete"
conns_stop delete
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
row "POST /pinglink via gateway" "ping_c$CONC" "$CONC"
row "POST /pinglink via gateway, reverse connection" ping_rev 1
row "POST /pinglink via gateway, reverse connection" "ping_rev_c$CONC" "$CONC"
row "sidecar /healthz, mTLS keep-alive" tls_keep 1
row "sidecar /healthz, new mTLS connection, TLS session cache on" tls_resume 1
row "sidecar /healthz, new mTLS connection, TLS session cache off" tls_full 1
row "gateway /healthz, plain http keep-alive" plain_keep 1
row "gateway /healthz, new plain http connection" plain_new 1
printf '| log line: container to `ilctl logs -f` via gateway | %s lines | 1 | - | %s | %s | %s |\n' \
	"$(r gw n)" "$(r gw p50)" "$(r gw p99)" "$(r gw max)"
printf '| log line: container to `curl -N` via gateway | %s lines | 1 | - | %s | %s | %s |\n' \
	"$(r gwcurl n)" "$(r gwcurl p50)" "$(r gwcurl p99)" "$(r gwcurl max)"
printf '| log line: container to sidecar /getLogs (mTLS, `curl -N`) | %s lines | 1 | - | %s | %s | %s |\n' \
	"$(r sc n)" "$(r sc p50)" "$(r sc p99)" "$(r sc max)"
echo
echo "The create path, pings, logs and job ends, each beside its reference"
echo "(the same run; ref. = held jobs into a DOWN partition, as our creates):"
echo
echo '| figure | ours | reference / goal |'
echo '|---|---|---|'
echo "| create p50, 1 in flight, through the gateway | $(ms "$(r create_c1 p50)") ms | \`slurm_submit_batch_job\` $(ms "$(r ref_api_c1 p50)") ms; \`sbatch\` fork $(ms "$(r ref_sbatch_c1 p50)") ms |"
echo "| creates/s at 1 / 8 / 32 in flight | $(r create_c1 rps) / $(r create_c8 rps) / $(r create_c32 rps) | libslurm $(r ref_api_c1 rps) / $(r ref_api_c8 rps) / $(r ref_api_c32 rps); \`sbatch\` $(r ref_sbatch_c1 rps) / $(r ref_sbatch_c8 rps) / $(r ref_sbatch_c32 rps) |"
echo "| fsync-type calls per create, 32 in flight | $(r fsync per) | goal <= 2 |"
echo "| ping p50 through the gateway; slurmctld RPCs per ping | $(ms "$(r ping p50)") ms; $(r ping rpc_per) | goal <= 0.5 ms; 0 |"
echo "| log line -> \`ilctl logs -f\` through the gateway, p50 / max | $(r gw p50) / $(r gw max) ms | straight from the sidecar $(r sc p50) / $(r sc max) ms; goal <= 30 ms |"
echo "| job end -> visible through the gateway, p50 / max ($(r end n) pods) | $(r end p50) / $(r end max) ms | goal <= 300 / 1000 ms |"
echo
echo "* $N_PODS creates took $(r create secs) s ($(r create rps) pods/s); $N_PODS deletes took"
echo "  $(r delete secs) s, and Slurm listed none of the jobs $(r jobsgone secs) s after the first delete."
echo "* Gateway-to-sidecar mTLS connections seen (ss every 100 ms, a lower bound): $(r create conns_gw)"
echo "  during the $N_PODS creates and $(r delete conns_gw) during the $N_PODS deletes ($CONC in flight); $(r ping conns_gw) during"
echo "  $N_PING pings 1 at a time, $(r "ping_c$CONC" conns_gw) during $N_PING pings $CONC at a time."
echo "* A new mutual-TLS connection per request: $(diff_ms "$(r tls_full p50)" "$(r tls_keep p50)") ms more than a kept-alive"
echo "  request (p50); $(diff_ms "$(r tls_resume p50)" "$(r tls_keep p50)") ms with libcurl's TLS session cache on (no gain: no"
echo "  resumption seen). libcurl timed the handshake alone at $(r tls_full tls) / $(r tls_resume tls) ms (cache off/on),"
echo "  and the client used $(r tls_full cpu) / $(r tls_resume cpu) ms of CPU per request against $(r tls_keep cpu) ms kept alive:"
echo "  most of the cost is the client's (libcurl + OpenSSL $(openssl version 2>/dev/null | awk '{ print $2 }') build a TLS context and"
echo "  load the certificate and key for every connection). A new plain http connection costs"
echo "  $(diff_ms "$(r plain_new p50)" "$(r plain_keep p50)") ms."
echo "* Log follow: the sidecar wakes on inotify (local file systems; every 200 ms"
echo "  on shared ones) and the gateway passes each chunk on as it arrives; a line took"
echo "  $(r gw p50) ms (p50) to reach \`ilctl logs -f\` through the gateway, $(r gwcurl p50) ms to reach"
echo "  \`curl -N\` through the gateway, $(r sc p50) ms to reach \`curl -N\` straight from the sidecar."
echo "* The $((2 * N_STATUS)) GET /status through the gateway cost the sidecar $(r st_gw sc_calls) /status calls"
echo "  (the gateway answers from its status table, refreshed in batches)."
echo "* One \`slurm_load_jobs\` of $(r poll jobs) jobs: $(r poll ms) ms (slurm_backend_check); slurmctld"
echo "  answered the sidecar's $(r sdiag count) polls during the /status runs in $(r sdiag avg) ms each"
echo "  (its own mean), with $N_PODS pod jobs queued."
echo
exit 0
