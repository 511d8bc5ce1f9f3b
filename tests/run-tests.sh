#!/bin/bash
# run-tests.sh BUILD_DIR - the `make check` runner.
#
# Starts a throwaway Slurm cluster (tests/slurm-cluster.sh) and a test PKI
# (tests/gen-certs.sh) in a temp dir, then runs every unit test binary
# BUILD_DIR/tests/unit/test_* (CMOCKA_MESSAGE_OUTPUT=TAP) and every executable
# tests/integration/[0-9]*.sh in name order, each under a 300 s timeout
# (timeout -k 10: SIGTERM to the test's process group, SIGKILL 10 s later).
# TAP lines are streamed prefixed with the test's name; `ok`/`not ok` lines
# are counted. A test that times out, exits non-zero without a `not ok`
# line, runs fewer tests than its plan, or leaves processes behind counts as
# one more failure. The last line of output is always "N passed, N failed";
# exit status 1 if anything failed or nothing ran.
#
# Tests get: SLURM_CONF, MUNGE_SOCKET, IL_BUILD (absolute BUILD_DIR), IL_PKI,
# IL_TMP (a scratch dir, also the cwd), IL_SRC (repo root), IL_RUNTIME
# (tests/fake-apptainer); PATH is the standard one, LC_ALL=C.
#
# Environment read by the runner itself:
#   TESTS=GLOB...  run only integration scripts whose name (with or without
#                  .sh) matches one of the space-separated globs
#   UNIT_ONLY=1    unit tests only: no cluster, no integration scripts
#   KEEP_TMP=1     keep the temp dir (its path is printed)
#   TEST_TIMEOUT=S per-test timeout in seconds (default 300)
#   SLURM_TEST_CTLD_PORT / SLURM_TEST_SLURMD_PORT  cluster ports
#   WITH_SGE=1     also start a Grid Engine cell (tests/sge-cluster.sh) and
#                  give the tests SGE_ROOT SGE_CELL SGE_QMASTER_PORT
#                  SGE_EXECD_PORT (`make check-drmaa`); without it the
#                  DRMAA tests skip
set -euo pipefail
shopt -s nullglob lastpipe

if (($# != 1)) || [[ -z $1 ]]; then
	echo "usage: run-tests.sh BUILD_DIR" >&2
	exit 2
fi
src=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
build=$(realpath -m -- "$1")
tests_glob=${TESTS:-}
with_sge=${WITH_SGE:-}
unit_only=${UNIT_ONLY:-}
keep_tmp=${KEEP_TMP:-}
timeout_s=${TEST_TIMEOUT:-300}
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || { echo "run-tests: TEST_TIMEOUT must be a number of seconds" >&2; exit 2; }

# Nothing from the caller's environment that changes what tests see.
while IFS= read -r v; do
	case $v in
	SLURM_TEST_*) ;;
	SLURM_* | SBATCH_* | SQUEUE_* | SINFO_* | SCANCEL_* | SCONTROL_* | SRUN_* | SALLOC_* | \
		IL_* | MUNGE_* | FAKE_APPTAINER_* | CMOCKA_* | ASAN_* | UBSAN_* | NOTIFY_SOCKET | \
		SGE_ROOT | SGE_CELL | SGE_QMASTER_PORT | SGE_EXECD_PORT | WITH_SGE | \
		TESTS | UNIT_ONLY | KEEP_TMP | TEST_TIMEOUT | LC_* | LANG | LANGUAGE | TMPDIR | CDPATH | BASH_ENV | ENV)
		unset "$v"
		;;
	esac
done < <(compgen -e)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
umask 022

passed=0 failed=0
T='' cluster_pid='' cluster_up='' cur_pid='' cleaned='' sge_pid='' sge_up=''

