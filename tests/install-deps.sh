#!/bin/bash
# install-deps.sh - install the Debian 12 packages needed to build and test
# interlink-c (compilers, libraries, a real Slurm + munge for the integration
# suite, openssl for the test PKI, bubblewrap for the fake container runtime).
#
# Idempotent and fast: one dpkg-query call decides what is missing; apt-get
# runs only when something is. Must run as root when anything is missing.
# apt-get's output goes to a log that is shown only if it fails.
set -euo pipefail

pkgs=(
	build-essential pkg-config make gcc clang libclang-rt-14-dev jq python3
	libmicrohttpd-dev libgnutls28-dev libcjson-dev libcurl4-openssl-dev
	libyaml-dev libslurm-dev libmunge-dev libcmocka-dev
	slurmctld slurmd slurm-client munge
	openssl bubblewrap procps curl iproute2 binutils
	etcd-server mmdebstrap
)

die() { printf 'install-deps: %s\n' "$*" >&2; exit 1; }

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
