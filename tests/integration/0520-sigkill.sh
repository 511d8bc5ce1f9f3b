#!/bin/bash
# SIGKILL at random points: each round fires a burst of 12 pod creates (and
# deletes of ~40 % of them once created) at a fresh sidecar, over its unix
# socket or through the gateway, and kills the sidecar - in a third of the
# rounds the gateway too - with SIGKILL in the middle of it: at a random
# moment (0-500 ms), right after the sidecar logged its nth job submission,
# or while a pod folder has no pod.json yet. Both are restarted on the same
# DataRootFolder, every kept pod is created again (the virtual-kubelet
# re-adopting it: the same UID must answer the same job), every unconfirmed
# delete is sent again, and Slurm's job list (squeue %k) is compared with
# the pods: none lost, none duplicated, no orphan job; GET /pods agrees;
# deleting every pod leaves no job and no pod folder. tests/soak.md.
#
# SOAK=1 (make soak): 25 rounds; otherwise 3 (make check). SOAK_ROUNDS=N
# overrides both. Five TAP lines per round; a summary at the end.
. "$(dirname "$0")/../lib.sh"

if [[ -n ${SOAK_ROUNDS:-} ]]; then rounds=$SOAK_ROUNDS
elif [[ -n ${SOAK:-} ]]; then rounds=25
else rounds=3; fi
NPODS=12 # the cluster has 16 CPUs, a pod 1: all of a burst runs at once
NS=soak

ts_ms() { date +%s%3N; }

pod_body() { # UID NAME: the sidecar's /create body (a RetrievedPodData)
	printf '{"pod":{"metadata":{"name":"%s","namespace":"%s","uid":"%s"},' "$2" "$NS" "$1"
	printf '"spec":{"containers":[{"name":"main","image":"busybox","command":["sleep","90"]}]}},'
	printf '"container":[{"name":"main"}],"jobConfig":{}}'
}
gw_pod_body() { # UID NAME: the gateway's /create body (PodCreateRequests)
	printf '{"pod":{"metadata":{"name":"%s","namespace":"%s","uid":"%s"},' "$2" "$NS" "$1"
	printf '"spec":{"containers":[{"name":"main","image":"busybox","command":["sleep","90"]}]}}}'
}
del_body() { # UID NAME
	printf '{"metadata":{"name":"%s","namespace":"%s","uid":"%s"}}' "$2" "$NS" "$1"
}

# call VIA METHOD PATH BODY OUT: one request, over the sidecar's unix socket
# (VIA=unix) or through the gateway (VIA=gw); the body goes to OUT, the
# HTTP code (000: no answer) to stdout.
call() {
	local via=$1 m=$2 p=$3 body=$4 out=$5
	if [[ $via == unix ]]; then
		curl -s --max-time 30 -o "$out" -w '%{http_code}' -X "$m" \
			--unix-socket "$SC_SOCK" --data-binary "$body" "http://unix$p"
	else
		curl -s --max-time 30 -o "$out" -w '%{http_code}' -X "$m" \
			-H 'Content-Type: application/json' --data-binary "$body" "$GW_URL$p"
	fi
}
create_body() { # VIA UID NAME
	if [[ $1 == unix ]]; then pod_body "$2" "$3"; else gw_pod_body "$2" "$3"; fi
}
jid_in() { grep -o '"PodJID":"[0-9]*"' "$1" 2>/dev/null | grep -o '[0-9][0-9]*'; }

# worker VIA I: create pod I after a random delay; when it is confirmed and
# the pod is to be deleted, delete it after another random delay. Writes
# R/c.I ("CODE JID T0 T1") and R/d.I ("CODE T0 T1").
worker() {
	local via=$1 i=$2 code t0 jid
	sleep "0.$(printf '%03d' $((RANDOM % 300)))"
	t0=$(ts_ms)
	code=$(call "$via" POST /create "$(create_body "$via" "${uid[i]}" "${name[i]}")" "$R/cb.$i")
	jid=$(jid_in "$R/cb.$i")
	echo "$code ${jid:--} $((t0 - T0)) $(($(ts_ms) - T0))" >"$R/c.$i"
	[[ $code == 200 && -n $jid && ${del[i]} == 1 ]] || return 0
	sleep "0.$(printf '%03d' $((RANDOM % 300)))"
	t0=$(ts_ms)
	code=$(call "$via" POST /delete "$(del_body "${uid[i]}" "${name[i]}")" "$R/db.$i")
	echo "$code $((t0 - T0)) $(($(ts_ms) - T0))" >"$R/d.$i"
}

