#!/bin/bash
# Two hosts on one Docker network, each with its own address: the
# Kubernetes side (the gateway image, 0630) and the HPC side (a Debian root
# made with mmdebstrap, images/hpc/build.sh: munged, slurmctld, slurmd and
# sidecar-slurm, whose certificate names its host "sidecar").  ilctl (the
# virtual-kubelet's protocol) drives the gateway from this machine.
#  - the conformance path across the network: ping, create, status, logs
#  - the link cut for 60 s (docker network disconnect) and restored: no
#    crash, ping fails with a clear reason, creates get 503, a running pod
#    keeps its last state, a pod that ended during the cut is seen ended
#    afterwards, no job lost or duplicated
#  - the HPC host restarted while the gateway keeps answering from its table
# Skipped when Docker or mmdebstrap cannot be used here.
. "$(dirname "$0")/../lib.sh"

skip_all() { echo "ok 1 - two hosts # SKIP $1"; echo "1..1"; exit 0; }
docker info >/dev/null 2>&1 || skip_all "docker is not available"
command -v mmdebstrap >/dev/null || skip_all "mmdebstrap is not installed"

ID=$$
GW_TAG=interlink-c/interlink-api:test2-$ID HPC_TAG=interlink-c/hpc-node:test-$ID
NET=ilk-net-$ID LAN=ilk-hpclan-$ID HPC=ilk-hpc-$ID GW=ilk-gw-$ID
two_cleanup() {
	docker rm -f "$GW" "$HPC" >/dev/null 2>&1
	docker network rm "$NET" "$LAN" >/dev/null 2>&1
	docker rmi "$GW_TAG" "$HPC_TAG" >/dev/null 2>&1
	il_cleanup
}
trap two_cleanup EXIT
trap 'exit 143' TERM

out=$(bash "$IL_SRC/images/gateway/build.sh" "$IL_BUILD" "$GW_TAG" 2>&1) ||
	{ t_fail "gateway image builds"; t_diag "$out"; t_done; exit 1; }
out=$(bash "$IL_SRC/images/hpc/build.sh" "$IL_BUILD" "$HPC_TAG" 2>&1)
check "the HPC image builds from Debian's mirror" test $? -eq 0
t_diag "$out"
# The link between the hosts: a network with a subnet of its own (Docker
# picks a free one, the network is made again with it as user-configured),
# so the HPC host comes back with the same address.  The HPC host also has
# its own network, which stays up: a host without any interface has no
# address for its own services (getaddrinfo's AI_ADDRCONFIG).
mknet() {
	local sub
	docker network create "$NET" >/dev/null || return 1
	sub=$(docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "$NET")
	docker network rm "$NET" >/dev/null
	[[ -n $sub ]] && docker network create --subnet "$sub" "$NET" >/dev/null &&
		docker network create "$LAN" >/dev/null
}
check "Docker networks: the link between the hosts, the HPC host's own" mknet

# ---- the HPC host -------------------------------------------------------------
H=$W/hpc
mkdir -p "$H/pki"
chmod 755 "$H" # munged's socket dir must be reachable
cp "$IL_PKI"/{ca.crt,sidecar.crt,sidecar.key} "$H/pki/"
cat >"$H/SlurmConfig.yaml" <<'YAML'
SidecarAddress: "0.0.0.0"
SidecarPort: "4000"
DataRootFolder: "/hpc/pods"
StateDirectory: "/hpc/state"
AllowRootJobs: true
SingularityPath: "/src/tests/fake-apptainer"
ImagePrefix: "docker://"
StatusPollIntervalMs: 300
VerboseLogging: true
TLS:
  Enabled: true
  CertFile: "/hpc/pki/sidecar.crt"
  KeyFile: "/hpc/pki/sidecar.key"
  CACertFile: "/hpc/pki/ca.crt"
