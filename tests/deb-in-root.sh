#!/bin/bash
# deb-in-root.sh SUITE OUT - build the Debian packages in a fresh Debian
# SUITE root (tests/pkgroot.sh, an overlay thrown away afterwards) and copy
# the .deb files to OUT; then lintian (the host's) on them. `make deb
# SUITE=trixie` uses it for Debian 13; Debian 12 builds on the host.
set -euo pipefail
die() { printf 'deb-in-root: %s\n' "$*" >&2; exit 1; }
(($# == 2)) || die "usage: deb-in-root.sh SUITE OUT"
suite=$1 out=$2
src=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
base=$("$src/tests/pkgroot.sh" "$suite")
w=$(mktemp -d /tmp/deb-in-root.XXXXXX)
R=$w/root
cleanup() {
	umount -l "$R/proc" "$R/dev" "$R" 2>/dev/null || true
	rm -rf -- "$w"
}
trap cleanup EXIT
mkdir -p "$R" "$w/upper" "$w/work"
mount -t overlay overlay -o "lowerdir=$base,upperdir=$w/upper,workdir=$w/work" "$R"
mount -t proc proc "$R/proc"
mount --bind /dev "$R/dev"
cp /etc/resolv.conf "$R/etc/resolv.conf"
mkdir -p "$R/build/src"
(cd "$src" && tar -c --exclude='./build*' --exclude=./.git .) | tar -x -C "$R/build/src"
# Build-Depends of debian/control, as one apt-get satisfy argument
deps=$(awk '/^Build-Depends:/ { f = 1; sub(/^Build-Depends:/, "") } f && /^[A-Z]/ && !/^Build-Depends:/ { f = 0 } f' \
	"$src/debian/control" | tr -d '\n' | sed 's/<[^>]*>//g; s/[[:space:]]\+/ /g; s/^ //; s/ ,/,/g; s/,$//')
inroot() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C \
	DEBIAN_FRONTEND=noninteractive HOME=/root "$@"; }
log=$w/build.log
apt=(apt-get -q -y -o Dpkg::Use-Pty=0 --no-install-recommends)
if ! { inroot "${apt[@]}" update && inroot "${apt[@]}" install build-essential fakeroot &&
	inroot "${apt[@]}" satisfy "$deps"; } >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	die "cannot install the build dependencies in the $suite root"
fi
if ! inroot sh -c 'cd /build/src && dpkg-buildpackage -us -uc -b' >>"$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "dpkg-buildpackage failed in the $suite root"
fi
rm -rf -- "$out"
mkdir -p "$out"
cp "$R"/build/*.deb "$R"/build/*.changes "$R"/build/*.buildinfo "$out/"
lintian --fail-on error --suppress-tags-from-file "$src/debian/lintian-suppress" "$out"/*.changes
ls "$out"/*.deb
