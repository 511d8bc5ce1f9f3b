#!/bin/bash
# examples/k8s/ against a real kube-apiserver (tests/upstream/k8s-lib.sh):
# every manifest passes `kubectl apply --dry-run=server`, the Deployment
# keeps the layout and the security settings the README promises, and the
# gateway's configuration from the ConfigMap passes `interlink-api -t`.
# shellcheck source=tests/upstream/lib.sh
. "$(dirname "$0")/../upstream/lib.sh"
# shellcheck source=tests/upstream/k8s-lib.sh
. "$(dirname "$0")/../upstream/k8s-lib.sh"
k8s_require || exit 0
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../upstream/lib.sh"
. "$(dirname "$0")/../upstream/k8s-lib.sh"
K=$IL_SRC/examples/k8s

k8s_start "$W/k8s" || exit 1
t_ok "kube-apiserver ready on $K8S_URL"
# a server-side dry run needs the namespace to exist
mkns() { kubectl create namespace interlink >/dev/null; }
check "the namespace is created" mkns
for f in rbac gateway-config deployment; do
	out=$(kubectl apply --dry-run=server -f "$K/$f.yaml" 2>&1)
	check "kubectl apply --dry-run=server -f examples/k8s/$f.yaml" test $? -eq 0
	[[ $out == *"(server dry run)"* ]] || t_diag "$out"
done
d=$(kubectl apply --dry-run=server -o json -f "$K/deployment.yaml")
c() { jq -r ".spec.template.spec.containers[] | select(.name == \"$1\") | $2" <<<"$d"; }
check_eq "containers interlink and vk, as the chart names them" "interlink vk" \
	"$(jq -r '[.spec.template.spec.containers[].name] | join(" ")' <<<"$d")"
check_eq "interlink: non-root uid 65532" "true 65532" \
	"$(jq -r '.spec.template.spec.securityContext | "\(.runAsNonRoot) \(.runAsUser)"' <<<"$d")"
check_eq "interlink: read-only root, no privilege escalation, no capabilities" "true false ALL" \
	"$(c interlink '.securityContext | "\(.readOnlyRootFilesystem) \(.allowPrivilegeEscalation) \(.capabilities.drop | join(","))"')"
check_eq "interlink: liveness /healthz, readiness /readyz" "/healthz /readyz" \
	"$(c interlink '"\(.livenessProbe.httpGet.path) \(.readinessProbe.httpGet.path)"')"
check_match "interlink: resources set" '^[0-9]+m [0-9]+Mi$' \
	"$(c interlink '"\(.resources.limits.cpu) \(.resources.limits.memory)"')"
check_eq "interlink: listens on 3000" 3000 "$(c interlink '.ports[] | select(.name == "api") | .containerPort')"

# the gateway's configuration, with this PKI's files in place of the Secret's
cfg=$(kubectl apply --dry-run=server -o json -f "$K/gateway-config.yaml" |
	jq -r '.items[] | select(.metadata.name == "hpc-node-interlink-config") | .data["InterLinkConfig.yaml"]')
sed -e "s|/etc/interlink/tls/tls.crt|$IL_PKI/gateway.crt|; s|/etc/interlink/tls/tls.key|$IL_PKI/gateway.key|" \
	-e "s|/etc/interlink/tls/ca.crt|$IL_PKI/ca.crt|" <<<"$cfg" >"$W/gw.yaml"
out=$("$IL_BUILD/interlink-api" -t -c "$W/gw.yaml" 2>&1)
check "the gateway accepts the ConfigMap's configuration (interlink-api -t)" test $? -eq 0
[[ -z $out ]] || t_diag "$out"
vkcfg=$(kubectl apply --dry-run=server -o json -f "$K/gateway-config.yaml" |
	jq -r '.items[] | select(.metadata.name == "hpc-node-virtual-kubelet-config") | .data["InterLinkConfig.yaml"]')
check_match "the VK's InterlinkURL/Port point at the gateway's 3000" \
	'InterlinkURL: "http://localhost"'$'\n''InterlinkPort: "3000"' "$vkcfg"
t_done
