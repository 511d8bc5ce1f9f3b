#!/bin/bash
# install-deps.sh - install the Debian 12 (or 13) packages needed to build
# and test interlink-c (compilers, libraries, a real Slurm + munge for the
# integration suite, openssl for the test PKI, bubblewrap for the fake
# container runtime, iptables for the reverse-connection test's firewalled
# login node).
#
# install-deps.sh --list [CODENAME] prints the package list for CODENAME
# (bookworm, trixie; default: this machine's) and installs nothing; the
# Debian 13 root of `make check-matrix` is made from that list.
#
# Idempotent and fast: one dpkg-query call decides what is missing; apt-get
# runs only when something is. Must run as root when anything is missing.
# apt-get's output goes to a log that is shown only if it fails.
# Arguments name more packages (`make deb`: the Debian packaging tools).
set -euo pipefail

codename=
if [[ ${1:-} == --list ]]; then
	codename=${2:-}
fi
if [[ -z $codename && -r /etc/os-release ]]; then
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
fi
# libFuzzer's runtime comes with the release's default clang
case $codename in
trixie) clang_rt=libclang-rt-19-dev ;;
*) clang_rt=libclang-rt-14-dev ;;
esac

pkgs=(
	build-essential pkg-config make gcc clang "$clang_rt" jq python3
	libmicrohttpd-dev libgnutls28-dev libcjson-dev libcurl4-openssl-dev
	libyaml-dev libslurm-dev libmunge-dev libcmocka-dev
	slurmctld slurmd slurm-client munge
	openssl bubblewrap procps curl iproute2 binutils iptables
	mandoc groff-base systemd
)
# This machine's suite only (not in the Debian 13 root of check-matrix): etcd
# for the real kube-apiserver (06*), Grid Engine for the DRMAA backend; and
# the packages named as arguments.
if [[ ${1:-} != --list ]]; then
	pkgs+=(etcd-server mmdebstrap gridengine-master gridengine-exec gridengine-client gridengine-drmaa-dev "$@")
fi

die() { printf 'install-deps: %s\n' "$*" >&2; exit 1; }

if [[ ${1:-} == --list ]]; then
	printf '%s\n' "${pkgs[@]}"
	exit 0
fi

# Packages whose status is "install ok installed" (abbrev "ii").
declare -A have=()
while read -r name status; do
	if [[ $status == ii ]]; then have[$name]=1; fi
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${pkgs[@]}" 2>/dev/null || true)

missing=()
for p in "${pkgs[@]}"; do
	[[ -n ${have[$p]:-} ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "install-deps: installing ${missing[*]}" >&2
[[ $(id -u) -eq 0 ]] || die "must run as root to install: ${missing[*]}"
command -v apt-get >/dev/null || die "apt-get not found (Debian 12 is required)"

log=$(mktemp /tmp/install-deps.XXXXXX)
# Keep maintainer scripts from starting munged/slurmd/slurmctld as system
# services: the test suite runs its own private daemons. Only add a
# policy-rc.d for the duration of the install if none exists.
policy=/usr/sbin/policy-rc.d
added_policy=
cleanup() {
	rm -f "$log"
	[[ -z $added_policy ]] || rm -f "$policy"
}
trap cleanup EXIT
if [[ ! -e $policy ]]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	added_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
# Grid Engine (the DRMAA backend's tests, tests/sge-cluster.sh) asks where
# its qmaster is; the answers only shape the packaged cell, which the tests
# never use (they run a private cell of their own).
if [[ " ${missing[*]} " == *" gridengine-"* ]]; then
	debconf-set-selections <<-EOF
	gridengine-common shared/gridengineconfig boolean true
	gridengine-common shared/gridenginecell string default
	gridengine-common shared/gridenginesqmaster string $(hostname)
	gridengine-client shared/gridengineconfig boolean true
	EOF
fi
apt_opts=(-q -y -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
if ! { apt-get "${apt_opts[@]}" update && apt-get "${apt_opts[@]}" install "${missing[@]}"; } >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "apt-get failed (see the output above)"
fi

# Check that everything really is installed now.
still=()
for p in "${missing[@]}"; do
	[[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == ii* ]] || still+=("$p")
done
((${#still[@]} == 0)) || die "still not installed after apt-get: ${still[*]}"
