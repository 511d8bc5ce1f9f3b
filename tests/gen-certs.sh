#!/bin/bash
# gen-certs.sh DIR - make the test PKI (ECDSA P-256, PKCS#8 keys, mode 0600).
#
#   ca.crt/.key          test CA
#   sidecar.crt/.key     CN=sidecar; SAN DNS:sidecar, DNS:localhost, IP:127.0.0.1; serverAuth
#   gateway.crt/.key     CN=interlink-api; SAN DNS:interlink, DNS:localhost, IP:127.0.0.1;
#                        serverAuth + clientAuth (server cert and client cert to the sidecar)
#   vk.crt/.key          CN=virtual-kubelet; clientAuth
#   rogue-ca.crt/.key    another CA
#   rogue.crt/.key       CN=interlink-api from the rogue CA; clientAuth
#   expired.crt/.key     CN=interlink-api, real CA, clientAuth, valid 2020-01-01..2021-01-01
#   wrongeku.crt/.key    CN=interlink-api, real CA, serverAuth only
#   noname.crt/.key      O=interlink tests (no CN, no SAN), real CA, clientAuth
#
# The negative certs carry the gateway's CN so that a test sees only the one
# defect. Quiet on success; on failure prints openssl's output and exits 1.
# Existing files in DIR are replaced.
set -euo pipefail

die() { printf 'gen-certs: %s\n' "$*" >&2; exit 1; }
(($# == 1)) || die "usage: gen-certs.sh DIR"
command -v openssl >/dev/null || die "openssl not found"
mkdir -p -- "$1" || die "cannot create '$1'"
out=$(cd -- "$1" && pwd -P)

# Work in a private temp dir inside DIR, move the results in at the end.
umask 077
w=$(mktemp -d "$out/.gen-certs.XXXXXX")
trap 'rm -rf -- "$w"' EXIT
log=$w/openssl.log
ossl() {
	if ! openssl "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		die "openssl $1 failed"
	fi
}
days=3650

key() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$w/$1.key"; }

# ca NAME CN
ca() {
	key "$1"
	ossl req -new -x509 -key "$w/$1.key" -out "$w/$1.crt" -days "$days" -sha256 -subj "/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-addext "subjectKeyIdentifier=hash"
}

# ext NAME EKU [SAN] - write the extension file for a leaf certificate
ext() {
	{
		echo "basicConstraints=critical,CA:FALSE"
		echo "keyUsage=critical,digitalSignature"
		echo "extendedKeyUsage=$2"
		echo "subjectKeyIdentifier=hash"
		echo "authorityKeyIdentifier=keyid"
		[[ -z ${3:-} ]] || echo "subjectAltName=$3"
	} >"$w/$1.ext"
}

# leaf NAME CA CN EKU [SAN] (CN "-": a subject without a CN)
leaf() {
	local subj="/CN=$3"
	[[ $3 != - ]] || subj="/O=interlink tests"
	key "$1"
	ossl req -new -key "$w/$1.key" -out "$w/$1.csr" -subj "$subj"
	ext "$1" "$4" "${5:-}"
	ossl x509 -req -in "$w/$1.csr" -CA "$w/$2.crt" -CAkey "$w/$2.key" \
		-CAserial "$w/$2.srl" -CAcreateserial -out "$w/$1.crt" -days "$days" -sha256 \
		-extfile "$w/$1.ext"
}

ca ca "interlink test CA"
ca rogue-ca "rogue test CA"
leaf sidecar ca sidecar serverAuth "DNS:sidecar,DNS:localhost,IP:127.0.0.1"
leaf gateway ca interlink-api serverAuth,clientAuth "DNS:interlink,DNS:localhost,IP:127.0.0.1"
leaf vk ca virtual-kubelet clientAuth
leaf rogue rogue-ca interlink-api clientAuth
leaf wrongeku ca interlink-api serverAuth
leaf noname ca - clientAuth

# expired: `openssl x509 -req` (3.0) cannot set past dates; `openssl ca` can.
key expired
ossl req -new -key "$w/expired.key" -out "$w/expired.csr" -subj "/CN=interlink-api"
ext expired clientAuth
mkdir "$w/db"
: >"$w/db/index.txt"
cat >"$w/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
dir = $w/db
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
EOF
ossl rand -hex -out "$w/db/serial" 16
ossl ca -batch -config "$w/ca.cnf" -cert "$w/ca.crt" -keyfile "$w/ca.key" -notext \
	-startdate 20200101000000Z -enddate 20210101000000Z \
	-extfile "$w/expired.ext" -in "$w/expired.csr" -out "$w/expired.crt"

# Check what each cert is for, and that the negative ones really fail.
check() { ossl verify -x509_strict "$@"; }
refuse() {
	if openssl verify -x509_strict "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		die "openssl verify $* unexpectedly succeeded"
	fi
}
check -CAfile "$w/ca.crt" -purpose sslserver "$w/sidecar.crt" "$w/gateway.crt"
check -CAfile "$w/ca.crt" -purpose sslclient "$w/gateway.crt" "$w/vk.crt"
check -CAfile "$w/rogue-ca.crt" -purpose sslclient "$w/rogue.crt"
check -CAfile "$w/ca.crt" -purpose sslclient -no_check_time "$w/expired.crt"
check -CAfile "$w/ca.crt" -purpose sslserver "$w/wrongeku.crt"
check -CAfile "$w/ca.crt" -purpose sslclient "$w/noname.crt"
refuse -CAfile "$w/ca.crt" "$w/rogue.crt"
refuse -CAfile "$w/ca.crt" -purpose sslclient "$w/expired.crt"
refuse -CAfile "$w/ca.crt" -purpose sslclient "$w/wrongeku.crt"
refuse -CAfile "$w/ca.crt" -purpose sslclient "$w/sidecar.crt"

for n in ca rogue-ca sidecar gateway vk rogue expired wrongeku noname; do
	chmod 600 "$w/$n.key"
	chmod 644 "$w/$n.crt"
	mv -f "$w/$n.key" "$w/$n.crt" "$out/"
done
