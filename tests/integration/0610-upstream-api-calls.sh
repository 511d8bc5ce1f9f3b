#!/bin/bash
# Upstream's own interLink API (cmd/interlink, release 0.6.2) in front of
# our sidecar's unix socket, each call the virtual-kubelet makes, checked in
# the answers and in Slurm: ping, create (ConfigMap and Secret carried in the
# body), status while running, logs (plain, tail, follow), delete (the job is
# cancelled), status of a pod nobody knows.  Needs ILK_UPSTREAM_DIR
# (tests/upstream/lib.sh).
# shellcheck source=tests/upstream/lib.sh
. "$(dirname "$0")/../upstream/lib.sh"
up_require interlink || exit 0
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/upstream/lib.sh
. "$(dirname "$0")/../upstream/lib.sh"

# real binds (the ConfigMap volume) need fake-apptainer's bubblewrap mode
mode=host
if bwrap --ro-bind / / --dev /dev --proc /proc true 2>/dev/null; then mode=bwrap; fi
printf '#!/bin/bash\nexport FAKE_APPTAINER_MODE=%q\nexec %q "$@"\n' "$mode" "$IL_RUNTIME" >"$W/apptainer"
chmod 755 "$W/apptainer"
SC_RUNTIME=$W/apptainer il_start_sidecar sc || exit 1
up_start_api api || exit 1
t_diag "upstream API at $GW_URL, sidecar socket $SC_SOCK"

# ---- ping: upstream asks the sidecar's /status with an empty list ----------
code=$(curl -sS -o "$W/ping.out" -w '%{http_code}' -X POST "$GW_URL/pinglink")
check_eq "POST /pinglink through upstream's API answers 200" 200 "$code"
ping_quiet() { ilctl ping >"$W/ilctl-ping.out" 2>&1; }
check "ilctl ping through upstream's API" ping_quiet

# ---- a pod that runs until deleted ---------------------------------------
cat >"$W/long.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: long
  annotations:
    slurm-job.vk.io/flags: "--time=00:07:00 --job-name=up-long"
spec:
  restartPolicy: Never
  containers:
    - name: main
      image: busybox:1.36
      command: ["sh", "-c"]
      args: ['echo "cfg=$(cat /cfg/greeting) key=$KEY"; i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 1; done']
      env:
        - name: KEY
          valueFrom: {secretKeyRef: {name: creds, key: token}}
      volumeMounts: [{name: cfg, mountPath: /cfg}]
      resources: {limits: {cpu: "1", memory: 64Mi}}
  volumes:
    - {name: cfg, configMap: {name: settings}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {greeting: "hello from a configmap"}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {token: s3cr3t}
YAML
out=$(ilctl create -f "$W/long.yaml" 2>&1)
check "create through upstream's API" test $? -eq 0
[[ $out ]] && t_diag "$out"
check "the pod runs (status through upstream's API)" \
	ilctl wait long --for running --timeout 40
jid=$(ilctl status long -o json 2>/dev/null | grep -o '"JID":"[0-9]*"' | grep -o '[0-9]*' | head -n 1)
check_match "status carries the Slurm job id" '^[0-9]+$' "${jid:-}"
check_eq "the job runs in Slurm" RUNNING "$(job_state "${jid:-0}")"
job=$(scontrol show job "${jid:-0}" 2>&1)
check_match "the flags annotation reached the job (name)" 'JobName=up-long[[:space:]]' "$job"
check_match "the flags annotation reached the job (time limit)" 'TimeLimit=00:07:00' "$job"
uid=$(grep -o '"uid":"[^"]*"' "$W/ilctl/default_long.json" | head -n 1 | cut -d'"' -f4)
check_match "the job's comment names the pod" "Comment=interlink-pod=$uid" "$job"

# ConfigMap and Secret from the create body, logs through upstream's API
seen_cfg() { ilctl logs long 2>/dev/null | grep -q '^cfg=hello from a configmap key=s3cr3t$'; }
if [[ $mode == bwrap ]]; then
	check "the ConfigMap volume and the Secret env reached the container" wait_for 20 seen_cfg
	seen_cfg || t_diag "first log lines: $(ilctl logs long 2>&1 | head -n 3)"
else
	echo "ok $((T_N += 1)) - the ConfigMap volume and the Secret env reached the container # SKIP bubblewrap does not work here"
fi
ticks() { [ "$(ilctl logs long 2>/dev/null | grep -c '^tick ')" -ge 3 ]; }
wait_for 20 ticks
check_match "logs --tail 1 through upstream's API" '^tick [0-9]+$' "$(ilctl logs long --tail 1 2>&1)"
timeout 4 "$IL_BUILD/ilctl" --url "$GW_URL" --state-dir "$W/ilctl" logs -f long >"$W/follow.out" 2>&1
check_match "logs -f through upstream's API streams new lines" 'tick [0-9]+' "$(cat "$W/follow.out")"

# ---- delete: Slurm cancels the job, the folder goes -----------------------
check "delete through upstream's API" ilctl delete long
cancelled() { [[ $(job_state "$jid") =~ ^(CANCELLED|COMPLETED)$ || -z $(job_state "$jid") ]]; }
check "Slurm cancelled the job" wait_for 20 cancelled
t_diag "job $jid: $(job_state "$jid")"
gone() { [ ! -e "$SC_DATA/default-$uid" ]; }
check "the pod's folder is removed" wait_for 20 gone

# ---- a pod the sidecar does not know ----------------------------------------
code=$(curl -sS -o "$W/unknown.out" -w '%{http_code}' -X GET -H 'Content-Type: application/json' \
	--data '[{"metadata":{"name":"ghost","namespace":"default","uid":"00000000-0000-0000-0000-000000000001"}}]' \
	"$GW_URL/status")
t_diag "status of an unknown pod: HTTP $code $(head -c 300 "$W/unknown.out")"
check_match "status of an unknown pod is answered (not a 5xx)" '^[234]' "$code"

# (the follow above was cut by `timeout`: upstream logs that as an error)
up_errors() { grep 'level=error' "$GW_DIR/interlink.log" | grep -v 'GetLogs.*context canceled'; }
check_eq "upstream's API logged no error but the cut follow's" "" "$(up_errors)"

t_done
