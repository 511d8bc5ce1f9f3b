#!/bin/bash
# ilctl as a kubectl user expects it: get pods (table, -o wide, -o json,
# -o yaml, -o name, -A), describe pod, COMMAND --help, bash completion;
# the state comes from one batched /status through gateway and sidecar.
. "$(dirname "$0")/../lib.sh"

il_start_sidecar sc "AllowRootJobs: true
StateDirectory: \"$W/sc/state\"" || exit 1
il_start_gateway gw || exit 1

ilctl create -f "$IL_SRC/examples/pods/hello.yaml" >/dev/null
ilctl -n team-b create -f "$IL_SRC/examples/pods/two-containers.yaml" >/dev/null
quiet() { "$@" >/dev/null; }
check "hello ends" quiet ilctl wait hello --timeout 90
check "the two-container pod ends" quiet ilctl -n team-b wait two --timeout 90

out=$(ilctl get pods 2>&1)
check_match "get pods: kubectl's columns" '^NAME +READY +STATUS +RESTARTS +AGE' "$out"
check_match "get pods: hello Completed, 0/1 ready, no restarts" $'\n''hello +0/1 +Completed +0 +[0-9]+[smhd]' "$out"
check_eq "get pods: only the namespace's pods (header + hello)" 2 "$(wc -l <<<"$out")"
out=$(ilctl get pods -A 2>&1)
check_match "get pods -A: a NAMESPACE column" '^NAMESPACE +NAME +READY +STATUS' "$out"
check_match "get pods -A: the failed pod of team-b is Error, 0/2" 'team-b +two +0/2 +Error' "$out"
check_match "get pods -A: and default's hello" 'default +hello +0/1 +Completed' "$out"
out=$(ilctl get pods -o wide 2>&1)
check_match "get pods -o wide: JOB-ID and UID" 'JOB-ID +UID'$'\n''hello .* [0-9]+ +[0-9a-f-]{36}' "$out"
jid=$(ilctl get pods -o json | jq -r '.items[0].metadata.annotations.JobID')
out=$(ilctl get pods -o json 2>&1)
check_eq "get pods -o json: a v1 List" "v1 List 1" "$(jq -r '"\(.apiVersion) \(.kind) \(.items|length)"' <<<"$out")"
check_eq "get pods -o json: phase Succeeded, exit code 0" "Succeeded 0" \
	"$(jq -r '.items[0].status | "\(.phase) \(.containerStatuses[0].state.terminated.exitCode)"' <<<"$out")"
out=$(ilctl get pods -A -o yaml 2>&1)
check_eq "get pods -o yaml: YAML of the same List" "List 2 Failed" \
	"$(python3 -c 'import sys, yaml; d = yaml.safe_load(sys.stdin); print(d["kind"], len(d["items"]), [i["status"]["phase"] for i in d["items"] if i["metadata"]["name"] == "two"][0])' <<<"$out" 2>&1)"
check_eq "get pods -o name" "pod/hello" "$(ilctl get pods -o name 2>&1)"
check_eq "get pod NAME: only that one" "pod/two" "$(ilctl -n team-b get pod two -o name 2>&1)"
out=$(ilctl -n nobody get pods 2>&1)
check_match "get pods in an empty namespace says so" 'No resources found in namespace nobody' "$out"
check_fails "get nodes is refused" ilctl get nodes
out=$(ilctl get pods -o xml 2>&1)
check_match "a bad -o is a usage error naming the choices" 'wide, json, yaml or name' "$out"

old_uid=$(ilctl get pods -o json | jq -r '.items[0].metadata.uid')
out=$(ilctl create -f "$IL_SRC/examples/pods/hello.yaml" 2>&1)
check_match "create over a saved pod is refused without --force" 'already exists.*--force' "$out"
out=$(ilctl create --force -f "$IL_SRC/examples/pods/hello.yaml" 2>&1)
check_match "create --force deletes the old pod on the server, then creates" \
	'pod/hello deleted \(--force\).*pod/hello created' "$(tr '\n' ' ' <<<"$out")"
