#!/bin/bash
# The sidecar refuses clients without a certificate from its CA; malformed
# bodies get 400 and both daemons stay up.
. "$(dirname "$0")/../lib.sh"

il_start_sidecar sc || exit 1
il_start_gateway gw || exit 1

url=https://localhost:$SC_PORT/status
check "a client with the gateway's certificate gets 200" \
	[ "$(sc_curl /status -o /dev/null -w '%{http_code}' -d '[]')" = 200 ]
check_fails "a client without a certificate is refused" \
	curl -sS -o /dev/null --cacert "$IL_PKI/ca.crt" -d '[]' "$url"
check_fails "a client certificate from another CA is refused" \
	curl -sS -o /dev/null --cacert "$IL_PKI/ca.crt" -d '[]' \
	--cert "$IL_PKI/rogue.crt" --key "$IL_PKI/rogue.key" "$url"
check_fails "a certificate without clientAuth is refused" \
	curl -sS -o /dev/null --cacert "$IL_PKI/ca.crt" -d '[]' \
	--cert "$IL_PKI/wrongeku.crt" --key "$IL_PKI/wrongeku.key" "$url"
check_fails "an expired client certificate is refused" \
	curl -sS -o /dev/null --cacert "$IL_PKI/ca.crt" -d '[]' \
	--cert "$IL_PKI/expired.crt" --key "$IL_PKI/expired.key" "$url"
check_fails "plain http to the TLS port gets no answer" \
	curl -sS -o /dev/null -d '[]' "http://127.0.0.1:$SC_PORT/status"

code() { # METHOD URL BODY [curl args]
	local m=$1 u=$2 b=$3; shift 3
	curl -s -o /dev/null -w '%{http_code}' -X "$m" --data-binary "$b" "$@" "$u"
}
bodies=('{"pod":' '[1,2' 'null' '"str"' '{"pod":{"metadata":{"uid":7}}}' \
	'{"pod":{"metadata":{"name":"x","namespace":"default","uid":"../../etc"},"spec":{"containers":[{"name":"a","image":"i"}]}}}' \
	"$(printf '[%.0s' $(seq 1 5000))")
for path in /create /status /delete /getLogs; do
	for b in "${bodies[@]}"; do
		c=$(code GET "$GW_URL$path" "$b")
		if [ "$path" = /status ] && [ "$b" = null ]; then continue; fi
		if [[ $c != 4* ]]; then
			t_fail "gateway $path answers 4xx to a bad body (got $c for ${b:0:40})"
			continue 2
		fi
	done
	t_ok "gateway $path answers 4xx to malformed bodies"
	for b in "${bodies[@]}"; do
		c=$(code POST "http://unix$path" "$b" --unix-socket "$SC_SOCK")
		if [ "$path" = /status ] && [ "$b" = null ]; then continue; fi
		if [[ $c != 4* ]]; then
			t_fail "sidecar $path answers 4xx to a bad body (got $c for ${b:0:40})"
			continue 2
		fi
	done
	t_ok "sidecar $path answers 4xx to malformed bodies"
done
check "an oversized body gets 413" [ "$(head -c 17000000 /dev/zero |
	tr '\0' ' ' | curl -s -o /dev/null -w '%{http_code}' --data-binary @- \
	"$GW_URL/create")" = 413 ]
check "unknown path gets 404" [ "$(code GET "$GW_URL/nope" '')" = 404 ]
check "the sidecar is still up" kill -0 "$SC_PID"
check "the gateway is still up" kill -0 "$GW_PID"
check "and still answers" ilctl ping

# an identity allow-list: the gateway's certificate, not the VK's
SC_TLS_EXTRA='AllowedClients: ["interlink-api"]' il_start_sidecar allow || exit 1
url=https://localhost:$SC_PORT/status
check "an allowed identity gets 200" \
	[ "$(sc_curl /status -o /dev/null -w '%{http_code}' -d '[]')" = 200 ]
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$IL_PKI/ca.crt" -d '[]' \
	--cert "$IL_PKI/vk.crt" --key "$IL_PKI/vk.key" "$url")
check_eq "a certificate from the right CA with another identity gets 403" 403 "$code"
GW_SERVER_NAME=not-the-sidecar il_start_gateway wrongname || exit 1
out=$(curl -s -w ' %{http_code}' -X POST "$GW_URL/pinglink")
check_match "a gateway expecting another sidecar name refuses the sidecar" \
	'(certificate|SSL|name).* 50[0-9]$' "$out"
check "the unix socket is not subject to the allow-list" \
	[ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SC_SOCK" -d '[]' http://unix/status)" = 200 ]

printf 'InterlinkAddress: "http://0.0.0.0"\nSidecarURL: "unix:///x.sock"\n' >"$W/gwplain.yaml"
check_match "the gateway refuses plain http off loopback" "plain http off loopback" \
	"$("$IL_BUILD/interlink-api" -t -c "$W/gwplain.yaml" 2>&1)"
printf 'AllowPlainHTTP: true\n' >>"$W/gwplain.yaml"
check "unless AllowPlainHTTP says so" "$IL_BUILD/interlink-api" -t -c "$W/gwplain.yaml"
printf 'InterlinkAddress: "http://127.0.0.1"\nSidecarURL: "http://10.1.2.3"\n' >"$W/gwplain2.yaml"
check_match "and a plain http sidecar off loopback" "SidecarURL: .*plain http" \
	"$("$IL_BUILD/interlink-api" -t -c "$W/gwplain2.yaml" 2>&1)"
t_done
