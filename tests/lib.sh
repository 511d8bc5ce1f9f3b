# tests/lib.sh - helpers for the integration scripts (sourced).
#
# Environment from tests/run-tests.sh: IL_BUILD IL_PKI IL_TMP IL_SRC
# IL_RUNTIME SLURM_CONF.  Each script gets its own work dir $W; every
# daemon it starts is stopped on exit, whatever happens.
# Output is TAP: "ok N - text" / "not ok N - text".

set -u
: "${IL_BUILD:?run me through tests/run-tests.sh}"
W=$(mktemp -d -p "$IL_TMP" "$(basename "$0" .sh).XXXX")
T_N=0
T_FAILED=0
IL_PIDS=()

t_ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
t_fail() {
	T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $*"
}
t_diag() { printf '# %s\n' "$@"; }
# check DESC CMD...: passes when CMD succeeds
check() {
	local d=$1; shift
	if "$@"; then t_ok "$d"; else t_fail "$d"; fi
}
# check_fails DESC CMD...: passes when CMD fails
check_fails() {
	local d=$1; shift
	if "$@"; then t_fail "$d"; else t_ok "$d"; fi
}
# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" == "$3" ]; then t_ok "$1"; else
		t_fail "$1"; t_diag "expected: $2" "actual:   $3"; fi
}
# check_match DESC REGEX TEXT
check_match() {
	if [[ $3 =~ $2 ]]; then t_ok "$1"; else
		t_fail "$1"; t_diag "expected to match: $2" "actual: ${3:0:2000}"; fi
}
t_done() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
}

il_cleanup() {
	local pid m
	for pid in "${IL_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${IL_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	# file systems a test mounted under its work dir
	while read -r _ m _; do
		[[ $m == "$W"/* ]] && umount -l "$m" 2>/dev/null
	done </proc/mounts
	if [ "${T_FAILED:-0}" -ne 0 ]; then
		for f in "$W"/*/*.log; do
			[ -f "$f" ] || continue
			t_diag "---- $f (last 20 lines)"
			tail -n 20 "$f" | sed 's/^/# /'
		done
	fi
}
trap il_cleanup EXIT

# shellcheck source=tests/daemons.sh
. "$(dirname "${BASH_SOURCE[0]}")/daemons.sh"

# mTLS curl straight to the sidecar: sc_curl PATH [curl args]
sc_curl() {
	local path=$1; shift
	curl -sS --cacert "$IL_PKI/ca.crt" --cert "$IL_PKI/gateway.crt" \
		--key "$IL_PKI/gateway.key" "$@" \
		"https://localhost:$SC_PORT$path"
}

# One container's state in ilctl's status JSON, e.g.
# "terminated":{"exitCode":0...  (ctr_state POD CONTAINER), and whether
# it has terminated (terminated POD CONTAINER).
ctr_state() {
	ilctl status "$1" -o json 2>/dev/null |
		grep -o "\"name\":\"$2\",\"state\":{\"[a-z]*\":{[^}]*" | head -n 1
}
terminated() { ctr_state "$1" "$2" | grep -q '"terminated"'; }

# Slurm job state of a job id (scontrol), e.g. RUNNING, CANCELLED
job_state() {
	scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' |
		cut -d= -f2
}
