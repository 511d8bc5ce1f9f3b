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
# containers under bubblewrap: real binds (the configMap volume)
if bwrap --ro-bind / / --dev /dev --proc /proc true 2>/dev/null; then
	printf '#!/bin/bash\nFAKE_APPTAINER_MODE=bwrap exec %q "$@"\n' \
		"$IL_RUNTIME" >"$W/apptainer"
	chmod 755 "$W/apptainer"
	export SC_RUNTIME=$W/apptainer
fi
start_sc() {
	il_start_sidecar sc "AllowRootJobs: true
Connect: \"https://$net.2:$REV_PORT\"
ConnectPool: 2
ConnectBackoffMaxSeconds: 1
ConnectKeepAliveSeconds: 2"
}
start_gw || { t_fail "gateway start"; t_done; exit 1; }
start_sc || { t_fail "sidecar start"; t_done; exit 1; }

ping_code() { ip netns exec "$ns" curl -s -o /dev/null -m 20 -w '%{http_code}' \
	-X POST "http://127.0.0.1:$GW_PORT/pinglink"; }
ping_ok() { [ "$(ping_code)" = 200 ]; }
ping_down() { [ "$(ping_code)" != 200 ]; }
check "the gateway reaches the sidecar over the sidecar's connections" \
	wait_for 30 ping_ok
check_fails "while the gateway's host cannot open a connection to the login node" \
	ip netns exec "$ns" timeout 3 bash -c "exec 3<>/dev/tcp/$net.1/$SC_PORT"

pod() { # NAME SCRIPT
	cat <<-YAML
	apiVersion: v1
	kind: Pod
	metadata: {name: $1}
	spec:
	  restartPolicy: Never
	  initContainers:
	    - {name: prep, image: busybox, command: ["sh", "-c", "echo prep-ran"]}
	  containers:
	    - name: main
	      image: busybox
	      command: ["sh", "-c", $(printf '%s' "$2" | jq -Rs .)]
	      env: [{name: GREETING, value: "hello from $1"}]
	      volumeMounts: [{name: cfg, mountPath: /etc/cfg}]
	  volumes:
	    - {name: cfg, configMap: {name: cfg-$1}}
	---
	apiVersion: v1
	kind: ConfigMap
	metadata: {name: cfg-$1}
	data: {k: "from a configMap"}
	YAML
}
delete_quiet() { ilctl delete "$1" >/dev/null; }
exit_code_of() { ilctl status "$1" -o json 2>/dev/null | jq -r \
	'[.. | objects | select(.name? == "main") | .state.terminated.exitCode?] | map(select(. != null)) | .[0]'; }
ended() { [ "$(exit_code_of "$1")" != null ] && [ -n "$(exit_code_of "$1")" ]; }
conformance() { # NAME: create, status, logs, follow, delete
	local n=$1 out
	pod "$n" 'echo "$GREETING"; cat /etc/cfg/k; echo; for i in 1 2 3; do echo "tick $i"; sleep 0.3; done; exit 3' >"$W/$n.yaml"
	check "$n: created through the reverse connections" ilctl create -f "$W/$n.yaml"
	out=$(ilctl logs -f "$n" 2>&1)
	check_match "$n: followed logs stream to the end" \
		"hello from $n.*from a configMap.*tick 1.*tick 3" "$(tr '\n' ' ' <<<"$out")"
	check "$n: the pod ends" wait_for 60 ended "$n"
	check_eq "$n: with the container's exit code" 3 "$(exit_code_of "$n")"
	check_eq "$n: init container logs" prep-ran "$(ilctl logs "$n" -c prep 2>&1)"
	check "$n: deleted" delete_quiet "$n"
}
conformance first
# several at once: calls and streams do not queue behind each other
par=()
for i in 1 2 3; do conformance "par$i" >"$W/par$i.tap" & par+=("$!"); done
wait "${par[@]}"
for i in 1 2 3; do
	while read -r line; do
		case $line in
		"ok "*) t_ok "${line#ok * - }" ;;
		"not ok "*) t_fail "${line#not ok * - }" ;;
		*) echo "$line" ;;
		esac
	done <"$W/par$i.tap"
