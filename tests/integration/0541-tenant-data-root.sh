#!/bin/bash
# A tenant against DataRootFolder and the sidecar's shared resources (a
# tenant user is created for the test, removed at the end):
#  - a DataRootFolder the tenant could rename pod folders in (group or
#    world writable, sticky or not, its own, below a folder of its own) is
#    refused at the start, saying why: otherwise it renames a fresh pod
#    folder and plants a symlink where root writes job.slurm next;
#  - in the accepted one it can neither rename its pod folder nor plant a
#    name beside it;
#  - a deleted pod's folder the tenant keeps filling (a process with its
#    cwd inside) is removed anyway: the remover makes each folder root's
#    and 0700 before emptying it;
#  - 40 log follows at once hold at most 32 inotify instances (the
#    sidecar's user's are shared with every process of that user on the
#    node) and all of them still get the log.
. "$(dirname "$0")/../lib.sh"

T=ilkd$$
if ! useradd -M -N -g nogroup -s /bin/sh -d /nonexistent "$T" 2>"$W/useradd.err"; then
	echo "ok 1 - data root attacks # SKIP cannot add a user: $(head -c 200 "$W/useradd.err")"
	echo "1..1"
	exit 0
fi
FOLLOWS=()
cleanup_tenant() {
	: >"$W/stop-filling"
	for p in "${FOLLOWS[@]}"; do kill "$p" 2>/dev/null; done
	squeue -h -u "$T" -o %i 2>/dev/null | xargs -r scancel
	il_cleanup
	userdel "$T" 2>/dev/null
}
trap cleanup_tenant EXIT
as_tenant() { runuser -u "$T" -- "$@"; }

chmod 755 "$W"
SC_DATA_ROOT=$W/pods
mkdir -p "$SC_DATA_ROOT"
chmod 755 "$SC_DATA_ROOT"
CONF="Tenants:
  tenant: {User: $T, Group: nogroup}
AllowRootJobs: true"

# ---- a DataRootFolder the tenant can rename things in is refused ----------
il_start_sidecar sc "$CONF" || exit 1
kill -TERM "$SC_PID"; wait "$SC_PID" 2>/dev/null
refused() { # DESCRIPTION DATAROOT PATTERN
	sed "s|^DataRootFolder:.*|DataRootFolder: \"$2\"|" "$SC_DIR/SlurmConfig.yaml" >"$W/bad.yaml"
	out=$(timeout 60 "$IL_BUILD/sidecar-slurm" -c "$W/bad.yaml" 2>&1)
	rc=$?
	check_match "$1 is refused at the start, saying why" "$3" "$out"
	check "and the sidecar did not run ($1)" test "$rc" -ne 0 -a "$rc" -ne 124
}
mkdir -p "$W/ww" && chmod 0777 "$W/ww"
refused "a world-writable DataRootFolder" "$W/ww" \
	"DataRootFolder '$W/ww': '$W/ww' is writable by group or others \\(mode 0777\\)"
mkdir -p "$W/sticky" && chmod 1777 "$W/sticky"
refused "a sticky world-writable DataRootFolder" "$W/sticky" "writable by group or others \\(mode 1777\\)"
mkdir -p "$W/gw" && chmod 0775 "$W/gw"
refused "a group-writable DataRootFolder" "$W/gw" "writable by group or others \\(mode 0775\\)"
mkdir -p "$W/theirs" && chown "$T" "$W/theirs" && chmod 0755 "$W/theirs"
refused "a DataRootFolder of the tenant's" "$W/theirs" "is owned by uid $(id -u "$T"), not root"
mkdir -p "$W/home/data" && chown "$T" "$W/home" && chmod 0755 "$W/home" "$W/home/data"
refused "a DataRootFolder in a folder of the tenant's" "$W/home/data" \
	"DataRootFolder '$W/home/data': '$W/home' is owned by uid"
mkdir -p "$W/open/data" && chmod 0777 "$W/open" && chmod 0755 "$W/open/data"
refused "a DataRootFolder in a world-writable folder" "$W/open/data" \
	"'$W/open' is writable by group or others"

