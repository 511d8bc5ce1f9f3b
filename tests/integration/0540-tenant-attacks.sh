#!/bin/bash
# A tenant attacks the root sidecar through everything its uid can write:
# its pod folders and its own Slurm jobs.  A tenant user is created for
# the test (useradd; removed at the end).  Each attack must fail with the
# victim files, the other users' jobs and the other pods intact:
#  - a subfolder swapped for a symlink to a victim folder, in a loop,
#    while the sidecar removes the pod's folder;
#  - the records: root-owned in the StateDirectory (the tenant cannot
#    write them), a pod.json planted in the pod folder is ignored, and an
#    old-layout record naming another user's job is migrated without it;
#  - a job id that names another user's job (job-id reuse after a Slurm
#    state reset): no cancel, no signal, the pod reads as terminated;
#  - a FIFO and a device node at every name the sidecar opens in a pod
#    folder: nothing hangs, the other pods answer, the folder is removed.
. "$(dirname "$0")/../lib.sh"

T=ilkt$$
if ! useradd -M -N -g nogroup -s /bin/sh -d /nonexistent "$T" 2>"$W/useradd.err"; then
	echo "ok 1 - tenant attacks # SKIP cannot add a user: $(head -c 200 "$W/useradd.err")"
	echo "1..1"
	exit 0
fi
cleanup_tenant() {
	: >"$W/stop-swapping"
	squeue -h -u "$T" -o %i 2>/dev/null | xargs -r scancel
	[[ -n ${foreign:-} ]] && scancel "$foreign" 2>/dev/null
	il_cleanup
	userdel "$T" 2>/dev/null
}
trap cleanup_tenant EXIT
TU=$(id -u "$T")
as_tenant() { runuser -u "$T" -- "$@"; }

chmod 755 "$W"
SC_DATA_ROOT=$W/pods
mkdir -p "$SC_DATA_ROOT"
chmod 755 "$SC_DATA_ROOT"
STATE=$SC_DATA_ROOT.state
CONF="Tenants:
  tenant: {User: $T, Group: nogroup}
  other: {User: nobody, Group: nogroup}
