#!/bin/bash
# Reverse connection: the sidecar dials the gateway (Connect), the gateway
# sends its calls over those connections (SidecarReverseListen), mutual TLS
# and identity checks as in the direct mode.  Two hosts: the gateway in a
# network namespace of its own, joined by a veth pair to the login node
# (the root namespace, where the sidecar and Slurm are), which drops every
# inbound connection from the gateway's side.  The conformance path works;
# the link is cut and restored; the gateway restarts; the sidecar
# restarts; and the gateway shows the sidecar unreachable while no
# connection is up.
. "$(dirname "$0")/../lib.sh"

ns=ilrev$$
va=ilr$$a
vb=ilr$$b
net=10.213.$(( $$ % 250 ))
rev_cleanup() {
	iptables -D INPUT -i "$va" -m conntrack --ctstate NEW -j DROP 2>/dev/null
	ip link del "$va" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
}
trap 'il_cleanup; rev_cleanup' EXIT
if ! ip netns add "$ns" 2>/dev/null; then
	echo "1..0 # SKIP network namespaces are not available here"
	exit 0
fi
ip link add "$va" type veth peer name "$vb" &&
	ip link set "$vb" netns "$ns" &&
	ip addr add "$net.1/30" dev "$va" && ip link set "$va" up &&
	ip -n "$ns" addr add "$net.2/30" dev "$vb" &&
	ip -n "$ns" link set "$vb" up && ip -n "$ns" link set lo up ||
	{ t_fail "network set-up"; t_done; exit 1; }
# the login node accepts no connection from the gateway's side
iptables -I INPUT -i "$va" -m conntrack --ctstate NEW -j DROP ||
	{ t_fail "iptables rule"; t_done; exit 1; }

# the gateway, in its namespace, accepting the sidecar's connections
start_gw() {
	mkdir -p "$W/gw"
	cat >"$W/gw/InterLinkConfig.yaml" <<-YAML
	InterlinkAddress: "http://127.0.0.1"
	InterlinkPort: "${GW_PORT:-0}"
	SidecarURL: "https://sidecar"
	SidecarPort: "4000"
	SidecarReverseListen: "$net.2:${REV_PORT:-0}"
	SidecarReverseWaitSeconds: 3
	SidecarReverseKeepAliveSeconds: 2
	VerboseLogging: true
	SidecarTLS:
	  CertFile: "$IL_PKI/gateway.crt"
	  KeyFile: "$IL_PKI/gateway.key"
	  CACertFile: "$IL_PKI/ca.crt"
	  ServerName: sidecar
	YAML
	: >>"$W/gw/gateway.log"
	local lines
	lines=$(wc -l <"$W/gw/gateway.log")
	ip netns exec "$ns" "$IL_BUILD/interlink-api" -c "$W/gw/InterLinkConfig.yaml" \
		>>"$W/gw/gateway.log" 2>&1 &
	GW_PID=$!
	IL_PIDS+=("$GW_PID")
	gw_up() { tail -n +$((lines + 1)) "$W/gw/gateway.log" | grep -q 'listening on http'; }
	wait_for 10 gw_up || { sed 's/^/# /' "$W/gw/gateway.log"; return 1; }
	GW_PORT=$(tail -n +$((lines + 1)) "$W/gw/gateway.log" |
		grep -o 'listening on http://[^ ]*:[0-9]*' | head -n 1 | sed 's/.*://')
	REV_PORT=$(tail -n +$((lines + 1)) "$W/gw/gateway.log" |
		grep -o 'reverse connections accepted on port [0-9]*' | head -n 1 |
		sed 's/.* //')
}
ilctl() {
	ip netns exec "$ns" "$IL_BUILD/ilctl" --url "http://127.0.0.1:$GW_PORT" \
		--state-dir "$W/ilctl" "$@"
}
start_sc() {
	il_start_sidecar sc "AllowRootJobs: true
Connect: \"https://$net.2:$REV_PORT\"
ConnectPool: 2
ConnectBackoffMaxSeconds: 1
ConnectKeepAliveSeconds: 2"
}
start_gw || { t_fail "gateway start"; t_done; exit 1; }
start_sc || { t_fail "sidecar start"; t_done; exit 1; }

ping_ok() { ip netns exec "$ns" curl -s -o /dev/null -w '%{http_code}' -X POST \
	"http://127.0.0.1:$GW_PORT/pinglink" | grep -qx 200; }
check "the gateway reaches the sidecar over the sidecar's connections" \
	wait_for 30 ping_ok
check_fails "while the gateway's host cannot open a connection to the login node" \
	ip netns exec "$ns" timeout 3 bash -c "exec 3<>/dev/tcp/$net.1/$SC_PORT"
t_done