# ---- the accepted one: the tenant cannot swap its pod folder --------------
il_start_sidecar sc "$CONF" || exit 1
sc() { curl -sS -m 20 -X "$1" --unix-socket "$SC_SOCK" --data-binary "$3" "http://unix$2"; }
pod_body() { # UID NAME CMD
	printf '{"pod":{"metadata":{"name":"%s","namespace":"tenant","uid":"%s"},' "$2" "$1"
	printf '"spec":{"containers":[{"name":"main","image":"busybox","command":["sh","-c","%s"]}]}},' "$3"
	printf '"container":[{"name":"main"}],"jobConfig":{}}'
}
meta() { printf '{"metadata":{"name":"%s","namespace":"tenant","uid":"%s"}}' "$2" "$1"; }
jid_of() { grep -o '"PodJID":"[0-9]*"' | grep -o '[0-9][0-9]*'; }
is_running() { [[ $(job_state "$1") == RUNNING ]]; }
folder_gone() { [[ ! -e $1 ]]; }
u1=$(cat /proc/sys/kernel/random/uuid)
j1=$(sc POST /create "$(pod_body "$u1" p1 'i=0; while true; do echo line$i; i=$((i+1)); sleep 1; done')" | jid_of)
check_match "the tenant's pod runs as a job" '^[0-9]+$' "$j1"
wait_for 30 is_running "$j1"
d1=$SC_DATA/tenant-$u1
check_fails "the tenant cannot rename its pod folder" as_tenant mv "$d1" "$d1.x" 2>/dev/null
check_fails "nor plant a symlink beside it" as_tenant ln -s /etc "$SC_DATA/tenant-$(cat /proc/sys/kernel/random/uuid)" 2>/dev/null
check "its folder is still the real one" test -d "$d1" -a ! -L "$d1"

# ---- 40 follows: at most 32 inotify instances, every one served ----------
inotifies() { find "/proc/$SC_PID/fd" -lname 'anon_inode:inotify' 2>/dev/null | wc -l; }
before=$(inotifies)
logreq="{\"Namespace\":\"tenant\",\"PodUID\":\"$u1\",\"PodName\":\"p1\",\"ContainerName\":\"main\",\"Opts\":{\"Follow\":true}}"
for i in $(seq 1 40); do
	curl -sS -N -X GET --unix-socket "$SC_SOCK" --data-binary "$logreq" \
		http://unix/getLogs >"$W/follow.$i" 2>/dev/null &
	FOLLOWS+=($!)
done
at_cap() { [[ $(( $(inotifies) - before )) -ge 32 ]]; }
check "the follows take inotify instances" wait_for 60 at_cap
all_served() { for i in $(seq 1 40); do grep -q line "$W/follow.$i" || return 1; done; }
check "all 40 follows get the log" wait_for 60 all_served
check_eq "no more than 32 inotify instances for 40 follows" 32 $(( $(inotifies) - before ))
n_before=$(wc -l <"$W/follow.40")
more_lines() { [[ $(wc -l <"$W/follow.40") -gt $n_before ]]; }
check "a follow beyond the cap (polled) keeps getting new lines" wait_for 30 more_lines
for p in "${FOLLOWS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
FOLLOWS=()
all_closed() { [[ $(inotifies) -le $before ]]; }
check "closed follows give their instances back" wait_for 30 all_closed

# ---- a deleted pod's folder the tenant keeps filling is removed ----------
# (a process with its cwd in the folder, creating folders and files as
# fast as it can: without the remover's lock it outpaces the removal)
rm -f "$W/stop-filling"
: >"$W/filler.err" && chown "$T" "$W/filler.err"
as_tenant sh -c "cd '$d1' || exit 1; i=0; while [ ! -e '$W/stop-filling' ]; do mkdir -p d\$i/e; : > g\$i; i=\$((i+1)); done" 2>>"$W/filler.err" &
filler=$!
wait_for 10 test -e "$d1/d100"
sc POST /delete "$(meta "$u1" p1)" >/dev/null
check "the folder is removed while its tenant keeps filling it" wait_for 60 folder_gone "$d1"
: >"$W/stop-filling"
wait "$filler" 2>/dev/null
check_match "its tenant's writes into it were refused while it was emptied (locked)" \
	"Permission denied" "$(cat "$W/filler.err")"
check "nothing of it is left in DataRootFolder (the remover's trash included)" \
	test -z "$(ls -A "$SC_DATA")"
t_done