AllowRootJobs: true
EnableProbes: true
HostPathPrefixes: [\"$W/shared\"]"
il_start_sidecar sc "$CONF" || exit 1
chmod 755 "$SC_DIR"

pod_body() { # NS UID NAME CMD
	printf '{"pod":{"metadata":{"name":"%s","namespace":"%s","uid":"%s"},' "$3" "$1" "$2"
	printf '"spec":{"containers":[{"name":"main","image":"busybox","command":["sh","-c","%s"]}]}},' "$4"
	printf '"container":[{"name":"main"}],"jobConfig":{}}'
}
meta() { printf '{"metadata":{"name":"%s","namespace":"%s","uid":"%s"}}' "$3" "$1" "$2"; }
sc() { # METHOD PATH BODY
	curl -sS -m 20 -X "$1" --unix-socket "$SC_SOCK" --data-binary "$3" "http://unix$2"
}
jid_of() { grep -o '"PodJID":"[0-9]*"' | grep -o '[0-9][0-9]*'; }
status_of() { sc GET /status "[$(meta "$@")]"; }
new_uid() { cat /proc/sys/kernel/random/uuid; }
is_running() { [[ $(job_state "$1") == RUNNING ]]; }
alive() { [[ $(job_state "$1") == @(RUNNING|PENDING) ]]; }
folder_gone() { [[ ! -e $1 ]]; }
restart() {
	kill -TERM "$SC_PID" 2>/dev/null; wait "$SC_PID" 2>/dev/null
	mv -f "$SC_DIR/sidecar.log" "$SC_DIR/sidecar.log.$1"
	il_start_sidecar sc "$CONF" || exit 1
	wait_for 10 grep -q 'reconciled' "$SC_DIR/sidecar.log"
}

# another user's job, which no pod may ever cancel
foreign=$(sbatch --parsable --uid="$(id -u nobody)" --gid=nogroup \
	--chdir=/tmp -o /dev/null --wrap 'sleep 600')
check "a foreign user's job runs" wait_for 30 is_running "$foreign"

# ---- the records are out of the tenant's reach ----------------------------
u1=$(new_uid)
j1=$(sc POST /create "$(pod_body tenant "$u1" p1 'sleep 600')" | jid_of)
check_match "the tenant's pod runs as a job" '^[0-9]+$' "$j1"
d1=$SC_DATA/tenant-$u1
check_eq "its job runs as the tenant" "$T" \
	"$(squeue -h -j "$j1" -o %u)"
check_eq "its folder is the tenant's" "$TU" "$(stat -c %u "$d1")"
check_eq "its record is root's, 0600, in a 0700 root folder" \
	"0:600 0:700" "$(stat -c %u:%a "$STATE/pods/$u1.json") $(stat -c %u:%a "$STATE/pods")"
check_fails "the tenant cannot rewrite its record" \
	as_tenant sh -c "echo '{}' > '$STATE/pods/$u1.json'"
check "no record is in the pod folder" test ! -e "$d1/pod.json"
# the tenant plants a record naming the foreign job (and a deletion)
as_tenant sh -c "printf '{\"uid\":\"$u1\",\"namespace\":\"tenant\",\"name\":\"p1\",\"jobId\":\"$foreign\",\"containers\":[\"main\"],\"deleting\":true}' > '$d1/pod.json'"
as_tenant sh -c "echo $foreign > '$d1/JobID.jid'"
restart planted
check_match "a pod.json planted in the pod folder is ignored" \
	"pod.json' is not this pod's record" "$(cat "$SC_DIR/sidecar.log")"
check_match "the pod keeps its own job" "\"JID\":\"$j1\"" "$(status_of tenant "$u1" p1)"
check "the foreign job is still alive" alive "$foreign"

# ---- an old-layout record naming someone else's job -----------------------
u2=$(new_uid)     # names the foreign job
u3=$(new_uid)     # names a job tagged for it, but of another user
u4=$(new_uid)     # names its own job: migrated with it
tagged=$(sbatch --parsable --uid="$(id -u nobody)" --gid=nogroup --chdir=/tmp \
	-o /dev/null --comment="interlink-pod=$u3" --wrap 'sleep 600')
own=$(sbatch --parsable --uid="$TU" --gid=nogroup --chdir=/tmp -o /dev/null \
	--comment="interlink-pod=$u4" --wrap 'sleep 600')
old_record() { # UID NAME JOB
	local d=$SC_DATA/tenant-$1
	mkdir -p "$d"
	printf '{"uid":"%s","namespace":"tenant","name":"%s","jobId":"%s","initContainers":[],"containers":["main"],"created":1}' \
		"$1" "$2" "$3" >"$d/pod.json"
	chown -R "$T" "$d"
}
kill -TERM "$SC_PID"; wait "$SC_PID" 2>/dev/null
old_record "$u2" p2 "$foreign"
old_record "$u3" p3 "$tagged"
old_record "$u4" p4 "$own"
restart migrate
log=$(cat "$SC_DIR/sidecar.log")
check_match "migration drops a job id that is no pod job" \
	"\\($u2\\): migrating its record: job $foreign is no pod job" "$log"
check_match "migration drops a tagged job of a user the namespace does not map to" \
	"\\($u3\\): migrating its record: job $tagged is not its job \\(it runs as uid $(id -u nobody)" "$log"
check_match "migration keeps the pod's own job" \
	"\\($u4\\): record moved to the state directory \\(job $own\\)" "$log"
check "the migrated records are in the state directory" \
	test -f "$STATE/pods/$u2.json" -a -f "$STATE/pods/$u4.json"
check "and gone from the pod folders" test ! -e "$SC_DATA/tenant-$u4/pod.json"
check_match "the pod whose job was dropped reads as terminated (LOST)" \
	'"terminated":\{[^}]*"reason":"LOST"' "$(status_of tenant "$u2" p2)"
sc POST /delete "$(meta tenant "$u2" p2)" >/dev/null
sc POST /delete "$(meta tenant "$u3" p3)" >/dev/null
check_match "deleting the migrated pod cancels its own job" \
	deleted "$(sc POST /delete "$(meta tenant "$u4" p4)")"
own_gone() { [[ $(job_state "$own") == CANCELLED* ]]; }
check "its job is cancelled" wait_for 20 own_gone
check "the foreign job is still alive" alive "$foreign"
check "the tagged job of another user is still alive" alive "$tagged"
scancel "$tagged"

# ---- a job id that names another user's job (job-id reuse) ----------------
kill -TERM "$SC_PID"; wait "$SC_PID" 2>/dev/null
# what a reset of slurmctld's state does: the record's job id is now the
# foreign job's (done as root here: the tenant cannot write records)
sed -i "s/\"jobId\":\t\"$j1\"/\"jobId\":\t\"$foreign\"/" "$STATE/pods/$u1.json"
check_match "(the record now names the foreign job)" "\"jobId\":.\"$foreign\"" \
	"$(cat "$STATE/pods/$u1.json")"
restart reuse
check_match "status does not report the foreign job as the pod's" \
	'"terminated":\{[^}]*"reason":"LOST"' "$(status_of tenant "$u1" p1)"
check_match "delete still answers 200" deleted "$(sc POST /delete "$(meta tenant "$u1" p1)")"
check_match "the cancel is refused, naming both owners" \
	"refusing to cancel job $foreign: it is not this pod's job \\(its comment is '', not 'interlink-pod=$u1'" \
	"$(cat "$SC_DIR/sidecar.log")"
check "the foreign job is still alive" alive "$foreign"
scancel "$j1"
check "the pod's folder goes" wait_for 30 folder_gone "$d1"

# ---- hostPath: resolved below its prefix, created as the tenant ----------
mkdir -p "$W/shared/t"
chown "$T" "$W/shared/t"
chmod 755 "$W/shared"
as_tenant ln -s /etc "$W/shared/t/evil"
hp_body() { # UID NAME PATH TYPE
	printf '{"pod":{"metadata":{"name":"%s","namespace":"tenant","uid":"%s"},' "$2" "$1"
	printf '"spec":{"containers":[{"name":"main","image":"busybox","command":["true"],"volumeMounts":[{"name":"h","mountPath":"/h"}]}],' 
	printf '"volumes":[{"name":"h","hostPath":{"path":"%s","type":"%s"}}]}},' "$3" "$4"
	printf '"container":[{"name":"main"}],"jobConfig":{}}'
}
out=$(sc POST /create "$(hp_body "$(new_uid)" h1 "$W/shared/t/evil/ilk-$T" DirectoryOrCreate)")
check_match "a hostPath through the tenant's symlink is refused" "symlink" "$out"
check "and nothing was created behind it" test ! -e "/etc/ilk-$T"
out=$(sc POST /create "$(hp_body "$(new_uid)" h2 "$W/shared/rootonly" FileOrCreate)")
check_match "a hostPath the tenant may not create is refused" "Permission denied" "$out"
check "and root did not create it for the tenant" test ! -e "$W/shared/rootonly"
uh=$(new_uid)
out=$(sc POST /create "$(hp_body "$uh" h3 "$W/shared/t/mine" DirectoryOrCreate)")
check_match "a hostPath in the tenant's own folder is created" PodJID "$out"
check_eq "as the tenant" "$TU" "$(stat -c %u "$W/shared/t/mine" 2>&1)"
sc POST /delete "$(meta tenant "$uh" h3)" >/dev/null

# ---- FIFOs and device nodes at every name the sidecar opens ---------------
u5=$(new_uid) u6=$(new_uid)
j5=$(sc POST /create "$(pod_body tenant "$u5" p5 'sleep 600')" | jid_of)
j6=$(sc POST /create "$(pod_body tenant "$u6" p6 'echo hello; sleep 600')" | jid_of)
check "two tenant pods run" wait_for 30 is_running "$j5"
wait_for 30 is_running "$j6"
d5=$SC_DATA/tenant-$u5
names="run-main.out run-main.status run-main.start run-main.reason
	init-main.out init-main.status job.out JobID.jid PodUID.uid
	PodNamespace.ns pod.json main_envfile.properties
	probe-startup-main.state probe-readiness-main.state
	probe-liveness-main.state poststart-main.state"
for n in $names; do
	rm -f "$d5/$n"
	case $n in
	*.status | *.start | *.out) mknod "$d5/$n" c 1 5 ;; # /dev/zero: endless
	*) as_tenant mkfifo "$d5/$n" ;;
	esac
