#!/bin/bash
# A followed log that stays quiet for longer than IdleTimeoutSeconds is not
# cut: the idle timeout is for idle connections, not for a stream.
# The daemons keep their own connection deadlines (common/connreaper.c):
# libmicrohttpd 1.0 (Debian 13) ignores per-connection timeouts in
# thread-per-connection mode, so its own timeout would cut the stream.
. "$(dirname "$0")/../lib.sh"

il_start_sidecar sc 'IdleTimeoutSeconds: 1' || exit 1
il_start_gateway gw 'IdleTimeoutSeconds: 1' || exit 1

cat >"$W/quiet.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: quiet}
spec:
  containers:
    - {name: main, image: busybox,
       command: ["sh", "-c", "echo one; sleep 4; echo two"]}
YAML
ilctl create -f "$W/quiet.yaml" >/dev/null
running() { ilctl status quiet -o json | grep -q '"running"'; }
wait_for 30 running
ilctl logs -f quiet >"$W/follow.out" 2>&1 &
follower=$!
ended() { ! kill -0 "$follower" 2>/dev/null; }
check "follow ends when the container ends" wait_for 20 ended
got=$(tr '\n' ' ' <"$W/follow.out" | sed 's/ $//')
check_eq "follow got both lines across 4 s of silence (IdleTimeoutSeconds 1)" \
	"one two" "$got"
ilctl delete quiet >/dev/null 2>&1
t_done
