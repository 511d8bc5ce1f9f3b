#!/bin/bash
# gen-certs.sh DIR - make the test PKI (ECDSA P-256, PKCS#8 keys, mode 0600)
# with tools/interlink-certs.sh (the installed interlink-certs).
#
#   ca.crt/.key          test CA
#   sidecar.crt/.key     CN=sidecar; SAN DNS:sidecar, DNS:localhost, IP:127.0.0.1; serverAuth
#   gateway.crt/.key     CN=interlink-api; SAN DNS:interlink, DNS:localhost, IP:127.0.0.1;
#                        serverAuth + clientAuth (server cert and client cert to the sidecar)
#   vk.crt/.key          CN=virtual-kubelet; clientAuth
#   rogue-ca.crt/.key    another CA
#   rogue.crt/.key       CN=interlink-api from the rogue CA; clientAuth
#   expired.crt/.key     CN=interlink-api, real CA, clientAuth, valid 2020-01-01..2021-01-01
#   wrongeku.crt/.key    CN=interlink-api, SAN DNS:localhost, real CA, serverAuth only
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

# The real certificates come from the installed tool's source
# (tools/interlink-certs.sh); only the expired one needs `openssl ca` here.
certs() { "$src/tools/interlink-certs.sh" -d "$out" --force --days 3650 "$@" >/dev/null; }
src=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
certs --cn "interlink test CA" ca
certs --ca rogue-ca --cn "rogue test CA" ca
certs sidecar --san DNS:sidecar,DNS:localhost,IP:127.0.0.1
certs gateway --san DNS:interlink,DNS:localhost,IP:127.0.0.1
certs --cn virtual-kubelet vk vk
certs --ca rogue-ca --cn interlink-api issue rogue --usage client
certs --cn interlink-api issue wrongeku --usage server --san DNS:localhost

# Work in a private temp dir inside DIR for the rest.
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
key() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$w/$1.key"; }
ext() {
	{
		echo "basicConstraints=critical,CA:FALSE"
		echo "keyUsage=critical,digitalSignature"
		echo "extendedKeyUsage=$2"
		echo "subjectKeyIdentifier=hash"
		echo "authorityKeyIdentifier=keyid"
	} >"$w/$1.ext"
}
cp "$out/ca.crt" "$out/ca.key" "$w/"

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

# noname: a subject without a CN and no SAN (TLS.AllowedClients refuses it)
key noname
ossl req -new -key "$w/noname.key" -out "$w/noname.csr" -subj "/O=interlink tests"
ext noname clientAuth
ossl x509 -req -in "$w/noname.csr" -CA "$w/ca.crt" -CAkey "$w/ca.key" \
	-CAserial "$w/ca.srl" -CAcreateserial -out "$w/noname.crt" -days 3650 -sha256 \
	-extfile "$w/noname.ext"

# Check what each cert is for, and that the negative ones really fail.
check() { ossl verify -x509_strict "$@"; }
refuse() {
	if openssl verify -x509_strict "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		die "openssl verify $* unexpectedly succeeded"
	fi
}
check -CAfile "$out/ca.crt" -purpose sslserver "$out/sidecar.crt" "$out/gateway.crt"
check -CAfile "$out/ca.crt" -purpose sslclient "$out/gateway.crt" "$out/vk.crt"
check -CAfile "$out/rogue-ca.crt" -purpose sslclient "$out/rogue.crt"
check -CAfile "$out/ca.crt" -purpose sslclient -no_check_time "$w/expired.crt"
check -CAfile "$out/ca.crt" -purpose sslserver "$out/wrongeku.crt"
check -CAfile "$out/ca.crt" -purpose sslclient "$w/noname.crt"
refuse -CAfile "$out/ca.crt" "$out/rogue.crt"
refuse -CAfile "$out/ca.crt" -purpose sslclient "$w/expired.crt"
refuse -CAfile "$out/ca.crt" -purpose sslclient "$out/wrongeku.crt"
refuse -CAfile "$out/ca.crt" -purpose sslclient "$out/sidecar.crt"

chmod 600 "$w/expired.key" "$w/noname.key"
chmod 644 "$w/expired.crt" "$w/noname.crt"
mv -f "$w/expired.key" "$w/expired.crt" "$w/noname.key" "$w/noname.crt" "$out/"
