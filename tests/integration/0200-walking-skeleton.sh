#!/bin/bash
# The walking skeleton, through the gateway with ilctl: real Slurm jobs,
# mTLS between gateway and sidecar, logs, exit codes, delete cancels.
. "$(dirname "$0")/../lib.sh"

il_start_sidecar sc 'Taints: [{Key: "site/maintenance", Value: "soon", Effect: "NoSchedule"}]' || exit 1
il_start_gateway gw || exit 1

# state of one container in the status JSON, e.g. "terminated":{"exitCode":0
ctr_state() { # NAME CONTAINER
	ilctl status "$1" -o json 2>/dev/null |
		grep -o "\"name\":\"$2\",\"state\":{\"[a-z]*\":{[^}]*" | head -n 1
}
terminated() { ctr_state "$1" "$2" | grep -q '"terminated"'; }

out=$(ilctl ping 2>&1)
check "ping answers 200 through gateway and sidecar" [ $? -eq 0 ]
check_match "ping carries Slurm's CPU capacity" '"cpu":"[1-9][0-9]*"' "$out"
check_match "ping carries memory that is not 0" '"memory":"[1-9][0-9]*Mi"' "$out"
check_match "ping carries the configured taints" \
	'"taints":\[\{"key":"site/maintenance","value":"soon","effect":"NoSchedule"\}\]' "$out"

# hello: waiting or running, then terminated with exit code 0 and output
out=$(ilctl create -f "$IL_SRC/examples/pods/hello.yaml" 2>&1)
check_match "create answers with the job id" 'created.*job [0-9]+' "$out"
first=$(ctr_state hello hello)
check_match "first status is waiting, running or terminated" \
	'"(waiting|running|terminated)"' "$first"
check "hello terminates within 60 s" wait_for 60 terminated hello hello
check_match "hello exits 0" '"exitCode":0' "$(ctr_state hello hello)"
logs=$(ilctl logs hello)
check_match "stdout reaches the log" 'Hello from pod' "$logs"
check_match "stderr reaches the log" 'this line went to stderr' "$logs"
check_match "env value arrives byte for byte" \
	"hello, it's \"quoted\" & \\\$\(not expanded\)" "$logs"
check_match "status has JID" '"JID":"[0-9]+"' "$(ilctl status hello -o json)"

# two containers: each reports its own exit code
ilctl create -f "$IL_SRC/examples/pods/two-containers.yaml" >/dev/null
check "two-container pod terminates" wait_for 60 terminated two fails
check "the other container terminates too" wait_for 30 terminated two ok
check_match "container 'ok' exits 0" '"exitCode":0' "$(ctr_state two ok)"
check_match "container 'fails' exits 3" '"exitCode":3' "$(ctr_state two fails)"
check_match "logs are per container" '^second$' "$(ilctl logs two -c fails)"

# delete of a running pod cancels its Slurm job
cat >"$W/sleeper.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: sleeper}
spec:
  containers:
    - name: main
      image: busybox
      command: ["sh", "-c", "sleep 300; echo sleeper-marker-$$"]
YAML
ilctl create -f "$W/sleeper.yaml" >/dev/null
jid=$(ilctl status sleeper -o json | grep -o '"JID":"[0-9]*"' | grep -o '[0-9]*')
running() { ctr_state sleeper main | grep -q '"running"'; }
check "sleeper runs" wait_for 30 running
check_eq "Slurm says RUNNING" RUNNING "$(job_state "$jid")"
check "delete answers 200" ilctl delete sleeper
cancelled() { [[ $(job_state "$jid") == CANCELLED* ]]; }
check "delete cancelled Slurm job $jid" wait_for 10 cancelled
no_sleeper() { ! pgrep -f 'sleeper-marker' >/dev/null; }
check "the container's processes are gone too" wait_for 15 no_sleeper

# clean-up of the other pods
ilctl delete hello >/dev/null && ilctl delete two >/dev/null
gone() { [ -z "$(ls -A "$SC_DATA")" ]; }
check "deleted pods' folders are removed once their jobs ended" wait_for 15 gone

t_done