# (a deleted pod's record goes once its job has let go of the folder)
forgotten() { ! curl -sS --unix-socket "$SC_SOCK" http://unix/pods | grep -q "$old_uid"; }
check "... so the sidecar no longer knows the old uid (soon)" wait_for 60 forgotten
check "the new hello ends" quiet ilctl wait hello --timeout 90
jid=$(ilctl get pods -o json | jq -r '.items[0].metadata.annotations.JobID')

out=$(ilctl describe pod hello 2>&1)
check_match "describe: name, namespace, job id" 'Name: +hello.*Namespace: +default.*Job ID: +'"$jid" "$(tr '\n' ' ' <<<"$out")"
check_match "describe: the container's image, state and exit code" \
	'hello:.*Image: +docker://busybox:1.36.*State: +Terminated.*Exit Code: +0' "$(tr '\n' ' ' <<<"$out")"
check_match "describe: events created, submitted, started, finished" \
	'Events:.*Created.*Submitted +'"$jid"'.*Started.*hello.*Finished.*hello \(exit 0\)' "$(tr '\n' ' ' <<<"$out")"
out=$(ilctl -n team-b describe pod two 2>&1)
check_match "describe: a failing container's exit code" 'Exit Code: +[1-9]' "$out"
out=$(ilctl describe pod nosuch 2>&1)
check_match "describe of an unknown pod says where to look" "pod 'nosuch' is not known in namespace default" "$out"

for c in create status wait logs delete get describe; do
	out=$(ilctl "$c" --help 2>&1)
	check_match "$c --help: its own usage and paragraph" "^Usage: ilctl \\[GLOBAL OPTIONS\\] $c .*"$'\n\n'"    $c " "$out"
done

# TLS errors explained: a gateway on https that requires client certificates
plain_url=$GW_URL
GW_ADDRESS=https://127.0.0.1 il_start_gateway tlsgw "TLS: {Enabled: true, CertFile: \"$IL_PKI/gateway.crt\", KeyFile: \"$IL_PKI/gateway.key\", CACertFile: \"$IL_PKI/ca.crt\"}" || exit 1
tc() { "$IL_BUILD/ilctl" --url "$GW_URL" --state-dir "$W/ilctl" "$@" ping 2>&1; }
check_match "no --cacert: says to pass --cacert" 'pass --cacert CA.crt\)' "$(tc)"
check_match "no client certificate: says to pass --cert/--key" \
	'asked for a client certificate: pass --cert FILE --key FILE' "$(tc --cacert "$IL_PKI/ca.crt")"
check_match "a client certificate from another CA: says it was refused" \
	'refused the client certificate' \
	"$(tc --cacert "$IL_PKI/ca.crt" --cert "$IL_PKI/rogue.crt" --key "$IL_PKI/rogue.key")"
check_match "https:// on an http port: says so" \
	'does not speak TLS on this port' \
	"$("$IL_BUILD/ilctl" --url "https://${plain_url#http://}" ping 2>&1)"
out=$(tc --cacert "$IL_PKI/ca.crt" --cert "$IL_PKI/vk.crt" --key "$IL_PKI/vk.key")
check_match "with the right files, ping works" '"status":"ok"' "$out"
tls_url=$GW_URL
GW_URL=$plain_url

# contexts: a config file naming both gateways
export ILCTL_CONFIG=$W/ilctl-config
cat >"$ILCTL_CONFIG" <<YAML
current-context: plain
contexts:
  plain: {url: "$plain_url"}
  secure: {url: "$tls_url", cacert: "$IL_PKI/ca.crt", cert: "$IL_PKI/vk.crt", key: "$IL_PKI/vk.key", namespace: team-b}
YAML
ic() { "$IL_BUILD/ilctl" --state-dir "$W/ilctl" "$@" 2>&1; }
check_match "the current context gives the URL" '"status":"ok"' "$(ic ping)"
check_match "--context NAME: its URL and TLS files" '"status":"ok"' "$(ic --context secure ping)"
check_eq "--context NAME: its namespace" "pod/two" "$(ic --context secure get pods -o name)"
check_match "config use-context" 'Switched to context "secure"' "$(ic config use-context secure)"
check_eq "config current-context" "secure" "$(ic config current-context)"
check_match "config get-contexts marks the current one" '\* +secure +https://' "$(ic config get-contexts)"
check_match "now plain commands go through mutual TLS" '"status":"ok"' "$(ic ping)"
check_eq "the command line still wins over the context" "pod/hello" "$(ic -n default get pods -o name)"
check_match "an unknown context is named" "context 'nope' is not in $ILCTL_CONFIG" "$(ic --context nope ping)"
check_eq "the file stays private" 600 "$(stat -c %a "$ILCTL_CONFIG")"
unset ILCTL_CONFIG

# bash completion, driven as bash would
"$IL_BUILD/ilctl" completion bash >"$W/ilctl.bash"
check "completion bash: a script bash accepts" bash -n "$W/ilctl.bash"
comp() { # WORDS...: the completions of the last word
	bash -c 'source "$1" || exit 1
		shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_ilctl; printf "%s\n" "${COMPREPLY[@]}"' _ "$W/ilctl.bash" "$@"
}
export PATH=$IL_BUILD:$PATH
check_match "completion: commands" 'describe' "$(comp ilctl de)"
check_match "completion: -o values" 'wide' "$(comp ilctl get pods -o w)"
check_eq "completion: pod names from the server, in the namespace typed" "two" \
	"$(comp ilctl --url "$GW_URL" --state-dir "$W/ilctl" -n team-b logs t)"
check_match "completion: options of logs" 'timestamps' "$(comp ilctl logs hello --time)"
t_done
