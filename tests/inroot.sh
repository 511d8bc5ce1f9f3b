#!/bin/bash
# inroot.sh [--bind SRC:DST[:ro]]... [--env NAME=VALUE]... ROOT CMD [ARG...]
#   - run CMD inside the Debian root directory ROOT (e.g. one made by
#   tests/debroot.sh) and exit with its status.
#
# ROOT itself is never written: CMD sees a throwaway overlay (ROOT below, a
# temp dir above), mounted as a file system of its own (bubblewrap inside
# needs "/" to be a mount point). Everything runs in private mount and PID
# namespaces (unshare --mount --pid --fork --kill-child): /proc is a fresh
# proc of that PID namespace, /dev and /sys are bind mounts of the host's,
# /tmp is the overlay's, /etc/hosts and /etc/resolv.conf are copies of the
# host's, and each --bind SRC:DST mounts host directory SRC at DST (":ro":
# read-only). When CMD ends (or this script is killed), the kernel ends every
# process still in the namespace and drops every mount with it; the overlay's
# upper layer is then removed. Nothing is mounted in the host's namespace.
#
# CMD starts as root with a clean environment (PATH, HOME=/root, LC_ALL=C,
# TERM, plus the --env pairs), in / unless --cwd DIR is given. While it
# runs, a shared flock on ROOT's cache lock (ROOTS/.NAME.lock, written by
# tests/debroot.sh) keeps a rebuild of ROOT waiting.
#
# KEEP_ROOT_UPPER=1 keeps the upper layer (the files CMD wrote) and prints
# its path.
set -euo pipefail

me=inroot
log() { printf '%s: %s\n' "$me" "$*" >&2; }
die() { log "error: $*"; exit 125; }
usage() { echo "usage: inroot.sh [--bind SRC:DST[:ro]]... [--env N=V]... [--cwd DIR] ROOT CMD [ARG...]" >&2; exit 2; }

binds=() envs=() cwd=/
while (($#)); do
	case $1 in
	--bind) (($# >= 2)) || usage; binds+=("$2"); shift 2 ;;
	--env) (($# >= 2)) || usage; [[ $2 =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "bad --env '$2'"; envs+=("$2"); shift 2 ;;
	--cwd) (($# >= 2)) || usage; cwd=$2; shift 2 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
(($# >= 2)) || usage
[[ $(id -u) -eq 0 ]] || die "must run as root"
root=$(cd -- "$1" && pwd -P) || die "no root directory '$1'"
shift
[[ -x $root/bin/sh ]] || die "'$root' does not look like a Debian root (no /bin/sh)"

# The shared lock that makes tests/debroot.sh wait before replacing ROOT.
lock=$(dirname -- "$root")/.$(basename -- "$root").lock
if [[ -e $lock ]]; then
	exec {lockfd}<"$lock"
	flock -s -w 1800 "$lockfd" || die "timed out waiting for a rebuild of $root"
fi

# Validate the binds up front, on the host side.
for b in "${binds[@]}"; do
	IFS=: read -r s d o <<<"$b"
	[[ -n $s && -n $d && $d == /* ]] || die "bad --bind '$b' (SRC:DST[:ro], DST absolute)"
	[[ -z $o || $o == ro ]] || die "bad --bind option '$o' in '$b'"
	[[ -d $s ]] || die "--bind source '$s' is not a directory"
done

W=$(mktemp -d /tmp/inroot.XXXXXX)
cleanup() {
	if [[ -n ${KEEP_ROOT_UPPER:-} ]]; then
		log "kept the upper layer: $W/upper"
	else
		# The namespace (and its mounts) is gone once unshare returned;
		# refuse to recurse into anything that is still a mount point.
		if mountpoint -q -- "$W/merged" 2>/dev/null; then
			log "warning: $W/merged is still mounted, leaving $W"
		else
			rm -rf -- "$W" || log "warning: cannot remove $W"
		fi
	fi
}
trap cleanup EXIT
mkdir "$W/upper" "$W/work" "$W/merged"

# The inner script runs as PID 1 of the new PID namespace. Arguments:
# ROOT W CWD NBINDS BIND... NENV ENV... -- CMD...
inner='
set -euo pipefail
root=$1 W=$2 cwd=$3; shift 3
m=$W/merged
mount -t overlay overlay -o "lowerdir=$root,upperdir=$W/upper,workdir=$W/work" "$m"
mount -t proc proc "$m/proc"
mount --rbind /dev "$m/dev"
mount --rbind /sys "$m/sys"
cp -L /etc/hosts "$m/etc/hosts"
cp -L /etc/resolv.conf "$m/etc/resolv.conf" 2>/dev/null || true
n=$1; shift
for ((i = 0; i < n; i++)); do
	IFS=: read -r s d o <<<"$1"; shift
	mkdir -p -- "$m$d"
	mount --bind -- "$s" "$m$d"
	[[ -z $o ]] || mount -o remount,bind,ro -- "$m$d"
done
n=$1; shift
env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C TERM=${TERM:-dumb})
for ((i = 0; i < n; i++)); do env+=("$1"); shift; done
[[ $1 == -- ]] && shift
# Not exec: PID 1 stays a shell that reaps orphans (daemons started by CMD)
# and its exit ends the namespace.
rc=0
# pivot_root, not chroot: a chrooted process may not make a user
# namespace (bubblewrap as a tenant, test 0360), a process whose root is
# its mount namespace'"'"'s own may. The host'"'"'s tree is detached after.
mkdir -p "$m/.oldroot"
cd "$m"
pivot_root . .oldroot
umount -l /.oldroot
cd /
/usr/bin/env -i "${env[@]}" /bin/sh -c '"'"'cd "$1" && shift && exec "$@"'"'"' sh "$cwd" "$@" || rc=$?
exit "$rc"
'
# In the background so that a signal to this script runs its trap at once:
# killing unshare kills the namespace's PID 1 (--kill-child), and with it
# every process and mount in there.
upid=''
trap '[[ -z $upid ]] || kill -TERM "$upid" 2>/dev/null; wait 2>/dev/null; exit 130' INT
trap '[[ -z $upid ]] || kill -TERM "$upid" 2>/dev/null; wait 2>/dev/null; exit 143' TERM
unshare --mount --pid --fork --kill-child --propagation private -- \
	bash -c "$inner" inroot "$root" "$W" "$cwd" \
	"${#binds[@]}" "${binds[@]}" "${#envs[@]}" "${envs[@]}" -- "$@" 0<&0 &
upid=$!
rc=0
wait "$upid" || rc=$?
upid=''
exit "$rc"
