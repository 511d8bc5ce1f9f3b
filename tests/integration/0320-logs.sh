#!/bin/bash
# Logs as Kubernetes defines them: tail, limit-bytes, timestamps, since,
# sinceTime, previous (400: containers never restart), follow that streams
# lines as they come and ends with the container, init containers' logs.
. "$(dirname "$0")/../lib.sh"

il_start_sidecar sc || exit 1
il_start_gateway gw || exit 1

cat >"$W/talk.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: talk}
spec:
  initContainers:
    - {name: prep, image: busybox, command: ["sh", "-c", "echo prepared; printf 'no newline'"]}
  containers:
    - {name: main, image: busybox,
       command: ["sh", "-c", "echo one; sleep 2; echo two >&2; sleep 2; echo three"]}
YAML
ilctl create -f "$W/talk.yaml" >/dev/null
running() { ilctl status talk -o json | grep -q '"running"'; }
wait_for 30 running
ilctl logs -f talk >"$W/follow.out" 2>&1 &
follower=$!
# the follower sees "one" while the container still runs
seen_one() { grep -q '^one$' "$W/follow.out"; }
check "follow streams lines as they are written" wait_for 3 seen_one
check_fails "before the container has ended" grep -q three "$W/follow.out"
ended() { ! kill -0 "$follower" 2>/dev/null; }
check "follow ends when the container ends" wait_for 15 ended
check_eq "follow got every line, stderr included" "one two three" \
	"$(tr '\n' ' ' <"$W/follow.out" | sed 's/ $//')"

check_eq "plain logs have no time stamps" "$(printf 'one\ntwo\nthree')" "$(ilctl logs talk)"
check_eq "tail 1" three "$(ilctl logs talk --tail 1)"
check_eq "tail 2" "$(printf 'two\nthree')" "$(ilctl logs talk --tail 2)"
check_eq "limit-bytes 6" "$(printf 'one\ntw')" "$(ilctl logs talk --limit-bytes 6)"
ts=$(ilctl logs talk --timestamps)
check_match "timestamps prefix every line (RFC 3339)" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+Z one' "$ts"
two_at=$(echo "$ts" | grep ' two$' | cut -d' ' -f1)
check_eq "since-time from the second line on" "$(printf 'two\nthree')" \
	"$(ilctl logs talk --since-time "$two_at")"
check_eq "since 1h keeps every line" "$(printf 'one\ntwo\nthree')" \
	"$(ilctl logs talk --since 1h)"
sleep 2 # every line is now over 1 s old
check_eq "since 1s leaves out every older line" "" "$(ilctl logs talk --since 1s)"
out=$(ilctl logs talk --previous 2>&1)
check_match "previous is a 400: containers never restart" \
	"HTTP 400.*previous terminated container" "$out"
check_eq "an init container's log, last line unfinished" \
	"$(printf 'prepared\nno newline')" "$(ilctl logs talk -c prep)"
ilctl delete talk >/dev/null
t_done
