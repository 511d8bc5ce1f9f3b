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
	local name=$1
	SC_DIR=$W/$name
	mkdir -p "$SC_DIR"
	SC_SOCK=$SC_DIR/sidecar.sock
	SC_SHM=$(mktemp -d /dev/shm/il-test.XXXXXX)
	chmod 755 "$SC_SHM"
	SC_DATA=$SC_SHM/pods
	cat >"$SC_DIR/SlurmConfig.yaml" <<-YAML
	SidecarAddress: "127.0.0.1"
	SidecarPort: "0"
	Socket: "unix://$SC_SOCK"
	DataRootFolder: "$SC_DATA"
	SingularityPath: "$IL_RUNTIME"
	ImagePrefix: "docker://"
	StatusPollIntervalMs: 1000
	VerboseLogging: true
	TLS:
	  Enabled: true
	  CertFile: "$IL_PKI/sidecar.crt"
	  KeyFile: "$IL_PKI/sidecar.key"
	  CACertFile: "$IL_PKI/ca.crt"
	YAML
	"$IL_BUILD/sidecar-slurm" -c "$SC_DIR/SlurmConfig.yaml" \
		>"$SC_DIR/sidecar.log" 2>&1 &
	SC_PID=$!
	IL_PIDS+=("$SC_PID")
	if ! wait_for 10 test -S "$SC_SOCK"; then
		t_diag "sidecar did not start:"; sed 's/^/# /' "$SC_DIR/sidecar.log"
		return 1
	fi
	SC_PORT=$(logged_port "$SC_DIR/sidecar.log")
}

gw_start() {
	local name=$1 addr=$2 extra=${3:-} lines
	GW_DIR=$W/$name
	mkdir -p "$GW_DIR"
	cat >"$GW_DIR/InterLinkConfig.yaml" <<-YAML
	InterlinkAddress: "$addr"
	InterlinkPort: "0"
	SidecarURL: "https://127.0.0.1"
	SidecarPort: "$SC_PORT"
	VerboseLogging: true
	SidecarTLS:
	  CertFile: "$IL_PKI/gateway.crt"
	  KeyFile: "$IL_PKI/gateway.key"
	  CACertFile: "$IL_PKI/ca.crt"
	  ServerName: "sidecar"
	$extra
	YAML
	: >>"$GW_DIR/gateway.log"
	lines=$(wc -l <"$GW_DIR/gateway.log")
	"$IL_BUILD/interlink-api" -c "$GW_DIR/InterLinkConfig.yaml" \
		>>"$GW_DIR/gateway.log" 2>&1 &
	GW_PID=$!
	IL_PIDS+=("$GW_PID")
	# shellcheck disable=SC2317 # called through wait_for
	gw_logged() { tail -n +$((lines + 1)) "$GW_DIR/gateway.log" | grep -q "$1"; }
	if ! wait_for 10 gw_logged 'listening on'; then
		t_diag "gateway $name did not start:"
		tail -n +$((lines + 1)) "$GW_DIR/gateway.log" | sed 's/^/# /'
		return 1
	fi
	local log
	log=$(tail -n +$((lines + 1)) "$GW_DIR/gateway.log")
	case $addr in
	unix://*)
		GW_SOCK=${addr#unix://}
		GW_URL=http://unix
		;;
	*)
		GW_URL=${addr%%://*}://127.0.0.1:$(grep -o 'listening on [a-z]*://[^ ]*:[0-9]*' \
			<<<"$log" | head -n 1 | sed 's/.*://')
		;;
	esac
	GW_OPS=$(grep -o '/readyz on http://[^ ]*' <<<"$log" | head -n 1 |
		sed 's|.* on ||')
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
