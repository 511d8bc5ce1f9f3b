#!/bin/bash
# The pod suite against a real Son of Grid Engine through the DRMAA
# backend (Backend: backend-drmaa.so): gateway -> sidecar-slurm (core) ->
# backends/drmaa -> drmaa_run_job as the tenant.  Containers, init order,
# exit codes, volumes, logs, delete, SIGKILL + restart with reconciliation
# (the backend's job table and the accounting file), capacity, and the
# features Grid Engine cannot do refused with a 400 naming them.
# Runs under `make check-drmaa` (tests/run-tests.sh WITH_SGE=1); skips
# otherwise.
# shellcheck disable=SC2016 # the containers' scripts expand their own $...
. "$(dirname "$0")/../lib.sh"

so=$IL_BUILD/backend-drmaa.so
if [[ -z ${SGE_ROOT:-} || ! -f $so ]]; then
	echo "1..0 # SKIP no Grid Engine cell (make check-drmaa) or no DRMAA backend"
	exit 0
fi
if ! setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	bwrap --ro-bind / / --dev /dev --proc /proc true 2>/dev/null; then
	echo "1..0 # SKIP bubblewrap does not work for nobody here"
	exit 0
fi

nobody_uid=$(id -u nobody)
nogroup=$(id -gn nobody)
chmod 755 "$W"
printf '#!/bin/bash\nFAKE_APPTAINER_MODE=bwrap exec %q "$@"\n' \
	"$IL_RUNTIME" >"$W/apptainer"
chmod 755 "$W/apptainer"
table=$W/drmaa-jobs.table
sc_conf="Backend: \"$so\"
DrmaaJobTable: \"$table\"
StateDirectory: \"$W/state\"
Tenants:
  default: {User: nobody, Group: $nogroup}"
export SC_RUNTIME=$W/apptainer
il_start_sidecar sc "$sc_conf" || exit 1
chmod 755 "$SC_DATA"
il_start_gateway gw || exit 1

check_eq "the helper that runs as tenants is exec-only (not dumpable)" 711 \
	"$(stat -c %a "$IL_BUILD/ilk-drmaa-helper")"
check_match "the sidecar loaded the DRMAA backend" \
	'loaded backend backend/drmaa' "$(cat "$SC_DIR/sidecar.log")"

jid_of() { ilctl status "$1" -o json | grep -o '"JID":"[0-9]*"' | grep -o '[0-9][0-9]*'; }
sge_knows() { qstat -j "$1" >/dev/null 2>&1; }
gone() { ! sge_knows "$1"; }

# ---- capacity ----
out=$(ilctl ping 2>&1)
check "ping answers through gateway, sidecar and DRMAA backend" [ $? -eq 0 ]
ncpu=$(qhost | awk '$1 != "HOSTNAME" && $1 != "global" && $3 ~ /^[0-9]+$/ { n += $3 } END { print n }')
check_match "ping carries Grid Engine's CPU count (qhost: $ncpu)" "\"cpu\":\"$ncpu\"" "$out"
check_match "ping carries memory that is not 0" '"memory":"[1-9][0-9]*Mi"' "$out"

# ---- hello: logs, env, exit 0, run as the tenant ----
out=$(ilctl create -f "$IL_SRC/examples/pods/hello.yaml" 2>&1)
check_match "create answers with the Grid Engine job id" 'created.*job [0-9]+' "$out"
check "hello terminates within 60 s" wait_for 60 terminated hello hello
check_match "hello exits 0" '"exitCode":0' "$(ctr_state hello hello)"
logs=$(ilctl logs hello)
check_match "stdout reaches the log" 'Hello from pod' "$logs"
check_match "stderr reaches the log" 'this line went to stderr' "$logs"
check_match "env value arrives byte for byte" \
	"hello, it's \"quoted\" & \\\$\(not expanded\)" "$logs"
jid=$(jid_of hello)
acct_owner() { qacct -j "$1" 2>/dev/null | awk '$1 == "owner" { print $2 }'; }
acct_has() { [ -n "$(acct_owner "$1")" ]; }
check "Grid Engine's accounting has job $jid" wait_for 20 acct_has "$jid"
check_eq "the job ran as the tenant (Grid Engine's owner)" nobody "$(acct_owner "$jid")"
check_eq "the pod's folder belongs to the tenant" "$nobody_uid" \
	"$(stat -c %u "$(ls -d "$SC_DATA"/default-*/ | head -n 1)")"

