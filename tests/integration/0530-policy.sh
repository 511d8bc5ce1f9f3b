#!/bin/bash
# Site policy: hostPath only under HostPathPrefixes, raw-shell annotations
# only when allowed, namespace -> Unix user mapping (Tenants), runAsUser
# only inside the allowed set, never root unless said so, pod folder owned
# by the job's user; a plain-HTTP TCP listener refuses to start.
. "$(dirname "$0")/../lib.sh"

nobody_uid=$(id -u nobody)
nogroup=$(getent group nogroup >/dev/null && echo nogroup || echo nobody)
il_start_sidecar sc "Tenants:
  team-a: {User: nobody, Group: $nogroup, AllowedUIDs: [\"$nobody_uid\"]}
  root-ok: {User: root, AllowRoot: true}
HostPathPrefixes: [\"$W/allowed\"]" || exit 1
chmod 755 "$W" "$SC_DATA"
il_start_gateway gw || exit 1

pod() { # NAME NAMESPACE EXTRA-SPEC-LINES ANNOTATIONS
	cat <<-YAML
	apiVersion: v1
	kind: Pod
	metadata:
	  name: $1
	  namespace: $2
	  annotations: {${4:-}}
	spec:
	  containers:
	    - {name: main, image: busybox, command: ["sh", "-c", "id -u; echo \$HOME; echo \$POD_IP"]}
	${3:-}
	YAML
}
done_ok() { ilctl -n "$1" status "$2" -o json | grep -q '"terminated"'; }

pod who team-a "" '"interlink.eu/pod-ip": "10.1.2.3"' >"$W/who.yaml"
check "a mapped namespace may create" ilctl -n team-a create -f "$W/who.yaml"
check "and its pod ends" wait_for 60 done_ok team-a who
logs=$(ilctl -n team-a logs who)
check_match "the job ran as the mapped user" "^$nobody_uid\$" "$(echo "$logs" | head -n 1)"
check_match "the job exports POD_IP from interlink.eu/pod-ip" \
	"export POD_IP='10.1.2.3'" "$(cat "$SC_DATA"/team-a-*/job.slurm)"
dir=$(ls -d "$SC_DATA"/team-a-*)
check_eq "the pod's folder belongs to that user" "$nobody_uid" "$(stat -c %u "$dir")"

pod stranger team-b >"$W/stranger.yaml"
out=$(ilctl -n team-b create -f "$W/stranger.yaml" 2>&1)
check_match "an unmapped namespace is refused with 403" \
	"HTTP 403.*namespace 'team-b' may not run jobs" "$out"
pod rooty team-a "  securityContext: {runAsUser: 0}" >"$W/rooty.yaml"
out=$(ilctl -n team-a create -f "$W/rooty.yaml" 2>&1)
check_match "runAsUser 0 outside the allowed set is refused" \
	"HTTP 403.*runAsUser 0 is not allowed" "$out"
pod other team-a "  securityContext: {runAsUser: 4242}" >"$W/other.yaml"
out=$(ilctl -n team-a create -f "$W/other.yaml" 2>&1)
check_match "any other runAsUser outside the set is refused" \
	"HTTP 403.*runAsUser 4242" "$out"

pod hp team-a "  volumes: [{name: h, hostPath: {path: /etc}}]" >"$W/hp.yaml"
out=$(ilctl -n team-a create -f "$W/hp.yaml" 2>&1)
check_match "hostPath outside HostPathPrefixes is refused" \
	"HTTP 403.*hostPath '/etc' is not under" "$out"
pod pre team-a "" '"slurm-job.vk.io/pre-exec": "touch /tmp/pwned"' >"$W/pre.yaml"
out=$(ilctl -n team-a create -f "$W/pre.yaml" 2>&1)
check_match "pre-exec is refused unless allowed" \
	"HTTP 403.*pre-exec runs raw shell" "$out"
check_eq "no job was submitted for the refused pods" 0 \
	"$(squeue -h -o %k | grep -c 'interlink-pod=' || true)"

# a second sidecar that allows raw shell runs pre-exec
il_start_sidecar sc2 "AllowRawShellAnnotations: true
CommandPrefix: \"export SITE_MARK=site-ok\"" || exit 1
SC_PORT_SAVED=$SC_PORT
il_start_gateway gw2 || exit 1
cat >"$W/raw.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: raw
  annotations: {"slurm-job.vk.io/pre-exec": "echo pre-exec-ran > pre.txt"}
spec:
  containers: [{name: main, image: busybox, command: ["true"]}]
YAML
ilctl create -f "$W/raw.yaml" >/dev/null
check "with AllowRawShellAnnotations the pod runs" wait_for 60 done_ok default raw
check_eq "and pre-exec ran in the job" pre-exec-ran \
	"$(cat "$SC_DATA"/default-*/pre.txt 2>/dev/null)"
check_match "CommandPrefix is in the job script" "SITE_MARK=site-ok" \
	"$(cat "$SC_DATA"/default-*/job.slurm)"

printf 'SidecarAddress: "0.0.0.0"\nSidecarPort: "0"\nDataRootFolder: "%s"\n' \
	"$W/x" >"$W/plain.yaml"
out=$("$IL_BUILD/sidecar-slurm" -t -c "$W/plain.yaml" 2>&1)
check_match "plain HTTP on a non-loopback address refuses to start" \
	"without TLS .*AllowPlainHTTP" "$out"
printf 'AllowPlainHTTP: true\n' >>"$W/plain.yaml"
check "unless AllowPlainHTTP says so" "$IL_BUILD/sidecar-slurm" -t -c "$W/plain.yaml"
ilctl -n team-a delete who >/dev/null 2>&1
t_done
