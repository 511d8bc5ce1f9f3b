#!/bin/bash
# -t runs the start-up checks, and a configuration that cannot work stops
# the daemon at once with one line naming the file and the key: a port
# that is no number, a certificate with another's key, a DataRootFolder
# that is a file, a socket in a missing folder, a bearer-token file others
# can read, a broken SidecarTLS key. Typos of known keys get "did you mean".
. "$(dirname "$0")/../lib.sh"
P=$IL_PKI
sc() { # NAME EXTRA: a sidecar file with TLS from the test PKI
	cat >"$W/$1.yaml" <<-YAML
	SidecarAddress: "127.0.0.1"
	SidecarPort: "0"
	AllowRootJobs: true
	StateDirectory: "$W/state-$1"
	DataRootFolder: "$W/pods-$1"
	TLS: {Enabled: true, CertFile: "$P/sidecar.crt", KeyFile: "$P/sidecar.key", CACertFile: "$P/ca.crt"}
	$2
	YAML
}
gw() {
	cat >"$W/$1.yaml" <<-YAML
	InterlinkAddress: "http://127.0.0.1"
	InterlinkPort: "0"
	SidecarURL: "https://127.0.0.1"
	SidecarPort: "4000"
	SidecarTLS: {CertFile: "$P/gateway.crt", KeyFile: "$P/gateway.key", CACertFile: "$P/ca.crt", ServerName: sidecar}
	$2
	YAML
}
# refused TOOL FILE REGEX DESC: -t fails naming file and key, and so does a start
refused() {
	local out rc=0
	out=$("$IL_BUILD/$1" -t -c "$W/$2.yaml" 2>&1) || rc=$?
	check "$4: -t exits non-zero" test "$rc" -ne 0
	check_match "$4: -t names the file and the key" "$W/$2.yaml: $3" "$out"
	rc=0
	out=$(timeout 20 "$IL_BUILD/$1" -c "$W/$2.yaml" 2>&1) || rc=$?
	check_eq "$4: the daemon refuses to start (status 1)" 1 "$rc"
	# (warnings about keys this build does not know yet aside)
	check_eq "$4: ... with one line" 1 "$(grep -v "unknown configuration key" <<<"$out" | grep -c .)"
}

sc good ''
check_match "sidecar: a good file passes -t" 'configuration OK' "$("$IL_BUILD/sidecar-slurm" -t -c "$W/good.yaml" 2>&1)"
sc port ''
sed -i 's/^SidecarPort: "0"/SidecarPort: "abc"/' "$W/port.yaml"
refused sidecar-slurm port "SidecarPort: 'abc' is not a port" "sidecar: SidecarPort abc"
sc pair ''
sed -i "s|KeyFile: \"$P/sidecar.key\"|KeyFile: \"$P/gateway.key\"|" "$W/pair.yaml"
refused sidecar-slurm pair 'TLS.KeyFile: TLS.KeyFile is not the key of TLS.CertFile' "sidecar: a certificate with another's key"
: >"$W/afile"
sc file ''
sed -i "s|^DataRootFolder:.*|DataRootFolder: \"$W/afile\"|" "$W/file.yaml"
refused sidecar-slurm file "DataRootFolder: $W/afile exists and is not a folder" "sidecar: DataRootFolder is a file"
sc sock "Socket: \"unix://$W/missing/run/sidecar.sock\""
refused sidecar-slurm sock "Socket: the socket's folder $W/missing/run: No such file or directory" "sidecar: the socket's folder and its parent are missing"
sc ca ''
sed -i "s|CACertFile: \"$P/ca.crt\"|CACertFile: \"$W/afile\"|" "$W/ca.yaml"
refused sidecar-slurm ca "TLS.CACertFile: $W/afile holds no CA certificate" "sidecar: an empty CA file"

sc typo 'DataRootFolders: "/x"
VerboseLoging: true'
out=$("$IL_BUILD/sidecar-slurm" -t -c "$W/typo.yaml" 2>&1)
check_match "a typo of a known key: did you mean" "unknown configuration key 'DataRootFolders', ignoring; did you mean 'DataRootFolder'\\?" "$out"
check_match "... and for another key" "'VerboseLoging', ignoring; did you mean 'VerboseLogging'" "$out"

gw ggood ''
check_match "gateway: a good file passes -t" 'configuration OK' "$("$IL_BUILD/interlink-api" -t -c "$W/ggood.yaml" 2>&1)"
printf 'tok\n' >"$W/tokens"
chmod 644 "$W/tokens"
gw tok "BearerTokensFile: \"$W/tokens\""
refused interlink-api tok "BearerTokensFile: $W/tokens has mode 0644: others must not read it" "gateway: a token file others can read"
gw gkey ''
sed -i "s|KeyFile: \"$P/gateway.key\"|KeyFile: \"$P/sidecar.key\"|" "$W/gkey.yaml"
refused interlink-api gkey 'SidecarTLS.KeyFile: SidecarTLS.KeyFile is not the key of SidecarTLS.CertFile' "gateway: a broken SidecarTLS key"
gw gport ''
sed -i 's/^InterlinkPort: "0"/InterlinkPort: "x1"/' "$W/gport.yaml"
refused interlink-api gport "InterlinkPort: 'x1' is not a port" "gateway: InterlinkPort x1"
t_done
