#!/bin/bash
# The gateway keeps no state that cannot be rebuilt: two replicas on one
# sidecar both answer for pods created through either, and a restarted
# replica relearns its pods from the sidecar (GET /pods).
# shellcheck disable=SC2016 # jq and awk programs in single quotes
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../gw-lib.sh"

il_start_sidecar sc || exit 1
gw_start gwa http://127.0.0.1 'StatusRefreshIntervalMs: 1000' || exit 1
A=$GW_URL A_PID=$GW_PID A_LOG=$GW_DIR/gateway.log
gw_start gwb http://127.0.0.1 'StatusRefreshIntervalMs: 1000' || exit 1
B=$GW_URL

via() { # URL: the gateway vk_req talks to
	GW_URL=$1
}
jid_of() { jq -r '.[0].JID' "$W/body"; }
state_of() { jq -r '.[0].containers[0].state | keys[0] // "none"' "$W/body"; }

ux=$(new_uid) uy=$(new_uid)
px=$(vk_pod podx "$ux" '[{"name":"main","image":"docker://busybox","command":["sh","-c","echo x; sleep 2"]}]')
py=$(vk_pod pody "$uy" '[{"name":"main","image":"docker://busybox","command":["sleep","60"]}]')

via "$A"
check_eq "create X through replica A" 200 "$(vk_req POST /create CreatePod#1 "{\"pod\":$px}")"
jx=$(jq -r .PodJID "$W/body")
via "$B"
check_eq "status of X through replica B" 200 "$(vk_req GET /status GetStatus#2 "[$px]")"
check_eq "... names X's job" "$jx" "$(jid_of)"
check_eq "create Y through replica B" 200 "$(vk_req POST /create CreatePod#3 "{\"pod\":$py}")"
jy=$(jq -r .PodJID "$W/body")
via "$A"
check_eq "status of Y through replica A" 200 "$(vk_req GET /status GetStatus#4 "[$py]")"
check_eq "... names Y's job" "$jy" "$(jid_of)"

x_done() { # URL
	via "$1"
	vk_req GET /status GetStatus#5 "[$px]" >/dev/null && [ "$(state_of)" = terminated ]
}
check "B sees X terminate" wait_for 30 x_done "$B"
check "A agrees (within its own refresh interval)" wait_for 3 x_done "$A"

# restart replica A: a clean SIGTERM exit, then it relearns both pods
kill -TERM "$A_PID"
rc=0; wait "$A_PID" || rc=$?
check_eq "replica A exits 0 on SIGTERM" 0 "$rc"
gw_start gwa http://127.0.0.1 'StatusRefreshIntervalMs: 1000' || exit 1
A=$GW_URL
relearned() { grep -q 'relearned 2 pods from the sidecar' "$A_LOG"; }
check "the restarted replica relearned both pods from the sidecar" wait_for 10 relearned
refreshed() { grep -q 'periodic refresh: 2 pods in 1 calls' <(sed -n '/relearned 2 pods/,$p' "$A_LOG"); }
check "... and refreshed them in one call" wait_for 5 refreshed
via "$A"
check_eq "after the restart, status of X" 200 "$(vk_req GET /status GetStatus#6 "[$px]")"
check_eq "... still right" "$jx terminated" "$(jid_of) $(state_of)"
check_eq "after the restart, status of Y" 200 "$(vk_req GET /status GetStatus#7 "[$py]")"
check_eq "... still right" "$jy running" "$(jid_of) $(state_of)"
ondemand=$(sed -n '/relearned 2 pods/,$p' "$A_LOG" | grep -c 'on-demand refresh')
check_eq "... answered from the relearned table (no on-demand call)" 0 "$ondemand"

# delete through one replica: the other forgets the pod once the sidecar has
check_eq "delete X through A" 200 "$(vk_req DELETE /delete DeletePod#8 "$px")"
forgot() {
	via "$B"
	vk_req GET /status GetStatus#9 "[$px]" >/dev/null && [ "$(jid_of)" = "" ]
}
check "B reports X unknown once the sidecar dropped it" wait_for 15 forgot
via "$B"
check_eq "delete Y through B" 200 "$(vk_req DELETE /delete DeletePod#10 "$py")"
cancelled() { [[ $(job_state "$jy") == CANCELLED* ]]; }
check "Y's Slurm job is cancelled" wait_for 10 cancelled

t_done
