#!/bin/bash
# matrix.sh [SUITE] - `make check` on another Debian release (`make
# check-matrix`): today Debian 13 (trixie) with Slurm 24.11 and gcc 14, next
# to the native Debian 12 run (Slurm 22.05, gcc 12).
#
# 1. tests/debroot.sh makes (or finds in its cache) a SUITE root holding
#    the packages `tests/install-deps.sh --list SUITE` names; a change to that
#    list rebuilds it.
# 2. tests/inroot.sh runs, in a throwaway overlay of that root, with this
#    source tree bind-mounted at /src: `make check B=build/matrix-SUITE`
#    (the whole -Werror build with the root's compiler, the unit tests, and
#    the integration suite against the root's own munged, slurmctld and
#    slurmd started by tests/slurm-cluster.sh). Everything it mounted or
#    started ends with it, also on failure or Ctrl-C.
#
# The last line is always "N passed, N failed" (that of the run in the root,
# or "0 passed, 1 failed" when the root could not be made); exit status 0
# only when everything passed. TESTS, TEST_TIMEOUT, KEEP_TMP, SOAK and SOAK_ROUNDS are passed
# on to the run in the root (KEEP_TMP also keeps the overlay's files).
set -euo pipefail

src=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
suite=${1:-trixie}
me="check-matrix ($suite)"
t0=$SECONDS

fail_early() {
	printf '%s: %s\n' "$me" "$*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

[[ $(id -u) -eq 0 ]] || fail_early "must run as root (mmdebstrap, mounts, the test cluster)"
mapfile -t pkgs < <(bash "$src/tests/install-deps.sh" --list "$suite") ||
	fail_early "install-deps.sh --list $suite failed"
root=$(bash "$src/tests/debroot.sh" "$suite" "${pkgs[@]}") ||
	fail_early "could not make the $suite root (tests/debroot.sh)"
t_root=$((SECONDS - t0))

binds=(--bind "$src:/src")
envs=()
for v in TESTS TEST_TIMEOUT KEEP_TMP SOAK SOAK_ROUNDS; do
	[[ -z ${!v:-} ]] || envs+=(--env "$v=${!v}")
done
# The test cluster in the root picks its ports under the same lock as
# clusters on the host (they share the network): the host's slurmctld.
if host_ctld=$(command -v slurmctld); then
	binds+=(--bind "$(dirname -- "$host_ctld"):/run/host-slurm-bin:ro")
	envs+=(--env "SLURM_TEST_LOCK=/run/host-slurm-bin/$(basename -- "$host_ctld")")
fi
[[ -z ${KEEP_TMP:-} ]] || export KEEP_ROOT_UPPER=1

about=$(bash "$src/tests/inroot.sh" "$root" sh -c \
	'. /etc/os-release; printf "%s, Slurm %s, %s" "$PRETTY_NAME" "$(slurmd -V | cut -d" " -f2)" "$(gcc --version | head -n 1)"') ||
	fail_early "cannot run commands in $root"
printf '%s: %s (root %s, ready after %d s)\n' "$me" "$about" "$root" "$t_root" >&2

out=$(mktemp /tmp/check-matrix.XXXXXX)
trap 'rm -f -- "$out"' EXIT
rc=0
# Streamed but for run-tests' "N passed, N failed" line, which comes last,
# after this script's own summary.
summary='^[0-9]+ passed, [0-9]+ failed$'
bash "$src/tests/inroot.sh" "${binds[@]}" "${envs[@]}" --cwd /src "$root" \
	make --no-print-directory check B="build/matrix-$suite" 2>&1 |
	tee -- "$out" | grep --line-buffered -Ev "$summary" || rc=$?
last=$(grep -E "$summary" -- "$out" | tail -n 1) || true
printf '%s: %s after %d s\n' "$me" "$( ((rc == 0)) && echo passed || echo FAILED)" "$((SECONDS - t0))" >&2
if [[ -z $last ]]; then
	echo "0 passed, 1 failed" # the build failed before any test ran
	exit 1
fi
printf '%s\n' "$last"
exit "$rc"
