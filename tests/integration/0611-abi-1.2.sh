#!/bin/bash
# A backend built against an older minor ABI still loads and runs pods:
# examples/backend-skeleton compiled against the public header as it was
# at ABI 1.2 (tests/abi/abi-1.2/, frozen: no ilk_job_info.user_id, no
# settling), loaded by today's sidecar, which reads only what the
# backend's struct_size covers. Without a user in the job info, the host
# checks a job by its tag alone before cancelling it.
. "$(dirname "$0")/../lib.sh"

hdr=$IL_SRC/tests/abi/abi-1.2
check_match "the frozen header is ABI 1.2" '^#define ILK_PLUGIN_ABI_MINOR 2$' \
	"$(grep '^#define ILK_PLUGIN_ABI_MINOR' "$hdr/interlink/plugin.h")"
so=$W/skeleton-abi12.so
check "the skeleton builds against the ABI 1.2 header" \
	"${CC:-cc}" -std=c99 -D_GNU_SOURCE -Wall -Wextra -Werror -fPIC \
	-fvisibility=hidden -I"$hdr" -shared -Wl,--no-undefined -o "$so" \
	"$IL_SRC/examples/backend-skeleton/skeleton.c" -pthread
[[ -f $so ]] || { t_done; exit; }
chmod 0755 "$so"

nogroup=$(id -gn nobody)
il_start_sidecar sc "Backend: \"$so\"
StateDirectory: \"$W/state\"
Tenants:
  default: {User: nobody, Group: $nogroup}" || exit 1
chmod 755 "$W" "$SC_DATA"
il_start_gateway gw || exit 1
check_match "the sidecar loaded it and says which ABI it was built for" \
	'loaded backend backend/skeleton.*ABI 1\.2' "$(cat "$SC_DIR/sidecar.log")"

ilctl create -f "$IL_SRC/examples/pods/hello.yaml" >/dev/null
check "hello terminates" wait_for 60 terminated hello hello
check_match "hello exits 0" '"exitCode":0' "$(ctr_state hello hello)"
check_match "its output reaches the log" 'Hello from pod' "$(ilctl logs hello)"

cat >"$W/long.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: long}
spec:
  terminationGracePeriodSeconds: 2
  containers:
    - {name: main, image: busybox, command: ["sh", "-c", "echo up; sleep 300"]}
YAML
ilctl create -f "$W/long.yaml" >/dev/null
running() { ctr_state long main | grep -q '"running"'; }
check "a long pod runs" wait_for 30 running
listed() { ilctl get pods 2>/dev/null | grep -q '^long\b'; }
check "the pod list shows it" listed
check "delete answers 200" ilctl delete long
gone() { ! listed; }
check "the deleted pod is gone from the pod list" wait_for 30 gone
t_done
