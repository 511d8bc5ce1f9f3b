#!/bin/bash
# The gateway image (images/gateway/build.sh, `make image`) run with
# `docker run` as upstream's interlink container runs: non-root, read-only
# root file system, no capabilities, its config at
# /etc/interlink/InterLinkConfig.yaml (or $INTERLINKCONFIGPATH), listening on
# 3000 (https with client certificates here), forwarding over mutual TLS to
# a sidecar on the host's Docker bridge address.  Driven through the
# virtual-kubelet's protocol with ilctl: ping, create, status, logs, delete.
# Skipped when Docker cannot run containers here.
. "$(dirname "$0")/../lib.sh"

if ! docker info >/dev/null 2>&1; then
	echo "ok 1 - gateway image # SKIP docker is not available"; echo "1..1"; exit 0
fi
TAG=interlink-c/interlink-api:test-$$
NAME=ilk-gw-test-$$
img_cleanup() { docker rm -f "$NAME" >/dev/null 2>&1; docker rmi "$TAG" >/dev/null 2>&1; il_cleanup; }
trap img_cleanup EXIT
trap 'exit 143' TERM

out=$(bash "$IL_SRC/images/gateway/build.sh" "$IL_BUILD" "$TAG" 2>&1)
built() { docker image inspect "$TAG" >/dev/null 2>&1; }
check "the image builds without a registry" built
t_diag "$out"
size=$(docker image inspect -f '{{.Size}}' "$TAG" 2>/dev/null || echo 0)
check "the image is at most 30 MB ($((size / 1000)) kB)" test "$size" -gt 0 -a "$size" -le 30000000
check_eq "the image runs as uid 65532" 65532:65532 "$(docker image inspect -f '{{.Config.User}}' "$TAG")"
check_match "the image exposes 3000" '3000/tcp' "$(docker image inspect -f '{{json .Config.ExposedPorts}}' "$TAG")"