# Live pod jobs, "JOBID UID STATE" (squeue shows pending, running,
# completing... jobs; ended ones are not shown).
pod_jobs() {
	squeue -h -o '%i %k %T' | awk '$2 ~ /^interlink-pod=/ { sub(/^interlink-pod=/, "", $2); print }'
}
# GET /pods, one "UID JID DELETING" line per pod
sc_pods() {
	curl -s --max-time 10 --unix-socket "$SC_SOCK" http://unix/pods | tr -d ' \n\t' |
		grep -oE '"UID":"[^"]*"[^}]*"JID":"[^"]*"[^}]*"deleting":(true|false)' |
		sed -E 's/"UID":"([^"]*)".*"JID":"([^"]*)".*"deleting":(true|false)/\1 \2 \3/'
}

# start_sidecar NAME: il_start_sidecar, keeping a killed sidecar's log (as
# sidecar.log.killed) when NAME is started again on the same DataRootFolder.
# The unix socket exists a moment before the TCP port is logged, so wait for
# the last "listening" line, then read the port.
start_sidecar() {
	local d=$W/$1
	if [[ -e $d/sidecar.log ]]; then
		mv -f "$d/sidecar.log" "$d/sidecar.log.killed"
	fi
	il_start_sidecar "$1" || return 1
	wait_for 10 grep -q "listening on unix://" "$SC_DIR/sidecar.log" || return 1
	SC_PORT=$(logged_port "$SC_DIR/sidecar.log")
	[[ -n $SC_PORT ]]
}
# start_gateway NAME: il_start_gateway with its log file made beforehand
# (il_start_gateway greps it at once)
start_gateway() {
	mkdir -p "$W/$1"
	: >"$W/$1/gateway.log"
	il_start_gateway "$1"
}

# compare: the pods and Slurm's jobs. Sets the globals below; 0 if they agree.
compare() {
	local i j u s
	declare -gA njobs=() jobs_of=()
	c_lost='' c_dup='' c_orphan='' c_undeleted='' c_wrongjid=''
	while read -r j u s; do
		njobs[$u]=$((${njobs[$u]:-0} + 1))
		jobs_of[$u]+="$j:$s "
	done < <(pod_jobs)
	for i in "${!uid[@]}"; do
		u=${uid[i]}
		if ((del[i])); then
			[[ -z ${njobs[$u]:-} ]] || c_undeleted+="$u(${jobs_of[$u]% }) "
		elif [[ -z ${njobs[$u]:-} ]]; then
			c_lost+="$u "
		elif [[ ${jobs_of[$u]%%:*} != "${want[i]}" ]]; then
			c_wrongjid+="$u(jobs ${jobs_of[$u]% }, sidecar said ${want[i]}) "
		fi
	done
	for u in "${!njobs[@]}"; do
		((njobs[$u] > 1)) && c_dup+="$u(${jobs_of[$u]% }) "
		[[ -n ${known[$u]:-} ]] || c_orphan+="$u(${jobs_of[$u]% }) "
	done
	[[ -z $c_lost$c_dup$c_orphan$c_undeleted$c_wrongjid ]]
}

# pods_agree: GET /pods lists exactly the kept pods with their jobs (deleted
# pods may still be listed, as deleting, until their jobs have ended).
pods_agree() {
	local u j d i
	declare -A listed=()
	p_bad=''
	while read -r u j d; do
		[[ -n $u ]] || continue
		listed[$u]=1
		i=${idx[$u]:-}
		if [[ -z $i ]]; then p_bad+="unknown pod $u (job $j); "
		elif ((del[i])) && [[ $d == false ]]; then p_bad+="deleted pod $u listed as live; "
		elif ((!del[i])) && [[ $d == true ]]; then p_bad+="kept pod $u listed as deleting; "
		elif ((!del[i])) && [[ $j != "${want[i]}" ]]; then p_bad+="pod $u: JID $j, create said ${want[i]}; "
		fi
	done < <(sc_pods)
	for i in "${!uid[@]}"; do
		((del[i])) || [[ -n ${listed[${uid[i]}]:-} ]] || p_bad+="kept pod ${uid[i]} missing; "
	done
	[[ -z $p_bad ]]
}

# straddles T0 T1: a request sent at T0 and ended at T1 was under way at a kill
straddles() {
	((($1 <= kill_ms && $2 >= kill_ms) ||
		(mode == 2 && $1 <= gw_kill_ms && $2 >= gw_kill_ms)))
}

