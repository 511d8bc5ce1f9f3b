#!/bin/bash
# The upstream virtual-kubelet's requests replayed byte for byte against the
# gateway (https with a required client certificate, an identity allow-list
# and bearer tokens; and a unix socket), with real Slurm jobs behind it:
# wire-contract.md §1 and §9.1.
# shellcheck disable=SC2016,SC2153 # jq and awk programs in single quotes
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../gw-lib.sh"

il_start_sidecar sc || exit 1
printf 'tok-one\n# a comment\n\n  tok-two  \n' >"$W/tokens"
chmod 600 "$W/tokens"
gw_start gw https://127.0.0.1 "
TLS:
  Enabled: true
  CertFile: \"$IL_PKI/gateway.crt\"
  KeyFile: \"$IL_PKI/gateway.key\"
  CACertFile: \"$IL_PKI/ca.crt\"
  AllowedClients: [\"spiffe://x/other\", \"virtual-kubelet\"]
BearerTokensFile: \"$W/tokens\"
IdleTimeoutSeconds: 2
MetricsAddress: \"127.0.0.1:0\"" || exit 1
GWS_URL=$GW_URL GWS_OPS=$GW_OPS GWS_LOG=$GW_DIR/gateway.log
# The VK with TLS.Enabled: a new connection (curl process) per call, its
# client certificate, TLS >= 1.2, verifying our SAN against the CA.
VK_CURL_ARGS=(--cacert "$IL_PKI/ca.crt" --cert "$IL_PKI/vk.crt"
	--key "$IL_PKI/vk.key")
VK_TOKEN=tok-one

# ---- ping: POST, no body, no Content-Type, empty token ----------------------
check_eq "ping with an empty token (helm VKTokenFile=/dev/null) is 200" 200 \
	"$(VK_TOKEN='' vk_req POST /pinglink PingInterLink#1)"
check "ping passes the sidecar's PingResponse through" \
	jqe '.status == "ok" and (.resources.cpu | test("^[1-9][0-9]*$"))' "$W/body"

# ---- create: one CreateStruct object with our UID --------------------------
uid=$(new_uid)
ctrs='[{"name":"main","image":"docker://busybox","command":["sh","-c","echo hello-main; sleep 2; echo bye-main"],"volumeMounts":[{"name":"cfg","mountPath":"/etc/app"}],"env":[{"name":"A","value":"1"}],"resources":{}},{"name":"side","image":"docker://busybox","command":["sh","-c","echo side; exit 3"]}]'
init='[{"name":"prep","image":"docker://busybox","command":["sh","-c","echo prep"]}]'
pod=$(vk_pod replay "$uid" "$ctrs" "$init")
create="{\"pod\":$pod,\"configmaps\":[{\"metadata\":{\"name\":\"app-cfg\",\"namespace\":\"default\",\"creationTimestamp\":null},\"data\":{\"app.conf\":\"x=1\\n\"}}],\"secrets\":null,\"projectedvolumesmaps\":null,\"jobscriptURL\":\"\"}"
check_eq "POST /create answers 200" 200 "$(vk_req POST /create CreatePod#11 "$create")"
check "create answers one CreateStruct object with our PodUID" \
	jqe --arg u "$uid" 'type == "object" and .PodUID == $u and
		(.PodJID | test("^[0-9]+$")) and (keys == ["PodJID","PodUID"])' "$W/body"
jid=$(jq -r .PodJID "$W/body")
check_match "one log line per request, with the session id" \
	'POST /create -> 200 .*session=CreatePod#11' "$(cat "$GWS_LOG")"
check_match "the session id is passed on to the sidecar" \
	'POST /create -> 200 .*session=CreatePod#11' "$(cat "$SC_DIR/sidecar.log")"

# ---- status: GET with a one-pod array --------------------------------------
check_eq "GET /status with a body answers 200" 200 \
	"$(vk_req GET /status GetStatus#12 "[$pod]")"
check "status: an array answering our pod in canonical keys" \
	jqe --arg u "$uid" --arg j "$jid" 'type == "array" and length == 1 and
		.[0].UID == $u and .[0].name == "replay" and .[0].JID == $j and
		(.[0] | keys == ["JID","UID","containers","initContainers","name","namespace"])' \
	"$W/body"
check "status: one entry per container, init containers apart" \
	jqe '[.[0].containers[].name] == ["main","side"] and
		[.[0].initContainers[].name] == ["prep"]' "$W/body"
lenient=$(vk_pod replay "$uid" "$ctrs" | sed 's/"metadata"/"METADATA"/; s/"uid"/"UID"/; s/"name":"replay"/"Name":"replay"/')
check_eq "status accepts keys in any case" 200 \
	"$(vk_req GET /status GetStatus#13 "[$lenient]")"
check "... and answers the same pod" jqe --arg u "$uid" '.[0].UID == $u' "$W/body"
check_eq "status with a query string is served (query ignored)" 200 \
	"$(vk_req GET '/status?watch=1' GetStatus#14 "[$pod]")"
check_eq "POST works on /status too (any method)" 200 \
	"$(vk_req POST /status GetStatus#15 "[$pod]")"

# ---- logs: follow streams until the container ends -------------------------
logreq() { # CONTAINER FOLLOW [extra Opts]
	echo "{\"Namespace\":\"default\",\"PodUID\":\"$uid\",\"PodName\":\"replay\",\"ContainerName\":\"$1\",\"Opts\":{\"Tail\":0,\"Bytes\":0,\"Timestamps\":false,\"Follow\":$2,\"Previous\":false,\"SinceSeconds\":0,\"SinceTime\":\"0001-01-01T00:00:00Z\"${3:-}}}"
}
running() {
	vk_req GET /status GetStatus#16 "[$pod]" >/dev/null &&
		jqe '.[0].containers[0].state.running' "$W/body" >/dev/null
}
check "the main container runs" wait_for 30 running
start=$SECONDS
code=$(vk_req GET /getLogs GetLogs#17 "$(logreq main true)" --no-buffer)
check_eq "GET /getLogs with Follow answers 200" 200 "$code"
check_match "followed log holds the whole output" 'hello-main.*bye-main' \
	"$(tr '\n' ' ' <"$W/body")"
check "the follow stream ended with the container (not at a timeout)" \
	[ $((SECONDS - start)) -lt 15 ]
ended() {
	vk_req GET /status GetStatus#18 "[$pod]" >/dev/null &&
		jqe '[.[0].containers[].state.terminated] | all' "$W/body" >/dev/null
}
check "both containers terminate" wait_for 30 ended
check "exit codes reach /status (main 0, side 3)" \
	jqe '[.[0].containers[].state.terminated.exitCode] == [0,3]' "$W/body"
check_eq "logs without Follow" 200 "$(vk_req GET /getLogs GetLogs#19 "$(logreq side false)")"
check_match "... give the container's output" '^side' "$(cat "$W/body")"
check_eq "logs with Tail" 200 \
	"$(vk_req GET /getLogs GetLogs#20 "$(logreq main false | sed 's/"Tail":0/"Tail":1/')")"
check_eq "... only the last line" "bye-main" "$(cat "$W/body")"

# ---- upstream's /getLogs validations: 400 and a message -------------------
bad_logs() { # DESC JSON EXPECTED-MESSAGE
	local c
	c=$(vk_req GET /getLogs GetLogs#21 "$2")
	if [ "$c" = 400 ] && grep -qi "$3" "$W/body"; then t_ok "logs 400: $1"
	else t_fail "logs 400: $1 (got $c: $(head -c 200 "$W/body"))"; fi
}
bad_logs "bad JSON" '{"Namespace":' 'invalid request body'
bad_logs "no body" '' 'invalid request body'
bad_logs "namespace not a DNS label" "$(logreq main false | sed 's/"default"/"Bad_NS"/')" namespace
bad_logs "PodUID not a UUID" "$(logreq main false | sed "s/$uid/../")" 'pod UID'
bad_logs "uppercase PodUID" "$(logreq main false | sed "s/$uid/${uid^^}/")" 'pod UID'
bad_logs "container with traversal" "$(logreq '../x' false)" container
bad_logs "Tail and Bytes" "$(logreq main false ',"Tail":1,"Bytes":10')" Bytes
bad_logs "SinceSeconds and SinceTime" \
	"$(logreq main false ',"SinceSeconds":5,"SinceTime":"2026-01-01T00:00:00Z"')" SinceTime
code=$(vk_req GET /getLogs GetLogs#22 "$(logreq main false | sed "s/$uid/$(new_uid)/")")
check_eq "a sidecar non-200 reaches the VK with its code" 404 "$code"
check_match "... and a short readable body" '^sidecar: pod .* is not known' "$(cat "$W/body")"

# ---- malformed bodies: 400, never a crash -----------------------------------
for p in /create /status /delete /updateCache; do
	for b in '{' '[1,' '{"metadata":{"uid":[]}}' 'nul' "$(printf '[%.0s' $(seq 300))"; do
		c=$(vk_req GET "$p" Bad#1 "$b")
		[ "$c" = 400 ] || { t_fail "$p: 400 for '${b:0:20}' (got $c)"; continue 2; }
	done
	t_ok "$p answers 400 to malformed bodies"
done
check "the gateway is still up" kill -0 "$GW_PID"

# ---- updateCache, delete ----------------------------------------------------
check_eq "POST /updateCache answers 200" 200 "$(vk_req POST /updateCache UpdateCache#30 "$pod")"
check_eq "DELETE /delete with a body answers 200" 200 "$(vk_req DELETE /delete DeletePod#31 "$pod")"

# ---- authentication ---------------------------------------------------------
tls_fails() { # DESC curl-args...: the handshake must fail
	local d=$1; shift
	if curl -sS -o /dev/null --cacert "$IL_PKI/ca.crt" -X POST "$@" \
		"$GWS_URL/pinglink" 2>/dev/null; then t_fail "$d"; else t_ok "$d"; fi
}
tls_fails "no client certificate: refused"
tls_fails "a certificate from another CA: refused" --cert "$IL_PKI/rogue.crt" \
	--key "$IL_PKI/rogue.key"
tls_fails "TLS 1.1: refused" --tls-max 1.1 --cert "$IL_PKI/vk.crt" --key "$IL_PKI/vk.key"
code=$(curl -sS -o "$W/body" -w '%{http_code}' --cacert "$IL_PKI/ca.crt" \
	--cert "$IL_PKI/gateway.crt" --key "$IL_PKI/gateway.key" \
	-H 'Authorization: Bearer tok-one' -X POST "$GWS_URL/pinglink")
check_eq "a CA-signed certificate not in AllowedClients gets 403" 403 "$code"
check_match "... saying why" \
	"^interlink-api: client certificate 'interlink-api' is not in TLS.AllowedClients" \
	"$(cat "$W/body")"
code=$(unset VK_TOKEN; vk_req GET /status NoToken#1 "[$pod]")
check_eq "no bearer token: 401" 401 "$code"
check_match "... with a clear message" 'missing .*Bearer' "$(cat "$W/body")"
check_match "... and WWW-Authenticate" 'WWW-Authenticate: Bearer' \
	"$(unset VK_TOKEN; vk_req GET /status NoToken#2 "[$pod]" -D "$W/hdr" >/dev/null; cat "$W/hdr")"
check_eq "a wrong token: 401" 401 \
	"$(VK_TOKEN=tok-onE vk_req GET /status BadToken#1 "[$pod]")"
check_eq "an empty token off /pinglink: 401" 401 \
	"$(VK_TOKEN='' vk_req GET /status Empty#1 "[$pod]")"
check_eq "the second token of the file works" 200 \
	"$(VK_TOKEN=tok-two vk_req GET /status Tok2#1 "[$pod]")"
printf 'tok-three' >"$W/tokens.new" && chmod 600 "$W/tokens.new" &&
	mv "$W/tokens.new" "$W/tokens"
check_eq "a rotated token file: the new token works at once" 200 \
	"$(VK_TOKEN=tok-three vk_req GET /status Tok3#1 "[$pod]")"
check_eq "... and the old one is refused" 401 "$(vk_req GET /status Tok1#2 "[$pod]")"
VK_TOKEN=tok-three
chmod 644 "$W/tokens"; touch "$W/tokens"
check_eq "a token file others can read is refused, the old tokens stay" 200 \
	"$(vk_req GET /status Tok3#2 "[$pod]")"
check_match "... with an error in the log" 'read or written by group or others' \
	"$(cat "$GWS_LOG")"
chmod 600 "$W/tokens"

# ---- keep-alive, and the idle reaper for abandoned connections ---------------
out=$(curl -sv -o /dev/null "${VK_CURL_ARGS[@]}" -X POST "$GWS_URL/pinglink" \
	-H "Authorization: Bearer $VK_TOKEN" --next -o /dev/null \
	"${VK_CURL_ARGS[@]}" -H "Authorization: Bearer $VK_TOKEN" -X POST \
	"$GWS_URL/pinglink" 2>&1)
check_match "HTTP/1.1 keep-alive: the second call reuses the connection" \
	'Re-using existing (https?: )?connection' "$out"
port=${GWS_URL##*:}
clients=()
for _ in 1 2 3 4 5; do # calls whose client never closes its connection
	( (printf 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'
		sleep 8) | timeout 20 openssl s_client -quiet -connect "127.0.0.1:$port" \
		-CAfile "$IL_PKI/ca.crt" -cert "$IL_PKI/vk.crt" -key "$IL_PKI/vk.key" \
		>/dev/null 2>&1) &
	clients+=("$!")
done
established() { # OP N: the server's established connections compare to N
	local n
	n=$(ss -Htn state established "( sport = :$port )" | wc -l)
	test "$n" "$1" "$2"
}
check "abandoned connections are open" wait_for 5 established -ge 5
check "... and closed by the server within the idle timeout (2 s)" \
	wait_for 6 established -eq 0
wait "${clients[@]}" # their sleeps end within 8 s; leave nothing running

# ---- follow-stream cancellation: the sidecar request ends with the client ---
uid2=$(new_uid)
tick=$(vk_pod ticker "$uid2" '[{"name":"main","image":"docker://busybox","command":["sh","-c","echo go; sleep 60"]}]')
vk_req POST /create CreatePod#40 "{\"pod\":$tick}" >/dev/null
uid_save=$uid; uid=$uid2
runs2() { vk_req GET /status GetStatus#41 "[$tick]" >/dev/null &&
	jqe '.[0].containers[0].state.running' "$W/body" >/dev/null; }
check "a quiet container runs" wait_for 30 runs2
curl -m 2 -sS -N "${VK_CURL_ARGS[@]}" -X GET -H 'InterLink-Http-Session: GetLogs#42' \
	-H "Authorization: Bearer $VK_TOKEN" -o "$W/follow" -w '%{time_starttransfer}' \
	--data-binary "$(logreq main true)" "$GWS_URL/getLogs" >"$W/ttfb" 2>/dev/null
check_eq "the follow stream sent the output so far" go "$(cat "$W/follow")"
check "... its headers and first bytes came at once (< 1 s)" \
	awk '{ exit !($1 < 1) }' "$W/ttfb"
gone() { grep -q 'GET /getLogs -> 200 .*session=GetLogs#42 (client went away)' "$SC_DIR/sidecar.log"; }
check "the VK going away cancels the sidecar's log request (quiet stream)" wait_for 3 gone
uid=$uid_save
vk_req DELETE /delete DeletePod#43 "$tick" >/dev/null

# ---- the unix socket listener: Host: unix -------------------------------------
gw_start gwu "unix://$W/gw.sock" || exit 1
GWU_LOG=$GW_DIR/gateway.log
VK_CURL_ARGS=(--unix-socket "$W/gw.sock")
unset VK_TOKEN
check_eq "unix socket: ping (Host: unix) is 200" 200 "$(vk_req POST /pinglink PingInterLink#50)"
uid3=$(new_uid)
p3=$(vk_pod unixpod "$uid3" '[{"name":"main","image":"docker://busybox","command":["true"]}]')
check_eq "unix socket: create" 200 "$(vk_req POST /create CreatePod#51 "{\"pod\":$p3}")"
check_eq "unix socket: status" 200 "$(vk_req GET /status GetStatus#52 "[$p3]")"
check "... answers our pod" jqe --arg u "$uid3" '.[0].UID == $u' "$W/body"
check_eq "unix socket: delete" 200 "$(vk_req DELETE /delete DeletePod#53 "$p3")"
check_match "the socket gateway saw Host: unix requests" 'POST /pinglink -> 200' "$(cat "$GWU_LOG")"

# ---- many abandoned connections cannot exhaust MaxConnections ---------------
gw_start gwc http://127.0.0.1 'MaxConnections: 16
IdleTimeoutSeconds: 60' || exit 1
port=${GW_URL##*:}
fds=()
for _ in $(seq 14); do # 14 calls whose client keeps the connection
	exec {fd}<>"/dev/tcp/127.0.0.1/$port"
	printf 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n' >&"$fd"
	fds+=("$fd")
done
check "crowded (> half of MaxConnections): idle ones are closed after 1 s" \
	wait_for 5 established -le 8
check_eq "... and new callers are still served" 200 \
	"$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$GW_URL/healthz")"
for fd in "${fds[@]}"; do exec {fd}>&-; done

# ---- observability ------------------------------------------------------------
GW_URL=$GWS_URL
VK_CURL_ARGS=(--cacert "$IL_PKI/ca.crt" --cert "$IL_PKI/vk.crt" --key "$IL_PKI/vk.key")
check_eq "/healthz needs no token" 200 "$(vk_req GET /healthz Probe#1)"
check_eq "/readyz: the sidecar is reachable" 200 "$(vk_req GET /readyz Probe#2)"
m=$(curl -sS "$GWS_OPS/metrics")
check_match "metrics: requests by path and code" \
	'interlink_api_http_requests_total\{path="/create",code="200"\} [1-9]' "$m"
check_match "metrics: 401s counted" \
	'interlink_api_http_requests_total\{path="/status",code="401"\} [1-9]' "$m"
check_match "metrics: latency histograms" \
	'interlink_api_http_request_duration_seconds_bucket\{path="/status",le="0.01"\} [1-9]' "$m"
check_match "metrics: sidecar round trips" \
	'interlink_api_sidecar_requests_total\{path="/status",code="200"\} [1-9]' "$m"
check_match "metrics: pods tracked and log streams" \
	'interlink_api_pods_tracked [0-9]+.*interlink_api_log_streams_open 0' "$(tr '\n' ' ' <<<"$m")"
check_match "metrics: auth failures" \
	'interlink_api_auth_failures_total\{reason="bad_token"\} [1-9]' "$m"
check_eq "ops listener: /readyz" 200 "$(curl -sS -o /dev/null -w '%{http_code}' "$GWS_OPS/readyz")"

# ---- the sidecar down: ping and readyz say who fails ------------------------------
kill "$SC_PID"; wait "$SC_PID" 2>/dev/null
check_eq "sidecar down: ping is 503" 503 "$(VK_TOKEN='' vk_req POST /pinglink PingInterLink#60)"
check_match "... and the body says the gateway cannot reach the sidecar" \
	'^interlink-api cannot reach the sidecar' "$(cat "$W/body")"
check_eq "sidecar down: /readyz is 503" 503 "$(curl -sS -o /dev/null -w '%{http_code}' "$GWS_OPS/readyz")"
check_eq "sidecar down: /healthz is still 200" 200 "$(curl -sS -o /dev/null -w '%{http_code}' "$GWS_OPS/healthz")"
check "the gateway is still up" kill -0 "$GW_PID"

t_done
