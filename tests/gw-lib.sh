# shellcheck shell=bash disable=SC2034
# tests/gw-lib.sh - helpers of the gateway tests 04NN (sourced after lib.sh).
# (SC2034: the variables set here are for the scripts that source it.)
#
# gw_start NAME ADDRESS [EXTRA-YAML]
#   Start interlink-api listening on ADDRESS (http://127.0.0.1,
#   https://127.0.0.1 or unix:///path; TCP on a free port) and talking mTLS to
#   the sidecar started by il_start_sidecar.  EXTRA-YAML is appended to its
#   InterLinkConfig.yaml.  Restarting under the same NAME reuses the dir (the
#   log is appended to).  Sets GW_DIR GW_PID GW_URL (http(s)://127.0.0.1:PORT,
#   or http://unix for a socket, with GW_SOCK) and GW_OPS (the MetricsAddress
#   listener's URL, when EXTRA-YAML sets one).
#
# vk_req METHOD PATH SESSION [BODY] [curl args...]
#   One request as the virtual-kubelet sends it (Go's headers, JSON body with
#   Content-Length, InterLink-Http-Session), on a new connection, to GW_URL
#   with VK_CURL_ARGS (certificates, socket) and, when VK_TOKEN is set,
#   "Authorization: Bearer $VK_TOKEN" (VK_TOKEN= gives the empty token).
#   The answer's body goes to $W/body, the status code to stdout.

# sc_start_tmpfs NAME: il_start_sidecar's sidecar, but with its pod folders
#   on tmpfs (/dev/shm) and a 1 s Slurm poll: for many pods, where fsync on
#   a slow disk would dominate.  Sets what il_start_sidecar sets, and
#   SC_SHM, which the caller removes (rm -rf) when done.
sc_start_tmpfs() {
	SC_SHM=$(mktemp -d /dev/shm/il-test.XXXXXX)
	chmod 755 "$SC_SHM"
	SC_DATA_ROOT=$SC_SHM/pods SC_POLL_MS=1000 il_start_sidecar "$1"
}

gw_start() {
	GW_ADDRESS=$2 il_start_gateway "$1" "${3:-}"
}

VK_CURL_ARGS=()
vk_req() {
	local m=$1 path=$2 sess=$3 body=${4-} args=()
	shift 3
	[ $# -gt 0 ] && shift
	if [ -n "$body" ]; then
		args=(-H 'Content-Type: application/json' --data-binary "$body")
	else
		args=(-H 'Content-Length: 0')
	fi
	[ -z "${VK_TOKEN+set}" ] || args+=(-H "Authorization: Bearer $VK_TOKEN")
	curl -sS -o "$W/body" -w '%{http_code}' -X "$m" \
		-H 'User-Agent: Go-http-client/1.1' -H 'Accept-Encoding: gzip' \
		-H "InterLink-Http-Session: $sess" "${args[@]}" \
		"${VK_CURL_ARGS[@]}" "$@" "$GW_URL$path"
}

# A v1.Pod as the VK marshals it: NAME UID CONTAINERS-JSON [INIT-JSON]
vk_pod() {
	cat <<-JSON
	{"metadata":{"name":"$1","namespace":"default","uid":"$2","resourceVersion":"1","creationTimestamp":null,"annotations":{"slurm-job.vk.io/flags":"--time=00:05:00","note":"\u003cb\u003e \u0026"}},"spec":{"volumes":[{"name":"cfg","configMap":{"name":"app-cfg"}}],"initContainers":${4:-null},"containers":$3,"restartPolicy":"Never","nodeName":"vk-slurm","unknownField":{"x":[1,2]}},"status":{"phase":"Pending","podIP":"127.0.0.1","startTime":null}}
	JSON
}

new_uid() { cat /proc/sys/kernel/random/uuid; }
# jq -e quietly: passes when the filter's last output is true
jqe() { jq -e "$@" >/dev/null; }
