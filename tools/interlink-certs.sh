#!/bin/bash
# interlink-certs - the certificates of an interLink deployment (openssl).
# Installed as `interlink-certs`; the manual is interlink-certs(1).
#
#   interlink-certs [-d DIR] [OPTIONS] ca
#   interlink-certs [-d DIR] [OPTIONS] sidecar --san SAN[,SAN...]
#   interlink-certs [-d DIR] [OPTIONS] gateway --san SAN[,SAN...]
#   interlink-certs [-d DIR] [OPTIONS] vk NAME
#   interlink-certs [-d DIR] [OPTIONS] issue NAME --usage server|client|both
#   interlink-certs [-d DIR] check [FILE.crt...]
#
# Keys are ECDSA P-256 (or RSA 3072 with --rsa), PKCS#8 PEM, mode 0600;
# certificates are PEM, mode 0644. Existing files are never replaced
# without --force. Everything is written to a private temp dir in DIR first
# and moved into place when openssl has succeeded.
set -euo pipefail
umask 077

prog=interlink-certs
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }
usage() {
	cat <<'EOF'
Usage: interlink-certs [-d DIR] [OPTIONS] COMMAND [ARGS]
Make and check the certificates of an interLink deployment.

Commands:
  ca                     a CA: ca.crt, ca.key
  sidecar --san SANS     sidecar-slurm's server certificate: sidecar.crt/.key
  gateway --san SANS     interlink-api's certificate, server (for the
                         virtual-kubelet) and client (to the sidecar):
                         gateway.crt/.key
  vk NAME                a virtual-kubelet (or ilctl) client certificate:
                         NAME.crt/.key, CN=NAME
  issue NAME --usage server|client|both [--san SANS]
                         any other leaf certificate
  check [FILE.crt...]    say which peer accepts each certificate (all in
                         DIR by default) and when it expires; exit 1 when
                         one is expired, does not match its key, is not
                         signed by the CA, or has a key readable by others

Options:
  -d, --dir DIR    folder of the files (default /etc/interlink/tls)
  --ca NAME        the CA's file name in DIR without .crt/.key (default ca)
  --cn NAME        the subject's common name (defaults: "interLink CA",
                   sidecar, interlink-api, the vk's NAME)
  --san SANS       subjectAltName, e.g. DNS:hpc-login.example.org,IP:10.0.0.5
                   (a bare name means DNS:name)
  --days N         lifetime of a leaf certificate (default 397)
  --ca-days N      lifetime of the CA (default 3650)
  --rsa            RSA 3072 keys instead of ECDSA P-256
  --force          replace existing files
  -h, --help       this text
EOF
}

dir=/etc/interlink/tls ca=ca cn='' san='' days=397 ca_days=3650 rsa='' force='' usage_kind=''
args=()
while (($#)); do
	case $1 in
	-d | --dir) dir=${2:?}; shift 2 ;;
	--ca) ca=${2:?}; shift 2 ;;
	--cn) cn=${2:?}; shift 2 ;;
	--san) san=${2:?}; shift 2 ;;
	--days) days=${2:?}; shift 2 ;;
	--ca-days) ca_days=${2:?}; shift 2 ;;
	--usage) usage_kind=${2:?}; shift 2 ;;
	--rsa) rsa=1; shift ;;
	--force) force=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; args+=("$@"); break ;;
	-*) usage >&2; printf '%s: unknown option %s\n' "$prog" "$1" >&2; exit 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
