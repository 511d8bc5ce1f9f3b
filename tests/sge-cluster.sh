#!/bin/bash
# sge-cluster.sh start|stop|status DIR - a throwaway single-host Son of Grid
# Engine (8.1.9, Debian's gridengine-* packages) for the DRMAA tests.
#
# sge_qmaster and sge_execd of a private SGE_ROOT (DIR/root: symlinks to the
# packaged binaries plus a cell "default" of its own), Berkeley DB spool,
# qmaster and execd spool, accounting file and messages all under DIR, on
# ports of their own: the machine's /var/lib/gridengine cell, its services
# and /etc/hosts are never touched.  Must run as root.
#
# Host names: Grid Engine's commlib refuses a client whose address resolves
# to another name than the host's own (on Debian 127.0.0.1 resolves to
# "localhost" first).  Instead of editing /etc/hosts or a mount namespace,
# the cell's common/host_aliases file maps "localhost" (and 127.0.0.1's
# other names) to `hostname`: Grid Engine's own, documented alias mechanism,
# and the same view for every process, so the sidecar and the tests need no
# namespace either.
#
#   start   stops leftovers of an earlier run in DIR, initialises the cell,
#           starts the daemons, adds the host as admin/submit/exec host and a
#           queue all.q (4 slots, /bin/bash, unix_behavior), a 1-second
#           scheduler interval, min_uid/min_gid 1 (root jobs still refused),
#           execd_params ENABLE_ADDGRP_KILL=true (a cancelled job's processes
#           are found by their added group id, also those in a new session),
#           then waits for a probe job submitted as nobody to finish.
#           Prints on stdout, for eval:
#             export SGE_ROOT=DIR/root SGE_CELL=default
#             export SGE_QMASTER_PORT=P SGE_EXECD_PORT=P+1
#           Everything else goes to stderr.  On failure: the tail of the
#           daemons' messages, everything it started is stopped, exit 1.
#   stop    deletes all jobs, then stops execd and qmaster by the PIDs in
#           their pid files (never by name), waiting for each to be gone.
#           Safe to repeat, and on a DIR that never started.
#   status  prints the daemons' state; exit 0 if both run, else 1.
#
# Ports: SGE_TEST_QMASTER_PORT (default 16444; execd uses the next one).  If
# it is not set and the default pair is taken, 16454/16455, ... are tried.
set -euo pipefail

me=sge-cluster
log() { printf '%s: %s\n' "$me" "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { echo "usage: sge-cluster.sh start|stop|status DIR" >&2; exit 2; }

(($# == 2)) || usage
action=$1
case $action in start | stop | status) ;; *) usage ;; esac
[[ -n $2 ]] || usage

# Grid Engine clients read SGE_* from the environment; none of the caller's
# may leak into this cluster.
while IFS= read -r v; do
	case $v in SGE_TEST_*) ;; SGE_* | QRSH_* | JOB_ID | SGE_O_*) unset "$v" ;; esac
done < <(compgen -e)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

pkg=/var/lib/gridengine # the packages' SGE_ROOT: bin, lib, utilbin, util
[[ $action != start || -x /usr/sbin/sge_qmaster ]] ||
	die "Grid Engine is not installed (tests/install-deps.sh sge)"

if [[ $action == start ]]; then
	mkdir -p -- "$2" || die "cannot create '$2'"
elif [[ ! -d $2 ]]; then
	[[ $action == stop ]] && exit 0
	echo "not started: no directory '$2'"
	exit 1
fi
D=$(cd -- "$2" && pwd -P)
export SGE_ROOT=$D/root SGE_CELL=default
common=$SGE_ROOT/$SGE_CELL/common
host=$(hostname)

# the ports of an earlier start in DIR, or none
if [[ -r $D/ports ]]; then
	read -r SGE_QMASTER_PORT SGE_EXECD_PORT <"$D/ports" || true
	export SGE_QMASTER_PORT SGE_EXECD_PORT
fi

