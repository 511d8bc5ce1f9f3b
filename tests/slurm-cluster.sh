#!/bin/bash
# slurm-cluster.sh start|stop|status DIR - a throwaway single-node Slurm.
#
# munged (private socket), slurmctld and `slurmd -N localhost`, all on
# 127.0.0.1, with config, state, spool and logs under DIR (see
# /work/shared/slurm-test-cluster.md, section 2). Must run as root.
# Works with Slurm 22.05 (Debian 12) and 24.11 (Debian 13): for 24.05 and
# later it also writes DIR/cgroup.conf with CgroupPlugin=disabled.
#
#   start   stops leftovers of an earlier run in DIR, starts the daemons, waits
#           for the node to be idle and for a probe job to COMPLETE (~3 s: the
#           scheduler's first pass), then prints on stdout, for eval:
#             export SLURM_CONF=DIR/slurm.conf
#             export MUNGE_SOCKET=DIR/munge/munge.socket
#           Everything else goes to stderr. On failure: the tail of the
#           daemon logs, everything it started is stopped, exit 1.
#   stop    cancels all jobs, waits until none runs, then stops slurmd,
#           slurmctld and munged by the PIDs in their pid files (never by
#           name), waiting for each to be gone. Safe to repeat, and on a DIR
#           that never started.
#   status  prints the daemons' state; exit 0 if all three run, else 1.
#
# Ports: SLURM_TEST_CTLD_PORT / SLURM_TEST_SLURMD_PORT (default 16817/16818).
# SLURM_TEST_EXTRA_CONF: lines appended to slurm.conf (e.g. MaxJobCount=).
# If neither is set and the defaults are taken (another test cluster on this
# machine), the next free pair 16827/16828, 16837/16838, ... is used.
# Port choice is serialised with other starts on this machine by an flock on
# the slurmctld binary, or on the file SLURM_TEST_LOCK names (a cluster in a
# Debian root, tests/matrix.sh, locks the host's slurmctld through a bind
# mount, since both share the host's network).
set -euo pipefail

me=slurm-cluster
log() { printf '%s: %s\n' "$me" "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { echo "usage: slurm-cluster.sh start|stop|status DIR" >&2; exit 2; }

(($# == 2)) || usage
action=$1
case $action in start | stop | status) ;; *) usage ;; esac
[[ -n $2 ]] || usage

# Slurm clients read SLURM_*, SBATCH_*, SQUEUE_*... from the environment;
# none from the caller's (e.g. an outer job) may leak into this cluster.
while IFS= read -r v; do
	case $v in SLURM_TEST_*) ;; SLURM_* | SBATCH_* | SQUEUE_* | SINFO_* | SCANCEL_* | SCONTROL_* | SRUN_* | SALLOC_*) unset "$v" ;; esac
done < <(compgen -e)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

if [[ $action == start ]]; then
	mkdir -p -- "$2" || die "cannot create '$2'"
elif [[ ! -d $2 ]]; then
	[[ $action == stop ]] && exit 0
	echo "not started: no directory '$2'"
	exit 1
fi
D=$(cd -- "$2" && pwd -P)
conf=$D/slurm.conf
sock=$D/munge/munge.socket
export SLURM_CONF=$conf

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# pidfile NAME -> path of NAME's pid file
pidfile() {
	case $1 in
	munged) echo "$D/munge/munged.pid" ;;
	*) echo "$D/$1.pid" ;;
	esac
}

# ourpid NAME: print the PID from NAME's pid file if that process is alive,
# is NAME, and was started for this DIR (its command line names DIR).
# Guards against a stale pid file whose PID now belongs to someone else.
ourpid() {
	local f pid comm cmdline state
	f=$(pidfile "$1")
	[[ -r $f ]] || return 1
	read -r pid <"$f" 2>/dev/null || return 1
	[[ $pid =~ ^[1-9][0-9]*$ ]] || return 1
	read -r comm 2>/dev/null <"/proc/$pid/comm" || return 1
	[[ $comm == "$1" ]] || return 1
	cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
	# started for DIR: named on its command line, or (restarted by
	# hand with SLURM_CONF) in its environment
	if [[ $cmdline != *"$D/"* ]]; then
		tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" |
			grep -qxF "SLURM_CONF=$D/slurm.conf" || return 1
	fi
	state=$(procstate "$pid") || return 1
	[[ $state != Z ]] || return 1
	echo "$pid"
}

