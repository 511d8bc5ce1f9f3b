#!/bin/bash
# A followed log that stays quiet for longer than IdleTimeoutSeconds is not
# cut: the idle timeout is for idle connections, not for a stream.
#
# Known to fail with libmicrohttpd 1.0 (Debian 13): in thread-per-connection
# mode it ignores MHD_CONNECTION_OPTION_TIMEOUT, so common/httpd.c cannot
# lift the idle timeout for a stream, and a followed log that is quiet for
# IdleTimeoutSeconds (default 30) is cut. Reported there as TAP TODO.
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
what="follow got both lines across 4 s of silence (IdleTimeoutSeconds 1)"
mhd=$(pkg-config --modversion libmicrohttpd 2>/dev/null || echo 0)
if [[ $got != "one two" && ${mhd%%.*} -ge 1 ]]; then
	T_N=$((T_N + 1))
	echo "not ok $T_N - $what # TODO libmicrohttpd $mhd ignores per-connection timeouts in thread-per-connection mode (got '$got')"
else
	check_eq "$what" "one two" "$got"
fi
ilctl delete quiet >/dev/null 2>&1
t_done