kill_gateway() {
	{ kill -KILL "$GW_PID"; wait "$GW_PID"; } 2>/dev/null
	gw_kill_ms=$(($(ts_ms) - T0)) gw_killed=1
	tot_gw_kills=$((tot_gw_kills + 1))
}

# a pod folder whose job script is not written yet (named on stdout)
folder_without_record() {
	local d
	for d in "$SC_DATA"/"$NS"-*; do
		[[ -d $d && ! -e $d/job.slurm ]] && { echo "${d##*/}"; return 0; }
	done
	return 1
}

# every kept pod's record is in the StateDirectory, none in a pod folder
records_in_state() {
	local i d
	r_bad=''
	for ((i = 0; i < NPODS; i++)); do
		((del[i])) && continue
		[[ -f $SC_DATA.state/pods/${uid[i]}.json ]] || r_bad+="no record for ${uid[i]}; "
	done
	for d in "$SC_DATA"/*/pod.json; do
		[[ -e $d ]] && r_bad+="a record in a pod folder: $d; "
	done
	[[ -z $r_bad ]]
}
no_folders() { [[ -z $(ls -A "$SC_DATA") ]]; }


give_up() { t_fail "$*"; exit 1; }

no_pod_jobs() { [[ -z $(pod_jobs) ]]; }
no_pods() { [[ -z $(sc_pods) ]]; }

tot_pods=0 tot_sc_kills=0 tot_gw_kills=0 tot_inflight_c=0 tot_inflight_d=0
tot_lost=0 tot_dup=0 tot_orphan=0 tot_undeleted=0 tot_adopted=0 tot_dropped=0
tot_bad=0 tot_leftdirs=0
t_start=$SECONDS
t_diag "$rounds rounds of $NPODS pods"

for ((r = 1; r <= rounds; r++)); do
	R=$W/round-$r
	mkdir -p "$R"
	mode=$(((r - 1) % 3)) # 0: unix socket, kill sidecar; 1: gateway, kill
	#                       sidecar; 2: gateway, kill sidecar and gateway
	via=unix
	((mode == 0)) || via=gw
	start_sidecar "sc-$r" || give_up "round $r: the sidecar did not start"
	if [[ $via == gw ]]; then start_gateway "gw-$r" || give_up "round $r: the gateway did not start"; fi

	uid=() name=() del=() want=() pids=()
	declare -A idx=() known=()
	for ((i = 0; i < NPODS; i++)); do
		uid[i]=$(cat /proc/sys/kernel/random/uuid)
		name[i]=p$r-$i
		del[i]=$((RANDOM % 5 < 2)) # ~40 % are deleted in the burst
		idx[${uid[i]}]=$i
		known[${uid[i]}]=1
	done
	kill_ms=$((RANDOM % 501))
	gw_kill_ms=$((RANDOM % 501))
	nth=$((RANDOM % NPODS + 1))
	# every (mode, trigger) pair once in 9 rounds; make check: 3 pairs
	triggers=(time log dir)
	trigger=${triggers[((r - 1) + (r - 1) / 3) % 3]}
	T0=$(ts_ms)
	for ((i = 0; i < NPODS; i++)); do
		worker "$via" "$i" &
		pids+=($!)
	done
	# the kills: at a random moment of the burst (trigger=time); right after
	# the sidecar logged its nth submitted job, most often before that job's
	# id is in the pod's record (log); or as soon as a pod's folder exists
	# without its record pod.json, i.e. while the job script is written (dir)
	gw_killed=''
	if ((mode == 2)) && [[ $trigger == time ]] && ((gw_kill_ms < kill_ms)); then
		sleep "0.$(printf '%03d' "$gw_kill_ms")"
		kill_gateway
	fi
	if [[ $trigger == log ]]; then
		seen=0
		while IFS= read -r line; do
			[[ $line == *'backend/slurm: submitted job'* ]] || continue
			seen=$((seen + 1))
			((seen < nth)) || break
		done < <(exec timeout 3 tail -n +1 -f "$SC_DIR/sidecar.log")
		kill "$!" 2>/dev/null # the tail, now
	elif [[ $trigger == dir ]]; then
		end=$((SECONDS + 3))
		until folder_without_record >/dev/null || ((SECONDS > end)); do :; done
	else
		delay=$((kill_ms - ($(ts_ms) - T0)))
		((delay <= 0)) || sleep "0.$(printf '%03d' "$delay")"
	fi
	{ kill -KILL "$SC_PID"; wait "$SC_PID"; } 2>/dev/null
	kill_ms=$(($(ts_ms) - T0)) # when it really happened
	tot_sc_kills=$((tot_sc_kills + 1))
	if ((mode == 2)) && [[ -z $gw_killed ]]; then
		delay=$((gw_kill_ms - kill_ms))
		((delay <= 0)) || sleep "0.$(printf '%03d' "$delay")"
		kill_gateway
	fi
	wait "${pids[@]}"
	burst_ms=$(($(ts_ms) - T0))

	# what the burst saw
	c_ok=0 c_lostans=0 d_ok=0 d_lostans=0 inflight=''
	declare -A got=()
	for ((i = 0; i < NPODS; i++)); do
		read -r code jid t0 t1 <"$R/c.$i" || code=000 jid=- t0=0 t1=0
		if [[ $code == 200 && $jid != - ]]; then
			got[$i]=$jid c_ok=$((c_ok + 1))
		else
			c_lostans=$((c_lostans + 1))
			straddles "$t0" "$t1" && inflight+=" create:$i(${t0}-${t1}ms,$code)"
		fi
		if [[ -f $R/d.$i ]]; then
			read -r code t0 t1 <"$R/d.$i"
			if [[ $code == 200 ]]; then d_ok=$((d_ok + 1)); else
				d_lostans=$((d_lostans + 1))
				straddles "$t0" "$t1" && inflight+=" delete:$i(${t0}-${t1}ms,$code)"
			fi
		fi
	done
	tot_inflight_c=$((tot_inflight_c + $(grep -o 'create:' <<<"$inflight" | wc -l)))
	tot_inflight_d=$((tot_inflight_d + $(grep -o 'delete:' <<<"$inflight" | wc -l)))

	# restart; the gateway always (the sidecar's TCP port changed)
	start_sidecar "sc-$r" || give_up "round $r: the sidecar did not restart"
	if [[ $via == gw ]]; then
		if ((mode == 1)); then kill -TERM "$GW_PID"; wait "$GW_PID" 2>/dev/null; fi
		start_gateway "gw-$r-restarted" || give_up "round $r: the gateway did not restart"
	fi
	adopted=$(grep -c 'adopted job' "$SC_DIR/sidecar.log")
	dropped=$(grep -c 'dropping the record' "$SC_DIR/sidecar.log")
	orphan_log=$(grep 'no pod record knows it' "$SC_DIR/sidecar.log")
	tot_adopted=$((tot_adopted + adopted)) tot_dropped=$((tot_dropped + dropped))

	# the virtual-kubelet's side: every kept pod is created again (the same
	# UID must give the same job); every unconfirmed delete is sent again
	idem_bad=''
	for ((i = 0; i < NPODS; i++)); do
		if ((del[i])); then
			code=$(cut -d' ' -f1 "$R/d.$i" 2>/dev/null)
			[[ $code == 200 ]] && continue
			code=$(call "$via" POST /delete "$(del_body "${uid[i]}" "${name[i]}")" "$R/db2.$i")
			[[ $code == 200 ]] || idem_bad+="delete of ${uid[i]} answered $code: $(head -c 300 "$R/db2.$i"); "
			continue
		fi
		code=$(call "$via" POST /create "$(create_body "$via" "${uid[i]}" "${name[i]}")" "$R/cb2.$i")
		jid=$(jid_in "$R/cb2.$i")
		want[i]=$jid
		if [[ $code != 200 || -z $jid ]]; then
			idem_bad+="create of ${uid[i]} again answered $code: $(head -c 300 "$R/cb2.$i"); "
		elif [[ -n ${got[$i]:-} && ${got[$i]} != "$jid" ]]; then
			idem_bad+="${uid[i]}: job ${got[$i]} before the kill, $jid after; "
		fi
	done
	unset got

	what="round $r ($via, sidecar killed at ${kill_ms} ms"
	[[ $trigger == log ]] && what+=" after submit $nth"
	[[ $trigger == dir ]] && what+=" while a pod folder had no job script"
	((mode == 2)) && what+=", gateway at ${gw_kill_ms} ms"
	what+=")"
	t_diag "round $r: burst ${burst_ms} ms; creates answered $c_ok, unanswered $c_lostans; deletes answered $d_ok, unanswered $d_lostans; in flight at a kill:${inflight:- none}; restart: $adopted adopted, $dropped dropped"
	[[ -z $orphan_log ]] || t_diag "round $r: the restarted sidecar reports: $orphan_log"

	# cancellations take a moment (KillWait=5): poll until they agree
	wait_for 20 compare
	tot_pods=$((tot_pods + NPODS))
	n=$(wc -w <<<"$c_lost"); tot_lost=$((tot_lost + n))
	n=$(wc -w <<<"$c_dup"); tot_dup=$((tot_dup + n))
	n=$(wc -w <<<"$c_orphan $c_undeleted"); tot_orphan=$((tot_orphan + n))
	n=$(wc -w <<<"$c_undeleted"); tot_undeleted=$((tot_undeleted + n))
	if compare; then
		t_ok "$what: every kept pod has exactly its one job, deleted pods none, no orphan"
	else
		tot_bad=$((tot_bad + 1))
		t_fail "$what: Slurm's jobs and the pods disagree"
		t_diag "lost (no live job): ${c_lost:-none}" "duplicated: ${c_dup:-none}" \
			"orphans, pods never created: ${c_orphan:-none}" \
			"orphans, deleted pods still running: ${c_undeleted:-none}" \
			"job is not the one create answered: ${c_wrongjid:-none}" \
			"logs: $SC_DIR/sidecar.log.killed and sidecar.log" \
			"pod jobs now (id uid state):"
		pod_jobs | sed 's/^/#   /'
		t_diag "the sidecar's log around the kill and the restart:"
		grep -hE 'submitted|adopted|dropping|no pod record|cancel|deleted' \
			"$SC_DIR/sidecar.log.killed" "$SC_DIR/sidecar.log" | tail -n 40 | sed 's/^/#   /'
	fi
	if [[ -z $idem_bad ]]; then
		t_ok "$what: creates sent again answer the same job, deletes sent again answer 200"
	else
		t_fail "$what: requests sent again after the restart"
		t_diag "$idem_bad"
	fi
	# deleted pods drop out of /pods once their jobs have ended
	wait_for 10 pods_agree
	if pods_agree; then
		t_ok "$what: GET /pods lists the kept pods with their jobs"
	else
		t_fail "$what: GET /pods disagrees"
		t_diag "$p_bad" "GET /pods (uid jid deleting):"
		sc_pods | sed 's/^/#   /'
	fi

	if records_in_state; then
		t_ok "$what: the records are in the StateDirectory, none in pod folders"
	else
		t_fail "$what: records out of place"
		t_diag "$r_bad"
	fi

	# clean up, so that rounds are independent
	for ((i = 0; i < NPODS; i++)); do
		((del[i])) && continue
		call "$via" POST /delete "$(del_body "${uid[i]}" "${name[i]}")" "$R/db3.$i" >/dev/null
	done
	if wait_for 30 no_pod_jobs && wait_for 10 no_pods; then
		t_ok "round $r: after deleting every pod, no pod job is left and GET /pods is empty"
	else
		t_fail "round $r: clean-up left jobs or pods behind"
		t_diag "pod jobs:"
		pod_jobs | sed 's/^/#   /'
		t_diag "GET /pods:"
		sc_pods | sed 's/^/#   /'
		# rounds must stay independent
		pod_jobs | awk '{print $1}' | xargs -r scancel
		wait_for 30 no_pod_jobs
	fi
	# every folder goes with its pod (the records are gone already, their
	# folders follow at once). A job cancelled while it was being
	# launched is COMPLETING for a while, and from Slurm 23.02 on its
	# slurmstepd recreates a missing output folder: the folder goes only
	# once the job has let go (ilk_job_info.settling, ABI 1.4).
	if wait_for 10 no_folders; then
		t_ok "round $r: DataRootFolder is empty"
	else
		left=$(ls -A "$SC_DATA")
		tot_leftdirs=$((tot_leftdirs + $(wc -w <<<"$left")))
		t_fail "round $r: DataRootFolder is empty"
		for d in $left; do
			t_diag "left: $d: $(ls -A "$SC_DATA/$d" | tr '\n' ' ')"
		done
	fi
	[[ $via == gw ]] && { kill -TERM "$GW_PID"; wait "$GW_PID" 2>/dev/null; }
	kill -TERM "$SC_PID"; wait "$SC_PID" 2>/dev/null
	unset idx known
done

t_diag "summary: $rounds rounds, $tot_pods pods, $tot_sc_kills sidecar SIGKILLs, $tot_gw_kills gateway SIGKILLs," \
	"requests under way at a kill: $tot_inflight_c creates, $tot_inflight_d deletes;" \
	"at restart: $tot_adopted jobs adopted by records without a job id, $tot_dropped never-submitted records dropped;" \
	"lost $tot_lost, duplicated $tot_dup, orphan jobs $tot_orphan (of deleted pods: $tot_undeleted);" \
	"rounds that disagreed: $tot_bad; pod folders left behind: $tot_leftdirs; $((SECONDS - t_start)) s"
t_done