# ---- a sidecar the container can reach: the bridge's host address ------------
BRIDGE=$(docker network inspect bridge -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}' 2>/dev/null)
[[ -n $BRIDGE ]] || BRIDGE=$(ip -4 -o addr show dev docker0 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
SC_DIR=$W/sc SC_DATA=$W/sc/pods
mkdir -p "$SC_DIR"
cat >"$SC_DIR/SlurmConfig.yaml" <<YAML
SidecarAddress: "$BRIDGE"
SidecarPort: "0"
DataRootFolder: "$SC_DATA"
StateDirectory: "$SC_DIR/state"
AllowRootJobs: true
SingularityPath: "$IL_RUNTIME"
ImagePrefix: "docker://"
StatusPollIntervalMs: 300
VerboseLogging: true
TLS:
  Enabled: true
  CertFile: "$IL_PKI/sidecar.crt"
  KeyFile: "$IL_PKI/sidecar.key"
  CACertFile: "$IL_PKI/ca.crt"
YAML
"$IL_BUILD/sidecar-slurm" -c "$SC_DIR/SlurmConfig.yaml" >"$SC_DIR/sidecar.log" 2>&1 &
IL_PIDS+=("$!")
wait_for 10 grep -q 'listening on https://' "$SC_DIR/sidecar.log" || {
	t_fail "sidecar starts on $BRIDGE"; sed 's/^/# /' "$SC_DIR/sidecar.log"; t_done; exit 1; }
SC_PORT=$(logged_port "$SC_DIR/sidecar.log")

# ---- the container ---------------------------------------------------------------
cfg=$W/etc-interlink
mkdir -p "$cfg/tls"
cp "$IL_PKI"/{ca.crt,gateway.crt,gateway.key} "$cfg/tls/"
chown -R 65532:65532 "$cfg"
chmod 0400 "$cfg/tls/gateway.key"
cat >"$cfg/InterLinkConfig.yaml" <<YAML
InterlinkAddress: "https://0.0.0.0"
TLS:
  Enabled: true
  CertFile: /etc/interlink/tls/gateway.crt
  KeyFile: /etc/interlink/tls/gateway.key
  CACertFile: /etc/interlink/tls/ca.crt
SidecarURL: "https://sidecar"
SidecarPort: "$SC_PORT"
SidecarTLS:
  CertFile: /etc/interlink/tls/gateway.crt
  KeyFile: /etc/interlink/tls/gateway.key
  CACertFile: /etc/interlink/tls/ca.crt
MetricsAddress: "0.0.0.0:9090"
VerboseLogging: true
YAML
sed 's/VerboseLogging: true/VerboseLogging: false/' "$cfg/InterLinkConfig.yaml" >"$cfg/other.yaml"
chown 65532:65532 "$cfg"/*.yaml
run=(docker run --read-only --cap-drop ALL --security-opt no-new-privileges
	--add-host "sidecar:$BRIDGE" -v "$cfg:/etc/interlink:ro")
out=$("${run[@]}" --rm -e INTERLINKCONFIGPATH=/etc/interlink/other.yaml "$TAG" -T 2>&1)
check_match "\$INTERLINKCONFIGPATH names the file read" 'VerboseLogging: false' "$out"
detached() { "${run[@]}" -d --name "$NAME" -p 127.0.0.1::3000 -p 127.0.0.1::9090 "$TAG" >/dev/null; }
check "it starts detached (read-only root, no capabilities)" detached
hp=$(docker port "$NAME" 3000/tcp | head -n 1) mp=$(docker port "$NAME" 9090/tcp | head -n 1)
t_diag "gateway at https://$hp, ops at http://$mp"
URL=https://127.0.0.1:${hp##*:}
il() { "$IL_BUILD/ilctl" --url "$URL" --cacert "$IL_PKI/ca.crt" --cert "$IL_PKI/vk.crt" \
	--key "$IL_PKI/vk.key" --state-dir "$W/ilctl" "$@"; }
ready() { curl -fsS "http://127.0.0.1:${mp##*:}/readyz" >/dev/null 2>&1; }
check "/readyz: the container reached the sidecar over mutual TLS" wait_for 20 ready
pid=$(docker inspect -f '{{.State.Pid}}' "$NAME")
check_match "the process runs as uid 65532" '^Uid:[[:space:]]+65532[[:space:]]' \
	"$(grep '^Uid:' "/proc/$pid/status" 2>&1)"
check_eq "the root file system is read-only" true "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$NAME")"
check_match "it listens on 3000 inside the container" ':0BB8 ' "$(cat "/proc/$pid/net/tcp" "/proc/$pid/net/tcp6" 2>/dev/null | awk '$4 == "0A"')"

# ---- the virtual-kubelet's calls -----------------------------------------------------
check "ping through the container" il ping
check "create hello through the container" il create -f "$IL_SRC/examples/pods/hello.yaml"
check "hello ends" il wait hello --for terminated --timeout 60
st=$(il status hello -o json 2>&1)
check_match "hello exited 0" '"exitCode":0' "$st"
check_match "logs through the container" 'Hello from pod' "$(il logs hello 2>&1)"
jid=$(grep -o '"JID":"[0-9]*"' <<<"$st" | grep -o '[0-9]*' | head -n 1)
check_match "the pod ran as Slurm job ${jid:-?}" 'JobState=COMPLETED' "$(scontrol show job "${jid:-0}" 2>&1)"
check "delete through the container" il delete hello
gone() { [ -z "$(ls -A "$SC_DATA" 2>/dev/null)" ]; }
check "the pod folder is removed" wait_for 20 gone
check_fails "no write was refused by the read-only root" \
	grep -qi 'read-only file system' <(docker logs "$NAME" 2>&1)
[[ $T_FAILED == 0 ]] || docker logs "$NAME" 2>&1 | tail -n 20 | sed 's/^/# /'
t_done
