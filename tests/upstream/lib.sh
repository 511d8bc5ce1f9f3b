# tests/upstream/lib.sh - run upstream interLink's own programs against our
# daemons (sourced by tests/integration/06*.sh after tests/lib.sh).
#
# Upstream's module (github.com/interlink-hq/interlink, release 0.6.2) is
# not served by the Go module proxy this project may use, and no recipe for
# building it from its sources may be committed here.  So these tests take
# the upstream programs from a directory given by the environment:
#   ILK_UPSTREAM_DIR  holds `interlink` (cmd/interlink, the API) and
#                     `virtual-kubelet` (cmd/virtual-kubelet), both built
#                     from the upstream release by the person running the
#                     tests.
# Without it every upstream test reports one SKIP naming what is missing.

# up_require PROGRAM...: true when every upstream PROGRAM is present, else
# one SKIP line and the plan (the caller then exits 0).
up_require() {
	local p
	for p in "$@"; do
		if [[ -z ${ILK_UPSTREAM_DIR:-} || ! -x ${ILK_UPSTREAM_DIR:-}/$p ]]; then
			echo "ok 1 - upstream $p # SKIP not available: set ILK_UPSTREAM_DIR to a directory holding upstream's $* (release 0.6.2); the module proxy does not serve github.com/interlink-hq/interlink"
			echo "1..1"
			return 1
		fi
	done
}

# up_free_port: a TCP port nobody listens on now
up_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# up_start_api NAME: upstream's interLink API (cmd/interlink) on a free
# loopback port with SidecarURL = our sidecar's unix socket ($SC_SOCK).
# Sets GW_DIR GW_PID GW_URL, like il_start_gateway does for ours.
up_start_api() {
	local name=$1 port
	GW_DIR=$W/$name
	mkdir -p "$GW_DIR/data"
	port=$(up_free_port)
	cat >"$GW_DIR/InterLinkConfig.yaml" <<-YAML
	InterlinkAddress: "http://127.0.0.1"
	InterlinkPort: "$port"
	SidecarURL: "unix://$SC_SOCK"
	SidecarPort: ""
	VerboseLogging: true
	ErrorsOnlyLogging: false
	DataRootFolder: "$GW_DIR/data/"
	YAML
	# its fake CRI socket path is fixed (/tmp/kubelet_remote_1000.sock)
	# and only used after the server ends
	(cd "$GW_DIR" && INTERLINKCONFIGPATH=$GW_DIR/InterLinkConfig.yaml \
		exec "$ILK_UPSTREAM_DIR/interlink") >>"$GW_DIR/interlink.log" 2>&1 &
	GW_PID=$!
	IL_PIDS+=("$GW_PID")
	GW_URL=http://127.0.0.1:$port
	# shellcheck disable=SC2317 # called through wait_for
	up_listening() { ss -Hltn "sport = :$port" | grep -q .; }
	if ! wait_for 20 up_listening; then
		t_diag "upstream interlink did not start:"
		sed 's/^/# /' "$GW_DIR/interlink.log" | tail -n 30
		return 1
	fi
}
