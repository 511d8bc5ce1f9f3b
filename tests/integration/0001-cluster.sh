#!/bin/bash
# 0001-cluster.sh - the throwaway Slurm cluster works from the test env:
# munge, the node, a job that completes with output, a job that fails.
# Run through tests/run-tests.sh (needs SLURM_CONF, MUNGE_SOCKET, IL_TMP).
set -euo pipefail
: "${SLURM_CONF:?run me through tests/run-tests.sh}" "${MUNGE_SOCKET:?}" "${IL_TMP:?}"

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
# check DESC CMD...: one TAP line for CMD's success
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else notok "$desc"; fi
}

# wait_job ID: wait (up to 30 s) until job ID has ended; print
# "STATE EXITCODE" from scontrol.
wait_job() {
	local i info state
	for ((i = 0; i < 300; i++)); do
		info=$(scontrol -o show job "$1" 2>/dev/null) || true
		state=$(sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' <<<"$info")
		case $state in
		'' | PENDING | CONFIGURING | RUNNING | COMPLETING | SUSPENDED) sleep 0.1 ;;
		*)
			echo "$state $(sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p' <<<"$info")"
			return 0
			;;
		esac
	done
	echo "TIMEOUT-WAITING ?"
}

echo "1..6"
d=$(mktemp -d "$IL_TMP/0001.XXXXXX")

# shellcheck disable=SC2016 # expanded by the inner bash
check "munge round trip on \$MUNGE_SOCKET" \
	bash -c 'munge -n --socket="$MUNGE_SOCKET" | unmunge --socket="$MUNGE_SOCKET" >/dev/null'

state=$(sinfo -h -n localhost -o %T 2>&1) || true
check "node localhost is up (state '$state')" test "$state" = idle -o "$state" = mixed

j1=$(sbatch --parsable -D "$d" -o "$d/hi-%j.out" --wrap 'echo hi' 2>&1) || j1="error: $j1"
j2=$(sbatch --parsable -D "$d" -o "$d/fail-%j.out" --wrap 'exit 3' 2>&1) || j2="error: $j2"
if [[ $j1 =~ ^[0-9]+$ && $j2 =~ ^[0-9]+$ ]]; then
	ok "sbatch accepted two jobs ($j1, $j2)"
else
	notok "sbatch accepted two jobs: '$j1' '$j2'"
fi

if [[ $j1 =~ ^[0-9]+$ ]]; then
	r1=$(wait_job "$j1")
	check "job $j1 'echo hi' COMPLETED with 0:0 (got $r1)" test "$r1" = "COMPLETED 0:0"
	out=$(cat "$d/hi-$j1.out" 2>&1) || true
	check "job $j1 wrote 'hi' (got '$out')" test "$out" = hi
else
	notok "job 'echo hi' COMPLETED: not submitted"
	notok "job 'echo hi' output: not submitted"
fi
if [[ $j2 =~ ^[0-9]+$ ]]; then
	r2=$(wait_job "$j2")
	check "job $j2 'exit 3' FAILED with 3:0 (got $r2)" test "$r2" = "FAILED 3:0"
else
	notok "job 'exit 3' FAILED: not submitted"
fi
