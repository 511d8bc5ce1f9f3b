# tests/upstream/k8s-lib.sh - a throwaway Kubernetes control plane on
# loopback for the upstream tests (sourced after tests/lib.sh and
# tests/upstream/lib.sh): etcd (Debian's etcd-server) and kube-apiserver
# with a PKI, service-account keys and kubeconfigs made here.  No
# scheduler or controller-manager: pods name their node, and what the
# controllers would make (the default ServiceAccount, the kube-root-ca.crt
# ConfigMap) is made by k8s_start.
#
# kube-apiserver and kubectl come from the Go module proxy
# (k8s.io/kubernetes, pinned in tests/upstream/k8s/go.mod), built by
# `make upstream-k8s` into $ILK_K8S_BIN (default
# /var/cache/interlink-ci/k8s-bin).

K8S_BIN=${ILK_K8S_BIN:-/var/cache/interlink-ci/k8s-bin}

# k8s_require: true when etcd, kube-apiserver and kubectl are here, else one
# SKIP line and the plan
k8s_require() {
	local p
	for p in "$K8S_BIN/kube-apiserver" "$K8S_BIN/kubectl" "$(command -v etcd)"; do
		if [[ ! -x $p ]]; then
			echo "ok 1 - Kubernetes control plane # SKIP not available: ${p:-etcd} (make upstream-k8s builds kube-apiserver and kubectl; tests/install-deps.sh installs etcd-server)"
			echo "1..1"
			return 1
		fi
	done
}

# k8s_cert NAME CN O SAN EKU: a key and a certificate from $K8S_PKI/ca
k8s_cert() {
	local d=$K8S_PKI n=$1 cn=$2 o=$3 san=$4 eku=$5 subj
	subj="/CN=$cn"
	[[ -z $o ]] || subj="/O=$o$subj"
	openssl ecparam -name prime256v1 -genkey -noout -out "$d/$n.key" 2>/dev/null
	openssl req -new -key "$d/$n.key" -subj "$subj" -out "$d/$n.csr" 2>/dev/null
	{
		echo "basicConstraints=CA:FALSE"
		echo "keyUsage=critical,digitalSignature,keyEncipherment"
		echo "extendedKeyUsage=$eku"
		[[ -z $san ]] || echo "subjectAltName=$san"
	} >"$d/$n.ext"
	openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -sha256 -extfile "$d/$n.ext" -out "$d/$n.crt" 2>/dev/null
}

# k8s_kubeconfig FILE CERT-NAME: a kubeconfig for $K8S_URL with that client
k8s_kubeconfig() {
	cat >"$1" <<-YAML
	apiVersion: v1
	kind: Config
	clusters:
	- name: test
	  cluster: {server: "$K8S_URL", certificate-authority: "$K8S_PKI/ca.crt"}
	users:
	- name: $2
	  user: {client-certificate: "$K8S_PKI/$2.crt", client-key: "$K8S_PKI/$2.key"}
	contexts:
	- name: test
	  context: {cluster: test, user: $2}
	current-context: test
	YAML
}

kubectl() { "$K8S_BIN/kubectl" --kubeconfig "$K8S_DIR/admin.kubeconfig" "$@"; }

# k8s_start DIR: etcd and kube-apiserver, ready.  Sets K8S_DIR K8S_PKI
# K8S_URL; DIR/admin.kubeconfig (system:masters) and DIR/node.kubeconfig
# (for the virtual-kubelet); DIR/pki/kubelet.{crt,key} serve the node's
# kubelet API (127.0.0.1).
k8s_start() {
	K8S_DIR=$1 K8S_PKI=$1/pki
	mkdir -p "$K8S_PKI" "$K8S_DIR/etcd"
	chmod 700 "$K8S_DIR/etcd"
	local d=$K8S_PKI ep pp ap
	openssl ecparam -name prime256v1 -genkey -noout -out "$d/ca.key" 2>/dev/null
	openssl req -new -x509 -key "$d/ca.key" -subj "/CN=test-kubernetes-ca" -days 2 \
		-sha256 -out "$d/ca.crt" 2>/dev/null
	k8s_cert apiserver kube-apiserver "" \
		"DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc,IP:127.0.0.1" serverAuth
	k8s_cert admin admin system:masters "" clientAuth
	k8s_cert kubelet-client kube-apiserver-kubelet-client system:masters "" clientAuth
	k8s_cert kubelet kubelet "" "IP:127.0.0.1,DNS:localhost" serverAuth
	# the node's client identity (the VK also creates leases and events)
	k8s_cert node "system:node:${K8S_NODE:-interlink-node}" system:masters "" clientAuth
	openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
	openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null

	ep=$(up_free_port) pp=$(up_free_port) ap=$(up_free_port)
	etcd --name test --data-dir "$K8S_DIR/etcd" \
		--listen-client-urls "http://127.0.0.1:$ep" --advertise-client-urls "http://127.0.0.1:$ep" \
		--listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
		--initial-cluster "test=http://127.0.0.1:$pp" \
		>"$K8S_DIR/etcd.log" 2>&1 &
	IL_PIDS+=("$!")
	"$K8S_BIN/kube-apiserver" \
		--etcd-servers "http://127.0.0.1:$ep" \
		--bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$ap" \
		--cert-dir "$K8S_DIR/apiserver-certs" \
		--tls-cert-file "$d/apiserver.crt" --tls-private-key-file "$d/apiserver.key" \
		--client-ca-file "$d/ca.crt" \
		--service-account-key-file "$d/sa.pub" --service-account-signing-key-file "$d/sa.key" \
		--service-account-issuer https://kubernetes.default.svc \
		--api-audiences https://kubernetes.default.svc \
		--authorization-mode RBAC \
		--service-cluster-ip-range 10.96.0.0/24 \
		--kubelet-client-certificate "$d/kubelet-client.crt" --kubelet-client-key "$d/kubelet-client.key" \
		--kubelet-certificate-authority "$d/ca.crt" \
		--kubelet-preferred-address-types InternalIP \
		--endpoint-reconciler-type none \
		>"$K8S_DIR/apiserver.log" 2>&1 &
	IL_PIDS+=("$!")
	K8S_URL=https://127.0.0.1:$ap
	k8s_kubeconfig "$K8S_DIR/admin.kubeconfig" admin
	k8s_kubeconfig "$K8S_DIR/node.kubeconfig" node
	# shellcheck disable=SC2317 # called through wait_for
	k8s_ready() { kubectl get --raw /readyz >/dev/null 2>&1; }
	if ! wait_for 90 k8s_ready; then
		t_diag "kube-apiserver did not become ready:"
		tail -n 20 "$K8S_DIR/apiserver.log" | sed 's/^/# /'
		tail -n 5 "$K8S_DIR/etcd.log" | sed 's/^/# /'
		return 1
	fi
	# what the controller-manager would have made
	kubectl create serviceaccount default >/dev/null 2>&1 || true
	kubectl create configmap kube-root-ca.crt --from-file=ca.crt="$d/ca.crt" >/dev/null 2>&1 || true
}
