#!/bin/bash
# run.sh FUZZ_BUILD_DIR SECONDS TARGET... - the `make fuzz` runner.
#
# Runs FUZZ_BUILD_DIR/bin/fuzz_<target> for SECONDS seconds per target,
# one after another, on the seed corpus tests/fuzz/corpus/<target>/ (read
# only) plus a working corpus FUZZ_BUILD_DIR/corpus/<target>/ that keeps
# what libFuzzer finds between runs.  The dictionary is
# tests/fuzz/dict/<target>.dict, else by kind (JSON or YAML) when one fits.
# Crash, leak and timeout inputs land in FUZZ_BUILD_DIR/artifacts/<target>/
# and the full log in FUZZ_BUILD_DIR/logs/<target>.log.
#
# Prints one line per target ("fuzz: T: N executions in S s (R/s),
# C crashes, corpus K files") and a total; on a crash also the
# sanitizer's report and how to reproduce it.  Exit status 1 if any target
# crashed or did not run.
#
# Environment: FUZZ_ARGS - more libFuzzer options for every target.
set -euo pipefail
shopt -s nullglob

if (($# < 2)); then
	echo "usage: run.sh FUZZ_BUILD_DIR SECONDS TARGET..." >&2
	exit 2
fi
src=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
fb=$1 secs=$2
shift 2
[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: SECONDS must be a positive number" >&2; exit 2; }
(($# > 0)) || { echo "run.sh: no targets" >&2; exit 2; }
read -ra extra <<<"${FUZZ_ARGS:-}"

dict_for() {
	local t=$1
	if [[ -f $src/tests/fuzz/dict/$t.dict ]]; then
		echo "$src/tests/fuzz/dict/$t.dict"
		return
	fi
	case $t in
	wire_* | jobscript) echo "$src/tests/fuzz/dict/json.dict" ;;
	yamljson | conf | manifest) echo "$src/tests/fuzz/dict/yaml.dict" ;;
	esac
}

total_execs=0 total_crashes=0 bad=0
for t in "$@"; do
	bin=$fb/bin/fuzz_$t
	seeds=$src/tests/fuzz/corpus/$t
	work=$fb/corpus/$t
	art=$fb/artifacts/$t
	log=$fb/logs/$t.log
	mkdir -p "$work" "$art" "$fb/logs"
	if [[ ! -x $bin ]]; then
		echo "fuzz: $t: no binary $bin"
		bad=$((bad + 1))
		continue
	fi
	dirs=("$work")
	[[ -d $seeds ]] && dirs+=("$seeds")
	args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$art/")
	dict=$(dict_for "$t")
	[[ -n $dict && -f $dict ]] && args+=(-dict="$dict")
	before=$(find "$art" -type f | wc -l)
	start=$SECONDS
	rc=0
	"$bin" "${args[@]}" "${extra[@]}" "${dirs[@]}" >"$log" 2>&1 </dev/null || rc=$?
	elapsed=$((SECONDS - start))
	after=$(find "$art" -type f | wc -l)
	crashes=$((after - before))
	((rc == 0 || crashes > 0)) || crashes=1 # died without an artifact
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	if [[ -z $execs ]]; then # no final stats (killed): the last status line
		execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
	fi
	execs=${execs:-0}
	rate=$((execs / (elapsed > 0 ? elapsed : 1)))
	nfiles=$(find "$work" -type f | wc -l)
	echo "fuzz: $t: $execs executions in ${elapsed} s ($rate/s), $crashes crashes, corpus $nfiles files"
	total_execs=$((total_execs + execs))
	total_crashes=$((total_crashes + crashes))
	if ((crashes > 0)); then
		bad=$((bad + 1))
		echo "fuzz: $t: log $log; the report:"
		grep -E -A40 '^==[0-9]+==ERROR|runtime error|fuzz check failed|^SUMMARY|deadly signal|Test unit written' "$log" |
			head -n 80 | sed "s/^/fuzz: $t: /"
		for a in $(find "$art" -type f -newer "$bin" | head -n 3); do
			echo "fuzz: $t: reproduce with: $bin $a"
		done
	fi
done
echo "fuzz: $# targets, $total_execs executions, $total_crashes crashes"
((bad == 0))
