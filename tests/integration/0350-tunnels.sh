#!/bin/bash
# Upstream's port-exposure annotations (interlink.eu/wstunnel-, rathole-,
# ssh-client-commands) and the mesh script in pre-exec: refused with 403
# unless AllowTunnelAnnotations; with it, a real Slurm job runs the client
# command in the background before the containers (here a stand-in that
# opens a TCP connection back to a listener this test runs on loopback),
# its output shows in the pod's logs as container interlink-tunnels, and
# it is stopped with the pod.
. "$(dirname "$0")/../lib.sh"

il_start_sidecar sc "AllowRootJobs: true" || exit 1
il_start_gateway gw || exit 1

pod() { # NAME ANNOTATION-KEY ANNOTATION-VALUE CMD
	jq -n --arg n "$1" --arg k "$2" --arg v "$3" --arg c "$4" '{
	  apiVersion: "v1", kind: "Pod",
	  metadata: {name: $n, annotations: {($k): $v}},
	  spec: {containers: [{name: "main", image: "busybox",
	                       command: ["sh", "-c", $c]}]}}'
}
done_ok() { ilctl status "$1" -o json | grep -q '"terminated"'; }

for k in wstunnel rathole ssh; do
	pod "no-$k" "interlink.eu/$k-client-commands" "touch $W/ran-$k" true \
		>"$W/no-$k.json"
	out=$(ilctl create -f "$W/no-$k.json" 2>&1)
	check_match "$k client commands are refused with 403 without the key" \
		"HTTP 403.*interlink.eu/$k-client-commands.*AllowTunnelAnnotations" "$out"
done
pod no-mesh slurm-job.vk.io/pre-exec \
	"$(printf "cat <<'EOFMESH' > \$TMPDIR/mesh.sh\nexec \"\$@\"\nEOFMESH\n")" \
	true >"$W/no-mesh.json"
out=$(ilctl create -f "$W/no-mesh.json" 2>&1)
check_match "a mesh script is refused with 403 without the key" \
	"HTTP 403.*mesh network script.*AllowTunnelAnnotations" "$out"
check_eq "no job was submitted for the refused pods" 0 \
	"$(squeue -h -o %k | grep -c 'interlink-pod=' || true)"

# with the key
il_start_sidecar sc2 "AllowRootJobs: true
AllowTunnelAnnotations: true" || exit 1
il_start_gateway gw2 || exit 1

# the listener: accepts one connection, keeps the line it reads
python3 - "$W/port" "$W/got" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(120)
c, _ = s.accept()
line = c.makefile().readline()
open(sys.argv[2] + ".tmp", "w").write(line)
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
PY
IL_PIDS+=("$!")
wait_for 10 test -s "$W/port" || t_fail "the listener did not start"
port=$(cat "$W/port")

# the stand-in client: dials back, says who it is, stays up like a tunnel
client="echo \"client pid \$\$ dialing 127.0.0.1:$port\"
echo \$\$ >$W/client.pid
exec 3<>/dev/tcp/127.0.0.1/$port || exit 1
echo \"tunnel-up job=\$SLURM_JOB_ID\" >&3
exec sleep 600"
pod tun interlink.eu/wstunnel-client-commands "$client" \
	"for i in \$(seq 600); do [ -s $W/got ] && exit 0; sleep 0.1; done; exit 7" \
	>"$W/tun.json"
check "a pod with a wstunnel client command is accepted" \
	ilctl create -f "$W/tun.json"
check "and its pod ends" wait_for 120 done_ok tun
check_match "the container succeeded: the client had dialled back first" \
	'"exitCode": *0' "$(ilctl status tun -o json)"
check_match "the listener got the client's line from inside the job" \
	"^tunnel-up job=[0-9]+" "$(cat "$W/got" 2>/dev/null)"
logs=$(ilctl logs tun -c interlink-tunnels 2>&1)
check_match "the client's output is in the pod's logs (interlink-tunnels)" \
	"\[wstunnel\] client pid [0-9]+ dialing 127.0.0.1:$port" "$logs"
pid=$(cat "$W/client.pid" 2>/dev/null)
check_match "the client recorded its pid" '^[0-9]+$' "$pid"
client_gone() { ! kill -0 "$pid" 2>/dev/null; }
check "the client was stopped with the pod" wait_for 30 client_gone
check_match "the job script holds the command in a quoted file write" \
	"printf '%s\\\\n' 'echo \"client pid" "$(cat "$SC_DATA"/default-*/job.slurm)"
ilctl delete tun >/dev/null 2>&1

# the mesh script wraps the containers: they inherit what it sets (here a
# soft limit, which the runtime keeps, where the real one sets a network
# namespace up)
pod mesh slurm-job.vk.io/pre-exec \
	"$(printf "cat <<'EOFMESH' > \$TMPDIR/mesh.sh\necho mesh up\nulimit -S -n 777\nexec \"\$@\"\nEOFMESH\n")" \
	'echo "nofile=$(ulimit -S -n)"' >"$W/mesh.json"
check "a pod with a mesh script is accepted" ilctl create -f "$W/mesh.json"
check "and its pod ends" wait_for 120 done_ok mesh
check_eq "its container ran under the mesh script" "nofile=777" \
	"$(ilctl logs mesh)"
check_match "the mesh script's output is in interlink-tunnels" \
	"\[mesh\] mesh up" "$(ilctl logs mesh -c interlink-tunnels 2>&1)"
ilctl delete mesh >/dev/null 2>&1
t_done