YAML
cat >"$H/start.sh" <<'SH'
#!/bin/bash
# The HPC host's boot: Slurm (kept across a restart), then the sidecar.
S=/hpc/slurm
if [[ -s $S/slurm.conf && -s $S/munge/munge.key ]]; then
	sock=$S/munge/munge.socket
	rm -f "$sock" "$S"/munge/*.pid "$S"/*.pid
	munged --key-file="$S/munge/munge.key" --socket="$sock" --pid-file="$S/munge/munged.pid" \
		--log-file="$S/munge/munged.log" --seed-file="$S/munge/munged.seed" || exit 1
	slurmctld -f "$S/slurm.conf" || exit 1
	slurmd -N localhost -f "$S/slurm.conf" || exit 1
	export SLURM_CONF=$S/slurm.conf MUNGE_SOCKET=$sock
	echo "$(date -u +%T) host restarted, Slurm state kept" >>/hpc/boot.log
else
	eval "$(bash /src/tests/slurm-cluster.sh start "$S" 2>>/hpc/boot.log)" || exit 1
fi
printf 'export SLURM_CONF=%q MUNGE_SOCKET=%q\n' "$SLURM_CONF" "$MUNGE_SOCKET" >/hpc/cluster.env
exec /il/sidecar-slurm -c /hpc/SlurmConfig.yaml >>/hpc/sidecar.log 2>&1
SH
chmod 755 "$H/start.sh"
hpc_run() { docker run "$@" >/dev/null; }
check "the HPC host starts (munged, slurmctld, slurmd, sidecar)" \
	hpc_run -d --init --name "$HPC" --hostname sidecar --network "$NET" --network-alias sidecar \
	-v "$H:/hpc" -v "$IL_SRC:/src:ro" -v "$IL_BUILD:/il:ro" "$HPC_TAG" /hpc/start.sh
docker network connect "$LAN" "$HPC"
hx() { docker exec "$HPC" bash -c ". /hpc/cluster.env && $1"; }
sc_up() { grep -q 'listening on https://' "$H/sidecar.log" 2>/dev/null; }
if ! check "the sidecar listens on the HPC host" wait_for 90 sc_up; then
	sed 's/^/# /' "$H/boot.log" "$H/sidecar.log" 2>/dev/null | tail -n 30
fi
HPC_IP=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$HPC")

# ---- the Kubernetes host: the gateway image ---------------------------------------
cfg=$W/gw-etc
mkdir -p "$cfg/tls"
cp "$IL_PKI"/{ca.crt,gateway.crt,gateway.key} "$cfg/tls/"
cat >"$cfg/InterLinkConfig.yaml" <<'YAML'
InterlinkAddress: "https://0.0.0.0"
TLS:
  Enabled: true
  CertFile: /etc/interlink/tls/gateway.crt
  KeyFile: /etc/interlink/tls/gateway.key
  CACertFile: /etc/interlink/tls/ca.crt
SidecarURL: "https://sidecar"
SidecarPort: "4000"
SidecarTimeoutSeconds: 10
SidecarTLS:
  CertFile: /etc/interlink/tls/gateway.crt
  KeyFile: /etc/interlink/tls/gateway.key
  CACertFile: /etc/interlink/tls/ca.crt
StatusRefreshIntervalMs: 500
VerboseLogging: true
YAML
chown -R 65532:65532 "$cfg"
check "the gateway host starts" hpc_run -d --name "$GW" --network "$NET" --read-only --cap-drop ALL \
	-p 127.0.0.1::3000 -v "$cfg:/etc/interlink:ro" "$GW_TAG"
GW_IP=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$GW")
t_diag "HPC host $HPC_IP (sidecar), gateway host $GW_IP"
check "each host has its own address" test -n "$HPC_IP" -a -n "$GW_IP" -a "$HPC_IP" != "$GW_IP"
hp=$(docker port "$GW" 3000/tcp | head -n 1)
URL=https://127.0.0.1:${hp##*:}
il() { "$IL_BUILD/ilctl" --url "$URL" --cacert "$IL_PKI/ca.crt" --cert "$IL_PKI/vk.crt" \
	--key "$IL_PKI/vk.key" --state-dir "$W/ilctl" "$@"; }
ping_ok() { il ping >/dev/null 2>&1; }
check "ping across the network (gateway -> sidecar, mutual TLS)" wait_for 30 ping_ok

podyaml() { # NAME SHELL-COMMAND
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec:\n  restartPolicy: Never\n  containers:\n    - {name: main, image: busybox, command: ["sh", "-c", %s]}\n' \
		"$1" "$(jq -Rn --arg c "$2" '$c')" >"$W/$1.yaml"
}
created=()
mk() { il create -f "$W/$1.yaml" >"$W/$1.create" 2>&1 && created+=("$1"); }
state() { # POD: its container's state, or the error
	local o
	o=$(il status "$1" -o json 2>&1) || { echo "error: ${o:0:200}"; return; }
	jq -r '.[0].containers[0].state | keys[0] // "none"' <<<"$o"
}
is_state() { [[ $(state "$1") == "$2" ]]; }

podyaml hello 'echo hello across hosts; exit 0'
check "create across the network" mk hello
check "hello ends" wait_for 40 is_state hello terminated
check_eq "hello exited 0" 0 "$(il status hello -o json | jq -r '.[0].containers[0].state.terminated.exitCode')"
check_match "logs across the network" 'hello across hosts' "$(il logs hello 2>&1)"

# ---- the link cut ----------------------------------------------------------------------
podyaml long 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 1; done'
podyaml short 'echo short begins; sleep 8; echo short ends'
check "create long" mk long
check "create short (ends during the cut)" mk short
check "long runs" wait_for 40 is_state long running
check "short runs" wait_for 40 is_state short running
cut_at=$SECONDS
check "the link is cut (docker network disconnect)" docker network disconnect "$NET" "$HPC"
sleep 3
out=$(il ping 2>&1); rc=$?
check "ping fails while the link is cut" test "$rc" -ne 0
t_diag "ping during the cut: ${out:0:300}"
check_match "with a clear reason (503, the sidecar)" '503|[Ss]idecar' "$out"
podyaml during 'echo created during the cut'
out=$(il create -f "$W/during.yaml" 2>&1); rc=$?
check "a create during the cut fails" test "$rc" -ne 0
check_match "with 503" 'HTTP 503' "$out"
t_diag "create during the cut: ${out:0:300}"
check_eq "long keeps its last state" running "$(state long)"
sleep 10 # short ends on the HPC side meanwhile
check_eq "short keeps its last state (the gateway cannot know it ended)" running "$(state short)"
check_eq "the gateway did not crash" true "$(docker inspect -f '{{.State.Running}}' "$GW")"
check_eq "the sidecar did not crash" true "$(docker inspect -f '{{.State.Running}}' "$HPC")"
left=$((60 - (SECONDS - cut_at)))
((left > 0)) && sleep "$left"
t_diag "link restored after $((SECONDS - cut_at)) s"
check "the link is restored with the same address" \
	docker network connect --ip "$HPC_IP" --alias sidecar "$NET" "$HPC"
check "ping works again" wait_for 60 ping_ok
check "short is seen ended" wait_for 30 is_state short terminated
check_eq "short exited 0" 0 "$(il status short -o json | jq -r '.[0].containers[0].state.terminated.exitCode')"
check_match "short's log is complete" 'short ends' "$(il logs short 2>&1)"
check_eq "long still runs" running "$(state long)"
check "the create refused during the cut works now" mk during
check "during ends" wait_for 40 is_state during terminated
jobs_of() { # UID: the pod's jobs in Slurm
	hx "scontrol -o show jobs" | grep -c "Comment=interlink-pod=$1\b"
}
pod_uid() { jq -r '.metadata.uid' "$W/ilctl/default_$1.json" 2>/dev/null; }
dup=
for p in "${created[@]}"; do
	n=$(jobs_of "$(pod_uid "$p")")
	[[ $n == 1 ]] || dup+=" $p:$n"
done
check_eq "every pod has exactly one Slurm job (${#created[@]} pods)" "" "$dup"

# ---- the HPC host restarts; the gateway answers from its table ----------------------------
dk() { docker "$@" >/dev/null; }
check "the HPC host is stopped" dk stop -t 5 "$HPC"
check_match "during it, the gateway still answers status from its table" '^(running|terminated)$' "$(state long)"
check_eq "and a pod that had ended is still reported ended" terminated "$(state hello)"
check "the HPC host boots again" dk start "$HPC"
sc_again() { [[ $(grep -c 'listening on https://' "$H/sidecar.log") -ge 2 ]]; }
check "its sidecar comes back" wait_for 90 sc_again
check "ping works after the restart" wait_for 60 ping_ok
long_settled() { [[ $(state long) =~ ^(running|terminated)$ ]]; }
check "long is still tracked after the restart" wait_for 30 long_settled
t_diag "long after the HPC host's restart: $(il status long 2>&1 | tail -n +2 | tr -s ' ')"
podyaml after 'echo after the restart'
check "a create after the restart works" mk after
check "after ends" wait_for 60 is_state after terminated
for p in "${created[@]}"; do il delete "$p" >/dev/null 2>&1; done
empty() { [ -z "$(ls -A "$H/pods" 2>/dev/null)" ]; }
check "every pod folder is removed after delete" wait_for 30 empty
if [[ $T_FAILED != 0 ]]; then
	docker logs "$GW" 2>&1 | tail -n 15 | sed 's/^/# gw: /'
	tail -n 15 "$H/sidecar.log" | sed 's/^/# sc: /'
fi
t_done
