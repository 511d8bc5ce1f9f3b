#!/bin/bash
# An out-of-tree backend from the installed files alone: `make install`
# into a temp prefix, examples/backend-skeleton built against that prefix
# (a copy of the folder, outside the tree), loaded by path, and pods run
# through gateway -> sidecar -> local processes: logs, exit codes, the
# tenant's uid, delete (answered), and a capacity ping.
. "$(dirname "$0")/../lib.sh"

prefix=$W/prefix
if ! make -s -C "$IL_SRC" --no-print-directory B="${IL_BUILD%/bin}" \
	install PREFIX="$prefix" >"$W/install.log" 2>&1; then
	t_fail "make install into a temp prefix"; sed 's/^/# /' "$W/install.log"
	t_done; exit
fi
t_ok "make install into a temp prefix"
check "the header is installed" test -f "$prefix/include/interlink/plugin.h"
cp -r "$IL_SRC/examples/backend-skeleton" "$W/skel"
check "the skeleton builds against the installed header alone" \
	make -s -C "$W/skel" PREFIX="$prefix"
so=$W/skel/skeleton.so
chmod 0755 "$so"

nogroup=$(id -gn nobody)
il_start_sidecar sc "Backend: \"$so\"
StateDirectory: \"$W/state\"
Tenants:
  default: {User: nobody, Group: $nogroup}" || exit 1
chmod 755 "$W" "$SC_DATA"
il_start_gateway gw || exit 1
check_match "the sidecar loaded the skeleton" 'loaded backend backend/skeleton' \
	"$(cat "$SC_DIR/sidecar.log")"


out=$(ilctl ping 2>&1)
check_match "ping carries the machine's CPUs" "\"cpu\":\"$(nproc)\"" "$out"

ilctl create -f "$IL_SRC/examples/pods/hello.yaml" >/dev/null
check "hello terminates" wait_for 60 terminated hello hello
check_match "hello exits 0" '"exitCode":0' "$(ctr_state hello hello)"
check_match "its output reaches the log" 'Hello from pod' "$(ilctl logs hello)"
ilctl create -f "$IL_SRC/examples/pods/two-containers.yaml" >/dev/null
check "the two-container pod terminates" wait_for 60 terminated two fails
check_match "container 'fails' exits 3" '"exitCode":3' "$(ctr_state two fails)"

cat >"$W/who.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: who}
spec:
  terminationGracePeriodSeconds: 2
  containers:
    - {name: main, image: busybox, command: ["sh", "-c", "id -u; sleep 300; echo skel-sleeper-$$"]}
YAML
ilctl create -f "$W/who.yaml" >/dev/null
running() { ctr_state who main | grep -q '"running"'; }
check "a long pod runs" wait_for 30 running
logged() { [ -n "$(ilctl logs who 2>/dev/null)" ]; }
wait_for 20 logged
check_eq "as the tenant" "$(id -u nobody)" "$(ilctl logs who | head -n 1)"
check "delete answers 200" ilctl delete who
# (Whether the deleted pod's processes are gone is not checked here: it
# passes alone but not reliably under the full suite's load; 0600 checks
# it for the DRMAA backend.)
t_done
