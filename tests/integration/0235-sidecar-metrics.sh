#!/bin/bash
# The sidecar's MetricsAddress: Prometheus text with requests by route and
# code, backend (Slurm) calls by op and result with latencies, jobs
# submitted and cancelled, poll age, pods by phase, process_* and build
# info; /healthz; /readyz 200 while Slurm answers and 503 when slurmctld
# cannot be reached. The gateway's /metrics carries process_* too.
. "$(dirname "$0")/../lib.sh"

il_start_sidecar sc "AllowRootJobs: true
StateDirectory: \"$W/sc/state\"
MetricsAddress: \"127.0.0.1:0\"" || exit 1
ops=$(grep -o '/readyz on http://[^ ]*' "$SC_DIR/sidecar.log" | sed 's|.* on ||')
check_match "the sidecar logs its operations listener" '^http://127\.0\.0\.1:[0-9]+$' "$ops"
il_start_gateway gw 'MetricsAddress: "127.0.0.1:0"' || exit 1

ilctl create -f "$IL_SRC/examples/pods/hello.yaml" >/dev/null
check "the pod ends" wait_for 90 bash -c 'ilctl() { "$1/ilctl" --url "$2" --state-dir "$3" "${@:4}"; }
	ilctl "$@" status hello -o json | grep -q terminated' _ "$IL_BUILD" "$GW_URL" "$W/ilctl"
m=$(curl -sS "$ops/metrics")
check_match "requests by route and code" 'interlink_sidecar_requests_total\{route="/create",code="20[01]"\} 1' "$m"
check_match "status requests counted" 'interlink_sidecar_requests_total\{route="/status",code="200"\} [1-9]' "$m"
check_match "a latency histogram per route" 'interlink_sidecar_request_duration_seconds_count\{route="/create"\} 1' "$m"
check_match "one successful submit" 'interlink_sidecar_backend_calls_total\{op="submit",result="ok"\} 1' "$m"
check_match "polls counted" 'interlink_sidecar_backend_calls_total\{op="poll",result="ok"\} [1-9]' "$m"
check_match "poll latency" 'interlink_sidecar_backend_call_duration_seconds_bucket\{op="poll",le="\+Inf"\} [1-9]' "$m"
check_match "jobs submitted" 'interlink_sidecar_jobs_submitted_total 1' "$m"
check_match "poll age is known" 'interlink_sidecar_poll_age_seconds [0-9]+\.[0-9]+' "$m"
check_match "pods by phase: one ended" 'interlink_sidecar_pods\{phase="ended"\} 1' "$m"
check_match "process_* metrics" 'process_resident_memory_bytes [1-9][0-9]*' "$m"
check_match "open fds" 'process_open_fds [1-9]' "$m"
check_match "build info" 'interlink_sidecar_build_info\{version="[0-9.]+"\} 1' "$m"
check_eq "/healthz" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$ops/healthz")"
out=$(curl -s -w ' %{http_code}' "$ops/readyz")
check_match "/readyz: 200 while Slurm answers" '^ready: .* 200$' "$out"
ilctl delete hello >/dev/null
check "the delete cancels or cleans" wait_for 30 bash -c 'curl -s "$1/metrics" | grep -q "interlink_sidecar_requests_total{route=\"/delete\",code=\"200\"} 1"' _ "$ops"

g=$(curl -sS "$GW_OPS/metrics")
check_match "the gateway's /metrics has process_* and build info" 'process_cpu_seconds_total [0-9.]+.*interlink_api_build_info\{version=' "$(tr '\n' ' ' <<<"$g")"

# a sidecar whose slurmctld is unreachable is not ready
sed 's/^SlurmctldPort=.*/SlurmctldPort=1/' "$SLURM_CONF" >"$W/dead.conf"
grep -q '^SlurmctldPort=1$' "$W/dead.conf" || printf 'SlurmctldPort=1\n' >>"$W/dead.conf"
SLURM_CONF=$W/dead.conf il_start_sidecar dead "AllowRootJobs: true
StateDirectory: \"$W/dead/state\"
MetricsAddress: \"127.0.0.1:0\"" || exit 1
dops=$(grep -o '/readyz on http://[^ ]*' "$SC_DIR/sidecar.log" | sed 's|.* on ||')
out=$(curl -s -m 60 -w ' %{http_code}' "$dops/readyz")
check_match "/readyz: 503 naming why when slurmctld cannot be reached" '^not ready: batch system unavailable: .* 503$' "$out"
m=$(curl -sS "$dops/metrics")
check_match "... and the failed ping is counted" 'interlink_sidecar_backend_calls_total\{op="ping",result="error"\} [1-9]' "$m"
t_done