done

# the link is cut: the gateway says so; restored: it recovers
ip link set "$va" down
check "with the link cut, the gateway reports the sidecar unreachable" \
	wait_for 60 ping_down
ip link set "$va" up
check "with the link restored, the sidecar's connections come back" \
	wait_for 60 ping_ok
conformance after-cut

# the gateway restarts (same ports): the sidecar dials it again
kill "$GW_PID"; wait "$GW_PID" 2>/dev/null
start_gw || t_fail "gateway restart"
check "after a gateway restart the sidecar is reached again" wait_for 60 ping_ok
conformance after-gw

# the sidecar restarts: down while it is gone, up again after
kill "$SC_PID"; wait "$SC_PID" 2>/dev/null
check "with the sidecar stopped, the gateway reports it unreachable" \
	wait_for 60 ping_down
readyz() { ip netns exec "$ns" curl -s -m 20 "http://127.0.0.1:$GW_PORT/readyz"; }
check_match "and /readyz says not ready" "^not ready: .*cannot reach the sidecar" "$(readyz)"
# meanwhile a dialer that is not the sidecar (a certificate of another
# CA) is never taken for it: the gateway's TLS check refuses it
python3 - "$net.2" "$REV_PORT" "$IL_PKI" <<'PY' &
import socket, ssl, sys, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[3] + "/rogue.crt", sys.argv[3] + "/rogue.key")
end = time.time() + 20
while time.time() < end:
    try:
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
        s.settimeout(5)
        try:
            ctx.wrap_socket(s, server_side=True).recv(1)
        except Exception:
            pass
        s.close()
    except OSError:
        time.sleep(0.2)
PY
rogue=$!
IL_PIDS+=("$rogue")
sleep 1
check "an impostor dialing in is not taken for the sidecar" ping_down
check_match "the gateway's TLS check refused it" \
	"SSL|certificate|TLS" "$(grep 'sidecar unreachable' "$W/gw/gateway.log" | tail -n 3)"
kill "$rogue" 2>/dev/null; wait "$rogue" 2>/dev/null
start_sc || t_fail "sidecar restart"
check "after a sidecar restart the gateway reaches it again" wait_for 60 ping_ok
check_match "and /readyz says ready" "^ready: " "$(readyz)"
conformance after-sc
# through an HTTP CONNECT proxy (HTTPS_PROXY), the only way out it takes
python3 - "$W/proxy.port" "$W/proxy.log" <<'PY' &
import os, socket, sys, threading
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
open(sys.argv[1] + ".tmp", "w").write(str(ls.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
log = open(sys.argv[2], "a", buffering=1)
def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for x in (a, b):
        try:
            x.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
def serve(c):
    head = b""
    while b"\r\n\r\n" not in head:
        d = c.recv(1)
        if not d:
            return
        head += d
    line = head.split(b"\r\n")[0].decode()
    log.write(line + "\n")
    target = line.split(" ")[1]
    host, port = target.rsplit(":", 1)
    try:
        u = socket.create_connection((host, int(port)), 5)
    except OSError:
        c.sendall(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
        return
    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    threading.Thread(target=pump, args=(c, u), daemon=True).start()
    pump(u, c)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
proxy=$!
IL_PIDS+=("$proxy")
wait_for 10 test -s "$W/proxy.port" || t_fail "the proxy did not start"
kill "$SC_PID"; wait "$SC_PID" 2>/dev/null
HTTPS_PROXY=http://127.0.0.1:$(cat "$W/proxy.port") start_sc || t_fail "sidecar with a proxy"
check "through HTTPS_PROXY the gateway reaches the sidecar" wait_for 60 ping_ok
check_match "the proxy was asked to CONNECT to the gateway" \
	"^CONNECT $net.2:$REV_PORT HTTP/1.1\$" "$(head -n 1 "$W/proxy.log")"
conformance via-proxy
kill "$proxy"; wait "$proxy" 2>/dev/null
check "without the proxy the sidecar is unreachable: it was the only way" \
	wait_for 60 ping_down
t_done
