#!/bin/bash
# The conformance pods of 0340, sent by ilctl (the virtual-kubelet's
# protocol) through upstream's own interLink API (cmd/interlink, release
# 0.6.2) whose SidecarURL is our sidecar's unix socket: ilctl -> upstream
# API -> sidecar-slurm -> Slurm.  Needs ILK_UPSTREAM_DIR (tests/upstream/lib.sh).
# shellcheck source=tests/upstream/lib.sh
. "$(dirname "$0")/../upstream/lib.sh"
up_require interlink || exit 0
# shellcheck disable=SC2034 # read by 0340
CONFORMANCE_GATEWAY=up_start_api
# shellcheck source=tests/integration/0340-conformance.sh
. "$(dirname "$0")/0340-conformance.sh"
