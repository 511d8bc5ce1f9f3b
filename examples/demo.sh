#!/bin/bash
# examples/demo.sh BIN_DIR - the whole path on one machine, no Kubernetes:
# a throwaway Slurm cluster, a CA, sidecar-slurm and interlink-api with
# mutual TLS between them, and ilctl playing the virtual-kubelet.
# Everything is torn down at the end, on Ctrl-C, or on failure.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
IL_BUILD=$(cd "${1:-$SRC/build/bin}" && pwd)
IL_RUNTIME=$SRC/tests/fake-apptainer
W=$(mktemp -d /tmp/interlink-demo.XXXX)
chmod 755 "$W" # munged needs its socket's parents world-executable
IL_PKI=$W/pki
IL_PIDS=()
POD=$SRC/examples/pods/hello.yaml

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	say "tearing down"
	for pid in "${IL_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${IL_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	bash "$SRC/tests/slurm-cluster.sh" stop "$W/slurm" >/dev/null 2>&1 || true
	if [ "$rc" -ne 0 ]; then
		echo "demo FAILED (exit $rc); daemon logs:" >&2
		tail -n 30 "$W"/sc/sidecar.log "$W"/gw/gateway.log 2>/dev/null >&2 || true
	fi
	rm -rf "$W"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=tests/daemons.sh
. "$SRC/tests/daemons.sh"

say "starting a single-node Slurm cluster (munged, slurmctld, slurmd on 127.0.0.1)"
cluster_env=$(bash "$SRC/tests/slurm-cluster.sh" start "$W/slurm")
eval "$cluster_env"
sinfo

say "making a CA and certificates (ECDSA P-256)"
bash "$SRC/tests/gen-certs.sh" "$IL_PKI"
ls "$IL_PKI"

say "starting sidecar-slurm (mTLS, client certificates required)"
il_start_sidecar sc
echo "sidecar-slurm listening on https://127.0.0.1:$SC_PORT and $SC_SOCK"

say "starting interlink-api (forwards to the sidecar over mTLS)"
il_start_gateway gw
echo "interlink-api listening on $GW_URL"

say "ilctl ping (the virtual-kubelet's /pinglink)"
ilctl ping
echo

say "ilctl create -f examples/pods/hello.yaml"
ilctl create -f "$POD"

say "ilctl logs -f hello (follows until the container ends)"
ilctl logs -f hello

say "ilctl wait hello --for terminated"
ilctl wait hello --for terminated --timeout 120

say "ilctl status hello"
ilctl status hello
ilctl status hello -o json | grep -q '"exitCode":0' ||
	{ echo "the pod did not end with exit code 0" >&2; exit 1; }
echo "pod hello: terminated, exit code 0"

say "ilctl delete hello"
ilctl delete hello

say "demo complete"