# pidfile NAME -> path of NAME's pid file
pidfile() {
	case $1 in
	sge_qmaster) echo "$D/qmaster/qmaster.pid" ;;
	sge_execd) ls "$D"/execd/*/execd.pid 2>/dev/null | head -n 1 ;;
	esac
}

# ourpid NAME: the PID from NAME's pid file if that process is alive, is
# NAME, and belongs to this DIR (SGE_ROOT in its environment).
ourpid() {
	local f pid comm
	f=$(pidfile "$1")
	[[ -n $f && -r $f ]] || return 1
	read -r pid <"$f" 2>/dev/null || return 1
	[[ $pid =~ ^[1-9][0-9]*$ ]] || return 1
	read -r comm 2>/dev/null <"/proc/$pid/comm" || return 1
	[[ $comm == "$1" ]] || return 1
	tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" |
		grep -qxF "SGE_ROOT=$SGE_ROOT" || return 1
	echo "$pid"
}

# stop_daemon NAME: SIGTERM, wait up to 10 s, then SIGKILL
stop_daemon() {
	local pid i
	pid=$(ourpid "$1") || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	log "$1 ($pid) ignored SIGTERM; killing it"
	kill -KILL "$pid" 2>/dev/null || true
}

do_stop() {
	if ourpid sge_qmaster >/dev/null; then
		qdel -f -u '*' >/dev/null 2>&1 || true
	fi
	stop_daemon sge_execd
	stop_daemon sge_qmaster
	# the shepherds of jobs still running (execd leaves them alive)
	local p
	for p in /proc/[0-9]*; do
		[[ $(cat "$p/comm" 2>/dev/null) == sge_shepherd ]] || continue
		tr '\0' '\n' 2>/dev/null <"$p/environ" |
			grep -qxF "SGE_ROOT=$SGE_ROOT" || continue
		kill -KILL "${p#/proc/}" 2>/dev/null || true
	done
}

status() {
	local rc=0 n
	for n in sge_qmaster sge_execd; do
		if pid=$(ourpid $n); then echo "$n running ($pid)"; else
			echo "$n not running"; rc=1; fi
	done
	return $rc
}

case $action in
stop) do_stop; exit 0 ;;
status) status; exit ;;
esac

# ---- start ----
do_stop
rm -rf -- "$D/root" "$D/spooldb" "$D/qmaster" "$D/execd" "$D/ports"

port_free() { ! ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
qp=${SGE_TEST_QMASTER_PORT:-16444}
if [[ -z ${SGE_TEST_QMASTER_PORT:-} ]]; then
	for ((i = 0; i < 20; i++)); do
		port_free "$qp" && port_free $((qp + 1)) && break
		qp=$((qp + 10))
	done
fi
port_free "$qp" && port_free $((qp + 1)) || die "ports $qp/$((qp + 1)) are taken"
export SGE_QMASTER_PORT=$qp SGE_EXECD_PORT=$((qp + 1))
echo "$SGE_QMASTER_PORT $SGE_EXECD_PORT" >"$D/ports"

chmod 755 "$D" # jobs of other users read the cell's files
mkdir -p "$common" "$D/spooldb" "$D/qmaster" "$D/execd"
for x in bin lib utilbin util; do ln -sfn "$pkg/$x" "$SGE_ROOT/$x"; done
cat >"$common/bootstrap" <<EOF
# Version: 8.1.9
admin_user              none
default_domain          none
ignore_fqdn             true
spooling_method         berkeleydb
spooling_lib            libspoolb
spooling_params         $D/spooldb
binary_path             /usr/sbin
qmaster_spool_dir       $D/qmaster
security_mode           none
listener_threads        2
worker_threads          2
scheduler_threads       1
EOF
echo "$host" >"$common/act_qmaster"
# every name 127.0.0.1 and the host's addresses resolve to is this host
aliases=$(getent hosts 127.0.0.1 "$host" 2>/dev/null | tr -s ' \t' '\n' |
	grep -v '^[0-9.:]*$' | grep -vxF "$host" | sort -u | tr '\n' ' ')
echo "$host $aliases" >"$common/host_aliases"
cat >"$common/settings.sh" <<EOF
SGE_ROOT=$SGE_ROOT; export SGE_ROOT
SGE_CELL=$SGE_CELL; export SGE_CELL
SGE_QMASTER_PORT=$SGE_QMASTER_PORT; export SGE_QMASTER_PORT
SGE_EXECD_PORT=$SGE_EXECD_PORT; export SGE_EXECD_PORT
EOF
sed -e "s|^execd_spool_dir .*|execd_spool_dir        $D/execd|" \
	-e 's|^min_uid .*|min_uid                1|' \
	-e 's|^min_gid .*|min_gid                1|' \
	-e 's|^load_report_time .*|load_report_time       00:00:05|' \
	-e 's|^reporting_params .*|reporting_params       accounting=true reporting=false flush_time=00:00:01 joblog=false sharelog=00:00:00|' \
	-e 's|^finished_jobs .*|finished_jobs          1000|' \
	-e 's|^execd_params .*|execd_params           ENABLE_ADDGRP_KILL=true|' \
	/usr/share/gridengine/default-configuration >"$D/global.conf"

fail() {
	local f
	log "error: $*"
	for f in "$D/qmaster/messages" "$D"/execd/*/messages; do
		[[ -r $f ]] || continue
		log "---- $f"
		tail -n 15 "$f" >&2
	done
	do_stop
	exit 1
}

