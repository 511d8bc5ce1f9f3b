#!/bin/bash
# pkgroot.sh SUITE - print the path of a cached, pristine Debian SUITE root
# (mmdebstrap --variant=apt from this machine's apt mirror), made once in
# /var/cache/interlink-ci/roots/pkg-SUITE. Users never write to it: the
# package test mounts an overlay on it (tests/integration/0900-deb.sh).
# A build goes to a temp folder renamed into place when complete; an flock
# keeps two builds apart. Must run as root. Progress goes to stderr.
# (A small stand-in for the generic tests/debroot.sh of issue 9.)
set -euo pipefail
die() { printf 'pkgroot: %s\n' "$*" >&2; exit 1; }
(($# == 1)) && [[ $1 =~ ^[a-z]+$ ]] || die "usage: pkgroot.sh SUITE"
suite=$1
[[ $(id -u) -eq 0 ]] || die "must run as root"
cache=/var/cache/interlink-ci/roots
root=$cache/pkg-$suite
mkdir -p "$cache"
exec 9>"$cache/.pkg-$suite.lock"
flock 9
if [[ ! -f $root/.complete ]]; then
	command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (bash tests/install-deps.sh mmdebstrap)"
	mirror=$(sed -n 's/^URIs:[[:space:]]*\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
		grep -v security | head -n 1 || true)
	mirror=${mirror:-http://deb.debian.org/debian}
	printf 'pkgroot: making a Debian %s root from %s (once)\n' "$suite" "$mirror" >&2
	new=$(mktemp -d "$cache/.pkg-$suite.new.XXXXXX")
	if ! mmdebstrap --variant=apt --include=ca-certificates "$suite" "$new" "$mirror" \
		>"$cache/.pkg-$suite.log" 2>&1; then
		tail -n 20 "$cache/.pkg-$suite.log" >&2
		rm -rf -- "$new"
		die "mmdebstrap failed"
	fi
	touch "$new/.complete"
	rm -rf -- "$root"
	mv -- "$new" "$root"
fi
echo "$root"
