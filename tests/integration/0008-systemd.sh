#!/bin/bash
# systemd: the units verify and reach their exposure scores; both daemons
# speak the notify protocol to a stand-in NOTIFY_SOCKET (READY=1 only once
# the listeners accept, STATUS= with pod counts, WATCHDOG=1 at half of
# WATCHDOG_USEC, RELOADING=1/READY=1 around SIGHUP, STOPPING=1); SIGHUP
# re-reads the gateway's bearer tokens and log level, names the keys that
# need a restart, keeps the running configuration when the new file is
# broken, and never ends a daemon.
. "$(dirname "$0")/../lib.sh"
src=$IL_SRC

# ---- the units ----------------------------------------------------------
u=$W/units
mkdir -p "$u/man/man1" "$u/man/man5" "$u/man/man8"
cp "$src"/man/*.1 "$u/man/man1/"
cp "$src"/man/*.8 "$u/man/man8/"
cp "$(dirname -- "$IL_BUILD")"/man/*.5 "$u/man/man5/"
for n in interlink-api sidecar-slurm; do
	sed "s|/usr/sbin/$n|$IL_BUILD/$n|g" "$src/examples/systemd/$n.service" >"$u/$n.service"
done
# (without man(1), as in a minimal root, verify cannot look the pages up)
man_opt=()
command -v man >/dev/null || man_opt=(--man=no)
out=$(MANPATH=$u/man systemd-analyze verify "${man_opt[@]}" "$u/interlink-api.service" "$u/sidecar-slurm.service" 2>&1)
rc=$?
check_eq "systemd-analyze verify: both units are clean (status)" 0 "$rc"
check_eq "systemd-analyze verify: ... and print nothing" "" "$out"
for n in interlink-api:3.0 sidecar-slurm:3.0; do # --threshold is 10x the score
	out=$(systemd-analyze security --offline=yes --threshold="$(sed "s/\.//" <<<"${n#*:}")" "$u/${n%%:*}.service" 2>&1)
	rc=$?
	score=$(grep -o 'Overall exposure level for [^:]*: [0-9.]*' <<<"$out" | sed 's/.*: //')
	t_diag "${n%%:*}.service: systemd-analyze security exposure $score"
	check_eq "${n%%:*}.service: exposure ${score:-?} <= ${n#*:}" 0 "$rc"
done
check_match "the gateway runs as its own user" '^User=interlink$' "$(grep '^User=' "$u/interlink-api.service")"
check_eq "the gateway has no capability" "CapabilityBoundingSet=" "$(grep '^CapabilityBoundingSet' "$u/interlink-api.service")"
check_eq "the sidecar keeps only the file capabilities it needs for tenants" \
	"CapabilityBoundingSet=CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER" \
	"$(grep '^CapabilityBoundingSet' "$u/sidecar-slurm.service")"

# ---- notify ---------------------------------------------------------------
# listen NAME LOG: a stand-in systemd socket; sets NS and NOUT
listen() {
	NS=$W/$1.notify NOUT=$W/$1.msgs
	: >"$NOUT"
	python3 "$src/tests/notify-listener.py" "$NS" "$NOUT" "$2" &
	IL_PIDS+=("$!")
	wait_for 10 grep -q LISTENING "$NOUT"
}
# at_least N LINE: NOUT holds LINE N times or more
at_least() { [ "$(grep -c -x -- "$2" "$NOUT" || true)" -ge "$1" ]; }

mkdir -p "$W/sc"
listen sc "$W/sc/sidecar.log"
NOTIFY_SOCKET=$NS WATCHDOG_USEC=400000 il_start_sidecar sc "AllowRootJobs: true
StateDirectory: \"$W/sc/state\"" || exit 1
check "sidecar: READY=1" wait_for 10 grep -q '^READY=1|STATUS=' "$NOUT"
check_eq "sidecar: its listeners accepted when READY=1 came" "CONNECT ok" "$(grep -m1 '^CONNECT' "$NOUT")"
check_match "sidecar: STATUS= counts the pods" 'STATUS=0 pods: 0 with a live job, 0 ended, 0 being deleted' "$(cat "$NOUT")"
check "sidecar: WATCHDOG=1 keeps coming (WATCHDOG_USEC=400000)" wait_for 10 at_least 3 WATCHDOG=1
kill -HUP "$SC_PID"
check "sidecar: SIGHUP reloads" wait_for 10 grep -q 'reload: done' "$W/sc/sidecar.log"
check "sidecar: RELOADING=1 then READY=1" wait_for 5 bash -c '[[ $(tr "\n" " " <"$1") == *READY=1*RELOADING=1*READY=1* ]]' _ "$NOUT"
check "sidecar: still alive after SIGHUP" kill -0 "$SC_PID"

mkdir -p "$W/gw"
listen gw "$W/gw/gateway.log"
printf 'tok-one\n' >"$W/tok1"
printf 'tok-two\n' >"$W/tok2"
chmod 600 "$W/tok1" "$W/tok2"
NOTIFY_SOCKET=$NS WATCHDOG_USEC=400000 il_start_gateway gw "BearerTokensFile: \"$W/tok1\"" || exit 1
check "gateway: READY=1" wait_for 10 grep -q '^READY=1|STATUS=' "$NOUT"
check_eq "gateway: its listener accepted when READY=1 came" "CONNECT ok" "$(grep -m1 '^CONNECT' "$NOUT")"
check_match "gateway: STATUS= says how many pods it knows" 'STATUS=0 pods known' "$(cat "$NOUT")"
check "gateway: WATCHDOG=1 keeps coming" wait_for 10 at_least 3 WATCHDOG=1
code() { curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $1" "$GW_URL/pinglink"; }
check_eq "gateway: tok-one is accepted" 200 "$(code tok-one)"
check_eq "gateway: tok-two is not (yet)" 401 "$(code tok-two)"

cfg=$GW_DIR/InterLinkConfig.yaml
cp "$cfg" "$W/gw.yaml.orig"
sed -i "s|^BearerTokensFile:.*|BearerTokensFile: \"$W/tok2\"|; s|^InterlinkPort:.*|InterlinkPort: \"1\"|; s|^VerboseLogging:.*|VerboseLogging: false|" "$cfg"
kill -HUP "$GW_PID"
check "gateway: SIGHUP reloads" wait_for 10 grep -q 'reload: done' "$GW_DIR/gateway.log"
check "gateway: still alive after SIGHUP" kill -0 "$GW_PID"
check_eq "gateway: after the reload tok-two is accepted" 200 "$(code tok-two)"
check_eq "gateway: ... and tok-one no longer" 401 "$(code tok-one)"
log=$(cat "$GW_DIR/gateway.log")
check_match "gateway: the new token file is applied" 'reload: BearerTokensFile changed; applied' "$log"
check_match "gateway: InterlinkPort is named as needing a restart" 'reload: InterlinkPort changed; it takes effect only after a restart' "$log"
check_match "gateway: VerboseLogging is applied" 'reload: VerboseLogging changed; applied' "$log"
check "gateway: RELOADING=1 then READY=1" bash -c '[[ $(tr "\n" " " <"$1") == *READY=1*RELOADING=1*READY=1* ]]' _ "$NOUT"

# a token rotated in place is re-read by SIGHUP too
printf 'tok-three\n' >"$W/tok2"
kill -HUP "$GW_PID"
check "gateway: a second SIGHUP reloads" wait_for 10 bash -c '[ "$(grep -c "reload: done" "$1")" -ge 2 ]' _ "$GW_DIR/gateway.log"
check_eq "gateway: the rewritten token file is in force" 200 "$(code tok-three)"

printf 'InterlinkAddress: [unclosed\n' >"$cfg"
kill -HUP "$GW_PID"
check "gateway: a broken file is refused and the running configuration kept" \
	wait_for 10 grep -q 'reload: configuration: .*keeping the running one' "$GW_DIR/gateway.log"
check_eq "gateway: ... and it still serves with it" 200 "$(code tok-three)"

kill -TERM "$GW_PID" "$SC_PID"
rc=0; wait "$GW_PID" || rc=$?
check_eq "gateway: SIGTERM ends it with status 0" 0 "$rc"
rc=0; wait "$SC_PID" || rc=$?
check_eq "sidecar: SIGTERM ends it with status 0" 0 "$rc"
check "STOPPING=1 was sent" grep -q -x 'STOPPING=1' "$NOUT"
check "... by the sidecar too" grep -q -x 'STOPPING=1' "$W/sc.msgs"
t_done