# procstate PID: print the state letter of PID (R, S, Z...); false if gone.
procstate() {
	local s
	{ s=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
	s=${s##*) } # after "(comm) ", comm may contain spaces
	echo "${s%% *}"
}

# gone PID: true once PID has exited (a zombie waiting for PID 1 counts).
gone() {
	local state
	state=$(procstate "$1") || return 0
	[[ $state == Z ]]
}

# waitgone PID SECONDS
waitgone() {
	local i n=$(($2 * 50))
	for ((i = 0; i < n; i++)); do
		gone "$1" && return 0
		sleep 0.02
	done
	return 1
}

stop_daemon() {
	local pid
	if pid=$(ourpid "$1"); then
		kill -TERM "$pid" 2>/dev/null || true
		if ! waitgone "$pid" 10; then
			log "$1 (pid $pid) ignored SIGTERM for 10 s, sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			waitgone "$pid" 5 || { log "error: $1 (pid $pid) does not die"; return 1; }
		fi
	fi
	rm -f -- "$(pidfile "$1")"
}

# kill_orphan_steps: kill the slurmstepd processes of this cluster that are
# still there (jobs that could not be cancelled, e.g. because slurmctld had
# died), with their descendants. A slurmstepd is ours when it holds a
# listening socket under DIR/spool (matched through /proc/net/unix).
kill_orphan_steps() {
	local inode path pats=() pids=() p ppid all=() i
	while read -r _ _ _ _ _ _ inode path; do
		if [[ $path == "$D/spool/"* ]]; then pats+=(-o -lname "socket:\\[$inode\\]"); fi
	done </proc/net/unix
	((${#pats[@]})) || return 0
	while IFS=/ read -r _ _ p _; do
		pids+=("$p")
	done < <(find /proc/[0-9]*/fd -maxdepth 1 \( -false "${pats[@]}" \) 2>/dev/null | sort -u -t/ -k3,3)
	((${#pids[@]})) || return 0
	# descendants, breadth-first over the ppid table
	declare -A kids=()
	while read -r p ppid; do kids[$ppid]+="$p "; done < <(ps -e -o pid=,ppid=)
	all=("${pids[@]}")
	for ((i = 0; i < ${#all[@]}; i++)); do
		# shellcheck disable=SC2206 # a list of PIDs
		all+=(${kids[${all[i]}]:-})
	done
	log "warning: killing leftover job steps of $D: ${all[*]}"
	kill -KILL "${all[@]}" 2>/dev/null || true
	for p in "${all[@]}"; do waitgone "$p" 5 || log "error: pid $p does not die"; done
}

do_stop() {
	local rc=0 i out
	if ourpid slurmctld >/dev/null; then
		# slurmstepd outlives slurmd: cancel every job and wait for it first.
		timeout 10 scancel --full --partition=debug 2>/dev/null || true
		for ((i = 0; i < 150; i++)); do
			out=$(timeout 5 squeue -h -t PD,R,S,CG,CF -o %i 2>/dev/null) && [[ -z $out ]] && break
			sleep 0.1
		done
		((i < 150)) || log "warning: jobs still active after 15 s: $(squeue -h -o '%i %T' 2>&1 | tr '\n' ' ')"
	fi
	stop_daemon slurmd || rc=1
	kill_orphan_steps
	stop_daemon slurmctld || rc=1
	stop_daemon munged || rc=1
	return "$rc"
}

show_logs() {
	local f
	for f in "$D/log/slurmctld.log" "$D/log/slurmd.log" "$D/munge/munged.log" "$D"/log/*.stderr; do
		[[ -s $f ]] || continue
		printf '%s: ----- last lines of %s -----\n' "$me" "$f" >&2
		tail -n 30 -- "$f" >&2
	done
}

port_busy() {
	local hex
	printf -v hex '%04X' "$1"
	grep -qE "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:[0-9A-F]+ 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

pick_ports() {
	local i p
	if [[ -n ${SLURM_TEST_CTLD_PORT:-} || -n ${SLURM_TEST_SLURMD_PORT:-} ]]; then
		ctld_port=${SLURM_TEST_CTLD_PORT:-16817} slurmd_port=${SLURM_TEST_SLURMD_PORT:-16818}
		for p in "$ctld_port" "$slurmd_port"; do
			{ [[ $p =~ ^[1-9][0-9]{2,4}$ ]] && ((p < 65536)); } || die "invalid port '$p'"
			port_busy "$p" && die "port $p is in use (set SLURM_TEST_CTLD_PORT/SLURM_TEST_SLURMD_PORT)"
		done
		[[ $ctld_port != "$slurmd_port" ]] || die "slurmctld and slurmd ports must differ"
		return 0
	fi
	for ((i = 0; i < 50; i++)); do
		ctld_port=$((16817 + 10 * i)) slurmd_port=$((16818 + 10 * i))
		port_busy "$ctld_port" || port_busy "$slurmd_port" || return 0
	done
	die "no free port pair in 16817..17318"
}

write_conf() {
	local mem
	mem=$(slurmd -C 2>/dev/null | sed -n '1s/.*RealMemory=\([0-9]*\).*/\1/p')
	[[ $mem =~ ^[0-9]+$ ]] || die "cannot read RealMemory from 'slurmd -C'"
	cat >"$conf" <<EOF
# Generated by tests/slurm-cluster.sh - a throwaway test cluster.
ClusterName=testcluster
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=100
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
EnforcePartLimits=ALL
MpiDefault=none
ReturnToService=2
MinJobAge=300
KillWait=5
SlurmdParameters=config_overrides
NodeName=localhost NodeAddr=127.0.0.1 CPUs=16 Boards=1 SocketsPerBoard=1 CoresPerSocket=16 ThreadsPerCore=1 RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
	# extra slurm.conf lines (`make bench-scale`: MaxJobCount, a DOWN
	# partition), one a line
	[[ -z ${SLURM_TEST_EXTRA_CONF:-} ]] || printf '%s\n' "$SLURM_TEST_EXTRA_CONF" >>"$conf"
	chmod 644 "$conf"
	# slurmd 24.05 and later set up cgroups even with proctrack/linuxproc
	# and task/none, and stop ("cgroup filesystem not mounted") where
	# there are none to use, unless cgroup.conf (next to slurm.conf)
	# disables them. Older releases do not know the value.
	rm -f -- "$D/cgroup.conf"
	if slurm_at_least 24 5; then
		printf '# Generated by tests/slurm-cluster.sh\nCgroupPlugin=disabled\n' >"$D/cgroup.conf"
		chmod 644 "$D/cgroup.conf"
	fi
}

# slurm_at_least MAJOR MINOR: the installed slurmd is that release or newer.
slurm_at_least() {
	local v maj min
	v=$(slurmd -V 2>/dev/null) || return 1 # "slurm 24.11.5"
	[[ $v =~ ([0-9]+)\.([0-9]+) ]] || return 1
	maj=$((10#${BASH_REMATCH[1]})) min=$((10#${BASH_REMATCH[2]}))
	((maj > $1 || (maj == $1 && min >= $2)))
}

# alive_or_die: fail fast when a daemon has died during start-up.
alive_or_die() {
	local n
	for n in "$@"; do
		[[ -e $(pidfile "$n") ]] || continue # not written yet
		ourpid "$n" >/dev/null || die "$n died during start-up"
	done
}

do_start() {
	local t0 i c state jobid lockfd
	t0=$(now_ms)
	[[ $(id -u) -eq 0 ]] || die "must run as root (slurmd and munged need it)"
	for c in munged mungekey munge unmunge slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
		command -v "$c" >/dev/null || die "$c not found (run tests/install-deps.sh)"
	done
	((${#sock} < 100)) || die "DIR path too long for a unix socket: $sock"
	# munged refuses a socket below a directory that is not world-executable
	# (mktemp -d makes 0700 directories): check the ancestors up front.
	local a=$D
	while [[ -n $a ]]; do
		(((8#$(stat -c %a -- "$a") & 1) == 1)) || die "'$a' must be world-executable for munged's socket (chmod o+x)"
		a=${a%/*}
	done

	do_stop || die "could not stop the leftovers of an earlier run in $D"
	rm -rf -- "$D/munge" "$D/state" "$D/spool" "$D/log" "$conf"
	mkdir -p "$D/munge" "$D/state" "$D/spool" "$D/log"
	chmod 755 "$D" "$D/munge" # munged wants a world-executable socket dir

	trap 'rc=$?; if ((rc)); then show_logs; do_stop || true; fi' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	# Serialise port choice and binding with concurrent starts on this
	# machine (other checkouts included) through an advisory lock on the
	# slurmctld binary: every start shares it, and nothing is written.
	# Daemons must not inherit the lock fd (the lock would stay held).
	exec {lockfd}<"${SLURM_TEST_LOCK:-$(command -v slurmctld)}"
	flock -w 60 "$lockfd" || die "timed out waiting for another start to bind its ports"
	pick_ports
	write_conf

	mungekey --create --keyfile="$D/munge/munge.key" >/dev/null 2>>"$D/log/munged.stderr" {lockfd}<&- ||
		die "mungekey failed"
	munged --key-file="$D/munge/munge.key" --socket="$sock" --pid-file="$D/munge/munged.pid" \
		--log-file="$D/munge/munged.log" --seed-file="$D/munge/munged.seed" \
		</dev/null >/dev/null 2>>"$D/log/munged.stderr" {lockfd}<&- || die "munged failed to start"
	munge -n --socket="$sock" 2>/dev/null | unmunge --socket="$sock" >/dev/null 2>&1 ||
		die "munge round trip on $sock failed"

	slurmctld -i -f "$conf" </dev/null >/dev/null 2>>"$D/log/slurmctld.stderr" {lockfd}<&- ||
		die "slurmctld failed to start"
	slurmd -N localhost -f "$conf" </dev/null >/dev/null 2>>"$D/log/slurmd.stderr" {lockfd}<&- ||
		die "slurmd failed to start"

	for ((i = 0; ; i++)); do
		state=$(timeout 5 sinfo -h -o %T 2>/dev/null) || true
		[[ $state == idle ]] && break
		((i < 200)) || die "node not idle after 20 s (state '${state:-?}')"
		((i % 5)) || alive_or_die munged slurmctld slurmd
		sleep 0.1
	done
	flock -u "$lockfd"
	exec {lockfd}<&-

	# The scheduler's first pass comes ~3 s after slurmctld starts; after
	# the probe job has run, jobs start within about a second.
	jobid=$(sbatch --parsable -J probe -D "$D/log" -o "$D/log/probe-%j.out" --wrap true 2>&1) ||
		die "probe job submission failed: $jobid"
	for ((i = 0; ; i++)); do
		state=$(timeout 5 scontrol -o show job "$jobid" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p') || true
		[[ $state == COMPLETED ]] && break
		case $state in FAILED | CANCELLED | TIMEOUT | NODE_FAIL | BOOT_FAIL | OUT_OF_MEMORY | DEADLINE)
			die "probe job $jobid ended $state" ;;
		esac
		((i < 300)) || die "probe job $jobid not COMPLETED after 30 s (state '${state:-?}')"
		((i % 5)) || alive_or_die munged slurmctld slurmd
		sleep 0.1
	done

	printf 'export SLURM_CONF=%q\n' "$conf"
	printf 'export MUNGE_SOCKET=%q\n' "$sock"
	log "up in $D (ports $ctld_port/$slurmd_port) after $(($(now_ms) - t0)) ms"
}

do_status() {
	local n pid rc=0
	for n in munged slurmctld slurmd; do
		if pid=$(ourpid "$n"); then
			echo "$n: running (pid $pid)"
		else
			echo "$n: not running"
			rc=1
		fi
	done
	if ((rc == 0)); then
		echo "node: $(timeout 5 sinfo -h -o '%n %T' 2>&1)"
		echo "jobs: $(timeout 5 squeue -h -o %i 2>/dev/null | wc -l) active"
	fi
	return "$rc"
}

case $action in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
esac