# ---- two containers: each its own exit code ----
ilctl create -f "$IL_SRC/examples/pods/two-containers.yaml" >/dev/null
check "two-container pod terminates" wait_for 60 terminated two fails
check "the other container terminates too" wait_for 30 terminated two ok
check_match "container 'ok' exits 0" '"exitCode":0' "$(ctr_state two ok)"
check_match "container 'fails' exits 3" '"exitCode":3' "$(ctr_state two fails)"
check_match "logs are per container" '^second$' "$(ilctl logs two -c fails)"

# ---- init containers in order, volumes ----
cat >"$W/vols.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data:
  greeting: "hello volumes"
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData:
  password: "s3cr3t 'q' $x"
---
apiVersion: v1
kind: Pod
metadata: {name: vols}
spec:
  restartPolicy: Never
  initContainers:
    - name: first
      image: busybox
      command: ["sh", "-c", "echo first >>/srv/shared/order"]
      volumeMounts: [{name: shared, mountPath: /srv/shared}]
    - name: second
      image: busybox
      command: ["sh", "-c", "echo second >>/srv/shared/order"]
      volumeMounts: [{name: shared, mountPath: /srv/shared}]
  containers:
    - name: main
      image: busybox
      command:
        - sh
        - -c
        - |
          echo "order=$(tr '\n' , </srv/shared/order)"
          echo "cfg=$(cat /etc/cfg/greeting)"
          echo "secret=$(cat /var/secrets/password)"
          echo "secretmode=$(stat -c %a /var/secrets/password)"
          exit 4
      volumeMounts:
        - {name: shared, mountPath: /srv/shared}
        - {name: cfg, mountPath: /etc/cfg}
        - {name: creds, mountPath: /var/secrets}
  volumes:
    - name: shared
      emptyDir: {}
    - name: cfg
      configMap: {name: app-config}
    - name: creds
      secret: {secretName: creds}
YAML
out=$(ilctl create -f "$W/vols.yaml" 2>&1)
check_match "the pod with init containers and volumes is created" 'created.*job [0-9]+' "$out"
check "it terminates" wait_for 60 terminated vols main
check_match "its exit code 4 is reported" '"exitCode":4' "$(ctr_state vols main)"
check_match "init container 'first' exited 0" '"exitCode":0' "$(ctr_state vols first)"
logs=$(ilctl logs vols -c main)
check_match "init containers ran in order, before main" '^order=first,second,$' \
	"$(grep '^order=' <<<"$logs")"
check_match "the configMap is mounted" '^cfg=hello volumes$' "$(grep '^cfg=' <<<"$logs")"
check_match "the secret arrives byte for byte" "^secret=s3cr3t 'q' \\\$x\$" \
	"$(grep '^secret=' <<<"$logs")"
check_match "the secret's file is 0600" '^secretmode=600$' \
	"$(grep '^secretmode=' <<<"$logs")"

# ---- what Grid Engine cannot do: 400 naming the feature ----
cat >"$W/gpu.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: gpu}
spec:
  containers:
    - name: main
      image: busybox
      command: ["true"]
      resources: {limits: {nvidia.com/gpu: "1"}}
YAML
out=$(ilctl create -f "$W/gpu.yaml" 2>&1)
check_match "a GPU pod is refused with a 400 naming the feature" \
	'400.*generic resource request \(GPUs, gres\) is not supported by the DRMAA backend' "$out"
cat >"$W/qos.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: qos
  annotations: {slurm-job.vk.io/flags: "--qos=high"}
spec:
  containers: [{name: main, image: busybox, command: ["true"]}]
YAML
out=$(ilctl create -f "$W/qos.yaml" 2>&1)
check_match "a Slurm QOS flag is refused with a 400 naming it" '400.*QOS.*not supported' "$out"
cat >"$W/cpus.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: cpus}
spec:
  containers:
    - {name: main, image: busybox, command: ["true"], resources: {requests: {cpu: "2"}}}
YAML
out=$(ilctl create -f "$W/cpus.yaml" 2>&1)
check_match "two CPUs without a parallel environment: 400 naming the setting" \
	'400.*2 CPUs.*DrmaaParallelEnvironment' "$out"
check_eq "no job was submitted and no folder kept for refused pods" 3 \
	"$(ls -d "$SC_DATA"/default-* | wc -l)"

# ---- delete cancels through drmaa_control ----
cat >"$W/sleeper.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: sleeper}
spec:
  containers:
    - {name: main, image: busybox, command: ["sh", "-c", "sleep 300; echo drmaa-sleeper-$$"]}
