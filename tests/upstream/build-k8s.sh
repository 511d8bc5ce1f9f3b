#!/bin/bash
# build-k8s.sh [OUT-DIR] - kube-apiserver and kubectl from the Go module proxy
# (k8s.io/kubernetes as pinned in tests/upstream/k8s/go.mod), into OUT-DIR
# (default $ILK_K8S_BIN, else /var/cache/interlink-ci/k8s-bin).  The Go caches
# stay in /var/cache/interlink-ci/go so later runs are warm.  Prints how long
# the build took.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
out=${1:-${ILK_K8S_BIN:-/var/cache/interlink-ci/k8s-bin}}
cache=${ILK_GO_CACHE:-/var/cache/interlink-ci/go}
export GOMODCACHE=$cache/mod GOCACHE=$cache/build GOFLAGS=-mod=readonly GOTOOLCHAIN=local
export PATH=$PATH:/usr/local/go/bin
mkdir -p -- "$out" "$GOMODCACHE" "$GOCACHE"
command -v go >/dev/null || { echo "build-k8s: go is not installed (/usr/local/go)" >&2; exit 1; }
cd "$here/k8s"
ver=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
minor=$(cut -d. -f2 <<<"$ver")
# the version the programs report (kubectl version, the node's API server)
ld="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	ld+=" -X $p.gitVersion=$ver -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done
start=$SECONDS
go build -trimpath -ldflags "$ld" -o "$out/" \
	k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
echo "build-k8s: kube-apiserver and kubectl $ver in $out ($((SECONDS - start)) s)"
