#!/bin/bash
# Resources and placement: pod requests/limits -> CPUs and memory of the
# job (sum over parallel containers, max with init containers), the
# slurm-job.vk.io/flags annotation -> job fields, bad flags -> 400 naming
# them, Slurm's own refusal -> a clear 4xx.  Checked with scontrol.
. "$(dirname "$0")/../lib.sh"

il_start_sidecar sc || exit 1
il_start_gateway gw || exit 1

jid_of() { ilctl status "$1" -o json | grep -o '"JID":"[0-9]*"' | grep -o '[0-9][0-9]*'; }
job_field() { # JID FIELD
	scontrol show job "$1" | tr ' ' '\n' | grep "^$2=" | head -n 1 | cut -d= -f2-
}

cat >"$W/res.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: res
  annotations:
    slurm-job.vk.io/flags: "--time=00:10:00 -J 'my job' --ntasks 1"
spec:
  initContainers:
    - {name: prep, image: busybox, command: ["true"],
       resources: {limits: {cpu: "3", memory: 64Mi}}}
  containers:
    - {name: a, image: busybox, command: ["sleep", "60"],
       resources: {requests: {cpu: 500m, memory: 100Mi}}}
    - {name: b, image: busybox, command: ["sleep", "60"],
       resources: {limits: {cpu: "1", memory: 200Mi}}}
YAML
ilctl create -f "$W/res.yaml" >/dev/null
j=$(jid_of res)
check_eq "CPUs: max(3 for init, 0.5 + 1 in parallel) = 3" 3 "$(job_field "$j" NumCPUs)"
check_eq "memory: 100Mi + 200Mi in parallel" 300M "$(job_field "$j" MinMemoryNode)"
check_eq "--time from the flags annotation" 00:10:00 "$(job_field "$j" TimeLimit)"
check_eq "--job-name from the flags annotation" "my" "$(job_field "$j" JobName)"
check_match "the pod UID is in the job's comment" \
	"interlink-pod=[0-9a-f-]{36}" "$(scontrol show job "$j" | grep -o 'Comment=[^ ]*')"
ilctl delete res >/dev/null

cat >"$W/plain.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: plain
  annotations: {slurm-job.vk.io/flags: "-c 2 --mem=150M"}
spec:
  containers: [{name: a, image: busybox, command: ["sleep", "30"]}]
YAML
ilctl create -f "$W/plain.yaml" >/dev/null
j=$(jid_of plain)
check_eq "without pod resources, -c from the annotation" 2 "$(job_field "$j" NumCPUs)"
check_eq "and --mem from the annotation" 150M "$(job_field "$j" MinMemoryNode)"
ilctl delete plain >/dev/null

flags_pod() { # NAME FLAGS
	cat <<-YAML
	apiVersion: v1
	kind: Pod
	metadata:
	  name: $1
	  annotations: {slurm-job.vk.io/flags: "$2"}
	spec:
	  containers: [{name: a, image: busybox, command: ["true"]}]
	YAML
}
flags_pod bad1 "--wrap=id" >"$W/bad1.yaml"
out=$(ilctl create -f "$W/bad1.yaml" 2>&1)
check_match "an unknown flag is a 400 naming it" "HTTP 400.*'--wrap=id' is not a supported" "$out"
flags_pod bad5 "--uid=0" >"$W/bad5.yaml"
out=$(ilctl create -f "$W/bad5.yaml" 2>&1)
check_match "--uid in the flags cannot choose who the job runs as" "HTTP 400.*'--uid=0' is not a supported" "$out"
flags_pod bad2 "--time=soon" >"$W/bad2.yaml"
out=$(ilctl create -f "$W/bad2.yaml" 2>&1)
check_match "a malformed flag is a 400 naming it" "HTTP 400.*bad value 'soon' for --time" "$out"
flags_pod bad3 "-p nosuchpartition" >"$W/bad3.yaml"
out=$(ilctl create -f "$W/bad3.yaml" 2>&1)
check_match "Slurm's refusal is a 4xx with its reason" "HTTP 4[0-9][0-9].*(nosuchpartition|partition)" "$out"
flags_pod bad4 "--gres=gpu:1" >"$W/bad4.yaml"
out=$(ilctl create -f "$W/bad4.yaml" 2>&1)
check_match "a GPU request on a cluster without GPUs is refused clearly" \
	"HTTP 4[0-9][0-9].*(gres|GRES|generic resource)" "$out"
check_eq "no job was left behind by the refused pods" 0 \
	"$(squeue -h -o %k | grep -c 'interlink-pod=' || true)"
# flavors: a second sidecar with presets; the pod's flags win field by field
il_start_sidecar fl 'Flavors:
  small: {CPUDefault: 2, MemoryDefault: 200M, SlurmFlags: ["--time=00:20:00"]}
  big: {CPUDefault: 4, MemoryDefault: 1G, SlurmFlags: ["-t 30", "-J big-job"]}
DefaultFlavor: small' || exit 1
il_start_gateway flgw || exit 1
cat >"$W/f1.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: f1}
spec:
  containers: [{name: a, image: busybox, command: ["sleep", "30"]}]
YAML
cat >"$W/f2.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: f2
  annotations: {slurm-job.vk.io/flavor: big, slurm-job.vk.io/flags: "--time=5"}
spec:
  containers: [{name: a, image: busybox, command: ["sleep", "30"]}]
YAML
ilctl create -f "$W/f1.yaml" >/dev/null && ilctl create -f "$W/f2.yaml" >/dev/null
j1=$(jid_of f1) j2=$(jid_of f2)
check_eq "DefaultFlavor's CPUDefault" 2 "$(job_field "$j1" NumCPUs)"
check_eq "DefaultFlavor's MemoryDefault" 200M "$(job_field "$j1" MinMemoryNode)"
check_eq "DefaultFlavor's flags" 00:20:00 "$(job_field "$j1" TimeLimit)"
check_eq "the named flavor's CPUDefault" 4 "$(job_field "$j2" NumCPUs)"
check_eq "the pod's --time wins over the flavor's" 00:05:00 "$(job_field "$j2" TimeLimit)"
check_eq "the flavor's other flags stay" big-job "$(job_field "$j2" JobName)"
ilctl delete f1 >/dev/null; ilctl delete f2 >/dev/null
printf 'DataRootFolder: "/tmp/x"\nFlavors: {a: {SlurmFlags: ["--bogus"]}}\n' >"$W/badfl.yaml"
check_match "a bad flavor stops the sidecar at start, naming it" \
	"Flavors.a.SlurmFlags: .*--bogus" "$("$IL_BUILD/sidecar-slurm" -t -c "$W/badfl.yaml" 2>&1)"
t_done
