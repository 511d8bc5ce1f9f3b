#!/bin/bash
# 0100-slurm-backend - backend/slurm against a real Slurm cluster.
#
# Runs $IL_BUILD/tests/slurm_backend_check (built by the Makefile from
# tests/integration/slurm_backend_check.c and the backend's sources), which
# prints TAP: submit/poll/query/cancel/ping through the ops table, real
# jobs, exit codes and states, error mapping, and the cost of one poll.
#
# Environment:
#   IL_BUILD    build directory (required)
#   IL_TMP      scratch directory for this run (required); job output
#               goes to a new $IL_TMP/0100-jobs.XXXX
#   SLURM_CONF  the test cluster; when unset, one is started with
#               tests/slurm-cluster.sh under $IL_TMP and stopped on exit
set -euo pipefail

: "${IL_BUILD:?IL_BUILD must name the build directory}"
: "${IL_TMP:?IL_TMP must name a scratch directory}"

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$IL_BUILD/tests/slurm_backend_check
if [ ! -x "$bin" ]; then
	echo "Bail out! $bin is not built"
	exit 1
fi

if [ -z "${SLURM_CONF:-}" ]; then
	cluster=$top/tests/slurm-cluster.sh
	if [ ! -x "$cluster" ]; then
		echo "Bail out! SLURM_CONF is unset and $cluster is missing"
		exit 1
	fi
	cdir=$IL_TMP/slurm-0100
	trap '"$cluster" stop "$cdir" >/dev/null 2>&1 || true' EXIT
	eval "$("$cluster" start "$cdir")"
	export SLURM_CONF
fi

out=$(mktemp -d -p "$IL_TMP" 0100-jobs.XXXX)
# jobs write here as the submitting user; slurmstepd must reach it
chmod 755 "$out"

"$bin" "$out"