YAML
ilctl create -f "$W/sleeper.yaml" >/dev/null
running() { ctr_state "$1" main | grep -q '"running"'; }
check "sleeper runs" wait_for 60 running sleeper
sjid=$(jid_of sleeper)
check "Grid Engine knows the running job $sjid" sge_knows "$sjid"
check "delete answers 200" ilctl delete sleeper
check "the job is gone from Grid Engine" wait_for 30 gone "$sjid"
no_sleeper() { ! pgrep -f 'drmaa-sleeper-' >/dev/null; }
check "the container's processes are gone too" wait_for 15 no_sleeper

# ---- SIGKILL and restart: the table and the accounting carry on ----
cat >"$W/during.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: during}
spec:
  containers:
    - {name: main, image: busybox, command: ["sh", "-c", "sleep 3; exit 6"]}
YAML
cat >"$W/long.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: long}
spec:
  containers:
    - {name: main, image: busybox, command: ["sh", "-c", "sleep 300; echo drmaa-long-$$"]}
YAML
ilctl create -f "$W/during.yaml" >/dev/null
ilctl create -f "$W/long.yaml" >/dev/null
check "the long pod runs" wait_for 60 running long
djid=$(jid_of during)
ljid=$(jid_of long)
kill -KILL "$SC_PID"
wait "$SC_PID" 2>/dev/null
kill -TERM "$GW_PID"
wait "$GW_PID" 2>/dev/null
check "the job table names both jobs" grep -q "^$ljid interlink-pod=" "$table"
# the short job ends while no sidecar watches
check "the short job ends while the sidecar is down" wait_for 60 gone "$djid"
il_start_sidecar sc "$sc_conf" || exit 1
il_start_gateway gw || exit 1 # to the restarted sidecar's new port
check_match "the restarted backend read its job table" \
	'[1-9][0-9]* job\(s\) from the job table' "$(cat "$SC_DIR/sidecar.log")"
check "the pod that ended meanwhile is terminated" wait_for 60 terminated during main
check_match "with its exit code 6" '"exitCode":6' "$(ctr_state during main)"
check "the long pod still runs" running long
check_eq "still the same job" "$ljid" "$(jid_of long)"
check "delete after the restart cancels it" ilctl delete long
check "and Grid Engine forgets it" wait_for 30 gone "$ljid"
no_long() { ! pgrep -f 'drmaa-long-' >/dev/null; }
check "its processes are gone" wait_for 15 no_long

# ---- a dead DRMAA agent is started again ----
agent=$(pgrep -P "$SC_PID" -f 'ilk-drmaa-helper agent')
check_match "the sidecar runs one DRMAA agent" '^[0-9]+$' "$agent"
kill -KILL "$agent"
cat >"$W/after.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: after}
spec:
  containers: [{name: main, image: busybox, command: ["sh", "-c", "exit 0"]}]
YAML
ilctl create -f "$W/after.yaml" >/dev/null
check "a pod created after the agent died runs to its end" wait_for 60 terminated after main
agent2=$(pgrep -P "$SC_PID" -f 'ilk-drmaa-helper agent')
check "a new agent answers" test -n "$agent2" -a "$agent2" != "$agent"

# ---- without the job table: the accounting file answers ----
cat >"$W/lost.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: lost}
spec:
  containers: [{name: main, image: busybox, command: ["sh", "-c", "sleep 2; exit 0"]}]
YAML
ilctl create -f "$W/lost.yaml" >/dev/null
check "the pod 'lost' runs" wait_for 60 running lost
lojid=$(jid_of lost)
kill -KILL "$SC_PID"
wait "$SC_PID" 2>/dev/null
kill -TERM "$GW_PID"
wait "$GW_PID" 2>/dev/null
rm -f "$table"
check "its job ends while the sidecar is down" wait_for 60 gone "$lojid"
il_start_sidecar sc "$sc_conf" || exit 1
il_start_gateway gw || exit 1
check "with no job table, the pod is still seen to end" wait_for 60 terminated lost main
louid=$(grep -o '"uid": *"[^"]*"' "$W/ilctl/default_lost.json" | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')
check "the pod's folder is there" test -d "$SC_DATA/default-$louid"
ilctl delete lost >/dev/null
no_lost() { [ ! -e "$SC_DATA/default-$louid" ]; }
check "once deleted its folder goes (the backend found the job ended)" wait_for 30 no_lost
check_fails "the backend never said it does not know the job" \
	grep -q "does not know job $lojid" "$SC_DIR/sidecar.log"

for p in hello two vols during after; do ilctl delete "$p" >/dev/null 2>&1; done
empty() { [ -z "$(ls -A "$SC_DATA")" ]; }
check "deleted pods' folders are removed" wait_for 20 empty
t_done