cleanup() {
	[[ -z $cleaned ]] || return 0
	cleaned=1
	if [[ -n $cur_pid ]]; then # the running test's process group
		kill -TERM -- "-$cur_pid" 2>/dev/null || true
		wait "$cur_pid" 2>/dev/null || true
	fi
	if [[ -n $cluster_pid ]]; then # a start still under way
		kill -TERM "$cluster_pid" 2>/dev/null || true
		wait "$cluster_pid" 2>/dev/null || true
	fi
	if [[ -n $sge_pid ]]; then
		kill -TERM "$sge_pid" 2>/dev/null || true
		wait "$sge_pid" 2>/dev/null || true
	fi
	if [[ -n $sge_up ]]; then
		"$src/tests/sge-cluster.sh" stop "$T/sge" >&2 || echo "run-tests: warning: sge stop failed" >&2
	fi
	if [[ -n $cluster_up ]]; then
		"$src/tests/slurm-cluster.sh" stop "$T/slurm" >&2 || echo "run-tests: warning: cluster stop failed" >&2
	fi
	if [[ -n $T ]]; then
		if [[ -n $keep_tmp ]]; then echo "run-tests: kept $T" >&2; else
			rm -rf -- "$T" || echo "run-tests: warning: cannot remove $T" >&2
		fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

finish() {
	cleanup || echo "run-tests: warning: clean-up failed" >&2
	echo "$passed passed, $failed failed"
	((failed == 0 && passed > 0)) || exit 1
	exit 0
}

# A failure the runner itself detects: a `not ok` line of its own.
fail() {
	printf '%s: not ok - %s\n' "$1" "$2"
	failed=$((failed + 1))
}

# run_test NAME CMD...: run one test, stream and count its TAP output.
run_test() {
	local name=$1 out rc=0 line npass=0 nfail=0 plan=0
	shift
	out=$T/logs/$name.log
	: >"$out"
	# Own process group (timeout does setpgid), so leftovers can be found;
	# SIGINT/SIGQUIT back to default (bash ignores them for `&` jobs).
	(cd "$T/work" && exec env --default-signal=INT,QUIT timeout -k 10 "$timeout_s" "$@") \
		</dev/null >"$out" 2>&1 &
	cur_pid=$!
	# Follow the log until the test's process is gone: a background process
	# the test leaves behind cannot block the runner.
	tail -s 0.1 -n +1 -f --pid="$cur_pid" -- "$out" | while IFS= read -r line || [[ -n $line ]]; do
		printf '%s: %s\n' "$name" "$line"
		if [[ $line =~ ^not\ ok([[:space:]]|$) ]]; then
			if [[ $line =~ \#[[:space:]]*[Tt][Oo][Dd][Oo] ]]; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi
		elif [[ $line =~ ^ok([[:space:]]|$) ]]; then
			npass=$((npass + 1))
		elif [[ $line =~ ^1\.\.([0-9]+) ]]; then
			plan=$((plan + BASH_REMATCH[1]))
		fi
	done
	wait "$cur_pid" || rc=$?
	passed=$((passed + npass)) failed=$((failed + nfail))
	if kill -0 -- "-$cur_pid" 2>/dev/null; then
		kill -TERM -- "-$cur_pid" 2>/dev/null || true
		sleep 0.5
		kill -KILL -- "-$cur_pid" 2>/dev/null || true
		((rc == 124 || rc == 137)) || fail "$name" "left processes running (killed)"
	fi
	cur_pid=''
	if ((rc == 124 || rc == 137)); then
		fail "$name" "timed out after ${timeout_s}s"
	elif ((rc != 0 && nfail == 0)); then
		fail "$name" "exited with status $rc without a 'not ok' line"
	elif ((plan > 0 && npass + nfail != plan)); then
		fail "$name" "planned $plan tests, ran $((npass + nfail))"
	fi
}

T=$(mktemp -d /tmp/il-check.XXXXXX)
chmod 755 "$T" # munged's socket dir and jobs run as other users need o+x
mkdir "$T/work" "$T/logs"
chmod 1777 "$T/work"

if [[ -z $unit_only ]]; then
	# The cluster needs ~3 s (the scheduler's first pass): start it now and
	# run the unit tests meanwhile.
	cluster_up=1
	env --default-signal=INT,QUIT "$src/tests/slurm-cluster.sh" start "$T/slurm" \
		>"$T/cluster.env" 2>"$T/cluster.log" </dev/null &
	cluster_pid=$!
	if [[ -n $with_sge ]]; then
		sge_up=1
		env --default-signal=INT,QUIT "$src/tests/sge-cluster.sh" start "$T/sge" \
			>"$T/sge.env" 2>"$T/sge.log" </dev/null &
		sge_pid=$!
	fi
fi
if ! "$src/tests/gen-certs.sh" "$T/pki"; then
	fail run-tests "gen-certs.sh failed"
	finish
fi

export IL_BUILD=$build IL_PKI=$T/pki IL_TMP=$T/work IL_SRC=$src IL_RUNTIME=$src/tests/fake-apptainer

nunit=0
for t in "$build"/tests/unit/test_*; do
	[[ -f $t && -x $t ]] || continue
	nunit=$((nunit + 1))
	CMOCKA_MESSAGE_OUTPUT=TAP run_test "${t##*/}" "$t"
done
((nunit > 0)) || echo "run-tests: no unit test binaries in $build/tests/unit" >&2

if [[ -n $unit_only ]]; then
	finish
fi

rc=0
wait "$cluster_pid" || rc=$?
cluster_pid=''
cat -- "$T/cluster.log" >&2
if ((rc != 0)); then
	fail run-tests "slurm-cluster.sh start failed (status $rc)"
	finish
fi
eval "$(cat -- "$T/cluster.env")"
[[ -n ${SLURM_CONF:-} && -n ${MUNGE_SOCKET:-} ]] || { fail run-tests "slurm-cluster.sh printed no SLURM_CONF/MUNGE_SOCKET"; finish; }
export SLURM_CONF MUNGE_SOCKET
if [[ -n $sge_up ]]; then
	rc=0
	wait "$sge_pid" || rc=$?
	sge_pid=''
	cat -- "$T/sge.log" >&2
	if ((rc != 0)); then
		fail run-tests "sge-cluster.sh start failed (status $rc)"
		finish
	fi
	eval "$(cat -- "$T/sge.env")"
	export SGE_ROOT SGE_CELL SGE_QMASTER_PORT SGE_EXECD_PORT
fi

read -ra globs <<<"$tests_glob"
for t in "$src"/tests/integration/[0-9]*.sh; do
	name=${t##*/}
	if ((${#globs[@]})); then
		match=''
		for g in "${globs[@]}"; do
			# shellcheck disable=SC2053 # $g is a glob on purpose
			[[ $name == $g || ${name%.sh} == $g ]] && match=1
		done
		[[ -n $match ]] || continue
	fi
	if [[ ! -x $t ]]; then
		echo "run-tests: skipping $name: not executable" >&2
		continue
	fi
	run_test "$name" "$t"
done

finish