done
out=$(status_of tenant "$u5" p5)
check_match "status of the pod with FIFOs and devices answers" "\"JID\":\"$j5\"" "$out"
check_match "the other pod answers too" "\"JID\":\"$j6\"" "$(status_of tenant "$u6" p6)"
logs=$(sc GET /getLogs "{\"Namespace\":\"tenant\",\"PodUID\":\"$u5\",\"PodName\":\"p5\",\"ContainerName\":\"main\",\"Opts\":{}}" 2>&1)
check_match "logs of a device node are refused, not read" "cannot read the log" "$logs"
restart fifo
check_match "a restart scans the planted folder without hanging" \
	"reconciled" "$(cat "$SC_DIR/sidecar.log")"
check_match "the pod is still known" "\"JID\":\"$j5\"" "$(status_of tenant "$u5" p5)"
sc POST /delete "$(meta tenant "$u5" p5)" >/dev/null
check "its folder (FIFOs, devices and all) is removed" wait_for 30 folder_gone "$d5"
check_match "the other pod is unaffected" "\"JID\":\"$j6\"" "$(status_of tenant "$u6" p6)"

# ---- a subfolder swapped for a symlink while the folder is removed --------
mkdir -p "$W/victim"
for i in $(seq 1 2000); do : >"$W/victim/f$i"; done
for round in 1 2 3 4 5; do
	u=$(new_uid)
	j=$(sc POST /create "$(pod_body tenant "$u" "s$round" 'sleep 600')" | jid_of)
	d=$SC_DATA/tenant-$u
	wait_for 30 is_running "$j"
	as_tenant sh -c "mkdir -p '$d/sub'; i=0; while [ \$i -lt 300 ]; do : > '$d/sub/f'\$i; i=\$((i+1)); done"
	# the tenant's loop: sub <-> a symlink to the victim, as fast as it can
	# (it stops by itself when told: a killed shell leaves zombies behind)
	rm -f "$W/stop-swapping"
	as_tenant sh -c "while [ ! -e '$W/stop-swapping' ]; do mv '$d/sub' '$d/sub.x' 2>/dev/null && ln -s '$W/victim' '$d/sub' 2>/dev/null; rm -f '$d/sub' 2>/dev/null; mv '$d/sub.x' '$d/sub' 2>/dev/null; done" &
	swapper=$!
	sc POST /delete "$(meta tenant "$u" "s$round")" >/dev/null
	wait_for 30 folder_gone "$d"
	: >"$W/stop-swapping"
	wait "$swapper" 2>/dev/null
	wait_for 30 folder_gone "$d"
done
check_eq "after 5 removals under a symlink-swap loop the victim has all its files" \
	2000 "$(find "$W/victim" -type f | wc -l)"
check "and the swapped pods' folders are gone" test -z "$(ls "$SC_DATA" | grep -v "$u6")"
check "the foreign job is still alive" alive "$foreign"
sc POST /delete "$(meta tenant "$u6" p6)" >/dev/null
t_done
