# tests/daemons.sh - start sidecar-slurm and interlink-api for tests and the
# demo (sourced).  Needs: W (a work dir), IL_BUILD, IL_PKI, IL_RUNTIME and
# an IL_PIDS array; every daemon started is added to IL_PIDS.

# wait_for SECONDS CMD...: poll CMD every 0.1 s
wait_for() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# The port a daemon logged ("listening on ...:PORT").
logged_port() {
	grep -o 'listening on [a-z]*://[^ ]*:[0-9]*' "$1" 2>/dev/null |
		head -n 1 | sed 's/.*://'
}

# il_start_sidecar NAME [EXTRA-YAML]: start sidecar-slurm with mTLS on a
# free port and a unix socket.  Sets SC_DIR SC_PORT SC_SOCK SC_DATA SC_PID.
# SingularityPath is $SC_RUNTIME when set, else $IL_RUNTIME.
# IL_SC_BACKEND_YAML (set by tests/integration/0601-drmaa-shared.sh) adds
# a backend's keys (Backend:, Tenants:, ...) to every sidecar, whose jobs
# then run as a tenant: $W and the pod root are opened to others (o+x).
il_start_sidecar() {
	local name=$1 extra=${2:-}
	SC_DIR=$W/$name
	mkdir -p "$SC_DIR"
	SC_SOCK=$SC_DIR/sidecar.sock
	SC_DATA=${SC_DATA_ROOT:-$SC_DIR/pods}
	# The defaults (a single-user test set-up: AllowRootJobs), less the
	# top-level keys EXTRA-YAML sets itself (a key may appear only once).
	local k line
	{
		while IFS= read -r line; do
			k=${line%%:*}
			grep -q "^$k:" <<<"$extra" || printf '%s\n' "$line"
		done <<-YAML
		SidecarAddress: "127.0.0.1"
		SidecarPort: "0"
		Socket: "unix://$SC_SOCK"
		DataRootFolder: "$SC_DATA"
		StateDirectory: "${SC_STATE:-$SC_DATA.state}"
		SingularityPath: "${SC_RUNTIME:-$IL_RUNTIME}"
		ImagePrefix: "docker://"
		StatusPollIntervalMs: ${SC_POLL_MS:-300}
		VerboseLogging: true
		AllowRootJobs: true
		YAML
		cat <<-YAML
		TLS:
		  Enabled: true
		  CertFile: "$IL_PKI/sidecar.crt"
		  KeyFile: "$IL_PKI/sidecar.key"
		  CACertFile: "$IL_PKI/ca.crt"
		${SC_TLS_EXTRA:+  $SC_TLS_EXTRA}
		$extra
		${IL_SC_BACKEND_YAML:-}
		YAML
	} >"$SC_DIR/SlurmConfig.yaml"
	if [ -n "${IL_SC_BACKEND_YAML:-}" ]; then
		mkdir -p "$SC_DATA" && chmod 755 "$W" "$SC_DATA"
	fi
	rm -f "$SC_SOCK" # a killed sidecar's socket must not look like ours
	# and an earlier run's "listening" line neither: empty the log before
	# the wait below can read it (the background start truncates it late)
	: >"$SC_DIR/sidecar.log"
	"$IL_BUILD/sidecar-slurm" -c "$SC_DIR/SlurmConfig.yaml" \
		>"$SC_DIR/sidecar.log" 2>&1 &
	SC_PID=$!
	IL_PIDS+=("$SC_PID")
	if ! wait_for 10 grep -q 'listening on unix://' "$SC_DIR/sidecar.log"; then
		t_diag "sidecar did not start:"; sed 's/^/# /' "$SC_DIR/sidecar.log"
		return 1
	fi
	SC_PORT=$(logged_port "$SC_DIR/sidecar.log")
}

# il_start_gateway NAME [EXTRA-YAML]: interlink-api listening on
# $GW_ADDRESS (default http://127.0.0.1; https://127.0.0.1 or unix:///path
# too; TCP on a free port) and talking mTLS to the sidecar.  Restarting under
# the same NAME reuses the dir and appends to the log.  Sets GW_DIR GW_PID
# GW_URL (http(s)://127.0.0.1:PORT, or http://unix with GW_SOCK) and GW_OPS
# (the MetricsAddress listener's URL, when EXTRA-YAML sets one).
il_start_gateway() {
	local name=$1 extra=${2:-} addr=${GW_ADDRESS:-http://127.0.0.1} lines log
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
	  ServerName: "${GW_SERVER_NAME:-sidecar}"
	$extra
	YAML
	: >>"$GW_DIR/gateway.log"
	lines=$(wc -l <"$GW_DIR/gateway.log")
	"$IL_BUILD/interlink-api" -c "$GW_DIR/InterLinkConfig.yaml" \
		>>"$GW_DIR/gateway.log" 2>&1 &
	GW_PID=$!
	IL_PIDS+=("$GW_PID")
	# shellcheck disable=SC2317 # called through wait_for
	gw_logged() { # one process, no pipe: safe under pipefail
		awk -v n="$lines" -v s="$1" \
			'NR > n && index($0, s) { f = 1 } END { exit !f }' \
			"$GW_DIR/gateway.log"
	}
	if ! wait_for 10 gw_logged 'listening on'; then
		echo "# gateway $name did not start:"
		tail -n +$((lines + 1)) "$GW_DIR/gateway.log" | sed 's/^/# /'
		return 1
	fi
	log=$(tail -n +$((lines + 1)) "$GW_DIR/gateway.log")
	case $addr in
	unix://*)
		GW_SOCK=${addr#unix://}
		GW_URL=http://unix
		;;
	*)
		GW_URL=${addr%%://*}://127.0.0.1:$(grep -m 1 -o \
			'listening on [a-z]*://[^ ]*:[0-9]*' <<<"$log" |
			sed 's/.*://')
		;;
	esac
	GW_OPS=$(grep -m 1 -o '/readyz on http://[^ ]*' <<<"$log" |
		sed 's|.* on ||' || true)
}

# ilctl through the gateway, with a private state dir
ilctl() {
	"$IL_BUILD/ilctl" --url "$GW_URL" --state-dir "$W/ilctl" "$@"
}

