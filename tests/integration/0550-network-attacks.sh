#!/bin/bash
# The sidecar and the gateway as a tenant of the login node would attack
# them: a local non-root user (made here, removed at the end) reaching for
# the API over loopback TCP and the unix socket; a root sidecar without
# Tenants asked to run a pod; a CA-signed certificate without a name; 600
# TCP connections that never finish their TLS handshake; a pod whose
# ConfigMap is mounted hundreds of times (the /create amplification); an
# image that is really a runtime option; control bytes in the request line.
. "$(dirname "$0")/../lib.sh"

tenant=ilk-t$$
insider=ilk-i$$
grp=ilk-g$$
cleanup() {
	il_cleanup
	userdel "$tenant" 2>/dev/null
	userdel "$insider" 2>/dev/null
	groupdel "$grp" 2>/dev/null
	true
}
trap cleanup EXIT
groupadd "$grp" || exit 1
useradd -M -N -g nogroup -s /usr/sbin/nologin "$tenant" || exit 1
useradd -M -N -g nogroup -G "$grp" -s /usr/sbin/nologin "$insider" || exit 1
as() { # USER CMD...: run CMD as USER (no privileges)
	local u=$1; shift
	runuser -u "$u" -- "$@"
}
chmod 755 "$W" # the tenant may walk to the sockets; their modes decide

# start_own NAME YAML: a sidecar with exactly this configuration (plus the
# runtime and data folder); waits for it to listen or to exit
start_own() {
	SC_DIR=$W/$1
	mkdir -p "$SC_DIR"
	SC_DATA=$SC_DIR/pods
	printf '%s\nDataRootFolder: "%s"\nSingularityPath: "%s"\nVerboseLogging: true\n' \
		"$2" "$SC_DATA" "$IL_RUNTIME" >"$SC_DIR/SlurmConfig.yaml"
	: >"$SC_DIR/sidecar.log"
	"$IL_BUILD/sidecar-slurm" -c "$SC_DIR/SlurmConfig.yaml" \
		>"$SC_DIR/sidecar.log" 2>&1 &
	SC_PID=$!
	IL_PIDS+=("$SC_PID")
	# shellcheck disable=SC2317 # called through wait_for
	up_or_gone() { grep -q 'listening on unix' "$SC_DIR/sidecar.log" || ! kill -0 "$SC_PID" 2>/dev/null; }
	wait_for 15 up_or_gone
}
tcp_listeners_of() { # PID: its listening TCP ports
	ss -Hltnp 2>/dev/null | grep "pid=$1," | awk '{print $4}'
}
pod_body() { # UID NAME NAMESPACE IMAGE [ANNOTATIONS]: a RetrievedPodData
	printf '{"pod":{"metadata":{"name":"%s","namespace":"%s","uid":"%s","annotations":{%s}},' \
		"$2" "$3" "$1" "${5:-}"
	printf '"spec":{"containers":[{"name":"main","image":"%s","command":["true"]}]}},' "$4"
	printf '"container":[{"name":"main"}],"jobConfig":{}}'
}
jobs_of() { squeue -h -o %k | grep -c "interlink-pod=$1" || true; }
trust=(--cacert "$IL_PKI/ca.crt")

# ---- 1. nothing unauthenticated -------------------------------------------
cfg_tcp="SidecarAddress: \"127.0.0.1\"
SidecarPort: \"0\"
AllowRootJobs: true"
start_own plain "$cfg_tcp"
out=$(cat "$SC_DIR/sidecar.log")
check_match "plain HTTP on loopback TCP refuses to start without AllowPlainHTTP" \
	"without TLS .*loopback included.*AllowPlainHTTP" "$out"
alive() { kill -0 "$1" 2>/dev/null; }
check_fails "and it is not running" alive "$SC_PID"

printf '%s\nAllowPlainHTTP: true\nDataRootFolder: "%s/x"\n' "$cfg_tcp" "$W" >"$W/plain-ok.yaml"
check "AllowPlainHTTP: true is the only way to plain TCP" \
	"$IL_BUILD/sidecar-slurm" -t -c "$W/plain-ok.yaml"
printf 'DataRootFolder: "%s/x"\nTLS: {Enabled: true, CertFile: "%s", KeyFile: "%s", CACertFile: "%s"}\n' \
	"$W" "$IL_PKI/sidecar.crt" "$IL_PKI/sidecar.key" "$IL_PKI/ca.crt" >"$W/tls-noport.yaml"