((${#args[@]})) || { usage >&2; exit 2; }
cmd=${args[0]}
[[ $days =~ ^[1-9][0-9]{0,4}$ ]] || die "--days: '$days' is not a number of days"
[[ $ca_days =~ ^[1-9][0-9]{0,4}$ ]] || die "--ca-days: '$ca_days' is not a number of days"
command -v openssl >/dev/null || die "openssl not found"

# A file name: letters, digits, dot, dash, underscore; no leading dot.
check_name() {
	[[ $1 =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$ ]] || die "'$1' is not a usable file name"
}
check_name "$ca"

# SANS -> the subjectAltName value (bare names become DNS:).
san_value() {
	local out='' s
	local -a parts
	IFS=, read -ra parts <<<"$1"
	for s in "${parts[@]}"; do
		s=${s// /}
		[[ -n $s ]] || continue
		case $s in
		DNS:* | IP:* | URI:* | email:*) ;;
		*) if [[ $s =~ ^[0-9.]+$ || $s == *:* ]]; then s=IP:$s; else s=DNS:$s; fi ;;
		esac
		[[ $s =~ ^(DNS|IP|URI|email):[A-Za-z0-9._:/*@-]+$ ]] || die "--san: '$s' is not a name"
		out+=${out:+,}$s
	done
	printf '%s' "$out"
}

w='' log=''
start() {
	mkdir -p -- "$dir" || die "cannot create '$dir'"
	dir=$(cd -- "$dir" && pwd -P)
	w=$(mktemp -d "$dir/.$prog.XXXXXX")
	trap 'rm -rf -- "$w"' EXIT
	log=$w/openssl.log
}
ossl() {
	if ! openssl "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		die "openssl $1 failed"
	fi
}
key() {
	if [[ -n $rsa ]]; then
		ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$w/$1.key"
	else
		ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$w/$1.key"
	fi
}
# Refuse to replace NAME.crt/.key without --force.
fresh() {
	[[ -n $force ]] && return 0
	for f in "$dir/$1.crt" "$dir/$1.key"; do
		[[ ! -e $f ]] || die "$f exists (--force replaces it)"
	done
}
# Move NAME.crt/.key from the temp dir into DIR with their modes.
put() {
	chmod 600 "$w/$1.key"
	chmod 644 "$w/$1.crt"
	mv -f -- "$w/$1.key" "$dir/$1.key"
	mv -f -- "$w/$1.crt" "$dir/$1.crt"
	printf '%s: wrote %s/%s.crt and %s.key\n' "$prog" "$dir" "$1" "$1"
}
serial() { printf '0x4%s' "$(openssl rand -hex 15)"; }

make_ca() {
	fresh "$ca"
	key "$ca"
	ossl req -new -x509 -key "$w/$ca.key" -out "$w/$ca.crt" -days "$ca_days" -sha256 \
		-set_serial "$(serial)" -subj "/CN=${cn:-interLink CA}" \
		-addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-addext "subjectKeyIdentifier=hash"
	put "$ca"
}

# leaf NAME CN EKU SAN
leaf() {
	local name=$1 lcn=$2 eku=$3 lsan=$4
	check_name "$name"
	[[ -f $dir/$ca.crt && -f $dir/$ca.key ]] || die "no CA in $dir ($ca.crt, $ca.key): run '$prog -d $dir ca' first"
	fresh "$name"
	key "$name"
	ossl req -new -key "$w/$name.key" -out "$w/$name.csr" -subj "/CN=$lcn"
	{
		echo "basicConstraints=critical,CA:FALSE"
		echo "keyUsage=critical,digitalSignature"
		echo "extendedKeyUsage=$eku"
		echo "subjectKeyIdentifier=hash"
		echo "authorityKeyIdentifier=keyid"
		[[ -z $lsan ]] || echo "subjectAltName=$lsan"
	} >"$w/$name.ext"
	ossl x509 -req -in "$w/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" \
		-set_serial "$(serial)" -out "$w/$name.crt" -days "$days" -sha256 \
		-extfile "$w/$name.ext"
	ossl verify -x509_strict -CAfile "$dir/$ca.crt" "$w/$name.crt"
	put "$name"
}

need_san() { [[ -n $san ]] || die "$1: --san is required (the names the peers use to reach it)"; }

# ---- check ----------------------------------------------------------------
bad=0
problem() { printf '  PROBLEM: %s\n' "$*"; bad=1; }

check_one() {
	local crt=$1 base=${1%.crt} text subj sanl eku end now endt left isca=''
	text=$(openssl x509 -in "$crt" -noout -text 2>/dev/null) || { printf '%s: not a PEM certificate\n' "$crt"; bad=1; return; }
	subj=$(openssl x509 -in "$crt" -noout -subject -nameopt RFC2253 2>/dev/null | sed 's/^subject=//')
	end=$(openssl x509 -in "$crt" -noout -enddate | sed 's/^notAfter=//')
	endt=$(date -u -d "$end" +%s 2>/dev/null || echo 0)
	now=$(date -u +%s)
	left=$(((endt - now) / 86400))
	if grep -q 'CA:TRUE' <<<"$text"; then isca=1; fi
	sanl=$(grep -A1 'X509v3 Subject Alternative Name' <<<"$text" | tail -n1 | sed 's/^ *//; s/IP Address:/IP:/g' || true)
	[[ $sanl != *'Subject Alternative'* ]] || sanl=''
	eku=$(grep -A1 'X509v3 Extended Key Usage' <<<"$text" | tail -n1 | sed 's/^ *//' || true)
	[[ $eku != *'Extended Key'* ]] || eku=''
	printf '%s: %s%s\n' "$crt" "$subj" "${isca:+ (a CA)}"
	if ((endt <= now)); then
		problem "expired on $end"
	else
		printf '  expires %s (in %d days)\n' "$(date -u -d "$end" +%F)" "$left"
		((left >= 30)) || printf '  WARNING: renew it within %d days\n' "$left"
	fi
	if [[ -f $base.key ]]; then
		local mode kp cp
		mode=$(stat -c %a "$base.key")
		if [[ ! $mode =~ ^[0-7]?[0-7][0-7]0$ ]]; then
			problem "$base.key has mode $mode; others must not be able to read it (chmod 600)"
		elif [[ ! $mode =~ ^[0-7]?[0-7]00$ ]]; then
			printf '  note: group %s can read %s (mode %s)\n' "$(stat -c %G "$base.key")" "$base.key" "$mode"
		fi
		kp=$(openssl pkey -in "$base.key" -pubout 2>/dev/null) || kp=''
		cp=$(openssl x509 -in "$crt" -noout -pubkey 2>/dev/null) || cp=''
		if [[ -z $kp ]]; then problem "$base.key is not a readable private key"
		elif [[ $kp != "$cp" ]]; then problem "$base.key does not belong to this certificate"
		else printf '  key %s matches (mode %s)\n' "$base.key" "$mode"; fi
	fi
	if [[ -n $isca ]]; then
		printf '  trusted by the peers whose CACertFile holds it\n'
		return
	fi
	if [[ ! -f $cafile ]]; then
		problem "no CA file $cafile to check it against"
		return
	fi
	if ! openssl verify -x509_strict -no_check_time -CAfile "$cafile" "$crt" >/dev/null 2>&1; then
		problem "not signed by $cafile: no peer trusting that CA accepts it"
		return
	fi
	local served=''
	if openssl verify -x509_strict -no_check_time -purpose sslserver -CAfile "$cafile" "$crt" >/dev/null 2>&1; then
		served=1
		printf '  as a server certificate: accepted by clients trusting %s' "${cafile##*/}"
		printf ' (interlink-api SidecarTLS.CACertFile, the virtual-kubelet, ilctl --cacert)\n'
		if [[ -n $sanl ]]; then
			printf '    for the names %s (SidecarTLS.ServerName / the URL host must be one)\n' "$sanl"
		else
			problem "no subjectAltName: TLS clients will not accept it for any host name"
		fi
	fi
	if openssl verify -x509_strict -no_check_time -purpose sslclient -CAfile "$cafile" "$crt" >/dev/null 2>&1; then
		printf '  as a client certificate: accepted by servers trusting %s' "${cafile##*/}"
		printf ' (sidecar-slurm TLS.CACertFile, interlink-api TLS.CACertFile)\n'
		printf '    AllowedClients must list %s or a SAN, when set\n' "$(sed -n 's/.*CN=\([^,]*\).*/\1/p' <<<"$subj")"
	elif [[ -z $served ]]; then
		problem "neither serverAuth nor clientAuth ($eku): no peer accepts it"
	else
		printf '  not a client certificate (no clientAuth): the sidecar refuses it from a client\n'
	fi
}

case $cmd in
ca)
	((${#args[@]} == 1)) || die "ca takes no argument"
	start
	make_ca
	;;
sidecar)
	((${#args[@]} == 1)) || die "sidecar takes no argument (the names go in --san)"
	need_san sidecar
	start
	leaf sidecar "${cn:-sidecar}" serverAuth "$(san_value "$san")"
	;;
gateway)
	((${#args[@]} == 1)) || die "gateway takes no argument (the names go in --san)"
	need_san gateway
	start
	leaf gateway "${cn:-interlink-api}" serverAuth,clientAuth "$(san_value "$san")"
	;;
vk)
	((${#args[@]} == 2)) || die "usage: vk NAME"
	start
	leaf "${args[1]}" "${cn:-${args[1]}}" clientAuth "$( [[ -z $san ]] || san_value "$san")"
	;;
issue)
	((${#args[@]} == 2)) || die "usage: issue NAME --usage server|client|both"
	case $usage_kind in
	server) eku=serverAuth ;;
	client) eku=clientAuth ;;
	both) eku=serverAuth,clientAuth ;;
	*) die "issue: --usage must be server, client or both" ;;
	esac
	[[ $eku == clientAuth || -n $san ]] || die "issue: a server certificate needs --san"
	start
	leaf "${args[1]}" "${cn:-${args[1]}}" "$eku" "$( [[ -z $san ]] || san_value "$san")"
	;;
check)
	cafile=$dir/$ca.crt
	files=("${args[@]:1}")
	if ((${#files[@]} == 0)); then
		shopt -s nullglob
		files=("$dir"/*.crt)
		((${#files[@]})) || die "no certificates in $dir"
	fi
	for f in "${files[@]}"; do
		[[ -f $f ]] || { printf '%s: no such file\n' "$f"; bad=1; continue; }
		check_one "$f"
	done
	exit "$bad"
	;;
*)
	usage >&2
	die "unknown command '$cmd'"
	;;
esac
