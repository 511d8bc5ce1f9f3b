#!/bin/bash
# interlink-certs: a CA, a sidecar, a gateway and a vk certificate with
# private keys; `check` says who accepts what and fails on an expired
# certificate, a key that is not the certificate's, a key readable by
# others, or a certificate from another CA; nothing is replaced without
# --force. The daemons accept what it makes (the test PKI of every other
# test comes from it through tests/gen-certs.sh).
. "$(dirname "$0")/../lib.sh"
C=$IL_SRC/tools/interlink-certs.sh
q() { "$@" >>"$W/out.log" 2>&1; }
d=$W/tls

check "ca" q "$C" -d "$d" ca
check "sidecar --san" q "$C" -d "$d" sidecar --san sidecar,localhost,127.0.0.1
check "gateway --san" q "$C" -d "$d" gateway --san interlink.example.org,IP:10.0.0.5
check "vk NAME" q "$C" -d "$d" vk vk-prod
check_fails "a server certificate without --san is refused" q "$C" -d "$d" --force sidecar
for n in ca sidecar gateway vk-prod; do
	check_eq "$n.key has mode 600" 600 "$(stat -c %a "$d/$n.key")"
	check_eq "$n.crt has mode 644" 644 "$(stat -c %a "$d/$n.crt")"
done
check_fails "an existing certificate is not replaced without --force" q "$C" -d "$d" vk vk-prod
check "... and is with --force" q "$C" -d "$d" --force vk vk-prod

out=$(openssl x509 -in "$d/sidecar.crt" -noout -ext subjectAltName,extendedKeyUsage 2>&1)
check_match "sidecar.crt: its SANs" 'DNS:sidecar, DNS:localhost, IP Address:127.0.0.1' "$out"
check_match "sidecar.crt: serverAuth" 'TLS Web Server Authentication' "$out"
out=$(openssl x509 -in "$d/gateway.crt" -noout -ext extendedKeyUsage 2>&1)
check_match "gateway.crt: serverAuth and clientAuth" 'Server Authentication, TLS Web Client Authentication' "$out"
end=$(date -u -d "$(openssl x509 -in "$d/vk-prod.crt" -noout -enddate | cut -d= -f2)" +%s)
days=$(((end - $(date +%s)) / 86400))
check "a leaf lives about 13 months ($days days)" test "$days" -ge 390 -a "$days" -le 397

out=$("$C" -d "$d" check 2>&1)
rc=$?
check_eq "check: a good set passes" 0 "$rc"
check_match "check: the sidecar certificate is a server certificate for its names" \
	'sidecar.crt: CN=sidecar.*as a server certificate.*DNS:sidecar, DNS:localhost, IP:127.0.0.1.*not a client certificate' "$(tr '\n' ' ' <<<"$out")"
check_match "check: the vk certificate is accepted by the sidecar and the gateway as a client" \
	'vk-prod.crt: CN=vk-prod.*expires [0-9-]+ \(in [0-9]+ days\).*as a client certificate: accepted by servers trusting ca.crt \(sidecar-slurm TLS.CACertFile, interlink-api TLS.CACertFile\)' "$(tr '\n' ' ' <<<"$out")"

# the negative cases
cp "$d/vk-prod.key" "$W/saved.key"
cp "$d/gateway.key" "$d/vk-prod.key"
out=$("$C" -d "$d" check "$d/vk-prod.crt" 2>&1)
check_match "check: a key of another certificate is a problem" 'PROBLEM: .*vk-prod.key does not belong' "$out"
cp "$W/saved.key" "$d/vk-prod.key"
chmod 644 "$d/vk-prod.key"
out=$("$C" -d "$d" check "$d/vk-prod.crt" 2>&1)
check_match "check: a key readable by others is a problem" 'PROBLEM: .*mode 644' "$out"
chmod 600 "$d/vk-prod.key"
check_fails "check: the test PKI's expired certificate fails" q "$C" -d "$IL_PKI" check "$IL_PKI/expired.crt"
out=$("$C" -d "$IL_PKI" check "$IL_PKI/expired.crt" "$IL_PKI/rogue.crt" 2>&1)
check_match "check: says expired" 'expired.crt: .*PROBLEM: expired on' "$(tr '\n' ' ' <<<"$out")"
check_match "check: says another CA's certificate is accepted by no one trusting ours" 'rogue.crt: .*PROBLEM: not signed by' "$(tr '\n' ' ' <<<"$out")"
check "check: the test PKI's real certificates pass" q "$C" -d "$IL_PKI" check \
	"$IL_PKI/ca.crt" "$IL_PKI/sidecar.crt" "$IL_PKI/gateway.crt" "$IL_PKI/vk.crt"

# a sidecar with these certificates accepts the gateway's and refuses none
cat >"$W/sc.yaml" <<YAML
SidecarAddress: "127.0.0.1"
SidecarPort: "0"
AllowRootJobs: true
StateDirectory: "$W/state"
DataRootFolder: "$W/pods"
TLS: {Enabled: true, CertFile: "$d/sidecar.crt", KeyFile: "$d/sidecar.key", CACertFile: "$d/ca.crt"}
YAML
out=$("$IL_BUILD/sidecar-slurm" -t -c "$W/sc.yaml" 2>&1)
check_match "sidecar-slurm -t accepts them" 'configuration OK' "$out"
t_done