check_match "with TLS and no SidecarPort the TCP port is 4000" 'SidecarPort: "4000"' \
	"$("$IL_BUILD/sidecar-slurm" -T -c "$W/tls-noport.yaml" 2>&1)"

start_own sockonly "Socket: \"unix://$W/sockonly/run/sidecar.sock\"
AllowRootJobs: true" || exit 1
check "a sidecar with only a Socket starts" kill -0 "$SC_PID"
check_eq "and opens no TCP port (SidecarPort is not set)" "" "$(tcp_listeners_of "$SC_PID")"
sock=$W/sockonly/run/sidecar.sock
check_eq "the socket is 0660 root:root" "660 root root" "$(stat -c '%a %U %G' "$sock")"
check_eq "its folder was made 0755, owned by root" "755 root" "$(stat -c '%a %U' "$W/sockonly/run")"
code=$(as "$tenant" curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" http://unix/pods)
check_eq "a local user cannot use the socket (no HTTP answer)" 000 "$code"
kill -TERM "$SC_PID"; wait "$SC_PID" 2>/dev/null

start_own grp "Socket: \"unix://$W/grp/run/sidecar.sock\"
SocketGroup: \"$grp\"
AllowRootJobs: true" || exit 1
sock=$W/grp/run/sidecar.sock
check_eq "with SocketGroup the socket is 0660 root:$grp" "660 root $grp" \
	"$(stat -c '%a %U %G' "$sock")"
check_eq "in a folder made 0750 root:$grp" "750 root $grp" "$(stat -c '%a %U %G' "$W/grp/run")"
code=$(as "$tenant" curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" http://unix/pods)
check_eq "a user outside the group gets nothing" 000 "$code"
code=$(as "$insider" curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" http://unix/pods)
check_eq "a member of SocketGroup is served" 200 "$code"
kill -TERM "$SC_PID"; wait "$SC_PID" 2>/dev/null

mkdir -p "$W/open" && chmod 1777 "$W/open"
start_own open "Socket: \"unix://$W/open/sidecar.sock\""
out=$(cat "$SC_DIR/sidecar.log")
check_match "a socket folder others can write is refused" "writable by no one else" "$out"
mkdir -p "$W/real" && ln -s "$W/real" "$W/link"
start_own lnk "Socket: \"unix://$W/link/sidecar.sock\""
out=$(cat "$SC_DIR/sidecar.log")
check_match "a socket folder that is a symlink is refused" "not a symlink" "$out"
check "and nothing was created through it" test ! -e "$W/real/sidecar.sock"

# the TLS sidecar of the tests: a tenant on the login node gets no service
il_start_sidecar tls || exit 1
code=$(as "$tenant" curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SC_PORT/pods")
check_eq "a local user's plain curl to the TCP port gets no HTTP answer" 000 "$code"
code=$(as "$tenant" curl -s -o /dev/null -w '%{http_code}' "${trust[@]}" "https://localhost:$SC_PORT/pods")
check_eq "nor does https without a client certificate" 000 "$code"

# ---- 2. a root sidecar runs no pod as root without Tenants ----------------
uid1=55000000-1111-4222-8333-444444444444
start_own noroot "Socket: \"unix://$W/noroot/sidecar.sock\"" || exit 1
out=$(curl -sS -w ' %{http_code}' --unix-socket "$W/noroot/sidecar.sock" \
	--data-binary "$(pod_body $uid1 p1 default busybox)" http://unix/create)
check_match "a root sidecar without Tenants refuses a pod with 403" \
	"runs as root.*no Tenants entry.*AllowRootJobs.* 403$" "$out"
check_eq "and Slurm has no job for it" 0 "$(jobs_of $uid1)"
check "and no folder was made for it" test ! -e "$W/noroot/pods/default-$uid1"
kill -TERM "$SC_PID"; wait "$SC_PID" 2>/dev/null

# ---- 3. TLS.AllowedClients and a certificate without a name ---------------
SC_TLS_EXTRA='AllowedClients: ["interlink-api"]' il_start_sidecar allow || exit 1
code=$(curl -s -o /dev/null -w '%{http_code}' "${trust[@]}" -d '[]' \
	--cert "$IL_PKI/noname.crt" --key "$IL_PKI/noname.key" "https://localhost:$SC_PORT/status")
check_eq "a CA-signed certificate without CN or SAN gets 403 under AllowedClients" 403 "$code"
check_match "and the sidecar says why" "without a name" "$(cat "$SC_DIR/sidecar.log")"
check_eq "the gateway's certificate still gets 200" 200 \
	"$(sc_curl /status -o /dev/null -w '%{http_code}' -d '[]')"

# ---- 4. 600 connections that never finish the TLS handshake ---------------
# halfopen N SOURCE-ADDRESS SECONDS: open N TCP connections to the sidecar,
# send nothing, hold them; prints "open K" once they are up
cat >"$W/halfopen.py" <<'PY'
import socket, sys, time
port, n, src, hold = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
conns = []
for _ in range(n):
    s = socket.socket()
    try:
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        conns.append(s)
    except OSError:
        s.close()
print("open", len(conns), flush=True)
time.sleep(hold)
PY
ms() { date +%s%3N; }
# authed_until_ok LIMIT-S: retry an mTLS request until it answers 200;
# prints the milliseconds it took, or "fail".  The limit (20 s) is twice
# what the issue allows; before the handshake timeout it took 29 s.
authed_until_ok() {
	local t0 end=$((SECONDS + $1))
	t0=$(ms)
	until [[ $(sc_curl /status -o /dev/null -w '%{http_code}' -m 5 -d '[]' 2>/dev/null) == 200 ]]; do
		if ((SECONDS >= end)); then echo fail; return 1; fi
		sleep 0.2
	done
	echo $(($(ms) - t0))
}
halfopen() { # N SRC HOLD -> waits until they are open
	python3 "$W/halfopen.py" "$SC_PORT" "$1" "$2" "$3" >"$W/halfopen.out" 2>&1 &
	HO_PID=$!
	IL_PIDS+=("$HO_PID")
	wait_for 30 grep -q '^open' "$W/halfopen.out"
}
il_start_sidecar conn || exit 1
halfopen 600 127.0.0.2 40
t_diag "$(cat "$W/halfopen.out") half-open connections from 127.0.0.2"
lat=$(authed_until_ok 20)
check_match "600 half-open connections from another address: an mTLS client is served" '^[0-9]+$' "$lat"
t_diag "latency with 600 half-open connections from 127.0.0.2: $lat ms"
kill "$HO_PID" 2>/dev/null; wait "$HO_PID" 2>/dev/null

# all slots taken from the client's own address: the handshake timeout
# frees them
il_start_sidecar conn2 "MaxConnections: 512
MaxConnectionsPerAddress: 0
HandshakeTimeoutSeconds: 3" || exit 1
halfopen 600 127.0.0.1 40
t_diag "$(cat "$W/halfopen.out") half-open connections from 127.0.0.1 (MaxConnections 512)"
lat=$(authed_until_ok 20)
check_match "600 half-open connections from the client's own address: it is served once the handshake timeout drops them" \
	'^[0-9]+$' "$lat"
t_diag "latency with every slot held by half-open connections: $lat ms (HandshakeTimeoutSeconds 3)"
left=$(ss -Htn state established "( sport = :$SC_PORT )" | wc -l)
t_diag "connections still open on the sidecar's port: $left"
kill "$HO_PID" 2>/dev/null; wait "$HO_PID" 2>/dev/null
# a ClientHello dripped a few bytes at a time never completes: the
# handshake timeout is not reset by handshake bytes
cat >"$W/drip.py" <<'PY'
import socket, ssl, sys, time
port, pki = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=pki + "/ca.crt")
ctx.load_cert_chain(pki + "/gateway.crt", pki + "/gateway.key")
inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inb, outb, server_hostname="sidecar")
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = outb.read()
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(0.3)
t = time.time()
for i in range(0, len(hello), 2):
    try:
        s.sendall(hello[i:i + 2])
        if not s.recv(100):
            raise OSError
    except socket.timeout:
        continue
    except OSError:
        print("closed after %d of %d bytes, %.1f s" % (i, len(hello), time.time() - t))
        sys.exit(0)
print("the server waited for all %d bytes (%.1f s)" % (len(hello), time.time() - t))
sys.exit(1)
PY
out=$(python3 "$W/drip.py" "$SC_PORT" "$IL_PKI" 2>&1)
check_match "a dripped TLS handshake is closed by the handshake timeout" '^closed after' "$out"
t_diag "dripped ClientHello: $out"
check "the sidecar is still up" kill -0 "$SC_PID"

# ---- 5. the /create amplification -----------------------------------------
il_start_sidecar amp || exit 1
il_start_gateway gwamp || exit 1
# amp_body UID CONTAINERS MOUNTS: a PodCreateRequests whose 1 MiB ConfigMap
# is mounted MOUNTS times by each of CONTAINERS containers
amp_body() {
	python3 - "$@" <<'PY'
import json, sys
uid, nc, nm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ctrs = [{"name": "c%d" % i, "image": "busybox", "command": ["true"],
         "volumeMounts": [{"name": "cfg", "mountPath": "/m%d" % j} for j in range(nm)]}
        for i in range(nc)]
pod = {"metadata": {"name": "amp-%d" % nc, "namespace": "default", "uid": uid},
       "spec": {"containers": ctrs, "volumes": [{"name": "cfg", "configMap": {"name": "big"}}]}}
cm = {"metadata": {"name": "big", "namespace": "default"}, "data": {"big.txt": "x" * (1 << 20)}}
print(json.dumps({"pod": pod, "configmaps": [cm], "secrets": None,
                  "projectedvolumesmaps": None, "jobscriptURL": ""}))
PY
}
hwm() { awk '/^VmHWM/ {print int($2 / 1024)}' "/proc/$GW_PID/status"; }
uid2=55000000-2222-4222-8333-444444444444
uid3=55000000-3333-4222-8333-444444444444
amp_body $uid2 40 10 >"$W/amp40.json"
out=$(curl -sS -w ' %{http_code}' --data-binary @"$W/amp40.json" "$GW_URL/create")
check_match "40 containers mounting a 1 MiB ConfigMap: 413 from the gateway" \
	"MaxBodyBytes.* 413$" "$out"
check_eq "no job for it" 0 "$(jobs_of $uid2)"
amp_body $uid3 1 400 >"$W/amp400.json"
out=$(curl -sS -w ' %{http_code}' --data-binary @"$W/amp400.json" "$GW_URL/create")
check_match "one container mounting it 400 times is created (one copy)" '"PodJID":"[0-9]+".* 200$' "$out"
sz=$(grep -o 'POST /create -> 200' "$SC_DIR/sidecar.log" | wc -l)
check_eq "the sidecar got it" 1 "$sz"
check_eq "its pod folder is 0700: no other user reads its ConfigMap" 700 \
	"$(stat -c %a "$SC_DATA"/*"$uid3"* 2>&1)"
mem=$(hwm)
t_diag "gateway peak RSS after both amplification pods: $mem MiB"
check "the gateway's peak RSS stays bounded (< 200 MiB)" [ "$mem" -lt 200 ]
curl -sS -o /dev/null -X DELETE --data-binary \
	"{\"metadata\":{\"name\":\"amp-1\",\"namespace\":\"default\",\"uid\":\"$uid3\"}}" "$GW_URL/delete"

# ---- 6. an image that is a runtime option, a hostile request line ---------
uid4=55000000-4444-4222-8333-444444444444
out=$(curl -sS -w ' %{http_code}' --unix-socket "$SC_SOCK" --data-binary \
	"$(pod_body $uid4 p4 default --fakeroot '"slurm-job.vk.io/image-root":""')" http://unix/create)
check_match "image \"--fakeroot\" (with an empty image-root) is refused with 400" \
	"cannot start with '-'.* 400$" "$out"
out=$(curl -sS -w ' %{http_code}' --unix-socket "$SC_SOCK" --data-binary \
	"$(pod_body $uid4 p4 default busybox '"slurm-job.vk.io/image-root":"--fakeroot "')" http://unix/create)
check_match "an image-root that starts with '-' is refused with 400" \
	"image-root cannot start with '-'.* 400$" "$out"
check_eq "no job for either" 0 "$(jobs_of $uid4)"

python3 - "$SC_SOCK" "$GW_URL" <<'PY'
import socket, sys
def send(sock_addr, family, line):
    s = socket.socket(family)
    s.settimeout(5)
    s.connect(sock_addr)
    s.sendall(line + b"\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    try:
        s.recv(4096)
    except OSError:
        pass
    s.close()
port = int(sys.argv[2].rsplit(":", 1)[1])
evil = b"GET /x\x1b[31mred\x7f" + b"A" * 3000 + b" HTTP/1.1"
send(sys.argv[1], socket.AF_UNIX, evil)
send(("127.0.0.1", port), socket.AF_INET, evil)
PY
sleep 0.5
for f in "$SC_DIR/sidecar.log" "$GW_DIR/gateway.log"; do
	n=$(basename "$f" .log)
	check_fails "$n: no escape or DEL byte reaches the log" grep -q $'[\x1b\x7f]' "$f"
	line=$(grep -a 'GET /x?\[31mred?' "$f" | tail -n 1)
	check_match "$n: the path is logged sanitised and cut" '/x\?\[31mred\?A+\.\.\. ' "$line"
done

check "the sidecar is still up" kill -0 "$SC_PID"
check "the gateway is still up" kill -0 "$GW_PID"
t_done
