#!/bin/bash
# debroot.sh [--name NAME] SUITE PKG... - a cached Debian root with PKGs.
#
# Prints the path of a Debian SUITE root directory (mmdebstrap --variant=apt
# from the mirror this machine's apt uses) holding PKG... and their
# dependencies. The root is cached in $DEBROOT_CACHE/NAME (default
# /var/cache/interlink-ci/roots/SUITE) and rebuilt only when its recipe
# (suite, mirrors, sorted package list, this script's build version)
# changes; the recipe is kept in ROOT/.debroot-recipe.  A rebuild goes to a
# new directory that replaces the old one only when complete, so an
# interrupted build leaves the old root (or none) and never a half one.
#
# Concurrency: the cache entry is guarded by an flock on ROOTS/.NAME.lock:
# this script holds it exclusively while it checks or builds; users of the
# root (tests/inroot.sh) hold it shared, so a rebuild waits for them.
#
# Must run as root (mmdebstrap's root mode). Installs mmdebstrap when it is
# missing. Progress goes to stderr, the root's path alone to stdout.
#
# Environment:
#   DEBROOT_CACHE   parent folder of the cached roots
#                   (default /var/cache/interlink-ci/roots)
#   DEBROOT_MIRROR  Debian mirror (default: the first non-security URIs of
#                   /etc/apt/sources.list.d/debian.sources or sources.list,
#                   else http://deb.debian.org/debian)
#   DEBROOT_SECURITY_MIRROR  (default: the -security URIs found the same way,
#                   else http://deb.debian.org/debian-security)
#
# Reuse: tests/debroot.sh trixie build-essential libslurm-dev ... ; run
# commands in it with tests/inroot.sh (throwaway overlay, mounts, teardown).
set -euo pipefail

me=debroot
log() { printf '%s: %s\n' "$me" "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { echo "usage: debroot.sh [--name NAME] SUITE PKG..." >&2; exit 2; }

# Bump when the way a root is made changes (forces a rebuild).
BUILD_VERSION=1

name=''
while (($#)); do
	case $1 in
	--name) (($# >= 2)) || usage; name=$2; shift 2 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
(($# >= 1)) || usage
suite=$1
shift
[[ $suite =~ ^[a-z][a-z0-9-]*$ ]] || die "bad suite name '$suite'"
name=${name:-$suite}
[[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "bad root name '$name'"
pkgs=()
for p in "$@"; do
	[[ $p =~ ^[a-z0-9][a-z0-9.+-]*$ ]] || die "bad package name '$p'"
	pkgs+=("$p")
done
[[ $(id -u) -eq 0 ]] || die "must run as root"

cache=${DEBROOT_CACHE:-/var/cache/interlink-ci/roots}
root=$cache/$name

# The first URIs of apt's own sources: $1 = "security" or "main".
apt_uri() {
	local want=$1 f line u
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		while IFS= read -r line; do
			[[ $line =~ ^URIs:[[:space:]]*(.*)$ ]] || continue
			for u in ${BASH_REMATCH[1]}; do
				if [[ $want == security ]]; then
					[[ $u == *debian-security* ]] && { echo "$u"; return 0; }
				else
					[[ $u == *debian-security* ]] || { echo "$u"; return 0; }
				fi
			done
		done <"$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -r $f ]] || continue
		while read -r _type u _rest; do
			[[ $_type == deb ]] || continue
			if [[ $want == security ]]; then
				[[ $u == *debian-security* ]] && { echo "$u"; return 0; }
			else
				[[ $u == *debian-security* ]] || { echo "$u"; return 0; }
			fi
		done <"$f"
	done
	return 1
}
mirror=${DEBROOT_MIRROR:-$(apt_uri main || echo http://deb.debian.org/debian)}
secmirror=${DEBROOT_SECURITY_MIRROR:-$(apt_uri security || echo http://deb.debian.org/debian-security)}
[[ $mirror =~ ^https?://[^[:space:]]+$ ]] || die "bad mirror '$mirror'"
[[ $secmirror =~ ^https?://[^[:space:]]+$ ]] || die "bad security mirror '$secmirror'"

sources=("deb $mirror $suite main")
case $suite in
sid | unstable | experimental) ;;
*)
	sources+=("deb $mirror $suite-updates main")
	sources+=("deb $secmirror $suite-security main")
	;;
esac

recipe=$(
	echo "debroot $BUILD_VERSION"
	echo "suite $suite"
	printf 'source %s\n' "${sources[@]}"
	((${#pkgs[@]} == 0)) || printf '%s\n' "${pkgs[@]}" | LC_ALL=C sort -u | sed 's/^/package /'
)

mkdir -p -- "$cache"
exec {lockfd}>"$cache/.$name.lock"
flock -w 1800 "$lockfd" || die "timed out waiting for the lock on $cache/.$name.lock"

if [[ -f $root/.debroot-recipe && $(<"$root/.debroot-recipe") == "$recipe" ]]; then
	log "cached: $root"
	echo "$root"
	exit 0
fi

if ! command -v mmdebstrap >/dev/null; then
	log "installing mmdebstrap"
	DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0 install mmdebstrap >/dev/null ||
		{ apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get -q -y install mmdebstrap >/dev/null; } ||
		die "cannot install mmdebstrap"
fi

new=$cache/.$name.new
old=$cache/.$name.old
rm -rf -- "$new" "$old"
trap 'rm -rf -- "$new"' EXIT
[[ -e $root ]] && log "recipe changed: rebuilding $root" || log "building $root"
t0=$SECONDS
inc=$(IFS=,; echo "${pkgs[*]}")
mmargs=(--variant=apt --mode=root --format=directory
	--aptopt='Acquire::Retries "3"'
	--aptopt='APT::Install-Recommends "true"')
[[ -z $inc ]] || mmargs+=("--include=$inc")
if ! mmdebstrap "${mmargs[@]}" "$suite" "$new" "${sources[@]}" >"$cache/.$name.log" 2>&1; then
	tail -n 40 -- "$cache/.$name.log" >&2
	die "mmdebstrap failed (log: $cache/.$name.log)"
fi
printf '%s\n' "$recipe" >"$new/.debroot-recipe"
if [[ -e $root ]]; then mv -- "$root" "$old"; fi
mv -- "$new" "$root"
trap - EXIT
rm -rf -- "$old"
log "built $root in $((SECONDS - t0)) s ($(du -sm -- "$root" | cut -f1) MB)"
echo "$root"