{
	/usr/lib/gridengine/spoolinit berkeleydb libspoolb "$D/spooldb" init &&
		/usr/lib/gridengine/spooldefaults configuration "$D/global.conf" &&
		/usr/lib/gridengine/spooldefaults complexes "$pkg/util/resources/centry" &&
		/usr/lib/gridengine/spooldefaults usersets "$pkg/util/resources/usersets" &&
		/usr/lib/gridengine/spooldefaults managers root
} >"$D/init.log" 2>&1 || { cat "$D/init.log" >&2; fail "cannot initialise the cell"; }

/usr/sbin/sge_qmaster </dev/null >"$D/qmaster.out" 2>&1 || fail "sge_qmaster did not start"
for ((i = 0; i < 100; i++)); do
	qstat >/dev/null 2>&1 && break
	sleep 0.1
done
qstat >/dev/null 2>&1 || fail "qmaster does not answer"

{
	qconf -ah "$host" || true # the qmaster's host already is one
	qconf -as "$host"
	qconf -ssconf | sed -e 's|^schedule_interval .*|schedule_interval 0:0:1|' \
		-e 's|^flush_submit_sec .*|flush_submit_sec 1|' \
		-e 's|^flush_finish_sec .*|flush_finish_sec 1|' >"$D/sched.conf"
	qconf -Msconf "$D/sched.conf"
} >>"$D/init.log" 2>&1 || fail "qconf set-up failed: $(tail -n 3 "$D/init.log")"

/usr/sbin/sge_execd </dev/null >"$D/execd.out" 2>&1 || fail "sge_execd did not start"

cat >"$D/all.q" <<EOF
qname                 all.q
hostlist              $host
seq_no                0
load_thresholds       NONE
suspend_thresholds    NONE
nsuspend              1
suspend_interval      00:05:00
priority              0
min_cpu_interval      00:05:00
processors            UNDEFINED
qtype                 BATCH INTERACTIVE
ckpt_list             NONE
pe_list               make
rerun                 FALSE
slots                 4
tmpdir                /tmp
shell                 /bin/bash
prolog                NONE
epilog                NONE
shell_start_mode      unix_behavior
starter_method        NONE
suspend_method        NONE
resume_method         NONE
terminate_method      NONE
notify                00:00:60
owner_list            NONE
user_lists            NONE
xuser_lists           NONE
subordinate_list      NONE
complex_values        NONE
projects              NONE
xprojects             NONE
calendar              NONE
initial_state         default
s_rt                  INFINITY
h_rt                  INFINITY
s_cpu                 INFINITY
h_cpu                 INFINITY
s_fsize               INFINITY
h_fsize               INFINITY
s_data                INFINITY
h_data                INFINITY
s_stack               INFINITY
h_stack               INFINITY
s_core                INFINITY
h_core                INFINITY
s_rss                 INFINITY
h_rss                 INFINITY
s_vmem                INFINITY
h_vmem                INFINITY
EOF
qconf -Aq "$D/all.q" >>"$D/init.log" 2>&1 || fail "cannot add all.q: $(tail -n 2 "$D/init.log")"

# the queue instance is usable once execd reported its load (no state)
ok=''
for ((i = 0; i < 300; i++)); do
	line=$(qstat -f -q "all.q@$host" 2>/dev/null | grep "^all.q@$host " || true)
	if [[ -n $line && -z $(awk '{ print $6 }' <<<"$line") ]]; then ok=1; break; fi
	sleep 0.1
done
[[ -n $ok ]] || fail "queue all.q@$host is not usable: '${line:-}'"

# a probe job as an unprivileged user
mkdir -p "$D/probe"
chmod 1777 "$D/probe"
probe_out=$D/probe/probe.out
rm -f "$probe_out"
if ! (cd "$D/probe" && timeout 60 setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	qsub -sync y -cwd -b y -j y -o "$probe_out" -N probe /bin/echo probe-ok \
	>"$D/probe.log" 2>&1); then
	cat "$D/probe.log" >&2
	fail "the probe job did not complete"
fi
grep -q probe-ok "$probe_out" || fail "the probe job printed nothing"

log "up: qmaster :$SGE_QMASTER_PORT, execd :$SGE_EXECD_PORT, SGE_ROOT $SGE_ROOT"
echo "export SGE_ROOT=$SGE_ROOT SGE_CELL=$SGE_CELL"
echo "export SGE_QMASTER_PORT=$SGE_QMASTER_PORT SGE_EXECD_PORT=$SGE_EXECD_PORT"
