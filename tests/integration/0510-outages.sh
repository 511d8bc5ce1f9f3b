#!/bin/bash
# slurmctld stopped, then started again; munged stopped, then started:
# requests get a clear 503, nothing crashes, running pods keep their state,
# a delete during the outage is carried out once Slurm answers again.
. "$(dirname "$0")/../lib.sh"

D=$(dirname "$SLURM_CONF")
il_start_sidecar sc || exit 1
il_start_gateway gw || exit 1

cat >"$W/sleeper.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: sleeper}
spec:
  containers:
    - {name: main, image: busybox, command: ["sleep", "300"]}
YAML
ilctl create -f "$W/sleeper.yaml" >/dev/null
jid=$(ilctl status sleeper -o json | grep -o '"JID":"[0-9]*"' | grep -o '[0-9][0-9]*')
running() { ilctl status sleeper -o json | grep -q '"running"'; }
check "the pod runs" wait_for 30 running

# ---- slurmctld down
read -r ctld_pid <"$D/slurmctld.pid"
# restart it exactly as the cluster started it (its stop looks for that)
mapfile -t ctld_argv < <(tr '\0' '\n' <"/proc/$ctld_pid/cmdline")
kill -TERM "$ctld_pid"
ctld_down() { ! kill -0 "$ctld_pid" 2>/dev/null; }
wait_for 10 ctld_down
# a successful ping answers for a second (backend_slurm's PING_CACHE_MS)
ping_503() {
	out=$(curl -s -w ' %{http_code}' -X POST "$GW_URL/pinglink")
	[[ $out == *' 503' ]]
}
wait_for 5 ping_503
check_match "ping says 503 and why" 'slurmctld unreachable.* 503$' "$out"
check "a running pod still reports running" running
out=$(ilctl delete sleeper 2>&1)
check_match "delete during the outage answers 200 and says what happens" \
	'deleted' "$out"
check_match "and the sidecar logged the pending cancel" 'once Slurm answers' \
	"$(cat "$SC_DIR/sidecar.log")"
out=$(ilctl create -f "$IL_SRC/examples/pods/hello.yaml" 2>&1)
check_match "create during the outage fails clearly" \
	'HTTP 503.*slurmctld unreachable' "$out"
check "the sidecar is still up" kill -0 "$SC_PID"
check "the gateway is still up" kill -0 "$GW_PID"
"${ctld_argv[@]}"
ping_ok() { ilctl ping >/dev/null 2>&1; }
check "ping recovers once slurmctld is back" wait_for 30 ping_ok
cancelled() { [[ $(job_state "$jid") == CANCELLED* ]]; }
check "the job deleted during the outage is cancelled" wait_for 30 cancelled
check "a create works again" ilctl create -f "$IL_SRC/examples/pods/hello.yaml"

# ---- munged down
read -r munge_pid <"$D/munge/munged.pid"
munge_cmd=$(tr '\0' '\n' <"/proc/$munge_pid/cmdline")
kill -TERM "$munge_pid"
munge_down() { ! kill -0 "$munge_pid" 2>/dev/null; }
wait_for 10 munge_down
wait_for 5 ping_503
check_match "with munged down, ping says 503 and why" \
	'munged unreachable.* 503$' "$out"
mapfile -t argv <<<"$munge_cmd"
"${argv[@]}"
check "ping recovers once munged is back" wait_for 30 ping_ok
check "the sidecar survived it all" kill -0 "$SC_PID"
ilctl delete hello >/dev/null 2>&1
t_done
